"""Which database answers a query: public reads may go to a streaming replica.

Only code that declared itself a public read (`public_reads()`, entered by the GraphQL view
around an anonymous query) reads from a `replica_N` alias; everything else (writes, the
admin, ingestion, the task worker, the view's own bookkeeping, anything that must read its
own writes) uses `default`, the primary. A replica lags its primary a little: the purge
task (api/caching/purge.py) waits for the replicas to replay a change before it refreshes
the response cache and purges the edge, so a lagging read is never kept past that.

A replica that does not answer, or lags past CMS_READYZ_MAX_REPLICA_LAG, is skipped for the
primary until it is healthy again. Its health is kept in the shared cache for
CMS_REPLICA_RECHECK_SECONDS, so every process sees a failure one of them found, and
whichever process finds the entry expired probes the replica again (one short query).
While a replica is skipped, purges stop waiting for it (it serves no reads, and the edge and
the response cache must not keep the old content meanwhile); so a skipped replica is let back
only once it has replayed everything the primary had written by then (`caught_up`).
"""

import contextvars
import itertools
import logging
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections

logger = logging.getLogger("api.db_router")

_public = contextvars.ContextVar("public_reads", default=None)
_turns = itertools.count()


def replica_aliases():
    """The configured replicas' aliases, in order (empty without DATABASE_REPLICA_URLS)."""
    return sorted(alias for alias in settings.DATABASES if alias.startswith("replica_"))


def _health_key(alias):
    return f"db:replica-health:{alias}"


def _skipped_key(alias):
    return f"db:replica-skipped:{alias}"


def wal_lsn(text):
    """A WAL position ("16/B374D848") as a number, to compare two of them."""
    high, _slash, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def primary_position():
    """The primary's current WAL position ("" on a database that has none, e.g. SQLite)."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def replayed_position(alias):
    """How far `alias` has replayed the primary's WAL; None when it is not a standby (a test
    mirror of the primary) or has no WAL at all (SQLite)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
        return cursor.fetchone()[0]


def caught_up(alias):
    """Whether `alias` has replayed everything the primary has written now."""
    try:
        position = primary_position()
        replayed = replayed_position(alias) if position else None
    except DatabaseError as error:
        logger.warning("Replica %s not let back yet: %s", alias, error)
        connections[alias].close()
        return False
    return replayed is None or wal_lsn(replayed) >= wal_lsn(position)


def readmitted(alias):
    """Whether a replica that answers may serve reads: at once, unless it was skipped; then
    only once it has caught up (purges sent meanwhile did not wait for it)."""
    if not cache.get(_skipped_key(alias)):
        return True
    if not caught_up(alias):
        return False
    cache.delete(_skipped_key(alias))
    logger.info("Replica %s caught up: reads go to it again", alias)
    return True


def _skip(alias):
    cache.set(_skipped_key(alias), True, timeout=None)
    cache.set(_health_key(alias), "down", timeout=settings.CMS_REPLICA_RECHECK_SECONDS)


def probe(alias):
    """Whether `alias` answers now, within the lag bound (one bounded query)."""
    from api.ops import readiness

    try:
        return readiness.replica(alias)["ok"]
    except DatabaseError as error:
        logger.warning("Replica %s skipped for the primary: %s", alias, error)
        # A broken connection is opened afresh at the next probe.
        connections[alias].close()
        return False


def healthy(alias):
    """Whether reads may go to `alias`: the shared verdict, or a fresh probe."""
    verdict = cache.get(_health_key(alias))
    if verdict is None:
        if probe(alias) and readmitted(alias):
            verdict = "ok"
            cache.set(_health_key(alias), verdict, timeout=settings.CMS_REPLICA_RECHECK_SECONDS)
        else:
            verdict = "down"
            _skip(alias)
    return verdict == "ok"


def mark_down(alias):
    """Skip `alias` in every process until the next probe finds it healthy."""
    logger.warning("Replica %s failed a read; the primary answers instead", alias)
    _skip(alias)
    connections[alias].close()


@contextmanager
def public_reads(enabled=True):
    """Send this block's reads to one healthy replica (the same for the whole block), or to
    the primary when none is healthy."""
    replicas = replica_aliases() if enabled else []
    alias = None
    if replicas:
        turn = next(_turns)
        for step in range(len(replicas)):
            candidate = replicas[(turn + step) % len(replicas)]
            if healthy(candidate):
                alias = candidate
                break
    token = _public.set(alias)
    try:
        yield alias
    finally:
        _public.reset(token)


class ReplicaRouter:
    """Reads inside `public_reads()` go to a replica; all else, and every write, to default."""

    def db_for_read(self, model, **hints):
        return _public.get() or "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Every alias holds the same data: a replica is a copy of default.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return not db.startswith("replica_")
