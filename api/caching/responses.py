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
from django.core.signals import setting_changed

from api.caching import counted, edge
from api.caching.versions import next_publication_at, version_key, versions_at
from cms.counting import counters


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
    # The pieces' digest, from which each hit's ETag is made with the counts it shows
    # (`counted.etag`); empty in entries stored before it was kept.
    content: bytes = b""


def etag_for(body):
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


@dataclass(frozen=True)
class _Hint:
    """What a cached answer needed last time: its dependencies' names and the (story id,
    counter) of each count it shows, with their keys in the order they are read, as the
    cache takes them (`_prepare`)."""

    dependencies: tuple = ()
    counts: tuple = ()
    keys: tuple = ()


_NO_HINT = _Hint()

# What each cached answer needed last time, to read it along with the entry in one round
# trip. Only a hint: a wrong guess costs a second read. Forgotten when the cache
# configuration changes (tests), since the keys are prepared for one cache.
_hints = {}
_HINTS_MAX = 10000


def _prepare(keys):
    prepare = getattr(cache, "prepare_keys", None)
    return prepare(keys) if prepare is not None else tuple(keys)


def _read(key, prepared):
    """The values of `key` and of the `prepared` keys, in order, None where missing: one
    cache round trip."""
    read = getattr(cache, "get_prepared", None)
    if read is not None:
        return read(key, prepared)
    keys = [key, *prepared]
    found = cache.get_many(keys)
    return [found.get(key) for key in keys]


def _forget_hints(setting, **kwargs):
    if setting == "CACHES":
        _hints.clear()


def connect():
    # Tests that swap the cache must not keep the hints of the one before.
    setting_changed.connect(_forget_hints, dispatch_uid="response-cache-hints")


@dataclass(frozen=True)
class CountsNeeded:
    """A current entry whose counts the shared cache lacks (`lookup` without SQL)."""

    entry: Entry


def lookup(key, counts_from_database=True):
    """The cached entry for `key` if every dependency it recorded is unchanged, else None.

    An entry that shows counts comes with the current ones in its body and ETag. Counts
    the shared cache lacks are read from the database; with `counts_from_database` off
    (the SQL-free fast path) the lookup answers `CountsNeeded` instead, which `finish`
    completes in the view without reading the cache again.
    """
    hint = _hints.get(key, _NO_HINT)
    values = _read(key, hint.keys)
    entry = values[0]
    if entry is None or entry.expires_at <= time.time():
        return None
    dependencies = entry.dependencies
    if tuple(dependencies) != hint.dependencies or entry.counts != hint.counts:
        hint = _remember(key, dependencies, entry.counts)
        values = [entry, *_read(key, hint.keys)[1:]]
    versions = values[1 : 1 + len(dependencies)]
    if any(
        found != version for found, version in zip(versions, dependencies.values(), strict=True)
    ):
        return None
    if entry.counts:
        numbers = values[1 + len(dependencies) :]
        if None in numbers and not counts_from_database:
            return CountsNeeded(entry)
        return _with_current_counts(entry, numbers)
    return entry


def finish(found):
    """The entry a lookup without SQL found (`lookup`'s answer), with its counts read
    from the database if the shared cache lacked them; None for a miss."""
    if isinstance(found, CountsNeeded):
        return _with_current_counts(found.entry, [None])
    return found


def _with_current_counts(entry, numbers):
    """`entry`, just read from the cache, with the current counts in its body and ETag.

    Completed in place: every read unpickles an entry of its own, which nothing else holds
    (a copy cost as much as the rest of the completion).
    """
    if None in numbers:
        current = counters.current(story_id for story_id, _counter in entry.counts)
        numbers = [current.get(count, 0) for count in entry.counts]
    shown = counted.digits(numbers)
    entry.body = counted.join(entry.pieces, shown)
    entry.etag = counted.etag(entry.content, shown) if entry.content else etag_for(entry.body)
    return entry


def _remember(key, dependencies, counts=()):
    if len(_hints) >= _HINTS_MAX:
        _hints.clear()
    dependencies, counts = tuple(dependencies), tuple(counts)
    hint = _hints[key] = _Hint(
        dependencies,
        counts,
        _prepare(
            [
                *(version_key(d) for d in dependencies),
                *(counters.cache_key(*count) for count in counts),
            ]
        ),
    )
    return hint


# For the served-story cache (api/caching/stories.py), which keeps parts of answers.
remember_dependencies = _remember


def dependency_hint(key):
    """The dependencies `key` recorded last time this process saw it (a hint only)."""
    return _hints.get(key, _NO_HINT).dependencies


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
        # To the moment, not a second past it: an answer computed just before a scheduled
        # story goes live must not show the list without it afterwards.
        lifetime = min(lifetime, max(0.0, next_publication - now))
    return Entry(
        body=encoded,
        status=status,
        content_type=media_type,
        etag=shown.etag if shown is not None else etag_for(encoded),
        dependencies={},
        expires_at=now + lifetime,
        max_age=max_age,
        shared_max_age=shared_max_age,
        content_language=content_language,
        extra=edge.lifetime_note(lifetime, counted=shown is not None),
        pieces=shown.pieces if shown is not None else (),
        counts=shown.counts if shown is not None else (),
        content=shown.content if shown is not None else b"",
    )
