"""Batch loading for a page of stories: each relation costs one query per page, not per story.

Every story resolved in one list shares a `StoryBatch`; the first story that asks for a
relation loads it for all of them. Translations are loaded only in the requested
language and its fallbacks.
"""

from collections import defaultdict
from functools import cached_property

from django.db.models import Count, FilteredRelation, Q

from cms import languages, translation_state
from cms.models import Source, StoryTag, StoryTranslation, Tag


class StoryBatch:
    """The stories of one answer, served in `language` (or its fallbacks)."""

    def __init__(self, stories, language, context):
        self.stories = list(stories)
        self.language = language
        self.context = context
        self.chain = context.chain(language)
        self.ids = [story.pk for story in self.stories]

    @cached_property
    def translations(self):
        """Story id to its served translation."""
        found = defaultdict(list)
        for translation in StoryTranslation.objects.filter(
            master_id__in=self.ids, language_code__in=self.chain
        ):
            found[translation.master_id].append(translation)
        return {story_id: languages.pick(rows, self.chain) for story_id, rows in found.items()}

    @cached_property
    def translation_rows(self):
        """Story id to the state rows of all its translations (see cms.translation_state)."""
        return translation_state.rows_for(self.ids)

    @cached_property
    def available_languages(self):
        """Story id to the codes of every language it exists in that the caller may be
        served (a key limited to some languages is not told of others), in settings order."""
        allowed = self.context.allowed_languages()
        order = {code: position for position, code in enumerate(allowed)}
        return {
            story_id: sorted(
                (row["language_code"] for row in rows if row["language_code"] in order),
                key=order.__getitem__,
            )
            for story_id, rows in self.translation_rows.items()
        }

    @cached_property
    def tags(self):
        """Story id to its tags, in the order the editor added them."""
        tag_batch = TagBatch(self.language, self.context)
        rows = (
            StoryTag.objects.filter(story_id__in=self.ids)
            .annotate(
                name=FilteredRelation(
                    "tag__translations",
                    condition=Q(tag__translations__language_code__in=self.chain),
                )
            )
            .order_by("position", "id")
            .values_list("story_id", "tag_id", "tag__slug", "name__language_code", "name__name")
        )
        found = defaultdict(dict)
        rows = list(rows)
        self.context.depends_on(*{f"tag:{row[1]}" for row in rows})
        for story_id, tag_id, slug, code, name in rows:
            tag = found[story_id].get(tag_id) or tag_batch.add(tag_id, slug)
            tag.offer_name(code, name)
            found[story_id][tag_id] = tag
        return {story_id: list(tags.values()) for story_id, tags in found.items()}

    @cached_property
    def source_names(self):
        """Source id to its name in the served language chain."""
        source_ids = {story.source_id for story in self.stories if story.source_id}
        self.context.depends_on(*{f"source:{pk}" for pk in source_ids})
        found = defaultdict(list)
        for translation in Source.translations.field.model.objects.filter(
            master_id__in=source_ids, language_code__in=self.chain
        ):
            found[translation.master_id].append(translation)
        return {
            source_id: languages.pick(rows, self.chain).name for source_id, rows in found.items()
        }


class TagEntry:
    """A tag as served in one language chain."""

    def __init__(self, batch, pk, slug, story_count=None):
        self.batch = batch
        self.pk = pk
        self.slug = slug
        self._names = {}
        self._story_count = story_count

    def offer_name(self, code, name):
        if code is not None and name is not None:
            self._names[code] = name

    @property
    def name(self):
        for code in self.batch.chain:
            if code in self._names:
                return self._names[code]
        return self.slug

    @property
    def story_count(self):
        if self._story_count is None:
            self._story_count = self.batch.story_counts.get(self.pk, 0)
        return self._story_count


class TagBatch:
    """Tags served together in one language; their story counts load together too."""

    def __init__(self, language, context):
        self.language = language
        self.context = context
        self.chain = context.chain(language)
        self.entries = {}

    def add(self, pk, slug, story_count=None):
        entry = self.entries.get(pk)
        if entry is None:
            entry = self.entries[pk] = TagEntry(self, pk, slug, story_count)
        return entry

    @cached_property
    def story_counts(self):
        """Tag id to the number of stories readers see with it, in this language."""
        self.context.depends_on("stories")
        visible = self.context.stories(self.language)
        rows = (
            StoryTag.objects.filter(story__in=visible, tag_id__in=list(self.entries))
            .values_list("tag_id")
            .annotate(count=Count("story_id", distinct=True))
            .order_by()
        )
        return dict(rows)

    @classmethod
    def listed(cls, language, context):
        """Every tag readers see at least one story under, most used first."""
        context.depends_on("stories", "tags")
        batch = cls(language, context)
        visible = context.stories(language)
        # Counting and naming in one statement would make PostgreSQL look the name up
        # once per tagged story; two statements cost a fraction of that.
        counts = (
            StoryTag.objects.filter(story__in=visible)
            .values_list("tag_id", "tag__slug")
            .annotate(story_count=Count("id"))
            .order_by()
        )
        for pk, slug, story_count in counts:
            batch.add(pk, slug, story_count)
        names = Tag.translations.field.model.objects.filter(
            master_id__in=list(batch.entries), language_code__in=batch.chain
        ).values_list("master_id", "language_code", "name")
        for pk, code, tag_name in names:
            batch.entries[pk].offer_name(code, tag_name)
        return sorted(batch.entries.values(), key=lambda tag: (-tag.story_count, tag.slug))
