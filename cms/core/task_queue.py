"""The task queue's app (django_tasks_db, which webhook deliveries run on), named in the
admin's language; INSTALLED_APPS names this instead of the package's own app config."""

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class TaskQueueConfig(TasksAppConfig):
    verbose_name = _("Task queue")
