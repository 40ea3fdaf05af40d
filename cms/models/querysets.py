"""Who may see which stories, written once: every reader-facing path starts here."""

from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
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

    def previewable(self, story_id, language, key=None):
        """What a one-story lookup with a preview token for `story_id` may return.

        The readable stories, and that story in any workflow state: the token stands in
        for the publish rule and a key's tags, but a key's languages still apply. Lists,
        counts, search and feeds use `readable` alone, so they never show the preview.
        """
        allowed = key.languages if key is not None and key.languages else None
        previewed = self.filter(pk=story_id).in_language(language, allowed)
        return self.filter(
            Q(pk__in=self.readable(language, key).values("pk")) | Q(pk__in=previewed.values("pk"))
        )

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
        story shown in its fallback language is searched in that language's text. The
        engine (segmentation, stemming, synonyms, bounded plans) is `cms.search`.
        """
        from cms import search

        chain = self._language_chain
        if chain is None:
            raise ValueError("search() needs in_language() first")
        return search.matching(self, text, chain)

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


class StoryManager(TranslatableManager.from_queryset(StoryQuerySet)):
    pass
