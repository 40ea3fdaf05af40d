from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """The newsroom: stories, tags, sources and the rules editors work by."""

    name = "cms"
    verbose_name = _("Newsroom")

    def ready(self):
        from . import checks, counts, media_signals, ranking, revisions, search, slugs, webhooks  # noqa: F401

        revisions.register()
        search.connect()
        media_signals.connect()
