"""Running the counter flushes that recordView and recordShare queued (cms/counting/flush.py)."""

from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from cms.counting.flush import flush_window


def queued_flushes():
    """The flush tasks waiting for their windows to end, oldest first."""
    return DBTaskResult.objects.filter(
        task_path=flush_window.module_path, status=TaskResultStatus.READY
    ).order_by("enqueued_at")


def flush_counts():
    """Run every queued flush now, as the worker does once each window has ended; return
    how many stories were written."""
    written = 0
    for row in queued_flushes():
        row.delete()  # Run once, as the worker does, whether it succeeds or fails.
        written += flush_window.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
    return written
