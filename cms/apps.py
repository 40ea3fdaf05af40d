from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """The newsroom: stories, tags, sources and the rules editors work by."""

    name = "cms"
    verbose_name = _("Newsroom")

    def ready(self):
        from . import checks  # noqa: F401
        from .counting import counters, counts, flush, ranking  # noqa: F401
        from .media import receivers as media_receivers
        from .partners import webhooks  # noqa: F401
        from .search import engine as search
        from .stories import revisions, slugs  # noqa: F401

        counters.connect()
        revisions.register()
        search.connect()
        media_receivers.connect()
