"""The change log partners' mirrors are synced from (cms/sync/)."""

from django.db import models


class SyncEntry(models.Model):
    """One story changed (or went) in what readers see: partners' syncs re-read it.

    Written by the workflow's announcements in the same transaction as the change, so a
    rolled-back change leaves none and a committed one is never lost. An entry says only
    which story to look at again (and which language versions it had then): what a
    partner receives is the story as its key reads it when the sync is read. `seq` is
    given after the writing transaction committed (`cms.sync.log.number`), which is what
    orders the log without ever skipping a concurrent commit.
    """

    # The story's id, not a foreign key: the entry outlives a deleted story.
    story_id = models.BigIntegerField()
    seq = models.BigIntegerField(null=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When `seq` was given: what the retention bound is measured from (cms/sync/prune.py).
    numbered_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            # The entries still to be numbered: few, read by every numbering.
            models.Index(
                fields=["id"],
                condition=models.Q(seq__isnull=True),
                name="sync_entry_unnumbered_idx",
            ),
            # Pruning: a story's later entries, and the newest entry numbered before a time.
            models.Index(fields=["story_id", "seq"], name="sync_entry_story_seq_idx"),
            models.Index(fields=["numbered_at", "seq"], name="sync_entry_numbered_at_idx"),
        ]

    def __str__(self):
        return f"story {self.story_id} (#{self.seq})"


class SyncHorizon(models.Model):
    """How far the change log has been pruned (one row; cms/sync/prune.py).

    Entries numbered up to `pruned_upto` may be gone: a token whose round reads the log
    from below it is refused as expired (its partner resyncs from scratch), so no partner
    ever resumes past a hole. `checked_upto` is where the search for superseded entries
    (a story's entries older than its newest) stands.
    """

    pruned_upto = models.BigIntegerField(default=0)
    checked_upto = models.BigIntegerField(default=0)
    pruned_at = models.DateTimeField(null=True)

    def __str__(self):
        return f"pruned up to #{self.pruned_upto}"
