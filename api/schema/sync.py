"""`sync`: a partner's delta sync (cms/sync/pages.py) in GraphQL.

The HTTP JSON form (`GET /sync`, api/sync.py) sends the same pages as plain JSON.
"""

from datetime import datetime
from enum import Enum

import strawberry
from django.utils.translation import gettext as _
from strawberry.scalars import JSON

from api.schema.errors import ApiError
from cms.sync import pages, tokens

from .content import FaqEntry, Insight, KeyDataRow, RichText
from .live import LiveStatus


class SyncError(ApiError):
    """A sync the caller must change: its code says how (see docs/partners.md)."""

    def __init__(self, code, message):
        self.code = code
        super().__init__(message)


@strawberry.enum(description="What a sync item tells the partner's copy to do.")
class SyncItemType(Enum):
    UPSERT = strawberry.enum_value(
        pages.UPSERT, description="Store `version`, replacing any copy of this story version."
    )
    TOMBSTONE = strawberry.enum_value(
        pages.TOMBSTONE,
        description="Delete this story version from the copy (nothing to do if it has none).",
    )


@strawberry.enum(description="Why a story version is not (or no longer) the key's to show.")
class TombstoneReason(Enum):
    UNPUBLISHED = strawberry.enum_value(
        pages.UNPUBLISHED, description="Unpublished, or moved to a later publish time."
    )
    EXPIRED = strawberry.enum_value(pages.EXPIRED_REASON, description="Its expiry time has passed.")
    ARCHIVED = strawberry.enum_value(pages.ARCHIVED, description="Archived by the editors.")
    LANGUAGE_REMOVED = strawberry.enum_value(
        pages.LANGUAGE_REMOVED, description="The story has no version in this language."
    )
    NOT_READABLE = strawberry.enum_value(
        pages.NOT_READABLE,
        description="Outside the key's languages or tags (the key's rights changed, or the "
        "story's tags did).",
    )
    DELETED = strawberry.enum_value(pages.DELETED, description="The story was deleted.")
    KILLED = strawberry.enum_value(
        pages.KILLED,
        description="Killed: taken down for legal or factual reasons. Delete every copy, "
        "and see `notice` for why.",
    )


@strawberry.type(description="The publication a synced story cites.")
class SyncSource:
    slug: str = strawberry.field(description="Stable identifier of the source.")
    url: str = strawberry.field(
        description="The cited article, or the source's homepage when the story names none."
    )


@strawberry.type(description="One entry of a synced live story, in the version's language.")
class SyncLiveEntry:
    _data: strawberry.Private[dict]

    @strawberry.field(description="The entry's `id`, as `Story.liveEntries` names it.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self._data["id"]))

    @strawberry.field(description="When the entry was published.")
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self._data["publishedAt"])

    @strawberry.field(description="When the entry was last corrected; null if never.")
    def corrected_at(self) -> datetime | None:
        value = self._data["correctedAt"]
        return datetime.fromisoformat(value) if value else None

    @strawberry.field(description="What the last correction changed; null if never corrected.")
    def correction(self) -> str | None:
        return self._data["correction"]

    @strawberry.field(description="Whether editors marked the entry as a key event.")
    def key_event(self) -> bool:
        return self._data["keyEvent"]

    @strawberry.field(description="Whether editors pinned the entry above the stream.")
    def pinned(self) -> bool:
        return self._data["pinned"]

    @strawberry.field(
        description="The entry's text; null unless the key holds the `full_text` scope."
    )
    def text(self) -> RichText | None:
        text = self._data["text"]
        return RichText(**text) if text is not None else None

    @strawberry.field(description="The explicit AI label of this entry, in its language.")
    def ai_label(self) -> str:
        return self._data["disclosure"]["label"]

    @strawberry.field(description="The IPTC digital source type URI of this entry.")
    def digital_source_type(self) -> str:
        return self._data["disclosure"]["digitalSourceType"]


@strawberry.type(description="A synced story's live coverage and its entries.")
class SyncLive:
    _data: strawberry.Private[dict]

    @strawberry.field(description="Whether the coverage is running or ended.")
    def status(self) -> LiveStatus:
        return LiveStatus(self._data["status"])

    @strawberry.field(description="When the coverage started.")
    def coverage_start_time(self) -> datetime | None:
        value = self._data["coverageStartedAt"]
        return datetime.fromisoformat(value) if value else None

    @strawberry.field(description="When the coverage ended; null while it runs.")
    def coverage_end_time(self) -> datetime | None:
        value = self._data["coverageEndedAt"]
        return datetime.fromisoformat(value) if value else None

    @strawberry.field(
        description="The entries, newest first (at most 500; withdrawn ones are gone)."
    )
    def entries(self) -> list[SyncLiveEntry]:
        return [SyncLiveEntry(_data=entry) for entry in self._data["entries"]]

    @strawberry.field(
        description="Whether older entries exist than `entries` holds (read them from "
        "`Story.liveEntries`)."
    )
    def more_entries(self) -> bool:
        return self._data["moreEntries"]


@strawberry.type(
    description="One language version of a story as the key reads it: what the story page "
    "shows, without counters and scores (they change without the story changing; read them "
    "from `story`)."
)
class SyncVersion:
    _data: strawberry.Private[dict]

    @strawberry.field(description="The story's number, the same in every language.")
    def story_id(self) -> int:
        return self._data["id"]

    @strawberry.field(description="The story's address slug, shared by all languages.")
    def slug(self) -> str:
        return self._data["slug"]

    @strawberry.field(description="This version's language code.")
    def language(self) -> str:
        return self._data["language"]

    @strawberry.field(description="The language the story was written in.")
    def original_language(self) -> str:
        return self._data["originalLanguage"]

    @strawberry.field(description="Every language the key may read this story in.")
    def available_languages(self) -> list[str]:
        return self._data["availableLanguages"]

    @strawberry.field(description="The canonical address of this version on the reader site.")
    def url(self) -> str:
        return self._data["url"]

    @strawberry.field(description="The headline.")
    def title(self) -> str:
        return self._data["title"]

    @strawberry.field(description="The summary.")
    def summary(self) -> str:
        return self._data["summary"]

    @strawberry.field(description="When the story was published.")
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self._data["publishedAt"])

    @strawberry.field(description="The last material edit; the publish time if none.")
    def updated_at(self) -> datetime:
        return datetime.fromisoformat(self._data["updatedAt"])

    @strawberry.field(
        description="When readers stop seeing the story (a tombstone follows then), if ever."
    )
    def expires_at(self) -> datetime | None:
        value = self._data["expiresAt"]
        return datetime.fromisoformat(value) if value else None

    @strawberry.field(description="The TL;DR bullets.")
    def tldr(self) -> list[str]:
        return self._data["tldr"]

    @strawberry.field(description="The Key Data table; empty when this language has none.")
    def key_data(self) -> list[KeyDataRow]:
        return [KeyDataRow(**row) for row in self._data["keyData"]]

    @strawberry.field(
        description="The deep analysis; null unless the key holds the `full_text` scope."
    )
    def analysis(self) -> RichText | None:
        analysis = self._data["analysis"]
        return RichText(**analysis) if analysis is not None else None

    @strawberry.field(description="Industry insights, in their numbered order.")
    def insights(self) -> list[Insight]:
        return [Insight(**row) for row in self._data["insights"]]

    @strawberry.field(description="Frequently asked questions, in reading order.")
    def faq(self) -> list[FaqEntry]:
        return [FaqEntry(**row) for row in self._data["faq"]]

    @strawberry.field(description="Whether AI wrote this version.")
    def ai_generated(self) -> bool:
        return self._data["aiGenerated"]

    @strawberry.field(
        description="The notice to show under an AI-generated version, in its language; "
        "null for a version people wrote."
    )
    def disclaimer(self) -> str | None:
        return self._data["disclaimer"]

    @strawberry.field(description="The explicit AI label of this version, in its language.")
    def ai_label(self) -> str:
        return self._data["disclosure"]["label"]

    @strawberry.field(description="The IPTC digital source type URI of this version.")
    def digital_source_type(self) -> str:
        return self._data["disclosure"]["digitalSourceType"]

    @strawberry.field(description="The publication the story cites, if any.")
    def source(self) -> SyncSource | None:
        source = self._data["source"]
        return SyncSource(**source) if source is not None else None

    @strawberry.field(description="The slugs of the story's tags, in the editors' order.")
    def tags(self) -> list[str]:
        return self._data["tags"]

    @strawberry.field(
        description="This version as an IPTC ninjs 2.2 news item (pubstatus `usable`), for "
        "systems that store ninjs; the same item `Story.ninjs` gives."
    )
    def ninjs(self) -> JSON:
        return self._data["ninjs"]

    @strawberry.field(
        description="The story's live coverage with its entries; null without coverage. An "
        "entry published, corrected or withdrawn changes the version."
    )
    def live(self) -> SyncLive | None:
        live = self._data.get("live")
        return SyncLive(_data=live) if live is not None else None


@strawberry.type(description="One change for the partner's copy: an upsert or a tombstone.")
class SyncItem:
    _data: strawberry.Private[dict]

    @strawberry.field(description="Whether to store `version` or delete the story version.")
    def type(self) -> SyncItemType:
        return SyncItemType(self._data["type"])

    @strawberry.field(description="The story's number.")
    def story_id(self) -> int:
        return self._data["storyId"]

    @strawberry.field(description="The language of the story version concerned.")
    def language(self) -> str:
        return self._data["language"]

    @strawberry.field(description="The version to store; null in a tombstone.")
    def version(self) -> SyncVersion | None:
        version = self._data.get("version")
        return SyncVersion(_data=version) if version is not None else None

    @strawberry.field(description="Why the version goes; null in an upsert.")
    def reason(self) -> TombstoneReason | None:
        reason = self._data.get("reason")
        return TombstoneReason(reason) if reason is not None else None

    @strawberry.field(
        description="Why a killed story was taken down, in this item's language when the "
        "editors wrote it in that language; null unless `reason` is `KILLED`."
    )
    def notice(self) -> str | None:
        return self._data.get("notice")

    @strawberry.field(
        description="For a killed story's tombstone, the IPTC ninjs 2.2 news item it leaves: "
        "pubstatus `canceled`, the notice as a description, none of its content; null "
        "otherwise."
    )
    def ninjs(self) -> JSON | None:
        return self._data.get("ninjs")


@strawberry.type(description="One page of a partner's sync.")
class SyncPage:
    items: list[SyncItem] = strawberry.field(
        description="Apply in order. A story version may come again (apply it again: upserts "
        "and tombstones are idempotent)."
    )
    next_token: str = strawberry.field(
        description="Pass as `token` to get the next page (or, once `hasMore` is false, what "
        "changes later). Opaque, bound to this key, valid for 30 days by default."
    )
    has_more: bool = strawberry.field(
        description="Whether more is waiting now: ask again at once with `nextToken`. When "
        "false, the copy is up to date; ask again later with `nextToken`."
    )


def resolve(context, token, first):
    """The page for the request's key; SyncError for a request that cannot be answered."""
    key = context.key
    if key is None:
        raise SyncError(
            "UNAUTHENTICATED", _("Syncing needs an API key: send `Authorization: Bearer <key>`.")
        )
    if not 1 <= first <= pages.MAX_FIRST:
        raise SyncError(
            "BAD_USER_INPUT",
            _("`first` must be from 1 to %(most)s.") % {"most": pages.MAX_FIRST},
        )
    context.no_store = True
    try:
        page = pages.page(key, token, first)
    except tokens.TokenError as error:
        raise SyncError(error.code, error.message) from None
    return SyncPage(
        items=[SyncItem(_data=item) for item in page.items],
        next_token=page.token,
        has_more=page.has_more,
    )
