"""The served-story cache: each story's part of an answer, kept per version and audience.

A list whose answer missed the response cache (a story was published, a count moved) still
shows mostly stories that did not change. Each story's fields, as one selection asked for
them, are kept here under a key made of the selection, the story and the audience's
languages, with the versions of everything they showed (the story, its tags and source,
and any list they looked at). A later answer asking the same of the same story reuses them
while those versions are current: the same version bumps that invalidate answers
invalidate these, in every process.

A page's stories are read in one round trip; stories computed anew are written together
when the answer is done (`StoryCache.flush`).
"""

import hashlib
import math
import time
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.core.cache import cache

from api.caching import responses, versions

PREFIX = "served:"


@dataclass
class Part:
    """One story's stable fields for one selection: their result and what they showed."""

    data: dict
    # (kind, ids) observations of `cms.serving.stories`, replayed into the answer that reuses them.
    observed: list
    dependencies: dict
    expires_at: float


def key(selection, story_pk, audience):
    """The cache key of one story's part: selection, story and how the audience reads."""
    # A key's tags narrow what its stories show (related stories, tag counts).
    tags = sorted(audience.tag_ids) if audience.tag_ids is not None else None
    material = orjson.dumps(
        [selection, story_pk, audience.chain, audience.languages, audience.full_text, tags]
    )
    return PREFIX + hashlib.sha256(material).hexdigest()


class StoryCache:
    """The served-story parts one answer read and wrote (one per request)."""

    def __init__(self, started_at_generation, reads=None):
        # The change counter read before the answer's first query: parts computed from
        # rows read after a change began are not stored (see `responses.store`).
        self.started = started_at_generation
        # The answer's reads of the shared cache (`api.caching.reads`), made together.
        self.reads = reads
        self.found = {}
        self.pending = []

    def prefetch(self, part_keys):
        """Read `part_keys` (a page's stories) and their versions, in one round trip."""
        wanted = [k for k in part_keys if k not in self.found]
        if not wanted:
            return
        hinted = {d for k in wanted for d in responses.dependency_hint(k)}
        version_keys = [versions.version_key(d) for d in hinted]
        found = (self.reads or cache).get_many([*wanted, *version_keys])
        parts = {k: found[k] for k in wanted if k in found}
        missing = {d for part in parts.values() for d in part.dependencies if d not in hinted}
        if missing:
            missing_keys = [versions.version_key(d) for d in missing]
            found.update((self.reads or cache).get_many(missing_keys))
        now = time.time()
        for part_key in wanted:
            part = parts.get(part_key)
            current = part is not None and part.expires_at > now
            current = current and all(
                found.get(versions.version_key(d)) == version
                for d, version in part.dependencies.items()
            )
            self.found[part_key] = part if current else None
            if part is not None:
                responses.remember_dependencies(part_key, part.dependencies)

    def get(self, part_key):
        return self.found.get(part_key)

    def add(self, part_key, data, observed, dependencies, lifetime=None):
        """Keep `data` once the answer is done, for `lifetime` seconds (default: as answers)."""
        lifetime = settings.CMS_RESPONSE_CACHE_TIMEOUT if lifetime is None else lifetime
        entry = (part_key, data, observed, sorted(set(dependencies)), max(1, int(lifetime)))
        self.pending.append(entry)

    def flush(self):
        """Store the parts computed by this answer, unless what they showed changed meanwhile."""
        if not self.pending or self.started is None:
            return
        dependencies = sorted({d for entry in self.pending for d in entry[3]})
        current = versions.versions_at(dependencies, self.started, self.reads)
        # Nothing kept outlives the next scheduled publication or expiry, when lists (and
        # related stories) change by themselves.
        next_change = versions.next_publication_at(self.reads)
        bound = None if next_change is None else next_change - time.time()
        by_lifetime = {}
        for part_key, data, observed, deps, lifetime in self.pending:
            lifetime = lifetime if bound is None else min(lifetime, bound)
            if lifetime <= 0:
                continue
            recorded = {d: current[d] for d in deps}
            if any(v is None or v > self.started for v in recorded.values()):
                continue
            part = Part(data, observed, recorded, time.time() + lifetime)
            by_lifetime.setdefault(lifetime, {})[part_key] = part
            responses.remember_dependencies(part_key, recorded)
        self.pending = []
        for lifetime, parts in by_lifetime.items():
            # The backend keeps whole seconds; each part's own time (`expires_at`) is exact.
            cache.set_many(parts, timeout=max(1, math.ceil(lifetime)))


def remembered(context, material, dependencies, compute):
    """`compute()`, kept between answers while `dependencies` (list versions) stand still.

    For what a list shows beside its stories (its total, the tag list with counts): it
    changes only with the lists, and by itself only when a scheduled story goes live or
    one expires, which no entry outlives. What `compute` showed is replayed on a reuse.
    """
    store = context.story_cache
    if store is None:
        return compute()
    part_key = PREFIX + hashlib.sha256(orjson.dumps(material)).hexdigest()
    store.prefetch([part_key])
    part = store.get(part_key)
    if part is not None:
        for kind, ids in part.observed:
            context.observe(kind, ids)
        return part.data
    with context.capturing() as observed:
        value = compute()
    lifetime = settings.CMS_RESPONSE_CACHE_TIMEOUT
    next_change = versions.next_publication_at(store.reads)
    if next_change is not None:
        lifetime = min(lifetime, next_change - time.time())
    store.add(part_key, value, observed, dependencies, lifetime)
    return value
