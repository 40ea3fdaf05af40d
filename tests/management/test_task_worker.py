"""The task worker loses no task: a dead worker's task runs again, a failing one is retried
with backoff and then shown as failed, and a lost database is waited out."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from cms.management.worker import LeasedWorker
from cms.models import TaskWorker

# The worker opens and closes connections as a process does: outside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@task()
def count_run(key):
    """Adds one to a cache counter: how many times the task ran."""
    cache.add(key, 0)
    return cache.incr(key)


@task()
def always_fails(key):
    cache.add(key, 0)
    cache.incr(key)
    raise ValueError("the partner is down")


def work():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def claimed_by(result, worker_id, seen_ago=None):
    """Mark `result` RUNNING as a worker last alive `seen_ago` ago (or never seen) left it."""
    row = DBTaskResult.objects.get(pk=result.id)
    row.claim(worker_id)
    if seen_ago is not None:
        TaskWorker.objects.create(worker_id=worker_id, seen_at=timezone.now() - seen_ago)
    return row


def test_a_task_whose_worker_was_killed_runs_again_on_the_next_worker():
    result = count_run.enqueue("killed")
    claimed_by(result, "killed-worker", seen_ago=timedelta(minutes=1))
    work()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids[0] == "killed-worker" and len(row.worker_ids) == 2
    assert cache.get("killed") == 1


def test_a_task_whose_worker_is_alive_is_left_to_it(settings):
    result = count_run.enqueue("alive")
    claimed_by(result, "busy-worker", seen_ago=timedelta(seconds=1))
    work()
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING
    assert cache.get("alive") is None


def test_a_failing_task_is_retried_with_backoff_then_shown_failed(settings):
    settings.CMS_TASK_MAX_ATTEMPTS = 3
    result = always_fails.enqueue("fails")
    started = timezone.now()
    work()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.READY
    assert row.run_after >= started + timedelta(seconds=settings.CMS_TASK_RETRY_SECONDS)
    assert "the partner is down" in row.traceback
    for _ in range(2):
        DBTaskResult.objects.filter(pk=result.id).update(run_after=timezone.now())
        work()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "builtins.ValueError"
    assert cache.get("fails") == 3 and len(row.worker_ids) == 3


def test_a_task_lost_with_its_worker_too_often_is_failed_not_run_forever(settings):
    settings.CMS_TASK_MAX_ATTEMPTS = 2
    result = count_run.enqueue("lost")
    row = claimed_by(result, "first", seen_ago=timedelta(hours=1))
    row.claim("second")
    work()
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path.endswith("TaskLost")
    assert cache.get("lost") is None


def test_the_worker_waits_out_a_lost_database_instead_of_exiting(monkeypatch):
    result = count_run.enqueue("patient")
    real_step = LeasedWorker.step
    failures = iter([OperationalError("server closed the connection unexpectedly")] * 3)

    def flaky_step(self):
        error = next(failures, None)
        if error is not None:
            raise error
        return real_step(self)

    monkeypatch.setattr(LeasedWorker, "step", flaky_step)
    with mock.patch("cms.management.worker.time.sleep") as slept:
        call_command("db_worker", "--max-tasks", "1", "--no-startup-delay", verbosity=0)
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL
    waits = [call.args[0] for call in slept.call_args_list]
    assert len(waits) >= 3 and waits == sorted(waits)


def test_a_worker_that_stops_cleanly_gives_up_its_lease():
    count_run.enqueue("clean")
    work()
    assert not TaskWorker.objects.exists()


def test_metrics_show_live_workers_and_tasks_failed_after_their_last_retry(client, settings):
    settings.CMS_TASK_MAX_ATTEMPTS = 1
    settings.CMS_METRICS_TOKEN = "scrape"
    always_fails.enqueue("shown")
    work()
    TaskWorker.objects.create(worker_id="running", seen_at=timezone.now())
    text = client.get("/metrics", headers={"authorization": "Bearer scrape"}).content.decode()
    assert "cms_task_workers_live 1.0" in text
    failed = [line for line in text.splitlines() if line.startswith("cms_task_queue_failed{")]
    assert any("always_fails" in line and line.endswith(" 1.0") for line in failed)


def test_the_admin_shows_a_retried_task_with_its_runs_and_the_workers(admin_client, settings):
    settings.CMS_TASK_MAX_ATTEMPTS = 2
    always_fails.enqueue("admin")
    work()
    DBTaskResult.objects.update(run_after=timezone.now())
    work()
    page = admin_client.get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    assert "always_fails" in page and 'class="field-runs">2<' in page
    TaskWorker.objects.create(worker_id="visible-worker", seen_at=timezone.now())
    assert "visible-worker" in admin_client.get("/admin/cms/taskworker/").content.decode()
