"""Who may see which stories, written once: every reader-facing path starts here."""

from django.db import connections, models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from parler.managers import TranslatableManager, TranslatableQuerySet

from cms.core import languages


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


def earliest(*moments):
    """The earliest of `moments` that is not None, or None."""
    found = [moment for moment in moments if moment is not None]
    return min(found) if found else None


class StoryQuerySet(TranslatableQuerySet):
    def published(self, now=None):
        """Stories readers may see: published, and their publish time has come."""
        return self.filter(live_q(now))

    def scheduled(self, now=None):
        """Stories published for later, not yet visible."""
        return self.filter(scheduled_q(now))

    def _next_changes(self, now):
        # Two indexed range reads (publish-time and expiry indexes: the first row in index
        # order), never a scan of every published story. Each yields one row at most, as a
        # scalar subquery must (PostgreSQL refuses more; SQLite would silently take the first).
        now = now or timezone.now()
        publish = self.scheduled(now).order_by("published_at").values("published_at")[:1]
        expire = (
            self.filter(status="published", expires_at__gt=now)
            .order_by("expires_at")
            .values("expires_at")[:1]
        )
        return publish, expire

    def next_change_subqueries(self, now=None):
        """`next_publication`'s two moments as subqueries another statement can carry (it
        then costs no statement of its own): {"next_publish": ..., "next_expiry": ...},
        each None when there is none; `earliest` of the two is `next_publication`."""
        field = self.model._meta.get_field("published_at")
        publish, expire = self._next_changes(now)
        return {
            "next_publish": Subquery(publish, output_field=field),
            "next_expiry": Subquery(expire, output_field=field),
        }

    def next_publication(self, now=None):
        """The next visibility change, or None: when the next scheduled story goes live or
        the next live or scheduled story expires. Lists change then by themselves."""
        # The two subqueries asked in one statement of their own.
        parts = [
            part.query.get_compiler(using=self.db).as_sql() for part in self._next_changes(now)
        ]
        sql = "SELECT ({}), ({})".format(*(part_sql for part_sql, _params in parts))
        field = self.model._meta.get_field("published_at")
        connection = connections[self.db]
        with connection.cursor() as cursor:
            cursor.execute(sql, [param for _sql, params in parts for param in params])
            row = cursor.fetchone()
        converters = connection.ops.get_db_converters(models.Value(None, output_field=field))
        moments = []
        for value in row:
            for converter in converters:
                value = converter(value, field, connection)
            moments.append(value)
        return earliest(*moments)

    def readable(self, audience, now=None):
        """What `audience` (a `cms.serving.audience.Audience`) sees: the one visibility rule."""
        stories = self.published(now).in_chain(audience.chain)
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

    def showing_image(self, image_id):
        """Stories that show image `image_id`, in any state: as their lead image, placed in
        their analysis, or as the avatar of an author or editor in their byline."""
        placed = self.model.image_links.rel.related_model.objects.filter(image_id=image_id)
        signed = self.model.author_links.rel.related_model.objects.filter(
            author__avatar_id=image_id
        )
        return self.filter(
            Q(image_id=image_id)
            | Q(pk__in=placed.values("story_id"))
            | Q(editor__avatar_id=image_id)
            | Q(pk__in=signed.values("story_id"))
        )

    def in_chain(self, chain):
        """Stories that have a version in one of the languages of `chain`."""
        if not chain:
            return self.none()
        translations = self.model.translations.field.model.objects
        return self.filter(
            Exists(translations.filter(master=OuterRef("pk"), language_code__in=chain))
        )

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
