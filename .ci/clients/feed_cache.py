"""CacheControl (an RFC 9111 cache for requests, as partners' fetchers keep feeds) on every
public feed, a tag feed and the sitemaps: the first fetch goes to the server and is stored
for the freshness the answer states; fetching again within it is answered from the cache
without contacting the server, with the same bytes; and a cache that must revalidate
(`Cache-Control: max-age=0` from the client) gets a 304 for its validator, not the feed again.

Usage: python feed_cache.py http://127.0.0.1:8733
"""

import re
import sys

import requests
from cachecontrol import CacheControl
from requests.adapters import HTTPAdapter

base = sys.argv[1] if len(sys.argv) > 1 else None
if not base:
    sys.exit("usage: python feed_cache.py <server-url>")

sent = []
_send = HTTPAdapter.send


def counting_send(self, request, *args, **kwargs):
    """Every request that reaches the network (what the cache could not answer)."""
    sent.append(request)
    return _send(self, request, *args, **kwargs)


HTTPAdapter.send = counting_send

PATHS = [
    f"/feeds/{language}/{name}"
    for language in ("en", "zh-hans")
    for name in ("rss.xml", "atom.xml", "feed.json")
] + ["/feeds/en/atom.xml?tag=security", "/sitemap.xml", "/sitemaps/news-zh-hans.xml"]

failures = []


def check(name, ok, detail=""):
    print(("ok " if ok else "FAILED ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


for path in PATHS:
    session = CacheControl(requests.Session())
    sent.clear()
    first = session.get(base + path, timeout=10)
    check(f"{path} answers 200", first.status_code == 200, first.status_code)
    control = first.headers.get("Cache-Control", "")
    max_age = re.search(r"(?:^|[ ,])max-age=(\d+)", control)
    check(f"{path} states its freshness", max_age and int(max_age.group(1)) > 0, control)
    check(f"{path} has a validator", "ETag" in first.headers, dict(first.headers))
    again = session.get(base + path, timeout=10)
    check(
        f"{path} again is answered from the cache, not the server",
        len(sent) == 1 and again.from_cache and again.content == first.content,
        f"{len(sent)} requests sent",
    )
    revalidated = session.get(base + path, headers={"Cache-Control": "max-age=0"}, timeout=10)
    conditional = sent[-1].headers.get("If-None-Match") if len(sent) == 2 else None
    check(
        f"{path} revalidates with its ETag and keeps the stored bytes",
        conditional == first.headers["ETag"] and revalidated.content == first.content,
        f"{len(sent)} requests sent, If-None-Match {conditional!r}",
    )

print(f"{len(PATHS) * 5 - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
