"""The signals operations listen to, connected once the apps are ready."""

from django.core.signals import request_finished
from django_tasks.signals import task_finished

from api.ops import logs, metrics


def connect():
    task_finished.connect(metrics.task_finished, dispatch_uid="ops-task-metrics")
    request_finished.connect(logs.forget_request, dispatch_uid="ops-forget-request")
