"""Whether this process can serve: the checks behind /readyz.

Each check answers a small dict with `ok`; a check that raises has failed (the error is
logged, not shown: /readyz is public). Checks: the database, the shared cache, every read
replica (`replica_*` database aliases) and its replay lag, and the task queue: its backlog, its
oldest due task's wait, and whether a worker holds it.
"""

import logging
import os
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import Case, Min, When
from django.utils import timezone
from django_tasks_db.models import get_date_max

logger = logging.getLogger("api.ops")

# Unique to this process, so that instances sharing a cache never read each other's value.
_CACHE_KEY = f"ops:readyz:{uuid.uuid4().hex}"
_LOG_EVERY = 30.0
_last_logged = {}

# Replay lag: none while the replica has replayed all it received (an idle primary
# writes nothing new, so the last replayed transaction may be old), else the age of the
# last transaction it replayed.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
END
"""


def _query(alias, sql):
    """Run one statement on `alias`, bounded by CMS_READYZ_TIMEOUT_MS on PostgreSQL."""
    connection = connections[alias]
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)",
                [str(settings.CMS_READYZ_TIMEOUT_MS)],
            )
        cursor.execute(sql)
        return cursor.fetchone()[0]


def database():
    _query(DEFAULT_DB_ALIAS, "SELECT 1")
    return {"ok": True}


def shared_cache():
    value = uuid.uuid4().hex
    cache.set(_CACHE_KEY, value, timeout=60)
    # The Redis cache answers a miss rather than raising while Redis is down.
    return {"ok": cache.get(_CACHE_KEY) == value}


def replica(alias):
    if connections[alias].vendor != "postgresql":
        _query(alias, "SELECT 1")
        return {"ok": True, "lag_seconds": None}
    lag = _query(alias, LAG_SQL)
    if lag is None:
        # Replaying, but no transaction replayed yet: how far behind is unknown.
        return {"ok": False, "lag_seconds": None}
    lag = float(lag)
    return {"ok": lag <= settings.CMS_READYZ_MAX_REPLICA_LAG, "lag_seconds": round(lag, 3)}


def task_queue():
    from django_tasks_db.models import DBTaskResult

    from cms.models import TaskWorker

    alias = router.db_for_write(DBTaskResult)
    limit = settings.CMS_READYZ_MAX_TASK_BACKLOG
    # Counting stops past the limit: a long backlog costs no more to check than a short one.
    due = DBTaskResult.objects.using(alias).ready().order_by()
    backlog = due[: limit + 1].count()
    # Overdue: the longest-waiting due task has waited past the bound (its run_after, or
    # when it was queued if it had none).
    now = timezone.now()
    oldest = due.aggregate(
        oldest=Min(Case(When(run_after=get_date_max(), then="enqueued_at"), default="run_after"))
    )["oldest"]
    waited = max((now - oldest).total_seconds(), 0) if oldest else 0
    # A worker that stopped (killed, or its database lost) fails this within its lease; one
    # that exited cleanly removed its row. No row at all is a queue nobody has started to
    # work yet, which the overdue bound catches.
    lease = timedelta(seconds=settings.CMS_TASK_LEASE_SECONDS)
    workers = TaskWorker.objects.using(alias)
    live = workers.filter(seen_at__gte=now - lease).count()
    stopped = not live and workers.exists()
    return {
        "ok": backlog <= limit and waited <= settings.CMS_READYZ_MAX_TASK_DELAY and not stopped,
        "backlog": backlog,
        "max": limit,
        "oldest_due_seconds": round(waited, 1),
        "live_workers": live,
    }


def checks():
    """The checks to run, by name."""
    found = {"database": database, "cache": shared_cache}
    for alias in sorted(a for a in settings.DATABASES if a.startswith("replica_")):
        found[alias] = lambda alias=alias: replica(alias)
    if settings.CMS_READYZ_MAX_TASK_BACKLOG > 0:
        found["task_queue"] = task_queue
    return found


def _log_failure(name, error):
    now = time.monotonic()
    if now - _last_logged.get(name, -_LOG_EVERY) >= _LOG_EVERY:
        _last_logged[name] = now
        logger.warning("Readiness check %s failed (pid %s): %r", name, os.getpid(), error)


def run():
    """Every check's answer, by name; the process is ready when all are `ok`."""
    results = {}
    for name, check in checks().items():
        try:
            results[name] = check()
        except Exception as error:
            _log_failure(name, error)
            results[name] = {"ok": False}
    return results
