"""The project's settings with the task backend the task-queue benchmark measures.

BENCH_TASK_BACKEND names the candidate (bench/task_queues.py): `db` is the project's own
queue as deployed (django_tasks_db with our leased worker, on DATABASE_URL or SQLite);
`rq` is RQ through django-tasks-rq, `celery` is Celery through django-tasks-fennel, both on
BENCH_TASK_REDIS_URL. Everything else is the project's settings, unchanged, so every worker
loads the same Django project.
"""

import os

from api.settings import *  # noqa: F403
from api.settings import INSTALLED_APPS

BACKEND = os.environ.get("BENCH_TASK_BACKEND", "db")
REDIS = os.environ.get("BENCH_TASK_REDIS_URL", "redis://127.0.0.1:6379/1")
# The broker's redelivery bound, as long as our lease (CMS_TASK_LEASE_SECONDS' default).
REDELIVER_AFTER = float(os.environ.get("BENCH_TASK_REDELIVER_SECONDS", "15"))

if BACKEND == "rq":
    INSTALLED_APPS = [*INSTALLED_APPS, "django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif BACKEND == "celery":
    INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_fennel"]
    TASKS = {"default": {"BACKEND": "django_tasks_fennel.CeleryBackend", "QUEUES": ["default"]}}
    CELERY_BROKER_URL = REDIS
    # At-least-once: acknowledged after the task ran, put back when its worker process dies,
    # and redelivered by the broker when no worker acknowledged it within the timeout. Kombu
    # looks for such messages every interval × throttle seconds (10 × 10 by default): tuned
    # here to look as often as our worker renews its lease.
    CELERY_TASK_ACKS_LATE = True
    CELERY_TASK_REJECT_ON_WORKER_LOST = True
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": REDELIVER_AFTER,
        "unacked_restore_interval": REDELIVER_AFTER / 5,
        "unacked_restore_throttle": 1,
    }
    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
    CELERY_IMPORTS = ["bench.task_workload"]
    SILENCED_SYSTEM_CHECKS = ["django_tasks_fennel.W001"]
