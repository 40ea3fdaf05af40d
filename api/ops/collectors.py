"""Queue depths read from the database when /metrics is scraped.

The task queue (django-tasks' database backend, which carries webhook deliveries and any
other background work) and the webhook deliveries still to be made. Read at scrape time,
they are right whichever process enqueued or ran the work.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, router
from django.db.models import Case, Count, F, Min, Q, When
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client.core import GaugeMetricFamily

from cms.models import TaskWorker, WebhookDelivery

logger = logging.getLogger("api.ops")


def _task_families():
    now = timezone.now()
    never = get_date_max()
    waiting = Q(status=TaskResultStatus.READY)
    due = waiting & (Q(run_after=never) | Q(run_after__lte=now))
    rows = (
        DBTaskResult.objects.using(router.db_for_write(DBTaskResult))
        .filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING])
        .values("queue_name", "task_path")
        .annotate(
            ready=Count("id", filter=due),
            scheduled=Count("id", filter=waiting & ~due),
            running=Count("id", filter=Q(status=TaskResultStatus.RUNNING)),
            oldest_due=Min(
                Case(When(run_after=never, then=F("enqueued_at")), default=F("run_after")),
                filter=due,
            ),
        )
        .order_by()
    )
    labels = ["queue", "task"]
    ready = GaugeMetricFamily(
        "cms_task_queue_ready", "Tasks due and not yet started (the backlog).", labels=labels
    )
    scheduled = GaugeMetricFamily(
        "cms_task_queue_scheduled",
        "Tasks waiting for a later time (retries, schedules).",
        labels=labels,
    )
    running = GaugeMetricFamily("cms_task_queue_running", "Tasks running now.", labels=labels)
    oldest = GaugeMetricFamily(
        "cms_task_queue_oldest_due_seconds",
        "How long the longest-waiting due task has waited.",
        labels=labels,
    )
    for row in rows:
        key = [row["queue_name"], row["task_path"]]
        ready.add_metric(key, row["ready"])
        scheduled.add_metric(key, row["scheduled"])
        running.add_metric(key, row["running"])
        waited = (now - row["oldest_due"]).total_seconds() if row["oldest_due"] else 0.0
        oldest.add_metric(key, max(0.0, waited))
    return [ready, scheduled, running, oldest]


def _worker_families():
    """Live workers (lease not lapsed) and tasks that used up their runs, by task."""
    now = timezone.now()
    alias = router.db_for_write(DBTaskResult)
    live = GaugeMetricFamily(
        "cms_task_workers_live", "Task workers whose lease has not lapsed (0: nothing runs)."
    )
    lease = timedelta(seconds=settings.CMS_TASK_LEASE_SECONDS)
    live.add_metric([], TaskWorker.objects.using(alias).filter(seen_at__gte=now - lease).count())
    failed = GaugeMetricFamily(
        "cms_task_queue_failed",
        "Tasks failed after their last retry, kept in the admin's task list.",
        labels=["queue", "task"],
    )
    rows = (
        DBTaskResult.objects.using(alias)
        .filter(status=TaskResultStatus.FAILED)
        .values("queue_name", "task_path")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        failed.add_metric([row["queue_name"], row["task_path"]], row["n"])
    return [live, failed]


def _webhook_families():
    now = timezone.now()
    due = Q(next_attempt_at__lte=now)
    found = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).aggregate(
        pending=Count("id"),
        due=Count("id", filter=due),
        oldest_due=Min("next_attempt_at", filter=due),
    )
    pending = GaugeMetricFamily(
        "cms_webhook_deliveries_pending", "Webhook deliveries not yet made (including retries)."
    )
    pending.add_metric([], found["pending"])
    overdue = GaugeMetricFamily(
        "cms_webhook_deliveries_due", "Pending webhook deliveries whose attempt time has come."
    )
    overdue.add_metric([], found["due"])
    oldest = GaugeMetricFamily(
        "cms_webhook_oldest_due_seconds",
        "How long the longest-overdue pending webhook delivery has waited for its attempt.",
    )
    waited = (now - found["oldest_due"]).total_seconds() if found["oldest_due"] else 0.0
    oldest.add_metric([], max(0.0, waited))
    return [pending, overdue, oldest]


class QueueCollector:
    """A prometheus-client collector of the queue gauges; silent while the database is down."""

    def describe(self):
        return []

    def collect(self):
        for families in (_task_families, _worker_families, _webhook_families):
            try:
                yield from families()
            except DatabaseError as error:
                logger.warning("Queue metrics unavailable: %s", error)
