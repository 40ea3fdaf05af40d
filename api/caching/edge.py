"""What an edge cache (Varnish, Fastly, Cloudflare, Akamai) is told about a public answer.

An answer's dependencies in the response cache ("story:12", "tag:3", "stories") become its
surrogate keys: `Surrogate-Key` (space-separated: Varnish xkey, Fastly, Akamai) and
`Cache-Tag` (comma-separated: Cloudflare). A purge names the same keys (api/caching/purge.py),
so an edit evicts exactly the answers it changed. Edge lifetimes are separate from the
browser's: `Surrogate-Control` (Varnish, Fastly, Akamai) and `CDN-Cache-Control` (RFC 9213,
Cloudflare) carry `max-age`, `stale-while-revalidate` and `stale-if-error`. With a purge
backend an answer stays at the edge for CMS_EDGE_MAX_AGE (purges keep it right), unless it
expires early (a scheduled story goes live) or shows view counts (CMS_COUNTERS_MAX_AGE at
most); without one, no longer than shared caches are told (`s-maxage`).

Keys are kept within what providers accept: at most CMS_EDGE_MAX_KEYS keys (Akamai takes
128 tags per object) and a header of at most CMS_EDGE_MAX_HEADER_BYTES (Cloudflare about
16 KB). Past that, the most numerous family of keys is replaced by its broad key
("story:1 story:2 …" becomes "stories"), which every purge of one of its members also names.
"""

import functools
import hashlib
import math
import re
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed

from api.caching.versions import next_publication_at

# Broad keys: every change to one member also purges its family's key.
FAMILIES = {"story": "stories", "tag": "tags"}
# Keys providers accept as they are; anything else (long or odd) is hashed to a short token.
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$")


def token(dependency):
    """The edge key of one dependency: itself when short and plain, else `h-` and a hash."""
    if _PLAIN.match(dependency):
        return dependency
    return "h-" + hashlib.sha256(dependency.encode()).hexdigest()[:16]


def family(dependency):
    """The broad key standing for `dependency` when an answer has too many keys."""
    name, separator, _rest = dependency.partition(":")
    if not separator:
        return None
    return FAMILIES.get(name, f"{name}:all")


def purge_keys(dependencies):
    """The edge keys a change to `dependencies` must purge: theirs and their families'."""
    keys = set()
    for dependency in dependencies:
        keys.add(token(dependency))
        broad = family(dependency)
        if broad is not None:
            keys.add(token(broad))
    return sorted(keys)


def _within_bounds(keys):
    return (
        len(keys) <= settings.CMS_EDGE_MAX_KEYS
        and len(" ".join(keys)) <= settings.CMS_EDGE_MAX_HEADER_BYTES
        and len(",".join(keys)) <= settings.CMS_EDGE_MAX_HEADER_BYTES
    )


def answer_keys(dependencies):
    """An answer's edge keys, sorted, within the providers' bounds."""
    names = set(dependencies)
    while True:
        keys = sorted({token(name) for name in names})
        if _within_bounds(keys):
            return keys
        counts = Counter(family(name) for name in names if family(name) is not None)
        if not counts:
            # Nothing left to fold: keep as many keys as fit (never reached with real deps).
            while keys and not _within_bounds(keys):
                keys.pop()
            return keys
        broad, _count = counts.most_common(1)[0]
        names = {name for name in names if family(name) != broad} | {broad}


SHORT_LIVED = "edge_short_lived"
COUNTED = "edge_counted"


def lifetime_note(lifetime, counted=False):
    """What a new cache entry records for the edge: whether it expires early, and whether
    it shows view or share counts.

    An answer that expires before the response cache's usual timeout (a story goes live
    then) may not outlive that at the edge either; one that shows counts stays at the
    edge CMS_COUNTERS_MAX_AGE at most, since no purge follows its counts; any other
    answer stays right until a change purges it.
    """
    return {SHORT_LIVED: lifetime < settings.CMS_RESPONSE_CACHE_TIMEOUT, COUNTED: counted}


@dataclass(frozen=True)
class _Settings:
    """The edge settings every cache hit reads, read once (a read of a setting costs about
    a microsecond, and a hit read nine); forgotten when a setting changes (`connect`)."""

    purge_backend: str
    max_age: int
    counters_max_age: int
    max_keys: int
    max_header_bytes: int
    # The `stale-while-revalidate=…, stale-if-error=…` that ends every edge lifetime.
    stale: str


@functools.cache
def _settings():
    return _Settings(
        purge_backend=settings.CMS_EDGE_PURGE_BACKEND,
        max_age=settings.CMS_EDGE_MAX_AGE,
        counters_max_age=settings.CMS_COUNTERS_MAX_AGE,
        max_keys=settings.CMS_EDGE_MAX_KEYS,
        max_header_bytes=settings.CMS_EDGE_MAX_HEADER_BYTES,
        stale=(
            f"stale-while-revalidate={settings.CMS_EDGE_STALE_WHILE_REVALIDATE}, "
            f"stale-if-error={settings.CMS_EDGE_STALE_IF_ERROR}"
        ),
    )


def _forget_settings(**kwargs):
    _settings.cache_clear()


def connect():
    # Tests that override settings must not be answered with the ones before.
    setting_changed.connect(_forget_settings, dispatch_uid="edge-settings")


def edge_max_age(remaining, shared_max_age, short_lived):
    """Seconds an edge may keep an answer that the response cache keeps `remaining` more."""
    conf = _settings()
    if conf.purge_backend == "none":
        # Nothing will purge an edge: keep to what shared caches are told.
        return min(conf.max_age, shared_max_age, remaining)
    if short_lived:
        return min(conf.max_age, remaining)
    return conf.max_age


def edge_control(max_age):
    """The `Surrogate-Control` / `CDN-Cache-Control` value for an edge lifetime."""
    return f"max-age={max(0, max_age)}, {_settings().stale}"


def public_control(max_age, shared_max_age):
    """The `Cache-Control` of a public answer: browsers keep it `max_age` seconds, shared
    caches without a purge `shared_max_age` (edges read `Surrogate-Control` instead)."""
    return (
        f"public, max-age={max(0, max_age)}, s-maxage={max(0, shared_max_age)}, "
        f"stale-while-revalidate={settings.CMS_HTTP_STALE_WHILE_REVALIDATE}"
    )


def headers(request, entry, remaining):
    """The surrogate keys and edge lifetimes of a cached public answer's response, which
    the response cache keeps `remaining` more seconds.

    Only a public, successful GET of a cached answer whose dependencies were recorded is
    edge-cacheable: keyed and preview answers never come here (they are private), errors
    are never cached entries, and an entry without recorded dependencies (its content
    changed while it was computed) could not be purged.
    """
    if request.method != "GET" or entry.status != 200 or not entry.dependencies:
        return []
    conf = _settings()
    surrogate_key, cache_tag = _key_headers(
        tuple(entry.dependencies), conf.max_keys, conf.max_header_bytes
    )
    max_age = edge_max_age(remaining, entry.shared_max_age, entry.extra.get(SHORT_LIVED, True))
    if entry.extra.get(COUNTED):
        max_age = min(max_age, conf.counters_max_age)
    control = edge_control(max_age)
    return [
        ("Surrogate-Key", surrogate_key),
        ("Cache-Tag", cache_tag),
        ("Surrogate-Control", control),
        ("CDN-Cache-Control", control),
    ]


@functools.lru_cache(maxsize=1024)
def _key_headers(dependencies, max_keys, max_header_bytes):
    """`Surrogate-Key` and `Cache-Tag` of an answer with `dependencies`, within the bounds
    `answer_keys` reads from the settings: remembered, since every hit of an answer sends
    the same two; the bounds are arguments so that a changed setting is not answered from
    what was remembered before."""
    keys = answer_keys(dependencies)
    return " ".join(keys), ",".join(keys)


# A feed lists the newest stories with their tags' and sources' names.
FEED_DEPENDENCIES = ("stories", "tags", "source:all")


def apply_to_feed(request, response):
    """Caching headers for a feed: public ones keyed like lists, told the same lifetimes as
    a GraphQL answer (`Cache-Control` for browsers and shared caches, `Surrogate-Control`
    for edges), none past the next scheduled publication; keyed feeds never shared."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    # A keyed feed: a header, or a feed token (`?token=`, see
    # api.graphql_http.auth.authenticate_feed).
    if "Authorization" in request.headers or getattr(request, "feed_is_private", False):
        response["Cache-Control"] = "private, no-store"
        return response
    remaining = settings.CMS_EDGE_MAX_AGE
    next_publication = next_publication_at()
    if next_publication is not None:
        remaining = min(remaining, max(1, math.ceil(next_publication - time.time())))
    response["Cache-Control"] = public_control(
        min(settings.CMS_HTTP_MAX_AGE, remaining), min(settings.CMS_HTTP_SHARED_MAX_AGE, remaining)
    )
    keys = answer_keys(FEED_DEPENDENCIES)
    response["Surrogate-Key"] = " ".join(keys)
    response["Cache-Tag"] = ",".join(keys)
    control = edge_control(
        edge_max_age(remaining, settings.CMS_HTTP_SHARED_MAX_AGE, next_publication is not None)
    )
    response["Surrogate-Control"] = control
    response["CDN-Cache-Control"] = control
    return response
