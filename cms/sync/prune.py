"""Pruning the sync's change log: bounded work per run, safe to run twice or side by side.

A log entry says only which story to read again; a partner receives the story as its key
reads it when it syncs. So two kinds of entries can go without any partner's copy ending
up different:

- superseded entries: a story's entry with a later numbered entry of the same story. A
  partner whose position lies before both still reads the later one: in the same round
  when it is numbered within the round's range, else in the next round (the finished
  round says `hasMore`, since an entry is numbered above it);
- entries numbered before the retention bound (`CMS_SYNC_RETENTION_DAYS`): only a round
  that began before the bound reads them, and such a round's token is refused as expired,
  so its partner resyncs from scratch instead of resuming past a hole.

The second needs a line partners' tokens are held against: the horizon. Before any entry
numbered up to N is deleted, the horizon is raised to N in a write of its own; a page checks
its position against the horizon after it has read the log (cms/sync/pages.py). A page that
read the log before a deletion read everything; one that read it after also reads the
raised horizon, and is refused. The newest entry is always kept: numbering goes on above it.

Each batch is a fixed handful of queries over at most `batch` entries, on indexes; a run
stops after `max_batches` and the next run goes on where it stopped (the superseded scan
keeps its place in `SyncHorizon.checked_upto`; old entries are simply those still there).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from cms.models import SyncEntry, SyncHorizon

from . import log

BATCH = 1000


@dataclass
class Pruned:
    """What a run did: entries deleted of each kind, batches run, the horizon, and whether
    work is left for the next run (`max_batches` reached)."""

    superseded: int = 0
    expired: int = 0
    batches: int = 0
    horizon: int = 0
    more: bool = False


def horizon():
    """Entries numbered up to this may be pruned: a round reading the log from below it
    cannot resume (0: nothing pruned yet)."""
    row = SyncHorizon.objects.filter(pk=1).values_list("pruned_upto", flat=True).first()
    return row or 0


def retention():
    return timedelta(days=settings.CMS_SYNC_RETENTION_DAYS)


def prune(*, keep=None, batch=BATCH, max_batches=None):
    """Delete superseded entries and those numbered more than `keep` (default: the
    retention setting) ago, `batch` entries at a time, at most `max_batches` batches."""
    log.number()  # Entries waiting for a number get one, so they count as newer entries.
    now = timezone.now()
    cutoff = now - (retention() if keep is None else keep)
    state, _created = SyncHorizon.objects.get_or_create(pk=1)
    newest = SyncEntry.objects.aggregate(newest=Max("seq"))["newest"] or 0
    bound = (
        SyncEntry.objects.filter(numbered_at__lt=cutoff)
        .order_by("-numbered_at", "-seq")
        .values_list("seq", flat=True)
        .first()
    ) or 0
    if bound > state.pruned_upto:
        # Raised (and, outside a caller's transaction, committed) before anything goes.
        SyncHorizon.objects.filter(pk=1, pruned_upto__lt=bound).update(
            pruned_upto=bound, pruned_at=now
        )
    result = Pruned(horizon=max(bound, state.pruned_upto))

    def room():
        if max_batches is not None and result.batches >= max_batches:
            result.more = True
            return False
        return True

    # Checked first, so a run with nothing old left spends no batch on it.
    old = SyncEntry.objects.filter(seq__lte=result.horizon, seq__lt=newest)
    while old.exists() and room():
        result.batches += 1
        result.expired += _old(result.horizon, newest, batch)
    checked = state.checked_upto
    while checked < newest and room():
        result.batches += 1
        checked, deleted = _superseded(checked, newest, batch)
        result.superseded += deleted
    return result


def _old(upto, newest, batch):
    """Delete up to `batch` entries numbered up to `upto`, never the newest entry."""
    oldest = (
        SyncEntry.objects.filter(seq__lte=upto, seq__lt=newest).order_by("seq").values("pk")[:batch]
    )
    deleted, _by_model = SyncEntry.objects.filter(pk__in=oldest).delete()
    return deleted


def _superseded(checked, newest, batch):
    """Delete every entry superseded by one of the next `batch` entries numbered after
    `checked`; return where the scan stands and how many went."""
    last_of_batch = (
        SyncEntry.objects.filter(seq__gt=checked, seq__lte=newest)
        .order_by("seq")
        .values_list("seq", flat=True)[batch - 1 : batch]
    )
    upper = next(iter(last_of_batch), newest)
    window = SyncEntry.objects.filter(seq__gt=checked, seq__lte=upper)
    later = window.filter(story_id=OuterRef("story_id"), seq__gt=OuterRef("seq"))
    deleted, _by_model = (
        SyncEntry.objects.filter(story_id__in=window.values("story_id"), seq__lt=upper)
        .filter(Exists(later))
        .delete()
    )
    SyncHorizon.objects.filter(pk=1, checked_upto__lt=upper).update(checked_upto=upper)
    return upper, deleted
