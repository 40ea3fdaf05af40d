from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """The newsroom: stories, tags, sources and the rules editors work by."""

    name = "cms"
    verbose_name = _("Newsroom")

    def ready(self):
        from . import (  # noqa: F401
            checks,
            counter_flush,
            counters,
            counts,
            media_signals,
            ranking,
            revisions,
            search,
            slugs,
            webhooks,
        )

        counters.connect()
        revisions.register()
        search.connect()
        media_signals.connect()
