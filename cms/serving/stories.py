"""The served story: a story as one audience reads it, which every output adapts.

GraphQL types, feeds, JSON-LD, the admin preview and the benchmark's yardsticks all read
stories through `serve()`: the served language (or its fallback), the canonical and cited
addresses, the disclaimer, the effective hot score, share links and tags in the editor's
order. A page of stories costs a constant number of queries: each relation is loaded for
the whole page the first time any story of it asks (`StoryBatch`).

Readers of the batch may pass an `observer(kind, ids)` to hear which objects an answer
showed (`"story"`, `"tag"`, `"source"`, and `"story-list"` or `"tag-list"` for anything
that changes with the set of visible stories or tags): the response cache records its
dependencies that way without this module knowing about caching.
"""

from collections import defaultdict
from functools import cached_property

from django.db.models import Count, FilteredRelation, OuterRef, Q, Subquery
from django.utils import timezone, translation

from cms.core import languages, sharing
from cms.counting import counts
from cms.disclosure import rules as disclosure
from cms.media import served as served_media
from cms.models import Source, Story, StoryTag, StoryTranslation, Tag
from cms.stories import translation_state

from . import live

# What an answer showed, as observers hear it: one story, tag or source (with their ids),
# or a list that changes whenever any story (or any tag) does.
STORY, TAG, SOURCE, STORY_LIST, TAG_LIST = "story", "tag", "source", "story-list", "tag-list"
LISTS = (STORY_LIST, TAG_LIST)
# The languages stories were served in (their ids are language codes).
LANGUAGE = "language"


def _ignore(kind, ids):
    pass


def serve(stories, audience, observer=None, every_version=False):
    """`ServedStory`s for `stories` (model instances) as `audience` reads them.

    Readable stories always have a version in the audience's languages; another story
    (a preview) may have none, and then its `translation` is None. With `every_version`
    (one-story lookups) the served versions load with every other version the audience may
    know of, in one query: a story page shows which languages exist.
    """
    stories = list(stories)
    batch = StoryBatch(stories, audience, observer, every_version)
    batch.served = [ServedStory(story, batch) for story in stories]
    return batch.served


def find(queryset, audience, observer=None, **lookups):
    """The served stories of `queryset` matching `lookups` (one-story lookups).

    A previewed draft without a publish time is shown as if it were published now.
    """
    chain = audience.chain
    # The cited source's name in each language of the chain, in the same statement.
    names = {
        f"source_name_{position}": Subquery(
            Source.translations.field.model.objects.filter(
                master_id=OuterRef("source_id"), language_code=code
            ).values("name")[:1]
        )
        for position, code in enumerate(chain)
    }
    stories = list(queryset.select_related("source").filter(**lookups).annotate(**names))
    for story in stories:
        story.source_names = {
            code: getattr(story, field)
            for code, field in zip(chain, names, strict=True)
            if getattr(story, field) is not None
        }
    for story in stories:
        if story.published_at is None:
            story.published_at = timezone.now()
            story.updated_at = story.updated_at or story.published_at
    observe = observer or _ignore
    if stories:
        observe(STORY, [story.pk for story in stories])
    else:
        # Nothing found now may be found once a story is published.
        observe(STORY_LIST, [])
    return serve(stories, audience, observer, every_version=True)


class StoryBatch:
    """The stories of one answer, served to one audience: relations load page-wide."""

    def __init__(self, stories, audience, observer=None, every_version=False):
        self.stories = stories
        self.every_version = every_version
        self.audience = audience
        self.chain = audience.chain
        self.observe = observer or _ignore
        self.ids = [story.pk for story in stories]
        self.served = []
        self.all_stories = stories
        # The ids relations load for, when a cache served the page's other stories.
        self._needed = None

    def narrow(self, ids):
        """Load relations for the stories of `ids` only: a cache served the others.

        Another selection of the same page may need more of them later: the relations
        then load again for all it needs (rare: one document asking twice of a page).
        """
        wanted = set(ids) | (self._needed or set())
        if self._needed is not None and wanted <= self._needed:
            return
        self._needed = wanted
        self.stories = [story for story in self.all_stories if story.pk in wanted]
        self.ids = [story.pk for story in self.stories]
        for name in self.loaders():
            self.__dict__.pop(name, None)

    @classmethod
    def loaders(cls):
        """The page-wide relations a batch loads: its cached properties."""
        return [name for name, value in vars(cls).items() if isinstance(value, cached_property)]

    def loaded(self, relation):
        """Whether `relation` (a cached property's name) was loaded for the page."""
        return relation in self.__dict__

    @cached_property
    def translations(self):
        """Story id to its served translation."""
        codes = list(self.chain)
        every = self.every_version and not self.loaded("translation_rows")
        if every:
            codes += [code for code in self.audience.languages if code not in codes]
        found = defaultdict(list)
        for row in StoryTranslation.objects.filter(master_id__in=self.ids, language_code__in=codes):
            found[row.master_id].append(row)
        if every:
            self.__dict__["translation_rows"] = self._state_rows(
                (
                    story_id,
                    [
                        {field: getattr(row, field) for field in translation_state.FIELDS}
                        for row in rows
                    ],
                )
                for story_id, rows in found.items()
            )
        picked = ((story_id, languages.pick(rows, self.chain)) for story_id, rows in found.items())
        served = {story_id: row for story_id, row in picked if row is not None}
        self.observe(LANGUAGE, sorted({row.language_code for row in served.values()}))
        return served

    @cached_property
    def translation_rows(self):
        """Story id to the state rows of the translations the audience may know of."""
        return self._state_rows(translation_state.rows_for(self.ids).items())

    def _state_rows(self, found):
        allowed = set(self.audience.languages)
        return {
            story_id: [row for row in rows if row["language_code"] in allowed]
            for story_id, rows in found
        }

    @cached_property
    def available_languages(self):
        """Story id to the codes of every language it exists in, in settings order."""
        order = {code: position for position, code in enumerate(languages.codes())}
        return {
            story_id: sorted(
                (row["language_code"] for row in rows), key=lambda c: order.get(c, len(order))
            )
            for story_id, rows in self.translation_rows.items()
        }

    @cached_property
    def tags(self):
        """Story id to its `ServedTag`s, in the order the editor gave them."""
        tag_batch = TagBatch(self.audience, self.observe)
        rows = list(
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
        self.observe(TAG, sorted({row[1] for row in rows}))
        found = defaultdict(dict)
        for story_id, tag_id, slug, code, name in rows:
            tag = found[story_id].get(tag_id) or tag_batch.add(tag_id, slug)
            tag.offer_name(code, name)
            found[story_id][tag_id] = tag
        return {story_id: list(tags.values()) for story_id, tags in found.items()}

    @cached_property
    def source_names(self):
        """Source id to its name in the served language chain."""
        cited = [story for story in self.stories if story.source_id]
        source_ids = sorted({story.source_id for story in cited})
        self.observe(SOURCE, source_ids)
        if all(hasattr(story, "source_names") for story in cited):
            # Named by the query that found the stories (`find`).
            return {
                story.source_id: next(
                    story.source_names[code] for code in self.chain if code in story.source_names
                )
                for story in cited
                if story.source_names
            }
        found = defaultdict(list)
        for row in Source.translations.field.model.objects.filter(
            master_id__in=source_ids, language_code__in=self.chain
        ):
            found[row.master_id].append(row)
        return {
            source_id: languages.pick(rows, self.chain).name for source_id, rows in found.items()
        }

    @cached_property
    def lead_images(self):
        """Image id to the `ServedImage` of the page's lead images (cms.media.served)."""
        ids = [story.image_id for story in self.stories if story.image_id]
        return served_media.load_images(ids, self.chain)

    @cached_property
    def analysis_images(self):
        """(language, image id) to the `ServedImage`s placed in the page's served analyses,
        with their texts in each version's language (as its rendered HTML has them)."""
        wanted = defaultdict(set)
        for version in self.translations.values():
            wanted[version.language_code].update(version.analysis_images or ())
        return served_media.load_images_in(wanted)

    @cached_property
    def bylines(self):
        """(story id to its authors, author id to the served author) for the page."""
        return served_media.load_bylines(self.stories, self.chain)

    @cached_property
    def corrections(self):
        """(story id, language) to the corrections readers of that language are shown."""
        return served_media.load_corrections(self.ids, self.chain)

    @cached_property
    def live(self):
        """Pages of the live stories' entries, each loaded once for the page (`live.LivePages`)."""
        return live.LivePages(self)


class ServedSource:
    """The publication a story cites, named in the served language."""

    def __init__(self, story, name):
        self.slug = story.source.slug
        self.name = name
        self.homepage = story.source.homepage
        # The cited article, or the source's homepage when the story names none.
        self.url = story.cited_url


class ServedStory:
    """One story as its batch's audience reads it."""

    def __init__(self, story, batch):
        self.story = story
        self.batch = batch

    @property
    def translation(self):
        """The version served: in the first language of the audience's chain it exists in."""
        return self.batch.translations.get(self.story.pk)

    @property
    def pk(self):
        return self.story.pk

    @property
    def language(self):
        """The language served: the one asked for, or its fallback."""
        return self.translation.language_code

    @property
    def url(self):
        return self.story.get_absolute_url(self.language)

    @property
    def available_languages(self):
        return self.batch.available_languages.get(self.story.pk, [])

    @property
    def alternates(self):
        """Language code to the canonical address, for the story's other languages."""
        return {
            code: self.story.get_absolute_url(code)
            for code in self.available_languages
            if code != self.language
        }

    def translation_states(self):
        """Each language the audience may read, and how far this story's version in it is."""
        rows = self.batch.translation_rows.get(self.story.pk, [])
        codes = self.batch.audience.languages
        return translation_state.states(self.story.original_language, rows, codes)

    @property
    def published_at(self):
        return self.story.published_at

    @property
    def updated_at(self):
        """The last material edit (“Updated 2h ago”); the publish time if none."""
        return self.story.updated_at or self.story.published_at

    @property
    def hot(self):
        return self.story.effective_hot

    @property
    def analysis_served(self):
        """Whether the audience reads the deep analysis (partners need `full_text`)."""
        return self.batch.audience.full_text

    @property
    def disclaimer(self):
        """The notice shown with an AI-generated version, in the served language, else None."""
        if not self.disclosure.ai_generated:
            return None
        return disclosure.disclaimer(self.language)

    @cached_property
    def disclosure(self):
        """AI's part in the served version: grade, label, source type, review, AIGC fields."""
        return disclosure.of(self.story.pk, self.translation)

    @property
    def source_name(self):
        """The cited source's name in the served language chain, or "" (none, or unnamed)."""
        if self.story.source_id is None:
            return ""
        return self.batch.source_names.get(self.story.source_id, "")

    @property
    def source(self):
        if self.story.source_id is None:
            return None
        return ServedSource(self.story, self.source_name or self.story.source.slug)

    @property
    def tags(self):
        return self.batch.tags.get(self.story.pk, [])

    @property
    def image(self):
        """The lead image (`ServedImage`), or None."""
        return self.batch.lead_images.get(self.story.image_id) if self.story.image_id else None

    @property
    def analysis_images(self):
        """The images placed in the served analysis (`ServedImage`s), in order of appearance."""
        translation = self.translation
        if translation is None or not translation.analysis_images:
            return []
        found = self.batch.analysis_images
        code = translation.language_code
        return [
            found[(code, image_id)]
            for image_id in translation.analysis_images
            if (code, image_id) in found
        ]

    @property
    def authors(self):
        """The byline's authors in order; the publication itself when nobody signed."""
        signed = self.batch.bylines[0].get(self.story.pk)
        return signed or [served_media.ServedAuthor.publication(self.language)]

    @property
    def editor(self):
        """The responsible editor (`ServedAuthor`), or None."""
        return self.batch.bylines[1].get(self.story.editor_id) if self.story.editor_id else None

    @property
    def corrections(self):
        """The served language's corrections, oldest first."""
        return self.batch.corrections.get((self.story.pk, self.language), [])

    def live_entries(self, first, after=None, only=None):
        """(up to `first` served entries newest first, whether more follow): see
        `cms.serving.live.LivePages.page`."""
        return self.batch.live.page(self.story.pk, first, after, only)

    @property
    def original_url(self):
        """The original language's address when this is a translation of it, else None."""
        original = self.story.original_language
        if self.language == original or original not in self.available_languages:
            return None
        return self.story.get_absolute_url(original)

    def relations(self):
        """What this story's outputs so far showed of it, as observers hear it.

        A story served from a cache (the served-story cache) replays these, so the answer
        depends on the same story, tags, source and language as when it was computed.
        Relations the page never loaded were not shown.
        """
        shown = [(STORY, [self.pk])]
        if self.story.source_id is not None:
            shown.append((SOURCE, [self.story.source_id]))
        if self.batch.loaded("tags"):
            shown.append((TAG, sorted(tag.pk for tag in self.tags)))
        if self.batch.loaded("translations") and self.translation is not None:
            shown.append((LANGUAGE, [self.language]))
        return shown

    def share_links(self):
        """(network, label, url) for every network, labels in the served language."""
        with translation.override(self.language):
            return sharing.share_links(self.story.slug, self.language, self.translation.title)


class ServedTag:
    """A tag as one audience reads it: named in the served language chain."""

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
        for code in self.batch.audience.chain:
            if code in self._names:
                return self._names[code]
        return self.slug

    @property
    def story_count(self):
        if self._story_count is None:
            self._story_count = self.batch.story_counts.get(self.pk, 0)
        return self._story_count


class TagBatch:
    """Tags served together to one audience; their story counts load together too."""

    def __init__(self, audience, observer=None):
        self.audience = audience
        self.observe = observer or _ignore
        self.entries = {}

    def add(self, pk, slug, story_count=None):
        entry = self.entries.get(pk)
        if entry is None:
            entry = self.entries[pk] = ServedTag(self, pk, slug, story_count)
        return entry

    @cached_property
    def story_counts(self):
        """Tag id to the number of stories the audience sees with it."""
        self.observe(STORY_LIST, [])
        maintained = counts.tag_counts(self.audience, list(self.entries))
        if maintained is not None:
            return {pk: count for pk, (_slug, count) in maintained.items()}
        visible = Story.objects.readable(self.audience)
        rows = (
            StoryTag.objects.filter(story__in=visible, tag_id__in=list(self.entries))
            .values_list("tag_id")
            .annotate(count=Count("story_id", distinct=True))
            .order_by()
        )
        return dict(rows)


def listed_tags(audience, observer=None):
    """Every tag the audience sees at least one story under, most used first."""
    return tags_from_rows(audience, listed_tag_rows(audience, observer))


def listed_tag_rows(audience, observer=None):
    """`listed_tags` as plain rows, (pk, slug, {language: name}, story count), to keep."""
    observe = observer or _ignore
    observe(STORY_LIST, [])
    observe(TAG_LIST, [])
    maintained = counts.named_tag_counts(audience)
    if maintained is not None:
        # Counted and named in one statement.
        rows = [(pk, slug, names, count) for pk, (slug, count, names) in maintained.items()]
        return sorted(rows, key=lambda row: (-row[3], row[1]))
    # Counting and naming in one statement would make PostgreSQL look the name up
    # once per tagged story; two statements cost a fraction of that.
    found = (
        StoryTag.objects.filter(story__in=Story.objects.readable(audience))
        .values_list("tag_id", "tag__slug")
        .annotate(story_count=Count("id"))
        .order_by()
    )
    rows = {pk: (pk, slug, {}, story_count) for pk, slug, story_count in found}
    names = Tag.translations.field.model.objects.filter(
        master_id__in=list(rows), language_code__in=audience.chain
    ).values_list("master_id", "language_code", "name")
    for pk, code, tag_name in names:
        rows[pk][2][code] = tag_name
    return sorted(rows.values(), key=lambda row: (-row[3], row[1]))


def tags_from_rows(audience, rows):
    """The `ServedTag`s of `listed_tag_rows`, in their order."""
    batch = TagBatch(audience)
    served = []
    for pk, slug, names, story_count in rows:
        tag = batch.add(pk, slug, story_count)
        for code, name in names.items():
            tag.offer_name(code, name)
        served.append(tag)
    return served
