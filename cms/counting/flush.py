"""Writing the shared cache's counts to the database, in batches (see `cms.counting.counters`).

Time is cut into flush windows of CMS_COUNTERS_FLUSH_SECONDS. The first count of a story
in a window marks it in the window's index (`ctr:w:<window>:…`: a marker per story, a
length and numbered slots, so any cache backend holds it); the window's first mark queues
one `flush_window` task to run just after the window ends (`run_after`, on the database
task queue that `manage.py db_worker` runs). The task writes, for each batch
of marked stories, the cache's absolute counts into `Story` and the difference from what
the database held into today's `StoryActivity` row: three statements per batch, under the
stories' row locks, so concurrent flushes (and a process counting in the database while
Redis is out of its reach) never count anything twice.

Writing absolute values makes a flush idempotent: a window flushed twice, or a story that
was marked late, only rewrites the same numbers, and whatever one window missed the next
flush of the story writes.
"""

import contextlib
import logging
import math
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import Case, F, PositiveBigIntegerField, Value, When
from django.utils import timezone
from django_tasks import task

from cms.models import Story, StoryActivity

logger = logging.getLogger("cms.counters")

VIEWS, SHARES = "view_count", "share_count"
COUNTERS = (VIEWS, SHARES)
# Stories written per batch (three statements each).
BATCH = 500
# Seconds after a window ends before its flush runs: a count that read the clock just
# before the end still lands in the window it marked.
GRACE = 1
# How long a window's index (and what each flush wrote) is kept: a worker stopped for
# longer loses the index only; the counts stay in the cache and reach the database with
# the story's next flush.
INDEX_TIMEOUT = 7 * 24 * 3600


def cache_key(story_id, counter):
    """The shared cache's key of one story's counter."""
    return f"ctr:{counter}:{story_id}"


def window(now=None):
    """The number of the flush window `now` (epoch seconds) falls in."""
    now = time.time() if now is None else now
    return math.floor(now / settings.CMS_COUNTERS_FLUSH_SECONDS)


def _index_key(number, part):
    return f"ctr:w:{number}:{part}"


def _marker(number, story_id):
    return _index_key(number, f"story:{story_id}")


def mark(story_id, now=None):
    """Owe a flush of `story_id`'s counts: once per story and window."""
    number = window(now)
    if not cache.add(_marker(number, story_id), 1, timeout=INDEX_TIMEOUT):
        return
    length_key = _index_key(number, "length")
    cache.add(length_key, 0, timeout=INDEX_TIMEOUT)
    try:
        slot = cache.incr(length_key)
    except ValueError:
        return  # Evicted at once: the story's next count marks it again.
    cache.set(_index_key(number, slot), story_id, timeout=INDEX_TIMEOUT)
    queued_key = _index_key(number, "queued")
    if cache.add(queued_key, 1, timeout=INDEX_TIMEOUT):
        ends = (number + 1) * settings.CMS_COUNTERS_FLUSH_SECONDS + GRACE
        try:
            flush_window.using(run_after=datetime.fromtimestamp(ends, tz=UTC)).enqueue(number)
        except DatabaseError as error:
            # The count stands (it is in the cache); the window's next count queues it.
            cache.delete(queued_key)
            logger.warning("Could not queue the flush of counter window %s: %s", number, error)


@task()
def flush_window(number):
    """Write the counts of every story marked in window `number` to the database.

    The window's marks are taken first: a story counted again after that (a clock
    running late, or a flush run before its window ended) is marked again and queues
    another run, so no count waits for the story's next window.
    """
    done_key = _index_key(number, "done")
    found = cache.get_many([_index_key(number, "length"), done_key])
    length, done = found.get(_index_key(number, "length"), 0), found.get(done_key, 0)
    keys = [_index_key(number, slot) for slot in range(done + 1, length + 1)]
    slots = cache.get_many(keys)
    # A slot not set yet belongs to a count still under way; that story's counts reach
    # the database with its next flush.
    ids = list(dict.fromkeys(slots[key] for key in keys if key in slots))
    cache.delete_many([_index_key(number, "queued"), *(_marker(number, pk) for pk in ids)])
    written = 0
    for offset in range(0, len(ids), BATCH):
        try:
            written += write(ids[offset : offset + BATCH])
        except DatabaseError:
            # Owed again, in the window now under way: its flush tries once it ends.
            for story_id in ids[offset:]:
                mark(story_id)
            raise
    # Only once written: a run cut short (its worker killed) is run again by the worker's
    # lease and writes the same absolute counts again.
    cache.set(done_key, length, timeout=INDEX_TIMEOUT)
    return written


def write(story_ids, day=None):
    """Write the cache's counts of `story_ids` to the database; return how many changed.

    Under the stories' row locks, for each counter: what the database gained without the
    cache (counted there while Redis was out of reach: the database's count beyond what
    the cache was seeded with or the last flush wrote, `ctr:flushed:…`) is added to the
    cache's count, so neither side's counts are lost; a count only ever grows, and the
    cache is raised to what was written.
    """
    day = day or timezone.localdate()
    with transaction.atomic():
        rows = list(
            Story._base_manager.select_for_update()
            .filter(pk__in=story_ids)
            .order_by("pk")
            .values_list("pk", *COUNTERS)
        )
        pairs = [(row[0], counter) for row in rows for counter in COUNTERS]
        found = cache.get_many(
            [key for pair in pairs for key in (cache_key(*pair), _flushed_key(*pair))]
        )
        written, activity, flushed, behind = {}, [], {}, {}
        for story_id, *stored in rows:
            new = {}
            for counter, in_database in zip(COUNTERS, stored, strict=True):
                key = cache_key(story_id, counter)
                counted = found.get(key)
                new[counter] = in_database
                if counted is None:
                    continue  # Nothing counted in the cache: its next reader seeds it.
                recorded = found.get(_flushed_key(story_id, counter))
                beside = in_database - recorded if recorded is not None else 0
                new[counter] = max(in_database, counted + max(0, beside))
                flushed[_flushed_key(story_id, counter)] = new[counter]
                if new[counter] > counted:
                    behind[key] = new[counter] - counted
            added = [new[counter] - old for counter, old in zip(COUNTERS, stored, strict=True)]
            if any(added):
                written[story_id] = new
                activity.append((story_id, *added))
        if written:
            Story._base_manager.filter(pk__in=written).update(
                **{counter: _by_story(written, counter) for counter in COUNTERS}
            )
            _add_activity(day, activity)
        # Still under the row locks, so a concurrent flush reads what this one wrote.
        cache.set_many(flushed, timeout=INDEX_TIMEOUT)
        for key, amount in behind.items():
            # A counter gone meanwhile is seeded again from the database by its next reader.
            with contextlib.suppress(ValueError):
                cache.incr(key, amount)
    return len(written)


def _flushed_key(story_id, counter):
    return f"ctr:flushed:{counter}:{story_id}"


def seed(counts):
    """Start counting in the cache from the database's `counts` ((story id, counter) to
    count) where no process has started yet, noting that those counts are included."""
    started = {}
    for (story_id, counter), value in counts.items():
        if cache.add(cache_key(story_id, counter), value, timeout=None):
            started[_flushed_key(story_id, counter)] = value
    if started:
        cache.set_many(started, timeout=INDEX_TIMEOUT)


def _by_story(values, counter):
    return Case(
        *(When(pk=story_id, then=Value(new[counter])) for story_id, new in values.items()),
        default=F(counter),
        output_field=PositiveBigIntegerField(),
    )


def _add_activity(day, rows):
    """Add (story id, views, shares) to `day`'s activity rows: one upsert for all."""
    meta = StoryActivity._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    story, day_column, views, shares = (
        quote(meta.get_field(name).column) for name in ("story", "day", "views", "shares")
    )
    placeholders = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    day_value = connection.ops.adapt_datefield_value(day)
    params = [value for row in rows for value in (row[0], day_value, row[1], row[2])]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({story}, {day_column}, {views}, {shares}) "
            f"VALUES {placeholders} "
            f"ON CONFLICT ({story}, {day_column}) DO UPDATE SET "
            f"{views} = {table}.{views} + excluded.{views}, "
            f"{shares} = {table}.{shares} + excluded.{shares}",
            params,
        )
