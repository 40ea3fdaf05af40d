"""Purges owed to the edge cache: an operational record, written with the change it follows.

A content change records which response-cache dependencies it invalidated (one row per
invalidation, in the change's own transaction: a rolled-back change owes no purge). The
delivery layer's worker sends them in batches and marks them sent; until then a row shows
its attempts and last error, so the admin can tell a stuck edge from a quiet one.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EdgePurge(models.Model):
    """Dependencies whose edge-cached answers must be purged, and how sending them went."""

    dependencies = models.JSONField(
        _("dependencies"), default=list, help_text=_("What the change invalidated.")
    )
    not_before = models.DateTimeField(
        _("not before"),
        db_index=True,
        help_text=_("When to send it: the change's time, or a scheduled story's publish time."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    wal_position = models.CharField(
        _("WAL position"),
        max_length=40,
        blank=True,
        help_text=_("The primary's WAL position the replicas must replay before the purge."),
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("edge purge")
        verbose_name_plural = _("edge purges")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return " ".join(self.dependencies)
