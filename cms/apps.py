from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """The newsroom: stories, tags, sources and the rules editors work by."""

    name = "cms"
    verbose_name = _("Newsroom")

    def ready(self):
        """Connect each capability's receivers, once, in this order:

        1. a language version's derived fields, before any other receiver of its save;
        2. search (markers after a deletion, synonym generations);
        3. media (renditions, analyses placing a changed image);
        4. counting (maintained counts, counters, ranking);
        5. stories (slug history, version control, announcing image and author changes,
           after media has rendered the analyses again);
        6. partners (webhook deliveries);
        7. sync (the change log partners' mirrors read).
        `api` listens to the same events from its own `ready()`.
        """
        from . import checks  # noqa: F401  (registers the system checks)
        from .counting import receivers as counting
        from .media import receivers as media
        from .partners import receivers as partners
        from .search import receivers as search
        from .stories import receivers as stories
        from .sync import receivers as sync

        stories.connect_derived()
        search.connect()
        media.connect()
        counting.connect()
        stories.connect()
        partners.connect()
        sync.connect()
