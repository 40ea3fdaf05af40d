"""The versions of what cached answers depend on, in the shared cache: read and advanced.

Every dependency ("story:12", "tags") has a version under `v:<dependency>`, taken from one
change counter (`v:global`) so that versions only ever grow. An answer records the
versions it was computed at; advancing a dependency's version invalidates every answer
(and served-story part) that recorded it, in every process. This module sits under the
rest of the cache: the response cache, the edge and the purge worker all read and advance
versions here, and none of them is imported by it.
"""

import time

from django.core.cache import cache

from api.caching import keys
from cms.models import Story

GLOBAL = "v:global"
NEXT_PUBLISH = "next-publish"


def version_key(dependency):
    """The shared-cache key of `dependency`'s version."""
    return f"v:{dependency}"


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
    names = [version_key(d) for d in dependencies]
    versions = (reads or cache).get_many(names)
    for name in names:
        if name not in versions:
            cache.add(name, started_at_generation, timeout=None)
            versions[name] = cache.get(name)
            if reads is not None:
                reads.wrote(name, versions[name])
    return {d: versions[k] for d, k in zip(dependencies, names, strict=True)}


def advance(dependencies):
    """Give `dependencies` a new version now, invalidating every answer that recorded them."""
    generation()
    value = cache.incr(GLOBAL)
    cache.set_many({version_key(d): value for d in dependencies}, timeout=None)


def next_publication_at(reads=None):
    """Epoch seconds of the next scheduled publication, cached until any story changes."""
    current, value, version = cached_next_publication(reads)
    if current:
        return value
    moment = Story.objects.next_publication()
    return remember_next_publication(moment, version, reads)


def cached_next_publication(reads=None):
    """(whether the cached next publication is current, its value, the stories version
    read): when it is not, the caller may read it in a statement it runs anyway (see
    `cms.counting.counts.total_and_next_change`) and `remember_next_publication` it with
    this version, read before that statement."""
    stories_version = version_key(keys.STORIES)
    found = (reads or cache).get_many([NEXT_PUBLISH, stories_version])
    stored = found.get(NEXT_PUBLISH)
    version = found.get(stories_version)
    if version is None:
        # A flushed cache: the list gets its first version now, as the answer would when
        # stored (`versions_at`), so what is kept with it stays current after that.
        started = reads.generation() if reads is not None else generation()
        version = versions_at([keys.STORIES], started, reads)[keys.STORIES]
    current = (
        stored is not None
        and stored[0] == version
        and (stored[1] is None or stored[1] > time.time())
    )
    return current, stored[1] if current else None, version


def remember_next_publication(moment, version, reads=None):
    """Keep `moment` (a datetime or None), read after `version` of the story list was,
    as the next publication until the list changes; its epoch seconds."""
    value = moment.timestamp() if moment else None
    cache.set(NEXT_PUBLISH, (version, value), timeout=None)
    if reads is not None:
        reads.wrote(NEXT_PUBLISH, (version, value))
    return value
