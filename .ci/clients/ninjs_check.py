"""Every demo story's ninjs, as a partner reads it from a running server, validated with
IPTC's own schemas (vendored in vendor/iptc-ninjs/) by jsonschema, a validator nobody here
wrote: each language version, in ninjs 2.2 and 3.1, against the extension schema the
server publishes (which takes in the whole IPTC schema) and, without the `aigc:`
properties, against plain IPTC ninjs. The server's schema must also refuse what IPTC's
test suite says must fail.

Usage: python .ci/clients/ninjs_check.py http://127.0.0.1:8733
"""

import json
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

VENDOR = Path(__file__).resolve().parents[2] / "vendor" / "iptc-ninjs"
VERSIONS = ("2.2", "3.1")
STORIES = """query($after: String) { stories(first: 100, after: $after) {
  edges { node { slug availableLanguages } } pageInfo { hasNextPage endCursor } } }"""


def get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def stories(base):
    found, after = [], None
    while True:
        query = urllib.parse.urlencode(
            {"query": STORIES, "variables": json.dumps({"after": after})}
        )
        page = get(f"{base}/graphql?{query}")["data"]["stories"]
        found += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def registry():
    paths = [VENDOR / "specification" / f"ninjs-schema_{v}.json" for v in VERSIONS]
    paths.append(VENDOR / "validation" / "test_suite" / "GeoJSON-schema.json")
    schemas = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    return Registry().with_resources(
        (schema["$id"].rstrip("#"), Resource.from_contents(schema)) for schema in schemas
    )


def validator(schema, found):
    return Draft202012Validator(
        schema, registry=found, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def main(base):
    base = base.rstrip("/")
    found = registry()
    core, extended = {}, {}
    for version in VERSIONS:
        iptc = json.loads(
            (VENDOR / "specification" / f"ninjs-schema_{version}.json").read_text("utf-8")
        )
        core[version] = validator(iptc, found)
        extended[version] = validator(get(f"{base}/ninjs/schema/{version}.json"), found)
        for case in sorted((VENDOR / "validation" / "test_suite" / version).glob("*/*.json")):
            document = json.loads(case.read_text("utf-8"))
            refused = bool(list(extended[version].iter_errors(document)))
            if refused != (case.parent.name == "should_fail"):
                sys.exit(f"the served {version} schema gets IPTC's {case.name} wrong")
    problems, checked = [], 0
    for story in stories(base):
        for code in story["availableLanguages"]:
            for version in VERSIONS:
                url = f"{base}/ninjs/{code}/{story['slug']}.json?version={version}"
                document = get(url)
                plain = {k: v for k, v in document.items() if not k.startswith("aigc:")}
                errors = list(extended[version].iter_errors(document))
                errors += list(core[version].iter_errors(plain))
                problems += [f"{url}: {error.message}" for error in errors]
                checked += 1
    for problem in problems:
        print(problem)
    if problems or checked == 0:
        sys.exit(f"{len(problems)} problem(s) in {checked} ninjs documents")
    print(f"{checked} ninjs documents valid (IPTC ninjs {' and '.join(VERSIONS)})")


if __name__ == "__main__":
    main(sys.argv[1])
