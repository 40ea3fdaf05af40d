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
        verdict = "ok" if probe(alias) else "down"
        cache.set(_health_key(alias), verdict, timeout=settings.CMS_REPLICA_RECHECK_SECONDS)
    return verdict == "ok"


def mark_down(alias):
    """Skip `alias` in every process until the next probe finds it healthy."""
    logger.warning("Replica %s failed a read; the primary answers instead", alias)
    cache.set(_health_key(alias), "down", timeout=settings.CMS_REPLICA_RECHECK_SECONDS)
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
