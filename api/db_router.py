"""Which database answers a query: public reads may go to a streaming replica.

Only code that declared itself a public read (`public_reads()`, entered by the GraphQL view
around an anonymous query) reads from a `replica_N` alias; everything else (writes, the
admin, ingestion, the task worker, the view's own bookkeeping, anything that must read its
own writes) uses `default`, the primary. A replica lags its primary a little: the purge
task (api/caching/purge.py) waits for the replicas to replay a change before it refreshes
the response cache and purges the edge, so a lagging read is never kept past that.
"""

import contextvars
import itertools
from contextlib import contextmanager

from django.conf import settings

_public = contextvars.ContextVar("public_reads", default=None)
_turns = itertools.count()


def replica_aliases():
    """The configured replicas' aliases, in order (empty without DATABASE_REPLICA_URLS)."""
    return sorted(alias for alias in settings.DATABASES if alias.startswith("replica_"))


@contextmanager
def public_reads(enabled=True):
    """Send this block's reads to one replica (the same for the whole block), if any."""
    replicas = replica_aliases() if enabled else []
    alias = replicas[next(_turns) % len(replicas)] if replicas else None
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
