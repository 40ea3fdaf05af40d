"""The types readers see: a story and what it holds, each served in one language."""

from datetime import datetime
from enum import Enum

import strawberry
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from strawberry import relay
from strawberry.scalars import JSON

from api.schema import seo
from cms import sharing, translation_state
from cms.models import Story as StoryModel

from .loaders import StoryBatch, TagEntry


@strawberry.type(description="The three 0–100 scores editors give a story.")
class Scores:
    hot: int = strawberry.field(description="How much attention the story gets.")
    quality: int = strawberry.field(description="How solid the reporting is.")
    impact: int = strawberry.field(description="How much it matters to the industry.")


@strawberry.type(description="One row of a story's Key Data table.")
class KeyDataRow:
    entity: str = strawberry.field(description="Who or what the row is about.")
    detail: str = strawberry.field(description="The key information.")
    metric: str = strawberry.field(description="The figure or measure, if any.")


@strawberry.type(description="One numbered industry insight.")
class Insight:
    title: str = strawberry.field(description="The insight in a few words.")
    body: str = strawberry.field(description="The insight explained.")


@strawberry.type(description="A question readers ask, with its answer.")
class FaqEntry:
    question: str = strawberry.field(description="The question.")
    answer: str = strawberry.field(description="The answer.")


@strawberry.type(description="Rich text, as sanitized HTML and as plain text.")
class RichText:
    html: str = strawberry.field(description="Sanitized HTML: safe to insert into a page as it is.")
    text: str = strawberry.field(description="Plain text, paragraphs separated by blank lines.")


@strawberry.type(description="A publication a story cites.")
class Source:
    slug: str = strawberry.field(description="Stable identifier of the source.")
    name: str = strawberry.field(description="The source's name in the served language.")
    homepage: str = strawberry.field(description="The source's homepage, or an empty string.")
    url: str = strawberry.field(
        description="The cited article, or the source's homepage when the story names none."
    )


@strawberry.type(description="A link that shares a story on one network.")
class ShareLink:
    network: str = strawberry.field(
        description="Network code, as `recordShare` takes it: " + ", ".join(sharing.NETWORKS) + "."
    )
    label: str = strawberry.field(description="The network's name in the served language.")
    url: str = strawberry.field(description="Where the share button leads.")


@strawberry.enum(description="Who wrote a language version.")
class TranslationOrigin(Enum):
    HUMAN = "human"
    MACHINE = "machine"


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
    _entry: strawberry.Private[TagEntry]

    @strawberry.field(description="Stable identifier shared by all languages.")
    def slug(self) -> str:
        return self._entry.slug

    @strawberry.field(description="The tag's name in the served language.")
    def name(self) -> str:
        return self._entry.name

    @strawberry.field(description="How many stories readers see with this tag, in this language.")
    def story_count(self) -> int:
        return self._entry.story_count


@strawberry.type(description="A news story, served in one language.")
class Story(relay.Node):
    _story: strawberry.Private[StoryModel]
    _batch: strawberry.Private[StoryBatch]
    # A list's search snippets (cms.search.PageSnippets), loaded for the page at once.
    _snippets: strawberry.Private[object] = None

    @classmethod
    def resolve_id(cls, root, *, info):
        return str(root._story.pk)

    @classmethod
    def resolve_nodes(cls, *, info, node_ids, required=False):
        from .query import load_stories

        by_id = {}
        ids = [int(node_id) for node_id in node_ids if str(node_id).isdigit()]
        for story in load_stories(info, None, pk__in=ids):
            by_id[str(story._story.pk)] = story
        return [by_id.get(str(node_id)) for node_id in node_ids]

    @property
    def _translation(self):
        return self._batch.translations[self._story.pk]

    @strawberry.field(description="Stable identifier shared by all languages; the URL's last part.")
    def slug(self) -> str:
        return self._story.slug

    @strawberry.field(
        description="The language this story is served in: the one asked for, "
        "or its fallback when the story has no version in it."
    )
    def language(self) -> str:
        return self._translation.language_code

    @strawberry.field(description="Every language this story exists in.")
    def available_languages(self) -> list[str]:
        return self._batch.available_languages.get(self._story.pk, [])

    @strawberry.field(
        description="Every language of the publication, and how far this story's version "
        "in it is: a frontend can say “translation pending” from this."
    )
    def translations(self, info: strawberry.Info) -> list[StoryTranslation]:
        story = self._story
        codes = info.context.allowed_languages()
        rows = self._batch.translation_rows.get(story.pk, [])
        return [
            StoryTranslation(_state=state)
            for state in translation_state.states(story.original_language, rows, codes)
        ]

    @strawberry.field(description="The story's canonical address on the reader site.")
    def url(self) -> str:
        return sharing.canonical_url(self._story.slug, self._translation.language_code)

    @strawberry.field(description="Headline.")
    def title(self) -> str:
        return self._translation.title

    @strawberry.field(
        description="In a searched list, a passage of the served summary or analysis around "
        "the searched words, as HTML: escaped text with each found word in `<mark>`, safe to "
        "insert as it is. Null when the list was not searched."
    )
    def search_snippet(self) -> str | None:
        return None if self._snippets is None else self._snippets.get(self._story.pk)

    @strawberry.field(description="One-paragraph summary.")
    def summary(self) -> str:
        return self._translation.summary

    @strawberry.field(description="When the story was published.")
    def published_at(self) -> datetime:
        return self._story.published_at

    @strawberry.field(
        description="The last material edit (“Updated 2h ago”); the publish time if none."
    )
    def updated_at(self) -> datetime:
        return self._story.updated_at or self._story.published_at

    @strawberry.field(description="How many times readers opened the story.")
    def view_count(self) -> int:
        self._batch.context.uses_counters = True
        return self._story.view_count

    @strawberry.field(description="How many times readers shared the story.")
    def share_count(self) -> int:
        self._batch.context.uses_counters = True
        return self._story.share_count

    @strawberry.field(description="Hot, quality and impact scores, 0–100.")
    def scores(self) -> Scores:
        story = self._story
        return Scores(hot=story.hot, quality=story.quality, impact=story.impact)

    @strawberry.field(
        description="Whether editors pinned the story: pinned stories lead `HOT_DESC` lists."
    )
    def pinned(self) -> bool:
        return self._story.pinned

    @strawberry.field(description="TL;DR bullets, in reading order.")
    def tldr(self) -> list[str]:
        return list(self._translation.tldr)

    @strawberry.field(description="The Key Data table; empty when this language has none.")
    def key_data(self) -> list[KeyDataRow]:
        return [KeyDataRow(**row) for row in self._translation.key_data]

    @strawberry.field(
        description="The deep analysis; null for partner keys without the full_text scope."
    )
    def analysis(self) -> RichText | None:
        if not self._batch.context.may("full_text"):
            return None
        translation_ = self._translation
        return RichText(html=translation_.analysis_html, text=translation_.analysis_text)

    @strawberry.field(description="Industry insights, in their numbered order.")
    def insights(self) -> list[Insight]:
        return [Insight(**row) for row in self._translation.insights]

    @strawberry.field(description="Frequently asked questions, in reading order.")
    def faq(self) -> list[FaqEntry]:
        return [FaqEntry(**row) for row in self._translation.faq]

    @strawberry.field(description="Whether the story was written by AI.")
    def ai_generated(self) -> bool:
        return self._story.ai_generated

    @strawberry.field(
        description="The notice to show under an AI-generated story, in the served language; "
        "null for other stories."
    )
    def disclaimer(self) -> str | None:
        if not self._story.ai_generated:
            return None
        with translation.override(self._translation.language_code):
            return gettext(
                "Disclaimer: The above content is generated by AI and is for reference only."
            )

    @strawberry.field(description="The publication this story cites, if any.")
    def source(self) -> Source | None:
        story = self._story
        if story.source_id is None:
            return None
        source = story.source
        return Source(
            slug=source.slug,
            name=self._batch.source_names.get(source.pk, source.slug),
            homepage=source.homepage,
            url=story.source_url or source.homepage,
        )

    @strawberry.field(description="The story's tags, in the order editors gave them.")
    def tags(self) -> list[Tag]:
        return [Tag(_entry=entry) for entry in self._batch.tags.get(self._story.pk, [])]

    @strawberry.field(
        description="schema.org JSON-LD for the page: a NewsArticle, and a FAQPage when the "
        "story has an FAQ. Render each object in a script of type application/ld+json."
    )
    def structured_data(self) -> list[JSON]:
        story = self._story
        return seo.json_ld(
            story,
            self._translation,
            [entry.name for entry in self._batch.tags.get(story.pk, [])],
            self._batch.source_names.get(story.source_id, "") if story.source_id else "",
            self._batch.available_languages.get(story.pk, []),
        )

    @strawberry.field(description="Open Graph properties for share cards.")
    def open_graph(self) -> seo.OpenGraph:
        story, translation_ = self._story, self._translation
        served = translation_.language_code
        return seo.OpenGraph(
            title=translation_.title,
            description=translation_.summary,
            url=sharing.canonical_url(story.slug, served),
            type="article",
            site_name=settings.CMS_PUBLISHER_NAME,
            locale=seo.og_locale(served),
            locale_alternates=[
                seo.og_locale(code)
                for code in self._batch.available_languages.get(story.pk, [])
                if code != served
            ],
            published_time=story.published_at.isoformat(),
            modified_time=(story.updated_at or story.published_at).isoformat(),
            tags=[entry.name for entry in self._batch.tags.get(story.pk, [])],
        )

    @strawberry.field(description="Twitter card properties.")
    def twitter_card(self) -> seo.TwitterCard:
        translation_ = self._translation
        return seo.TwitterCard(
            card="summary", title=translation_.title, description=translation_.summary
        )

    @strawberry.field(description="A share link for each network, labels in the served language.")
    def share_links(self) -> list[ShareLink]:
        code = self._translation.language_code
        with translation.override(code):
            links = sharing.share_links(self._story.slug, code, self._translation.title)
        return [ShareLink(network=n, label=label, url=url) for n, label, url in links]
