"""The sync's change log: written with each announced change, numbered after commit.

Why numbering after commit. A change is logged by the transaction that makes it. Had the
entry taken its order from a sequence at insert time, two publishers could commit out of
order: A takes 10, B takes 11, B commits, a partner syncs up to 11, then A commits 10 and
the partner, already past it, never sees it. So entries are written without a number, and
`number()` gives them one later, in a transaction of its own, holding a lock only
numberers take (a PostgreSQL advisory lock; SQLite serialises every writer anyway). A
numbering sees only committed entries, and numbers each above every number given before;
an entry whose transaction commits after it is simply numbered by a later numbering, above
everything a partner can have read. So a reader that has seen number N has seen every
entry that will ever carry a number up to N: reading "after N" never skips a commit, and
a long transaction holds back only its own entries, never those of others.
"""

from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from cms.models import SyncEntry

# Entries numbered per numbering: a page reads at most this many new ones anyway.
BATCH = 5000
# The advisory lock's key: "sync" in ASCII, an arbitrary constant of our own.
LOCK = 0x73796E63


def record(story_id):
    """Log that story `story_id` changed, in the caller's transaction."""
    SyncEntry.objects.create(story_id=story_id)


def number():
    """Number the committed entries that have none yet; return the highest number given.

    A constant number of queries: at most `BATCH` entries per call (the rest the next
    call numbers, above these).
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])
        waiting = list(
            SyncEntry.objects.filter(seq__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)[:BATCH]
        )
        highest = SyncEntry.objects.aggregate(highest=Max("seq"))["highest"] or 0
        if not waiting:
            return highest
        # Increasing with the id, each above every number given before (ids are
        # distinct, so the numbers are too). An entry committed since the read above,
        # with an id in the range, is numbered with them: it is committed, so in order.
        offset = highest + 1 - waiting[0]
        SyncEntry.objects.filter(seq__isnull=True, id__gte=waiting[0], id__lte=waiting[-1]).update(
            seq=F("id") + offset, numbered_at=timezone.now()
        )
        return waiting[-1] + offset
