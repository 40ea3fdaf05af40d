from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The delivery layer: it holds no models, only listens to the newsroom's changes."""

    name = "api"
    verbose_name = "API"

    def ready(self):
        from api.caching import invalidation, purge
        from api.ops import receivers

        invalidation.connect()
        purge.connect()
        receivers.connect()
