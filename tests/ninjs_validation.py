"""Validators of ninjs documents with IPTC's own schemas, as vendored in vendor/iptc-ninjs/.

The IPTC schemas refer to GeoJSON's by its address: the vendored copy answers for it, so
nothing is fetched. Formats (`uri`, `date-time`) are checked, not only types.
"""

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from cms.serving import ninjs

VENDOR = Path(settings.BASE_DIR) / "vendor" / "iptc-ninjs"
SUITE = VENDOR / "validation" / "test_suite"


def read(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


@cache
def registry():
    schemas = [VENDOR / "specification" / f"ninjs-schema_{v}.json" for v in ninjs.VERSIONS]
    schemas.append(SUITE / "GeoJSON-schema.json")
    resources = []
    for path in schemas:
        contents = read(path)
        resources.append((contents["$id"].rstrip("#"), Resource.from_contents(contents)))
    return Registry().with_resources(resources)


@cache
def core(version):
    """The validator of plain IPTC ninjs `version`."""
    schema = read(VENDOR / "specification" / f"ninjs-schema_{version}.json")
    return Draft202012Validator(
        schema, registry=registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def extended(version):
    """The validator of ninjs `version` with this publication's `aigc:` extension."""
    return Draft202012Validator(
        ninjs.extension_schema(version),
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def without_extension(document):
    return {k: v for k, v in document.items() if not k.startswith(ninjs.EXTENSION_PREFIX)}


def problems(document, version):
    """Every way `document` fails ninjs `version` with the extension, and plain ninjs
    once the extension's properties are taken out; [] when it is valid both ways."""
    found = [
        f"{list(e.absolute_path)}: {e.message}" for e in extended(version).iter_errors(document)
    ]
    found += [
        f"core {list(e.absolute_path)}: {e.message}"
        for e in core(version).iter_errors(without_extension(document))
    ]
    return found
