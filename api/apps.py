from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The delivery layer: it holds no models, only listens to the newsroom's changes."""

    name = "api"
    verbose_name = "API"

    def ready(self):
        from django_tasks.signals import task_finished

        from api.caching import invalidation
        from api.ops import metrics

        invalidation.connect()
        task_finished.connect(metrics.task_finished, dispatch_uid="ops-task-metrics")
