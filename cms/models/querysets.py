"""Who may see which stories, written once: every reader-facing path starts here."""

from django.conf import settings
from django.db import connection, models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
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

    def in_language(self, language):
        """Stories readable in `language` or one of its fallbacks.

        Each carries `served_language`: the first language of that chain it exists in.
        """
        translations = self.model.translations.field.model.objects
        whens = [
            When(
                Exists(translations.filter(master=OuterRef("pk"), language_code=code)),
                then=Value(code),
            )
            for code in languages.chain(language)
        ]
        served = Case(*whens, default=None, output_field=models.CharField())
        return self.annotate(served_language=served).filter(served_language__isnull=False)

    def search(self, text):
        """Stories whose served translation matches every word of `text` (after `in_language`)."""
        translation_model = self.model.translations.field.model
        match = Q()
        for term in text.lower().split():
            match &= Q(search_document__contains=term)
        if connection.vendor == "postgresql":
            match |= full_text_match(text)
        matching = translation_model.objects.filter(
            match, master=OuterRef("pk"), language_code=OuterRef("served_language")
        )
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
