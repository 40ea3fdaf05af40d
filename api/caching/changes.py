"""One change, one invalidation: a transaction's bumps gathered and written once.

The receivers of `api.caching.invalidation` call `bump` for every save, delete and
announcement that changes what answers show. One editorial step makes several of them (a
Publish of a two-language story saves the story and each version and announces the
event, each naming "story:12" and "stories"); they are gathered per transaction:

- the edge owes one purge: one `EdgePurge` row, written inside the transaction (so a
  rolled-back change owes nothing and a process dying after its commit loses nothing),
  created at the first bump and widened only when a later bump names a key it lacks;
- each key's version advances once more, with all the others, when the transaction
  commits (`versions.advance`), however many bumps named it. Each bump also advances its
  keys at once, as it always did: reads inside the open transaction (its own requests,
  and tests, which never commit) see its uncommitted rows, and an answer one of them
  stored between two bumps must not outlive the second. Outside a transaction a bump is
  the whole change, and advances once.

What was gathered is carried by markers registered with `on_commit`. Django drops the
markers of a savepoint that is rolled back, and all of them at a rollback, just as the
database drops the rows written meanwhile: so the latest surviving marker always says
which row the transaction holds and what that row names, and a rolled-back transaction
leaves nothing behind for the next one.
"""

from django.db import transaction

from api.caching import purge, versions


class _Gathered:
    """Every key one transaction bumped, advanced once more, together, when it commits."""

    def __init__(self):
        self.dependencies = set()
        self.advanced = False

    def advance(self):
        if not self.advanced:
            self.advanced = True
            versions.advance(sorted(self.dependencies))


class _Marker:
    """An `on_commit` callback holding what the transaction's edge-purge row is, as of
    the savepoints open when it was registered (`savepoints`)."""

    def __init__(self, gathered, savepoints, row, purged):
        self.gathered = gathered
        self.savepoints = savepoints
        self.row = row
        self.purged = purged

    def __call__(self):
        # Every surviving marker runs at commit; the first one advances for all.
        self.gathered.advance()


def _latest_marker(connection):
    # Django keeps a transaction's callbacks in `run_on_commit`, each with the savepoints
    # open when it was registered, and filters it as savepoints are rolled back.
    for _savepoints, callback, _robust in reversed(connection.run_on_commit):
        if isinstance(callback, _Marker):
            return callback
    return None


def bump(*dependencies):
    """Mark `dependencies` changed by the current transaction (see the module's docstring)."""
    versions.advance(dependencies)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        # Autocommit: the change is already committed, and it is the whole transaction.
        purge.record(dependencies)
        return
    latest = _latest_marker(connection)
    gathered = latest.gathered if latest is not None else _Gathered()
    gathered.dependencies.update(dependencies)
    row, purged = (latest.row, latest.purged) if latest is not None else (None, frozenset())
    owed = purge.owed(dependencies)
    if not owed <= purged:
        purged = purged | owed
        row = purge.record(purged, row=row)
    savepoints = frozenset(connection.savepoint_ids)
    if latest is not None and savepoints <= latest.savepoints:
        # Any savepoint rolled back from here on drops that marker along with what this
        # bump wrote: it may say what the row is now.
        latest.row, latest.purged = row, purged
    elif latest is None or (row, purged) != (latest.row, latest.purged):
        transaction.on_commit(_Marker(gathered, savepoints, row, purged))
