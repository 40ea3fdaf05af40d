"""Counting what readers do: views and shares of readable stories, in the shared cache.

Each counter is an absolute value in the shared cache (`ctr:view_count:12`), seeded from
the database the first time it is needed (`add`, then `incr`: race-free across processes)
and incremented atomically by `recordView` / `recordShare`. Nothing is written to the
database per view: the first count of a story in a flush window marks it in the window's
index, and the window's first mark queues one `cms.counting.flush.flush_window` task for
just after the window ends, which writes every marked story's counts and the day's
activity (`StoryActivity`, which the hot ranking reads) in batches.

Whether a slug names a readable story is the `published()` QuerySet's answer, remembered
in the cache until the story's expiry time or until any story is saved or deleted (a
generation counter bumped with the change and again once it commits), so a steady
stream of views costs no SQL at all.

Reads (`Reader`) take the current counts of every story of an answer in one cache round
trip and one SQL query for stories whose counters are not in the cache yet.

The cache is the counters' store only when it is shared by every process
(CMS_COUNTERS_IN_CACHE, on with REDIS_URL): with a process-local cache, or while Redis
cannot be reached, each count is written to the database at once, as a row update.
Redis losing its data loses the counts not yet flushed (one window while the worker keeps
up): the counters are then seeded again from the database, which holds every flushed count.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save

from cms.counting import flush as counter_flush
from cms.counting.flush import COUNTERS, SHARES, VIEWS, cache_key
from cms.models import Story, StoryActivity

# The day's activity (for the hot ranking and the dashboard) counted with each counter.
ACTIVITY = {VIEWS: "views", SHARES: "shares"}

# Bumped whenever any story is saved or deleted (and again once that commits): remembered
# answers to "is this slug readable?" from before then are no longer believed.
LIVE_GENERATION = "ctr:live-generation"
# How long a readable slug is remembered at most (its expiry time may end it earlier).
LIVE_TIMEOUT = 300


class NotPublished(Exception):
    """No published story has the slug."""


def in_cache():
    """Whether counts are kept in the shared cache (else written to the database at once)."""
    return settings.CMS_COUNTERS_IN_CACHE


def count_once(slug, counter, client):
    """Add one to a readable story's counter for `client` (who is counting: an address, an
    IPv6 /64, or a reader id the site sends), unless that client was counted for the same
    story and counter within `CMS_COUNT_WINDOW` seconds; return the count either way.

    One reader reloading a page, or a script replaying `recordView`, is one reader: what
    the hot ranking reads cannot be moved by repeating a request. A window of 0 counts
    every request (a deployment that deduplicates before the API).
    """
    if settings.CMS_COUNT_WINDOW <= 0:
        return increment(slug, counter)
    digest = hashlib.sha256(
        f"{counter}\0{slug}\0{client}".encode("utf-8", "surrogatepass")
    ).hexdigest()[:32]
    if cache.add(f"ctr:seen:{digest}", 1, timeout=settings.CMS_COUNT_WINDOW):
        return increment(slug, counter)
    return count_of(slug, counter)


def count_of(slug, counter):
    """A readable story's current count, without counting."""
    story_id = Story.objects.published().filter(slug=slug).values_list("pk", flat=True).first()
    if story_id is None:
        raise NotPublished(slug)
    return current([story_id])[story_id, counter]


def increment(slug, counter):
    """Add one to a readable story's counter and to today's activity; return the new count."""
    if not in_cache():
        return _count_in_database(slug, counter)
    key = _live_key(slug)
    found = cache.get_many([key, LIVE_GENERATION])
    generation = found.get(LIVE_GENERATION) or _start_generation()
    if generation is None:
        # Redis is out of reach: the database counts, as with a process-local cache.
        return _count_in_database(slug, counter)
    remembered = found.get(key)
    seed = None
    if _still_live(remembered, generation):
        story_id = remembered[0]
    else:
        story_id, seed = _check_live(slug, key, generation)
    value = _add_one(story_id, counter, seed)
    if value is None:
        return _count_in_database(slug, counter)
    counter_flush.mark(story_id)
    return value


def _live_key(slug):
    # Slugs come from callers: hashed, any text makes a valid key.
    digest = hashlib.sha256(slug.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"ctr:live:{digest}"


def _start_generation():
    """The generation after creating it (from the clock, so it never repeats); None when
    the cache cannot be reached."""
    cache.add(LIVE_GENERATION, time.time_ns() // 1000, timeout=None)
    return cache.get(LIVE_GENERATION)


def _still_live(remembered, generation):
    if remembered is None:
        return False
    _story_id, remembered_generation, live_until = remembered
    return remembered_generation == generation and time.time() < live_until


def _check_live(slug, key, generation):
    """(story id, its counters' values) of the readable story with `slug`, remembered."""
    row = (
        Story.objects.published()
        .filter(slug=slug)
        .values_list("pk", "expires_at", *COUNTERS)
        .first()
    )
    if row is None:
        raise NotPublished(slug)
    story_id, expires_at, *values = row
    live_until = time.time() + LIVE_TIMEOUT
    if expires_at is not None:
        live_until = min(live_until, expires_at.timestamp())
    # Recorded with the generation read before the query: a change committed since then
    # has bumped it, so what we read here is never believed after that change.
    cache.set(key, (story_id, generation, live_until), timeout=LIVE_TIMEOUT)
    return story_id, dict(zip(COUNTERS, values, strict=True))


def _add_one(story_id, counter, seed=None):
    """The counter after adding one, seeding it from the database if absent; None when
    the cache failed."""
    key = cache_key(story_id, counter)
    try:
        return cache.incr(key)
    except ValueError:
        pass  # Not counted in the cache yet (or evicted): start from the database's count.
    if seed is None:
        seed = dict(
            zip(
                COUNTERS,
                Story.objects.filter(pk=story_id).values_list(*COUNTERS).get(),
                strict=True,
            )
        )
    counter_flush.seed({(story_id, counter): seed[counter]})
    try:
        return cache.incr(key)
    except ValueError:
        return None


def _count_in_database(slug, counter):
    with transaction.atomic():
        updated = Story.objects.published().filter(slug=slug).update(**{counter: F(counter) + 1})
        if not updated:
            raise NotPublished(slug)
        # The row stays locked by our update until commit, so this reads our own increment.
        story_id, value = Story.objects.filter(slug=slug).values_list("pk", counter).get()
        StoryActivity.record(story_id, **{ACTIVITY[counter]: 1})
    if not in_cache():
        # Readers in this process see it at once; others within CMS_COUNTERS_MAX_AGE.
        cache.set(cache_key(story_id, counter), value, timeout=settings.CMS_COUNTERS_MAX_AGE)
    return value


def current(story_ids, read_many=None, rows=None):
    """(story id, counter) to its current count, for every counter of `story_ids`.

    One cache round trip (none where `read_many`, a caller's `cache.get_many`, read the
    counters together with other keys); stories whose counters the cache lacks are read
    from `rows` (story id to the stored counts, from story rows the caller has just loaded)
    or else cost one SQL query for all of them, and are put in the cache for the next reader.
    """
    story_ids = list(dict.fromkeys(story_ids))
    wanted = [(story_id, counter) for story_id in story_ids for counter in COUNTERS]
    found = (read_many or cache.get_many)([cache_key(*pair) for pair in wanted])
    values, missing = {}, set()
    for story_id, counter in wanted:
        value = found.get(cache_key(story_id, counter))
        if value is None:
            missing.add(story_id)
        else:
            values[story_id, counter] = value
    if missing:
        loaded = {}
        for story_id, *counts in _stored(missing, rows or {}):
            for counter, value in zip(COUNTERS, counts, strict=True):
                if (story_id, counter) not in values:
                    loaded[story_id, counter] = value
        if not in_cache():
            cache.set_many(
                {cache_key(*pair): value for pair, value in loaded.items()},
                timeout=settings.CMS_COUNTERS_MAX_AGE,
            )
        else:
            # Only where no process counted meanwhile: theirs is newer than our rows.
            counter_flush.seed(loaded)
        values.update(loaded)
    return values


def _stored(story_ids, rows):
    """(story id, *counts) as the database holds them: from `rows` where they are there."""
    found = [(story_id, *rows[story_id]) for story_id in story_ids if story_id in rows]
    unread = [story_id for story_id in story_ids if story_id not in rows]
    if unread:
        found += Story._base_manager.filter(pk__in=unread).values_list("pk", *COUNTERS)
    return found


def stored_counts(stories):
    """Story id to its stored counts (in `COUNTERS` order), from loaded `stories`: a
    `Reader` reads them there instead of asking the database again."""
    return {
        story.pk: tuple(getattr(story, counter) for counter in COUNTERS)
        for story in stories
        if not story.get_deferred_fields() & set(COUNTERS)
    }


class Reader:
    """The counts one answer shows: loaded for all its stories at the first one asked."""

    def __init__(self, read_many=None):
        self.pending = []
        self.values = {}
        # Stored counts of stories the answer loaded (`stored_counts`).
        self.rows = {}
        # How the counts are read from the cache (`cache.get_many` unless a caller reads
        # them together with its other keys).
        self.read_many = read_many

    def want(self, story_ids, rows=None):
        """Stories the answer may show counts of: loaded together when one is asked for.

        `rows` (`stored_counts` of the stories, as just loaded) spare the SQL query for
        counters the cache does not hold yet.
        """
        self.pending.extend(story_ids)
        self.rows.update(rows or {})

    def value(self, story_id, counter):
        if (story_id, counter) not in self.values:
            ids = [pk for pk in self.pending if (pk, counter) not in self.values]
            self.values.update(current([story_id, *ids], self.read_many, self.rows))
            self.pending = []
        return self.values.get((story_id, counter), 0)


def _story_changed(sender, instance=None, **kwargs):
    # Now, and again once the change commits: a slug remembered in between (read before
    # the commit, so from before the change) is forgotten by the second bump.
    _next_generation()
    transaction.on_commit(_next_generation)


def _next_generation():
    try:
        cache.incr(LIVE_GENERATION)
    except ValueError:
        _start_generation()


def connect():
    post_save.connect(_story_changed, sender=Story, dispatch_uid="counters-story-saved")
    post_delete.connect(_story_changed, sender=Story, dispatch_uid="counters-story-deleted")
