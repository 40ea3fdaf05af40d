"""The response cache: encoded answers of public reads, invalidated by what they depend on.

An answer records the dependencies its resolvers touched ("story:12", "tag:3", "stories"
for any list) with their versions. Editing content bumps the versions of what it changes,
in the shared cache, once its transaction commits; an answer is served only while every
version it recorded is still current, so an edit through one process is seen by all.
"""

import dataclasses
import hashlib
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from api.caching import counted, edge, keys, purge
from cms import counters
from cms.models import Story

GLOBAL = "v:global"
NEXT_PUBLISH = "next-publish"


def _version_key(dependency):
    return f"v:{dependency}"


@dataclass
class Entry:
    """A cached answer: body bytes, status, media type, ETag, dependencies and expiry."""

    body: bytes
    status: int
    content_type: str
    etag: str
    dependencies: dict
    expires_at: float
    max_age: int
    shared_max_age: int = 0
    # The languages the answer is in, as its Content-Language header says.
    content_language: str = ""
    # What the edge needs to know of the entry (`api.caching.edge.lifetime_note`).
    extra: dict = field(default_factory=dict)
    # Where the answer shows view and share counts (`api.caching.counted`): the body cut
    # around each count, and each count's (story id, counter); empty when it shows none.
    # A hit puts the current counts in, so the entry keeps its content's lifetime.
    pieces: tuple = ()
    counts: tuple = ()


def etag_for(body):
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


# Which dependency and counter keys each cached answer needed last time, to fetch them
# along with the entry in one round trip. Only a hint: a wrong guess costs a second read.
_hints = {}
_HINTS_MAX = 10000


def lookup(key, counts_from_database=True):
    """The cached entry for `key` if every dependency it recorded is unchanged, else None.

    An entry that shows counts comes with the current ones in its body and ETag. Counts
    the shared cache lacks are read from the database, or with `counts_from_database`
    off (the SQL-free fast path) the lookup answers None and lets the view answer.
    """
    hinted, hinted_counts = _hints.get(key, ((), ()))
    found = cache.get_many(
        [
            key,
            *(_version_key(d) for d in hinted),
            *(counters.cache_key(*count) for count in hinted_counts),
        ]
    )
    entry = found.get(key)
    if entry is None:
        return None
    if entry.expires_at <= time.time():
        return None
    missing = [d for d in entry.dependencies if d not in hinted]
    if missing:
        found.update(cache.get_many([_version_key(d) for d in missing]))
    if missing or not set(entry.counts) <= set(hinted_counts):
        _remember(key, entry.dependencies, entry.counts)
    for dependency, version in entry.dependencies.items():
        if found.get(_version_key(dependency)) != version:
            return None
    if entry.counts:
        return _with_current_counts(entry, found, counts_from_database)
    return entry


def _with_current_counts(entry, found, counts_from_database):
    values = counters.cached_values(found, entry.counts)
    if values is None:
        values = counters.cached_values(
            cache.get_many([counters.cache_key(*count) for count in entry.counts]), entry.counts
        )
    if values is None:
        if not counts_from_database:
            return None
        values = counters.current(story_id for story_id, _counter in entry.counts)
    body = counted.fill(entry.pieces, entry.counts, values)
    return dataclasses.replace(entry, body=body, etag=etag_for(body))


def _remember(key, dependencies, counts=()):
    if len(_hints) >= _HINTS_MAX:
        _hints.clear()
    _hints[key] = (tuple(dependencies), tuple(dict.fromkeys(counts)))


# For the served-story cache (api/caching/stories.py), which keeps parts of answers.
remember_dependencies = _remember
version_key = _version_key


def dependency_hint(key):
    """The dependencies `key` recorded last time this process saw it (a hint only)."""
    return _hints.get(key, ((), ()))[0]


def generation():
    """The current global change counter; read before executing an answer."""
    value = cache.get(GLOBAL)
    if value is None:
        # Start from the clock so versions never repeat if the counter is evicted.
        cache.add(GLOBAL, time.time_ns() // 1000, timeout=None)
        value = cache.get(GLOBAL)
    return value


def versions_at(dependencies, started_at_generation, reads=None):
    """The current version of each of `dependencies`, giving unversioned ones a first one.

    A dependency never bumped gets the generation read before the work began, so work
    that began before its first bump is recognisably older than that bump. With `reads`
    (`api.caching.reads.Reads`), versions that answer read since it began are taken
    from there: any read after the generation is as good (see that module).
    """
    keys = [_version_key(d) for d in dependencies]
    versions = (reads or cache).get_many(keys)
    for name in keys:
        if name not in versions:
            cache.add(name, started_at_generation, timeout=None)
            versions[name] = cache.get(name)
            if reads is not None:
                reads.wrote(name, versions[name])
    return {d: versions[k] for d, k in zip(dependencies, keys, strict=True)}


def store(key, entry, dependencies, started_at_generation, reads=None):
    """Cache `entry` unless something it depends on changed while it was being computed."""
    recorded = versions_at(dependencies, started_at_generation, reads)
    if any(version is None or version > started_at_generation for version in recorded.values()):
        return False
    entry.dependencies = recorded
    timeout = max(1, int(entry.expires_at - time.time()))
    # An answer that shows counts is rebuilt from its pieces on every hit: its body and
    # ETag as computed would only double what the cache holds.
    kept = dataclasses.replace(entry, body=b"", etag="") if entry.counts else entry
    cache.set(key, kept, timeout=timeout)
    _remember(key, recorded, entry.counts)
    return True


def bump(*dependencies):
    """Mark `dependencies` changed for every process: now, and again once the change commits.

    The second bump matters: a reader that cached what it read before our commit, but
    after the first bump, would otherwise keep serving it. The edge is purged too, by
    the worker, once the change is committed and replicated (api/caching/purge.py).
    """

    advance(dependencies)
    transaction.on_commit(lambda: advance(dependencies))
    purge.record(dependencies)


def advance(dependencies):
    """Give `dependencies` a new version now, invalidating every answer that recorded them."""
    generation()
    value = cache.incr(GLOBAL)
    cache.set_many({_version_key(d): value for d in dependencies}, timeout=None)


def make_entry(encoded, status, media_type, shown=None, content_language="", reads=None):
    """A cache entry for a computed answer, living no longer than its content stays right.

    None outlives the next scheduled publication, when lists change by themselves. An
    answer showing view or share counts (`shown`: `api.caching.counted.Shown`) keeps its
    content's lifetime here, since each hit shows the current counts; browsers and edges,
    which keep the bytes, are told to keep them CMS_COUNTERS_MAX_AGE at most.
    """
    now = time.time()
    max_age, shared_max_age = settings.CMS_HTTP_MAX_AGE, settings.CMS_HTTP_SHARED_MAX_AGE
    lifetime = settings.CMS_RESPONSE_CACHE_TIMEOUT
    if shown is not None:
        max_age = min(max_age, settings.CMS_COUNTERS_MAX_AGE)
        shared_max_age = min(shared_max_age, settings.CMS_COUNTERS_MAX_AGE)
    next_publication = next_publication_at(reads)
    if next_publication is not None:
        lifetime = min(lifetime, max(1, next_publication - now))
    return Entry(
        body=encoded,
        status=status,
        content_type=media_type,
        etag=etag_for(encoded),
        dependencies={},
        expires_at=now + lifetime,
        max_age=max_age,
        shared_max_age=shared_max_age,
        content_language=content_language,
        extra=edge.lifetime_note(lifetime, counted=shown is not None),
        pieces=shown.pieces if shown is not None else (),
        counts=shown.counts if shown is not None else (),
    )


def next_publication_at(reads=None):
    """Epoch seconds of the next scheduled publication, cached until any story changes."""
    version_key = _version_key(keys.STORIES)
    found = (reads or cache).get_many([NEXT_PUBLISH, version_key])
    stored = found.get(NEXT_PUBLISH)
    version = found.get(version_key)
    if (
        stored is not None
        and stored[0] == version
        and (stored[1] is None or stored[1] > time.time())
    ):
        return stored[1]
    moment = Story.objects.next_publication()
    value = moment.timestamp() if moment else None
    cache.set(NEXT_PUBLISH, (version, value), timeout=None)
    if reads is not None:
        reads.wrote(NEXT_PUBLISH, (version, value))
    return value
