"""`upsertStory`: the story pipeline writes stories, with every language, as partners."""

from datetime import datetime
from typing import Annotated

import strawberry
from django.utils.translation import gettext as _
from strawberry.scalars import JSON
from strawberry.types import Info

from api.schema.errors import ApiError
from cms.ingest import ninjs as ninjs_in
from cms.ingest import pipeline as ingest
from cms.models import Scope

from .disclosure import AigcInput, AiInvolvement


class Forbidden(ApiError):
    code = "FORBIDDEN"


@strawberry.input(description="One row of a Key Data table.")
class KeyDataInput:
    entity: str = strawberry.field(description="Who or what the row is about.")
    detail: str = strawberry.field(default="", description="The key information.")
    metric: str = strawberry.field(default="", description="The figure or measure, if any.")


@strawberry.input(description="One industry insight.")
class InsightInput:
    title: str = strawberry.field(description="The insight in a few words.")
    body: str = strawberry.field(default="", description="The insight explained.")


@strawberry.input(description="One question and its answer.")
class FaqInput:
    question: str = strawberry.field(description="The question.")
    answer: str = strawberry.field(default="", description="The answer.")


@strawberry.input(description="A story's version in one language.")
class StoryTranslationInput:
    language: str = strawberry.field(description="Language code, e.g. `en` or `zh-hans`.")
    title: str = strawberry.field(description="Headline.")
    summary: str = strawberry.field(default="", description="One-paragraph summary.")
    tldr: list[str] = strawberry.field(
        default_factory=list, description="TL;DR bullets, in reading order."
    )
    key_data: list[KeyDataInput] = strawberry.field(
        default_factory=list, description="The Key Data table's rows, in order."
    )
    analysis: str = strawberry.field(default="", description="The deep analysis, in Markdown.")
    insights: list[InsightInput] = strawberry.field(
        default_factory=list, description="Industry insights, in their numbered order."
    )
    faq: list[FaqInput] = strawberry.field(
        default_factory=list, description="Frequently asked questions, in reading order."
    )
    machine_translated: bool = strawberry.field(
        default=False, description="Whether a machine translated this version."
    )
    ai_involvement: AiInvolvement | None = strawberry.field(
        default=None,
        description="How much AI wrote this version; when left out, `aiGenerated` and "
        "`machineTranslated` say it. `AI_REVIEWED` is refused: reviews are recorded here.",
    )
    aigc: AigcInput | None = strawberry.field(
        default=None, description="The version's incoming implicit label, if it has one."
    )


@strawberry.input(description="A story from the pipeline; fields left out keep their value.")
class StoryInput:
    external_id: str = strawberry.field(description="The pipeline's id: the same id updates.")
    translations: list[StoryTranslationInput] = strawberry.field(
        description="The versions to write, one per language; languages left out are kept."
    )
    slug: str | None = strawberry.field(default=None, description="Generated when left out.")
    publish: bool | None = strawberry.field(
        default=None, description="Publish (needs the publish scope) or keep as a draft."
    )
    published_at: datetime | None = strawberry.field(
        default=None, description="The publish time, with a time zone; a future one schedules."
    )
    expires_at: datetime | None = strawberry.field(
        default=None,
        description="The expiry time, with a time zone: readers stop seeing the story then, "
        "by itself, and partners are told it was unpublished.",
    )
    hot: int | None = strawberry.field(default=None, description="The pipeline's hot score, 0–100.")
    quality: int | None = strawberry.field(default=None, description="Quality score, 0–100.")
    impact: int | None = strawberry.field(default=None, description="Impact score, 0–100.")
    ai_generated: bool | None = strawberry.field(
        default=None, description="Whether AI wrote the story (readers then see a disclaimer)."
    )
    aigc: AigcInput | None = strawberry.field(
        default=None,
        description="The story's incoming implicit label, for versions that give none.",
    )
    source: str | None = strawberry.field(default=None, description="A source slug.")
    source_url: str | None = strawberry.field(
        default=None, description="The cited article's address; empty for none."
    )
    tags: list[str] | None = strawberry.field(default=None, description="Tag slugs, in order.")
    images: list[int] | None = strawberry.field(
        default=None,
        description="The numbers of the library's images the analyses may place, each on a "
        "line of its own as `![[image:12]]`; replaces the story's list. Left out: kept.",
    )
    original_language: str | None = strawberry.field(
        default=None,
        description="The language the story was written in (default `en`); the other "
        "versions are outdated when it changes after them.",
    )

    def as_data(self):
        data = {"external_id": self.external_id, "translations": {}}
        for field in ("slug", "publish", "published_at", "expires_at", "hot", "quality", "impact",
                      "ai_generated", "source", "source_url", "tags", "images",
                      "original_language"):  # fmt: skip
            value = getattr(self, field)
            if value is not None:
                data[field] = value
        for number, version in enumerate(self.translations):
            if version.language in data["translations"]:
                # The second would silently replace the first: which one was meant is the
                # pipeline's to say.
                raise ingest.IngestError(
                    [
                        (
                            f"translations.{number}.language",
                            _("The language “%(code)s” is given more than once.")
                            % {"code": version.language},
                        )
                    ]
                )
            data["translations"][version.language] = {
                "title": version.title,
                "summary": version.summary,
                "tldr": list(version.tldr),
                "key_data": [vars(row) for row in version.key_data],
                "analysis": version.analysis,
                "insights": [vars(row) for row in version.insights],
                "faq": [vars(row) for row in version.faq],
                "origin": "machine" if version.machine_translated else "human",
            }
            if version.ai_involvement is not None:
                data["translations"][version.language]["ai_involvement"] = (
                    version.ai_involvement.value
                )
            if version.aigc is not None:
                data["translations"][version.language]["aigc"] = version.aigc.as_data()
        if self.aigc is not None:
            data["aigc"] = self.aigc.as_data()
        return data


@strawberry.type(description="A problem with one field of the input.")
class FieldError:
    field: str = strawberry.field(description="Where, e.g. `translations.zh-hans.title`.")
    message: str = strawberry.field(description="What is wrong, in the request's language.")


@strawberry.type(description="The story as written by the pipeline (it may be a draft).")
class IngestedStory:
    external_id: str = strawberry.field(description="The pipeline's id of the story.")
    slug: str = strawberry.field(description="The story's slug, shared by all languages.")
    status: str = strawberry.field(description="`draft`, `review`, `published` or `archived`.")
    languages: list[str] = strawberry.field(description="Every language the story now has.")


@strawberry.type(description="What `upsertStory` did.")
class UpsertStoryPayload:
    story: IngestedStory | None = strawberry.field(description="Null when nothing was written.")
    created: bool = strawberry.field(description="Whether the story is new.")
    errors: list[FieldError] = strawberry.field(description="Empty when the story was written.")


def camel_path(path):
    """`translations.zh-hans.key_data` as the input spells it: `translations.zh-hans.keyData`."""
    parts = path.split(".")
    return ".".join(
        part if index == 1 and parts[0] == "translations" else _camel(part)
        for index, part in enumerate(parts)
    )


def _camel(name):
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def _ingesting_key(info):
    key = info.context.key
    if key is None or not key.has_scope(Scope.INGEST):
        raise Forbidden(_("Only API keys with the ingest scope may write stories."))
    return key


def upsert_story(
    info: Info,
    input: Annotated[StoryInput, strawberry.argument(description="The story.")],
) -> UpsertStoryPayload:
    key = _ingesting_key(info)
    try:
        story, created = ingest.upsert(input.as_data(), may_publish=key.has_scope(Scope.PUBLISH))
    except ingest.IngestError as error:
        return _refused(error, camel_path)
    return _written(story, created)


def import_ninjs(
    info: Info,
    document: Annotated[
        JSON,
        strawberry.argument(
            description="An IPTC ninjs text item, 2.x or 3.x (docs/partners.md, *ninjs in*)."
        ),
    ],
    language: Annotated[
        str | None,
        strawberry.argument(description="The item's language when it names none, e.g. `en`."),
    ] = None,
    publish: Annotated[
        bool,
        strawberry.argument(
            description="Publish a `usable` item (needs the publish scope); else a draft."
        ),
    ] = False,
) -> UpsertStoryPayload:
    key = _ingesting_key(info)
    try:
        story, created = ninjs_in.upsert(
            document,
            may_publish=key.has_scope(Scope.PUBLISH),
            publish=publish,
            language=language,
        )
    except ingest.IngestError as error:
        return _refused(error, str)
    return _written(story, created)


def _refused(error, spell):
    return UpsertStoryPayload(
        story=None,
        created=False,
        errors=[
            FieldError(field=spell(field), message=str(message)) for field, message in error.errors
        ],
    )


def _written(story, created):
    return UpsertStoryPayload(
        story=IngestedStory(
            external_id=story.external_id,
            slug=story.slug,
            status=story.status,
            languages=sorted(story.translations.values_list("language_code", flat=True)),
        ),
        created=created,
        errors=[],
    )
