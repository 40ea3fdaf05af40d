"""The task worker with a lease: no task is lost with the process that ran it.

django_tasks_db's worker claims a task by marking it RUNNING, and nothing ever looks at
it again if the worker is killed mid-task; it also exits on the first lost database
connection. This worker keeps the library's queue, claim and admin, and adds:

- a lease: every worker renews its `TaskWorker` row every `lease / 5` seconds (between
  tasks in its loop, during a task from a small thread). A RUNNING task whose worker's
  lease has lapsed is put back on the queue by any worker, so it runs again; every task
  is written to be safe to run twice (webhook deliveries keep their message id, purges
  and counter flushes write absolute state);
- retries: a task that raises is queued again after 2, 4, 8 … seconds, up to
  CMS_TASK_MAX_ATTEMPTS runs, and only then marked FAILED (the admin's task list and
  /metrics show it);
- patience: a lost database (or a locked SQLite file) is waited out, with backoff up to
  a few seconds, and the connection opened afresh; the worker never exits on it.
"""

import contextlib
import logging
import os
import socket
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from cms.models import TaskWorker

logger = logging.getLogger("django_tasks_db")

# How long a stopped worker's row is kept, for the admin's list.
FORGET_AFTER = timedelta(days=1)
LONGEST_WAIT = 5.0


class TaskLost(Exception):
    """A task's worker died with it for the last allowed time."""


def lease_seconds():
    return settings.CMS_TASK_LEASE_SECONDS


def retry_delay(attempts):
    """Seconds before run number `attempts + 1`: doubling from the base, at most 5 minutes."""
    return min(settings.CMS_TASK_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 300)


def live_workers(now=None):
    """The ids of the workers whose lease has not lapsed."""
    cutoff = (now or timezone.now()) - timedelta(seconds=lease_seconds())
    return set(TaskWorker.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True))


def requeue(result, delay=0.0, reason=""):
    """Put a claimed task back on the queue, to run after `delay` seconds."""
    result.status = TaskResultStatus.READY
    result.run_after = timezone.now() + timedelta(seconds=delay)
    result.traceback = reason
    result.save(update_fields=["status", "run_after", "traceback"])


def reclaim(backend_name, own_id=None, running_now=None):
    """Queue again every task claimed by a worker whose lease lapsed; return how many.

    A task claimed by this worker (`own_id`) and not running now was left behind when the
    database went away during it: it is queued again too. A task that has used its runs
    is marked FAILED instead, with `TaskLost`.
    """
    now = timezone.now()
    live = live_workers(now)
    taken = 0
    with transaction.atomic():
        running = (
            DBTaskResult.objects.running()
            .filter(backend_name=backend_name)
            .select_for_update(skip_locked=True)
        )
        for result in running:
            last = result.worker_ids[-1] if result.worker_ids else None
            abandoned = last not in live or (last == own_id and result.pk != running_now)
            if not abandoned:
                continue
            if len(result.worker_ids) >= settings.CMS_TASK_MAX_ATTEMPTS:
                result.set_failed(TaskLost(f"worker {last} stopped during the last run"))
            else:
                requeue(result, reason=f"Queued again: worker {last} stopped during the run.")
            logger.warning("Task id=%s of stopped worker %s taken back", result.pk, last)
            taken += 1
    TaskWorker.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()
    return taken


class LeasedWorker(Worker):
    def __init__(self, **options):
        super().__init__(**options)
        self.beat_every = lease_seconds() / 5
        self.last_beat = float("-inf")
        self.last_reclaim = float("-inf")
        self.running_id = None

    def beat(self):
        TaskWorker.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "seen_at": timezone.now(),
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
            },
        )
        self.last_beat = time.monotonic()

    def keep_lease(self, stop):
        """During a task (in a thread of its own, with its own connection)."""
        try:
            while not stop.wait(self.beat_every):
                try:
                    self.beat()
                except DatabaseError as error:
                    logger.warning("Could not renew the lease of %s: %s", self.worker_id, error)
                    connections.close_all()
        finally:
            connections.close_all()

    def step(self):
        """Renew the lease, take back abandoned tasks, run one task; the task or None."""
        close_old_connections()
        if time.monotonic() - self.last_beat >= self.beat_every:
            self.beat()
        if time.monotonic() - self.last_reclaim >= self.beat_every:
            reclaim(self.backend_name, own_id=self.worker_id)
            self.last_reclaim = time.monotonic()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        if task_result is not None:
            self.run_task(task_result)
        return task_result

    def run(self):
        logger.info(
            "Starting worker worker_id=%s queues=%s", self.worker_id, ",".join(self.queue_names)
        )
        try:
            self.work()
        finally:
            # A clean exit gives up the lease at once: /readyz does not count it as stopped.
            with contextlib.suppress(DatabaseError):
                TaskWorker.objects.filter(worker_id=self.worker_id).delete()

    def work(self):
        waited = 0.0
        while self.running:
            try:
                task_result = self.step()
            except DatabaseError as error:
                # Lost or locked: wait it out with a fresh connection, never exit.
                waited = min(max(waited * 2, self.interval, 0.1), LONGEST_WAIT)
                logger.warning("Task queue unreachable (%s); trying again in %.1fs", error, waited)
                connections.close_all()
                time.sleep(waited)
                continue
            waited = 0.0
            if self.batch and task_result is None:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            if self.running and task_result is None:
                time.sleep(self.interval)

    def run_task(self, db_task_result):
        self.running_task = True
        self.running_id = db_task_result.pk
        stop = threading.Event()
        keeper = threading.Thread(target=self.keep_lease, args=(stop,), daemon=True)
        keeper.start()
        try:
            task = db_task_result.task
            backend_type = task.get_backend()
            task_result = db_task_result.task_result
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                from django_tasks import TaskContext

                value = task.call(
                    TaskContext(task_result=task_result), *task_result.args, **task_result.kwargs
                )
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            db_task_result.set_successful(value)
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        except Exception as error:
            self.failed(db_task_result, error)
        except BaseException:
            # Stopped mid-task (a second Ctrl+C): the task runs again on the next worker.
            requeue(db_task_result, reason="Queued again: its worker was stopped.")
            raise
        finally:
            stop.set()
            keeper.join()
            self.running_task = False
            self.running_id = None
            self._run_tasks += 1

    def failed(self, db_task_result, error):
        attempts = len(db_task_result.worker_ids)
        if attempts < settings.CMS_TASK_MAX_ATTEMPTS:
            delay = retry_delay(attempts)
            logger.warning(
                "Task id=%s failed (run %d): %r; runs again in %ss",
                db_task_result.pk,
                attempts,
                error,
                delay,
            )
            requeue(db_task_result, delay, reason=f"Run {attempts} failed: {error!r}"[:2000])
            return
        logger.error(
            "Task id=%s failed for the last time (run %d): %r", db_task_result.pk, attempts, error
        )
        db_task_result.set_failed(error)
        task_finished.send(
            sender=type(db_task_result.task.get_backend()), task_result=db_task_result.task_result
        )
