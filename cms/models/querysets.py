"""Who may see which stories, written once: every reader-facing path starts here."""

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from parler.managers import TranslatableManager, TranslatableQuerySet

from cms import languages


class StoryQuerySet(TranslatableQuerySet):
    def published(self, now=None):
        """Stories readers may see: published, and their publish time has come."""
        return self.filter(status="published", published_at__lte=now or timezone.now())

    def next_publication(self, now=None):
        """When the next scheduled story goes live, or None: lists change then by themselves."""
        scheduled = self.filter(status="published", published_at__gt=now or timezone.now())
        return scheduled.aggregate(models.Min("published_at"))["published_at__min"]

    def readable(self, language, key=None):
        """What a reader (or a partner's `key`) sees in `language`: the one visibility rule."""
        allowed = key.languages if key is not None and key.languages else None
        stories = self.published().in_language(language, allowed)
        if key is not None:
            tag_ids = [tag.pk for tag in key.tags.all()]
            if tag_ids:
                links = self.model.tags.through.objects.filter(
                    story=OuterRef("pk"), tag_id__in=tag_ids
                )
                stories = stories.filter(Exists(links))
        return stories

    def in_language(self, language, allowed=None):
        """Stories readable in `language` or one of its fallbacks (remembered for `search`).

        `allowed` narrows the languages that may be served at all.
        """
        chain = languages.chain(language, allowed)
        if not chain:
            nothing = self.none()
            nothing._language_chain = chain
            return nothing
        translations = self.model.translations.field.model.objects
        readable = self.filter(
            Exists(translations.filter(master=OuterRef("pk"), language_code__in=chain))
        )
        readable._language_chain = chain
        return readable

    def _clone(self):
        clone = super()._clone()
        clone._language_chain = getattr(self, "_language_chain", None)
        return clone

    def search(self, text):
        """Stories whose served translation matches every word of `text` (after `in_language`).

        The served translation is the first of the language chain the story has, so a
        story shown in its fallback language is searched in that language's text.
        """
        chain = self._language_chain
        if chain is None:
            raise ValueError("search() needs in_language() first")
        translation_model = self.model.translations.field.model
        match = Q()
        for term in text.lower().split():
            match &= Q(search_document__contains=term)
        if connection.vendor == "postgresql":
            match |= full_text_match(text)
        served = Q()
        for position, code in enumerate(chain):
            earlier = translation_model.objects.filter(
                master=OuterRef(OuterRef("pk")), language_code__in=chain[:position]
            )
            served |= Q(language_code=code) & ~Q(Exists(earlier))
        matching = translation_model.objects.filter(match & served, master=OuterRef("pk"))
        return self.filter(Exists(matching))

    def with_tag(self, slug):
        """Stories carrying the tag `slug`."""
        links = self.model.tags.through.objects.filter(story=OuterRef("pk"), tag__slug=slug)
        return self.filter(Exists(links))


def full_text_match(text):
    """PostgreSQL full-text match of `text`, in each language that has a search configuration."""
    from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact

    match = Q()
    for code, config in settings.CMS_SEARCH_CONFIGS.items():
        vector = SearchVector("search_document", config=config)
        query = SearchQuery(text, config=config, search_type="websearch")
        match |= Q(language_code=code) & Q(SearchVectorExact(vector, query))
    return match


class StoryManager(TranslatableManager.from_queryset(StoryQuerySet)):
    pass
