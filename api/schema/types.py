"""The types readers see, each a thin adapter over a `cms.serving.stories` served story or tag."""

from datetime import datetime
from typing import Annotated

import strawberry
from django.conf import settings
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from api.schema import ids, live, media, related, seo
from api.schema.disclosure import Disclosure
from cms.counting import counters
from cms.serving import live as serving_live
from cms.serving import ninjs, structured_data
from cms.serving import stories as serving
from cms.stories import preview as previews
from cms.stories import translation_state

from .content import (
    FaqEntry,
    Insight,
    KeyDataRow,
    NinjsVersion,
    RichText,
    Scores,
    ShareLink,
    Source,
    TranslationOrigin,
)


def find_stories(info, language, **lookups):
    """`Story`s matching `lookups` the caller may look up, in the caller's language.

    Published ones, and with a preview token its story, in whatever state it is.
    """
    context = info.context
    audience = context.audience_for(language)
    found = serving.find(context.findable(audience), audience, context.observe, **lookups)
    context.counts.want(
        (served.pk for served in found), counters.stored_counts(served.story for served in found)
    )
    return [Story(_served=served) for served in found]


@strawberry.type(description="A language version of a story: whether it exists and is done.")
class StoryTranslation:
    _state: strawberry.Private[translation_state.LanguageState]

    @strawberry.field(description="The language, e.g. `en` or `zh-hans`.")
    def language(self) -> str:
        return self._state.language

    @strawberry.field(description="Whether the story has a version in this language at all.")
    def available(self) -> bool:
        return self._state.available

    @strawberry.field(
        description="Whether the version has a title, a summary, TL;DR bullets and an analysis."
    )
    def complete(self) -> bool:
        return self._state.complete

    @strawberry.field(
        description="Whether the story's original language changed after this version was "
        "last edited, so it may no longer say the same."
    )
    def outdated(self) -> bool:
        return self._state.outdated

    @strawberry.field(description="Who wrote this version; null when there is none.")
    def origin(self) -> TranslationOrigin | None:
        return TranslationOrigin(self._state.origin) if self._state.origin else None

    @strawberry.field(description="When this version's content last changed.")
    def updated_at(self) -> datetime | None:
        return self._state.changed_at


@strawberry.type(description="A topic, named in the served language.")
class Tag:
    _entry: strawberry.Private[serving.ServedTag]

    @strawberry.field(description="Stable identifier shared by all languages.")
    def slug(self) -> str:
        return self._entry.slug

    @strawberry.field(description="The tag's name in the served language.")
    def name(self) -> str:
        return self._entry.name

    @strawberry.field(description="How many stories readers see with this tag, in this language.")
    def story_count(self) -> int:
        return self._entry.story_count


@strawberry.type(
    description="A news story, served in one language. Its `id` names that language, so "
    "client caches keep each language apart; `slug` links the languages of one story."
)
class Story(relay.Node):
    _served: strawberry.Private[serving.ServedStory]
    # A list's search snippets (cms.search.engine.PageSnippets), loaded for the page at once.
    _snippets: strawberry.Private[object] = None

    @classmethod
    def resolve_id(cls, root, *, info):
        return ids.story_node_id(root._served.pk, root._served.batch.chain)

    @classmethod
    def resolve_nodes(cls, *, info, node_ids, required=False):
        def find(language, pks):
            return {story._served.pk: story for story in find_stories(info, language, pk__in=pks)}

        return ids.resolve_story_nodes(info, node_ids, find)

    @property
    def _translation(self):
        return self._served.translation

    @strawberry.field(description="Stable identifier shared by all languages; the URL's last part.")
    def slug(self) -> str:
        return self._served.story.slug

    @strawberry.field(
        description="The language this story is served in: the one asked for, "
        "or its fallback when the story has no version in it."
    )
    def language(self) -> str:
        return self._served.language

    @strawberry.field(description="Every language this story exists in.")
    def available_languages(self) -> list[str]:
        return self._served.available_languages

    @strawberry.field(
        description="Every language of the publication, and how far this story's version "
        "in it is: a frontend can say “translation pending” from this."
    )
    def translations(self) -> list[StoryTranslation]:
        return [StoryTranslation(_state=state) for state in self._served.translation_states()]

    @strawberry.field(description="The story's canonical address on the reader site.")
    def url(self) -> str:
        return self._served.url

    @strawberry.field(description="Headline.")
    def title(self) -> str:
        return self._translation.title

    @strawberry.field(
        description="In a searched list, a passage of the served summary or analysis around "
        "the searched words, as HTML: escaped text with each found word in `<mark>`, safe to "
        "insert as it is. Null when the list was not searched."
    )
    def search_snippet(self) -> str | None:
        return None if self._snippets is None else self._snippets.get(self._served.pk)

    @strawberry.field(description="One-paragraph summary.")
    def summary(self) -> str:
        return self._translation.summary

    @strawberry.field(description="When the story was published.")
    def published_at(self) -> datetime:
        return self._served.published_at

    @strawberry.field(
        description="The last material edit (“Updated 2h ago”); the publish time if none."
    )
    def updated_at(self) -> datetime:
        return self._served.updated_at

    @strawberry.field(description="How many times readers opened the story.")
    def view_count(self, info: strawberry.Info) -> int:
        return info.context.show_count(info, self._served.pk, counters.VIEWS)

    @strawberry.field(description="How many times readers shared the story.")
    def share_count(self, info: strawberry.Info) -> int:
        return info.context.show_count(info, self._served.pk, counters.SHARES)

    @strawberry.field(description="Hot, quality and impact scores, 0–100.")
    def scores(self) -> Scores:
        story = self._served.story
        return Scores(hot=self._served.hot, quality=story.quality, impact=story.impact)

    @strawberry.field(
        description="Whether editors pinned the story: pinned stories lead `HOT_DESC` lists."
    )
    def pinned(self) -> bool:
        return self._served.story.pinned

    @strawberry.field(description="TL;DR bullets, in reading order.")
    def tldr(self) -> list[str]:
        return list(self._translation.tldr)

    @strawberry.field(description="The Key Data table; empty when this language has none.")
    def key_data(self) -> list[KeyDataRow]:
        return [KeyDataRow(**row) for row in self._translation.key_data]

    def _preview_token(self, info):
        """The request's preview token when this is its story and readers cannot see it
        yet: the addresses of its images then carry it (`/media/` checks it)."""
        preview = info.context.preview
        if preview is None or preview.story_id != self._served.pk or self._served.story.is_live():
            return None
        # A media-only token: the addresses never carry the one that opens the draft.
        return previews.media_token(preview)

    @strawberry.field(
        description="The deep analysis, with the images placed in it as `<figure>`s; null "
        "for partner keys without the full_text scope."
    )
    def analysis(self, info: Info) -> RichText | None:
        if not self._served.analysis_served:
            return None
        html = media.previewed_html(self._translation.analysis_html, self._preview_token(info))
        return RichText(html=html, text=self._translation.analysis_text)

    @strawberry.field(
        description="The images placed in the served analysis, in the order they first "
        "appear (its HTML shows them as figures); empty for partner keys without the "
        "full_text scope."
    )
    def analysis_images(self, info: Info) -> list[media.Image]:
        if not self._served.analysis_served:
            return []
        token = self._preview_token(info)
        return [media.Image(_served=image, _token=token) for image in self._served.analysis_images]

    @strawberry.field(description="Industry insights, in their numbered order.")
    def insights(self) -> list[Insight]:
        return [Insight(**row) for row in self._translation.insights]

    @strawberry.field(description="Frequently asked questions, in reading order.")
    def faq(self) -> list[FaqEntry]:
        return [FaqEntry(**row) for row in self._translation.faq]

    @strawberry.field(description="Whether AI wrote the served version (`disclosure.grade`).")
    def ai_generated(self) -> bool:
        return self._served.disclosure.ai_generated

    @strawberry.field(description="AI's part in the served version, and how to label it.")
    def disclosure(self) -> Disclosure:
        return Disclosure(_found=self._served.disclosure)

    @strawberry.field(
        description="The notice to show under an AI-generated story, in the served language; "
        "null for other stories."
    )
    def disclaimer(self) -> str | None:
        return self._served.disclaimer

    @strawberry.field(description="The publication this story cites, if any.")
    def source(self) -> Source | None:
        source = self._served.source
        if source is None:
            return None
        return Source(slug=source.slug, name=source.name, homepage=source.homepage, url=source.url)

    @strawberry.field(description="The story's tags, in the order editors gave them.")
    def tags(self) -> list[Tag]:
        return [Tag(_entry=entry) for entry in self._served.tags]

    @strawberry.field(description="The lead image, with its texts in the served language.")
    def image(self, info: Info) -> media.Image | None:
        image = self._served.image
        return media.Image(_served=image, _token=self._preview_token(info)) if image else None

    @strawberry.field(
        description="The byline, in order: the publication itself when no person signed."
    )
    def authors(self) -> list[media.Author]:
        return [media.Author(_served=author) for author in self._served.authors]

    @strawberry.field(description="The editor who answers for the story, if named.")
    def editor(self) -> media.Author | None:
        editor = self._served.editor
        return media.Author(_served=editor) if editor else None

    @strawberry.field(
        description="Corrections made to this language's version, oldest first; `updatedAt` "
        "is at least the last one's time."
    )
    def corrections(self) -> list[media.Correction]:
        return [
            media.Correction(text=row.text, corrected_at=row.corrected_at)
            for row in self._served.corrections
        ]

    @strawberry.field(
        description="JSON-LD for the page: a schema.org NewsArticle, a FAQPage when the "
        "story has an FAQ, and for AI-written text the GB 45438-2025 implicit label: an "
        "object with the NewsArticle's `@id`, its own `@context` (the `aigc:` prefix of this "
        "publication's namespace) and `aigc:AIGC`. The NewsArticle and FAQPage hold only "
        "schema.org terms. Render each object in a script of type application/ld+json."
    )
    def structured_data(self) -> list[JSON]:
        return structured_data.json_ld(self._served)

    @strawberry.field(
        description="`structuredData` serialised for a page: one JSON array text, safe to put "
        'inside `<script type="application/ld+json">` as it is (every `<`, `>` and `&` '
        "escaped as `\\u003c`, `\\u003e`, `\\u0026`, so a title holding `</script>` "
        "cannot end the script). Serialising `structuredData` yourself needs the same escapes."
    )
    def structured_data_script(self) -> str:
        return structured_data.script_text(structured_data.json_ld(self._served))

    @strawberry.field(
        description="This language version as an IPTC ninjs news item (docs/partners.md, "
        "*ninjs*): headlines, summary and TL;DR, the analysis with its Key Data, insights "
        "and FAQ (when the caller reads full text), tags as subjects, the byline, the "
        "images' renditions, the source, and the AI disclosure (`digitalsourcetype` and the "
        "`aigc:` extension properties). `pubstatus` is `usable` for a story readers see; a "
        "previewed story is `withheld`, and its image addresses carry the preview token."
    )
    def ninjs(
        self,
        info: Info,
        version: Annotated[
            NinjsVersion, strawberry.argument(description="The ninjs version to write.")
        ] = NinjsVersion.V2_2,
    ) -> JSON:
        document = ninjs.of_served(self._served, version.value)
        return media.previewed_ninjs(document, self._preview_token(info))

    @strawberry.field(description="Open Graph properties for share cards.")
    def open_graph(self) -> seo.OpenGraph:
        served, translation = self._served, self._translation
        return seo.OpenGraph(
            title=translation.title,
            description=translation.summary,
            url=served.url,
            type="article",
            site_name=settings.CMS_PUBLISHER_NAME,
            locale=structured_data.og_locale(served.language),
            locale_alternates=[structured_data.og_locale(code) for code in served.alternates],
            published_time=served.published_at.isoformat(),
            modified_time=served.updated_at.isoformat(),
            tags=[tag.name for tag in served.tags],
            **seo.og_image(served.image),
        )

    @strawberry.field(description="Twitter card properties.")
    def twitter_card(self) -> seo.TwitterCard:
        translation = self._translation
        return seo.twitter_card(translation.title, translation.summary, self._served.image)

    @strawberry.field(
        description="Other stories to read next, in the served language: most shared tags "
        "first, then most similar title, then newest. Only on one story (`story`, `node`)."
    )
    def related(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description=related.FIRST_DESCRIPTION)
        ] = related.DEFAULT_RELATED,
    ) -> list["Story"]:
        return related.resolve(self, info, first)

    @strawberry.field(
        description="Whether the story carries live coverage and whether it is running; null "
        "for a story that never had any."
    )
    def live_status(self) -> live.LiveStatus | None:
        status = self._served.story.live_status
        return live.LiveStatus(status) if status else None

    @strawberry.field(description="When the live coverage started; null without coverage.")
    def coverage_start_time(self) -> datetime | None:
        return self._served.story.coverage_started_at

    @strawberry.field(description="When the live coverage ended; null while it runs or without.")
    def coverage_end_time(self) -> datetime | None:
        return self._served.story.coverage_ended_at

    @strawberry.field(
        description="The live coverage's entries in the served language, newest first (pinned "
        "and key-event entries among them, at their time). Withdrawn entries are gone; a story "
        "readers cannot see has none. Empty without coverage."
    )
    def live_entries(
        self,
        first: Annotated[
            int, strawberry.argument(description="How many entries, 1–100.")
        ] = live.DEFAULT_ENTRIES,
        after: Annotated[
            str | None,
            strawberry.argument(description="An `endCursor` of a previous page: entries older."),
        ] = None,
    ) -> live.LiveEntryConnection:
        return live.entries(self._served, first, after)

    @strawberry.field(description="The pinned entries, newest first, to show above the stream.")
    def pinned_entries(
        self,
        first: Annotated[
            int, strawberry.argument(description="How many entries, 1–100.")
        ] = live.DEFAULT_ENTRIES,
    ) -> list[live.LiveEntry]:
        return live.listed(self._served, first, serving_live.PINNED)

    @strawberry.field(description="The entries marked as key events, newest first.")
    def key_events(
        self,
        first: Annotated[
            int, strawberry.argument(description="How many entries, 1–100.")
        ] = live.DEFAULT_ENTRIES,
    ) -> list[live.LiveEntry]:
        return live.listed(self._served, first, serving_live.KEY_EVENTS)

    @strawberry.field(description="A share link for each network, labels in the served language.")
    def share_links(self) -> list[ShareLink]:
        return [
            ShareLink(network=network, label=label, url=url)
            for network, label, url in self._served.share_links()
        ]
