from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The delivery layer: it holds no models, only listens to the newsroom's changes."""

    name = "api"
    verbose_name = "API"

    def ready(self):
        """Connect the delivery's receivers, once: what each change invalidates (caches, then
        edge purges), operations' metrics and logs, login throttling, entry changes to
        subscribers, and what a changed setting makes stale (tests override settings)."""
        from api.caching import edge, invalidation, purge, responses
        from api.graphql_http import fastpath, security
        from api.graphql_ws import events
        from api.ops import receivers

        invalidation.connect()
        purge.connect()
        receivers.connect()
        security.connect()
        responses.connect()
        edge.connect()
        fastpath.connect()
        events.connect()
