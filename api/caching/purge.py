"""Purging the edge cache when content changes: recorded with the change, sent by the worker.

Every transaction that invalidates the response cache (`api.caching.changes.bump`) also
records one `EdgePurge` row and a `send` task in that transaction (as webhooks do), so a
rolled-back change purges nothing and a process dying after commit loses nothing. A
story published for later is purged again at its publish time, when lists that depend
on "stories" change by themselves. The worker (`manage.py db_worker`) sends every due
row in one batch:

1. it waits until each read replica has replayed the primary's WAL up to where it stood
   after the rows' commits (`pg_current_wal_lsn()` against `pg_last_wal_replay_lsn()`),
   so a purge never lets an edge refill from a replica that still has the old content
   (a replica the router skips, not answering or lagging past the bound, is not waited
   for: it serves no reads until it has caught up, see `api.db_router.readmitted`);
2. it bumps the response cache's versions again, evicting any answer a lagging replica
   filled it with between the commit and the replay;
3. it purges the edge keys (api/caching/purge_backends.py), retrying with backoff on
   failure. Rows stay in the table with their attempts and last error (see the admin).

Nothing is recorded while there is neither an edge to purge (CMS_EDGE_PURGE_BACKEND=none)
nor a replica to wait for.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import Min, Q
from django.db.models.signals import post_save
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult, get_date_max

from api import db_router
from api.caching import edge, keys, purge_backends, versions
from api.db_router import replica_aliases
from cms.models import EdgePurge, Story

logger = logging.getLogger("api.edge")

# Seconds before each retry of a failed purge; the last one repeats until it goes through.
BACKOFF = [1, 2, 3, 5, 10, 30, 60, 120, 300]
# Rows sent in one batch, and how long one run waits for lagging replicas before it
# hands over to a later run.
BATCH = 500
REPLICA_WAIT = 1.0
REPLICA_POLL = 0.02
REPLICA_RETRY = 0.2
PRIVATE_PREFIXES = ("apikey:",)
# Sent rows stay this long for the admin's history, then are deleted.
KEEP_SENT = timedelta(days=1)


def active():
    """Whether changes owe anything: an edge to purge, or replicas to wait for."""
    return settings.CMS_EDGE_PURGE_BACKEND != "none" or bool(replica_aliases())


def owed(dependencies):
    """The keys of `dependencies` an edge purge must name: none while there is nothing to
    purge or wait for, and never a key's own answers (they never reach an edge, and keyed
    reads use the primary)."""
    if not active():
        return set()
    return {d for d in dependencies if not d.startswith(PRIVATE_PREFIXES)}


def record(dependencies, not_before=None, row=None):
    """Owe a purge of `dependencies` in the current transaction; the row's pk, or None.

    A new row (and a run of `send`), or with `row` that row, written by this transaction,
    widened to name `dependencies` (`api.caching.changes` keeps one row per transaction).
    """
    dependencies = sorted(owed(dependencies))
    if not dependencies:
        return row
    if row is not None:
        EdgePurge.objects.filter(pk=row).update(dependencies=dependencies)
        return row
    now = timezone.now()
    send_at = max(not_before, now) if not_before else now
    row = EdgePurge.objects.create(dependencies=dependencies, not_before=send_at).pk
    schedule(send_at if send_at > now else None)
    return row


def schedule(run_after=None):
    """Queue a run of `send` (now, or not before `run_after`)."""
    if run_after is None:
        send.enqueue()
    else:
        send.using(run_after=run_after).enqueue()


def retry(run_after):
    """Queue a later run of `send`, unless one is already queued to run by then.

    A queued run that finds nothing due queues the next retry itself, so one chain of runs
    serves every failed row however many changes came in meanwhile.
    """
    # The database backend stores "as soon as possible" as the latest possible date.
    queued = DBTaskResult.objects.filter(
        Q(run_after__lte=run_after) | Q(run_after=get_date_max()),
        status=TaskResultStatus.READY,
        task_path=send.module_path,
    )
    if not queued.exists():
        schedule(run_after)


def _scheduled_story(sender, instance, **kwargs):
    # A story published for later joins every list at its time without another save, and
    # one with an expiry time leaves them at that time.
    if instance.status != Story.Status.PUBLISHED:
        return
    now = timezone.now()
    for moment in (instance.published_at, instance.expires_at):
        if moment is not None and moment > now:
            record([keys.story(instance.pk), keys.STORIES, keys.TAGS], not_before=moment)


def connect():
    post_save.connect(_scheduled_story, sender=Story, dispatch_uid="edge-purge-scheduled")


def lagging_replicas(position):
    """Replicas that have not replayed up to `position` yet (none when it is "")."""
    if not position:
        return []
    behind = []
    for alias in replica_aliases():
        if not db_router.healthy(alias):
            # Skipped by the router (not answering, or lagging past the bound): it serves no
            # reads, and it is let back only once it has replayed past this change.
            continue
        try:
            replayed = db_router.replayed_position(alias)
        except DatabaseError as error:
            # A replica that cannot be reached serves no stale reads: do not wait for it.
            logger.warning("Replica %s unreachable while purging: %s", alias, error)
            connections[alias].close()
            continue
        # NULL: not a standby (a test mirror of the primary), nothing to wait for.
        if replayed is not None and db_router.wal_lsn(replayed) < db_router.wal_lsn(position):
            behind.append(alias)
    return behind


def wait_for_replicas(position, timeout=REPLICA_WAIT):
    """The replicas still behind `position` after waiting up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        behind = lagging_replicas(position)
        if not behind or time.monotonic() >= deadline:
            return behind
        time.sleep(REPLICA_POLL)


def backoff(attempts):
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


@task()
def send():
    """Send every due purge in one batch; on failure, schedule a retry with backoff."""
    now = timezone.now()
    owed = EdgePurge.objects.filter(sent_at__isnull=True)
    if not owed.filter(not_before__lte=now).exists():
        # Another run sent this change's rows already; keep a run queued for failed ones.
        next_retry = owed.filter(attempts__gt=0).aggregate(Min("not_before"))["not_before__min"]
        if next_retry is not None:
            retry(next_retry)
        return
    # Rows waiting out a failure's backoff go along with any due batch: one request covers
    # them, and an edge that is back is caught up at the first change.
    due = owed.filter(Q(not_before__lte=now) | Q(attempts__gt=0))
    ids = list(due.order_by("pk").values_list("pk", flat=True)[:BATCH])
    position = db_router.primary_position()
    EdgePurge.objects.filter(pk__in=ids, wal_position="").update(wal_position=position)
    behind = wait_for_replicas(position)
    if behind:
        EdgePurge.objects.filter(pk__in=ids).update(
            last_error="waiting for " + ", ".join(behind) + f" to replay {position}",
            last_attempt_at=timezone.now(),
        )
        retry(timezone.now() + timedelta(seconds=REPLICA_RETRY))
        return
    with transaction.atomic():
        rows = list(EdgePurge.objects.select_for_update(skip_locked=True).filter(pk__in=ids))
        rows = [row for row in rows if row.sent_at is None]
        if not rows:
            return
        dependencies = sorted({d for row in rows for d in row.dependencies})
        if replica_aliases():
            versions.advance(dependencies)
        attempted_at = timezone.now()
        try:
            purge_backends.purge(edge.purge_keys(dependencies))
        except purge_backends.PurgeError as error:
            logger.warning("Edge purge failed: %s", error)
            for row in rows:
                row.attempts += 1
                row.last_error = str(error)[:1000]
                row.last_attempt_at = attempted_at
                row.not_before = attempted_at + timedelta(seconds=backoff(row.attempts))
            EdgePurge.objects.bulk_update(
                rows, ["attempts", "last_error", "last_attempt_at", "not_before"]
            )
            retry(min(row.not_before for row in rows))
            return
        EdgePurge.objects.filter(pk__in=[row.pk for row in rows]).update(
            sent_at=attempted_at, last_attempt_at=attempted_at
        )
    EdgePurge.objects.filter(sent_at__lt=now - KEEP_SENT).delete()
    if len(ids) == BATCH:
        schedule()
