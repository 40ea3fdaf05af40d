"""Who may see which stories, written once: every reader-facing path starts here."""

from django.conf import settings
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from parler.managers import TranslatableManager, TranslatableQuerySet

from cms import languages

# Up to this many matching translations are fetched by id before stories are filtered.
SEARCH_PREFETCH = 5000


def live_q(now=None):
    """The condition of a story readers may see now: published, its time has come, and
    its expiry time (if any) has not.

    `Story.is_live` is the same rule for one story in memory; a test keeps them in step.
    """
    now = now or timezone.now()
    return Q(status="published", published_at__lte=now) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def scheduled_q(now=None):
    """The condition of a story published for later: it goes live by itself at its time."""
    return Q(status="published", published_at__gt=now or timezone.now())


class StoryQuerySet(TranslatableQuerySet):
    def published(self, now=None):
        """Stories readers may see: published, and their publish time has come."""
        return self.filter(live_q(now))

    def scheduled(self, now=None):
        """Stories published for later, not yet visible."""
        return self.filter(scheduled_q(now))

    def next_publication(self, now=None):
        """The next visibility change, or None: when the next scheduled story goes live or
        the next live or scheduled story expires. Lists change then by themselves."""
        now = now or timezone.now()
        # Two indexed range reads (publish-time and expiry indexes), never a scan of every
        # published story.
        publish = self.scheduled(now).aggregate(models.Min("published_at"))["published_at__min"]
        expire = self.filter(status="published", expires_at__gt=now).aggregate(
            models.Min("expires_at")
        )["expires_at__min"]
        moments = [moment for moment in (publish, expire) if moment is not None]
        return min(moments) if moments else None

    def readable(self, audience):
        """What `audience` (a `cms.audience.Audience`) sees: the one visibility rule."""
        stories = self.published().in_chain(audience.chain)
        if audience.tag_ids:
            links = self.model.tags.through.objects.filter(
                story=OuterRef("pk"), tag_id__in=sorted(audience.tag_ids)
            )
            stories = stories.filter(Exists(links))
        return stories

    def previewable(self, story_id, audience):
        """What a one-story lookup with a preview token for `story_id` may return.

        The readable stories, and that story in any workflow state: the token stands in
        for the publish rule and a key's tags, but a key's languages still apply. Lists,
        counts, search and feeds use `readable` alone, so they never show the preview.
        """
        previewed = self.filter(pk=story_id).in_chain(audience.chain)
        return self.filter(
            Q(pk__in=self.readable(audience).values("pk")) | Q(pk__in=previewed.values("pk"))
        )

    def in_chain(self, chain):
        """Stories that have a version in one of the languages of `chain`."""
        if not chain:
            return self.none()
        translations = self.model.translations.field.model.objects
        return self.filter(
            Exists(translations.filter(master=OuterRef("pk"), language_code__in=chain))
        )

    def search(self, text, chain):
        """Stories whose served translation matches every word of `text`.

        The served translation is the first language of `chain` the story has, so a
        story shown in its fallback language is searched in that language's text.
        """
        if not chain:
            return self.none()
        translation_model = self.model.translations.field.model
        words = Q()
        for term in text.lower().split():
            words &= Q(search_document__contains=term)
        # Each language's matches come from the search indexes on their own; a match
        # counts when its language is the one the story is served in (no earlier language
        # of the chain). When matches are few, they are fetched first and the stories
        # filtered by id: otherwise PostgreSQL may walk the whole publish-time index
        # looking for matches that are not there.
        translations = translation_model.objects
        served = Q()
        for position, code in enumerate(chain):
            matching = translations.filter(
                words | full_text_match(text, code), language_code=code
            ).values("master_id")
            hit = Q(pk__in=matching)
            for earlier in chain[:position]:
                hit &= ~Exists(translations.filter(master=OuterRef("pk"), language_code=earlier))
            served |= hit
        candidates = list(
            translations.filter(
                Q(language_code__in=chain) & (words | _any_full_text_match(text, chain))
            ).values_list("master_id", flat=True)[: SEARCH_PREFETCH + 1]
        )
        if len(candidates) <= SEARCH_PREFETCH:
            return self.filter(served, pk__in=candidates)
        return self.filter(served)

    def needing_translation(self, language=None):
        """Stories without a complete version in `language` (or in some language)."""
        translations = self.model.translations.field.model.objects
        codes = [language] if language else languages.codes()
        condition = Q()
        for code in codes:
            done = translations.filter(master=OuterRef("pk"), language_code=code, complete=True)
            condition |= ~Exists(done)
        return self.filter(condition)

    def with_outdated_translation(self, language=None):
        """Stories with a version (in `language`) older than the last change of their original."""
        translations = self.model.translations.field.model.objects
        original_changed = translations.filter(
            master=OuterRef("master"), language_code=OuterRef("master__original_language")
        ).values("content_changed_at")[:1]
        outdated = (
            translations.filter(master=OuterRef("pk"))
            .exclude(language_code=OuterRef("original_language"))
            .filter(content_changed_at__lt=Subquery(original_changed))
        )
        if language:
            outdated = outdated.filter(language_code=language)
        return self.filter(Exists(outdated))

    def with_tag(self, slug):
        """Stories carrying the tag `slug`."""
        links = self.model.tags.through.objects.filter(story=OuterRef("pk"), tag__slug=slug)
        return self.filter(Exists(links))


def _any_full_text_match(text, chain):
    condition = Q(pk__in=[])
    for code in chain:
        condition |= full_text_match(text, code) & Q(language_code=code)
    return condition


def full_text_match(text, language):
    """PostgreSQL full-text match of `text` in `language`, if it has a search configuration.

    The expression is the one the GIN index of migration 0002 is built on, so it is used.
    """
    config = settings.CMS_SEARCH_CONFIGS.get(language)
    if connection.vendor != "postgresql" or config is None:
        return Q(pk__in=[])  # Matches nothing: this language searches words only.
    from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact

    vector = SearchVector("search_document", config=config)
    query = SearchQuery(text, config=config, search_type="websearch")
    return Q(SearchVectorExact(vector, query))


class StoryManager(TranslatableManager.from_queryset(StoryQuerySet)):
    pass
