"""A partner's sync client, written as a partner would: standard library only, the plain
HTTP JSON form (`GET /sync`), nothing of this project imported.

It mirrors everything its key may read, page by page, then checks the copy against the
public GraphQL API: the same stories, in the same languages, with the same titles. Then
it asks once more with its last token and expects an empty, up-to-date page.

    python sync-mirror.py http://127.0.0.1:8733 ank_…
"""

import json
import sys
import urllib.parse
import urllib.request


def get(url, key=None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
        assert r.headers["Content-Type"].startswith("application/json"), r.headers
        return json.load(r)


def mirror(base, key):
    copy, token, pages = {}, None, 0
    while True:
        query = {"first": "7", **({"token": token} if token else {})}
        page = get(f"{base}/sync?{urllib.parse.urlencode(query)}", key)
        pages += 1
        for item in page["items"]:
            where = (item["storyId"], item["language"])
            if item["type"] == "upsert":
                copy[where] = item["version"]
            elif item["type"] == "tombstone":
                copy.pop(where, None)
            else:
                raise AssertionError(f"unknown item type {item['type']!r}")
        token = page["nextToken"]
        if not page["hasMore"]:
            return copy, token, pages


def published(base, language):
    """(slug, language) to title of every story the API lists in `language`."""
    found, after = {}, None
    query = (
        "query($language: String, $after: String) { stories(language: $language, "
        "first: 50, after: $after) { edges { node { slug language title } } "
        "pageInfo { hasNextPage endCursor } } }"
    )
    while True:
        variables = json.dumps({"language": language, "after": after})
        params = urllib.parse.urlencode({"query": query, "variables": variables})
        stories = get(f"{base}/graphql?{params}")["data"]["stories"]
        for edge in stories["edges"]:
            node = edge["node"]
            if node["language"] == language:  # not a fallback
                found[(node["slug"], language)] = node["title"]
        if not stories["pageInfo"]["hasNextPage"]:
            return found
        after = stories["pageInfo"]["endCursor"]


def main(base, key):
    copy, token, pages = mirror(base, key)
    held = {(v["slug"], v["language"]): v["title"] for v in copy.values()}
    expected = {**published(base, "en"), **published(base, "zh-hans")}
    assert held == expected, {
        "missing": sorted(set(expected) - set(held)),
        "extra": sorted(set(held) - set(expected)),
        "different": sorted(k for k in held.keys() & expected.keys() if held[k] != expected[k]),
    }
    later = get(f"{base}/sync?{urllib.parse.urlencode({'token': token})}", key)
    assert later == {"items": [], "nextToken": later["nextToken"], "hasMore": False}, later
    print(f"sync mirror: {len(held)} story versions in {pages} pages, equal to the API's")


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), sys.argv[2])
