from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """The newsroom: stories, tags, sources and the rules editors work by."""

    name = "cms"
    verbose_name = _("Newsroom")

    def ready(self):
        from . import counts, ranking, revisions, slugs, webhooks  # noqa: F401  (they listen to signals)

        revisions.register()
