"""Live coverage as readers read it: a story's entries, newest first, with cursors."""

import base64
import binascii
import json
from datetime import datetime
from enum import Enum

import strawberry
from django.utils.translation import gettext as _

from api.schema import media
from api.schema.content import RichText
from api.schema.disclosure import Disclosure
from api.schema.errors import BadUserInput
from api.schema.pagination import MAX_CURSOR_LENGTH, PageInfo, check_page_size
from cms.core import values as bounds
from cms.serving import live as serving_live

DEFAULT_ENTRIES = 20
CURSOR_TAG = "live"


@strawberry.enum(description="Whether a story's live coverage is running.")
class LiveStatus(Enum):
    LIVE = strawberry.enum_value("live", description="Coverage is running: entries may follow.")
    ENDED = strawberry.enum_value(
        "ended", description="Coverage ended: the entries stay, no new one follows."
    )


@strawberry.type(description="One entry of a live story, in the story's served language.")
class LiveEntry:
    _served: strawberry.Private[serving_live.ServedEntry]

    @strawberry.field(
        description="Stable identifier of the entry; subscriptions and `after` name it."
    )
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self._served.pk))

    @strawberry.field(description="The entry's language (the story's served language).")
    def language(self) -> str:
        return self._served.entry.language_code

    @strawberry.field(
        description="The entry's text, as sanitized HTML and as plain text; null for partner "
        "keys without the full_text scope (as the story's `analysis`)."
    )
    def text(self) -> RichText | None:
        if not self._served.text_served:
            return None
        entry = self._served.entry
        return RichText(html=entry.text_html, text=entry.text_plain)

    @strawberry.field(description="When the entry was published.")
    def published_at(self) -> datetime:
        return self._served.published_at

    @strawberry.field(description="When the entry was last corrected; null if never.")
    def corrected_at(self) -> datetime | None:
        return self._served.entry.corrected_at

    @strawberry.field(
        description="What the last correction changed, to show with the entry; null if never "
        "corrected."
    )
    def correction(self) -> str | None:
        return self._served.entry.correction_note or None

    @strawberry.field(description="Whether editors marked the entry as a key event.")
    def key_event(self) -> bool:
        return self._served.entry.key_event

    @strawberry.field(description="Whether editors pinned the entry above the stream.")
    def pinned(self) -> bool:
        return self._served.entry.pinned

    @strawberry.field(description="The image shown with the entry (one of the story's), if any.")
    def image(self) -> media.Image | None:
        image = self._served.image
        return media.Image(_served=image) if image else None

    @strawberry.field(description="Who signed the entry, if anyone.")
    def author(self) -> media.Author | None:
        author = self._served.author
        return media.Author(_served=author) if author else None

    @strawberry.field(description="AI's part in this entry, and how to label it.")
    def disclosure(self) -> Disclosure:
        return Disclosure(_found=self._served.disclosure)


@strawberry.type(description="An entry and the cursor just after it.")
class LiveEntryEdge:
    cursor: str = strawberry.field(description="Pass as `after` to read the entries after this.")
    node: LiveEntry = strawberry.field(description="The entry.")


@strawberry.type(description="A page of a live story's entries, newest first.")
class LiveEntryConnection:
    edges: list[LiveEntryEdge] = strawberry.field(description="The entries of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the stream.")


def encode_cursor(served):
    raw = json.dumps(
        [CURSOR_TAG, served.published_at.isoformat(), served.pk], separators=(",", ":")
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor):
    """(published_at, id) of an entry cursor; a clear error when it is not one of ours."""
    invalid = BadUserInput(
        _("Invalid cursor in `after`: pass an `endCursor` from a previous page of live entries.")
    )
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        raise invalid from None
    if not isinstance(decoded, list) or len(decoded) != 3 or decoded[0] != CURSOR_TAG:
        raise invalid
    try:
        moment = bounds.in_utc(datetime.fromisoformat(decoded[1]))
    except (TypeError, ValueError):
        raise invalid from None
    if moment is None or not bounds.integer_fits(decoded[2]):
        raise invalid
    return moment, decoded[2]


def entries(served_story, first, after):
    """`Story.liveEntries`: a connection over the served story's readable entries."""
    check_page_size(first)
    position = decode_cursor(after) if after else None
    found, more = served_story.live_entries(first, position)
    edges = [LiveEntryEdge(cursor=encode_cursor(e), node=LiveEntry(_served=e)) for e in found]
    return LiveEntryConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=more,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


def listed(served_story, first, only):
    """The newest `first` pinned or key-event entries."""
    check_page_size(first)
    found, _more = served_story.live_entries(first, None, only)
    return [LiveEntry(_served=e) for e in found]
