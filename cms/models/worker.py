"""The task workers' leases: each running worker renews its row every few seconds.

A task claimed by a worker whose lease has lapsed (the process was killed, its machine
lost) is handed back to the queue by any other worker (cms/management/worker.py), and
/readyz reports a queue that no live worker holds.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskWorker(models.Model):
    """One task worker process and when it last said it was alive."""

    worker_id = models.CharField(_("worker id"), max_length=64, primary_key=True)
    host = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process id"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    seen_at = models.DateTimeField(
        _("last seen"),
        db_index=True,
        help_text=_("Renewed every few seconds; a worker not seen for the lease is dead."),
    )

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")
        ordering = ["-seen_at"]

    def __str__(self):
        return f"{self.worker_id} ({self.host}:{self.pid})"
