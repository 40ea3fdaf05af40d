"""Keyset (cursor) paging over story lists: stable under inserts, constant cost per page."""

import base64
import binascii
import json
from datetime import datetime
from enum import Enum

import strawberry
from django.db.models import Q
from django.utils.translation import gettext as _

from api.schema.errors import BadUserInput
from cms.core import values as bounds

MAX_PAGE_SIZE = 100
# Our cursors are well under 200 characters; anything much longer is not one of them and
# is refused before it is decoded.
MAX_CURSOR_LENGTH = 500


@strawberry.enum(description="How a story list is ordered; ties go to the newer story.")
class StoryOrder(Enum):
    PUBLISHED_DESC = strawberry.enum_value("published", description="Newest publish time first.")
    UPDATED_DESC = strawberry.enum_value(
        "updated", description="Most recently updated first (the publish time if never updated)."
    )
    HOT_DESC = strawberry.enum_value(
        "hot", description="Pinned stories first, then by hot score (views and shares, fading)."
    )
    QUALITY_DESC = strawberry.enum_value("quality", description="Highest quality score first.")
    IMPACT_DESC = strawberry.enum_value("impact", description="Highest impact score first.")
    RELEVANCE = strawberry.enum_value(
        "relevance",
        description="Best match for `search` first (only with `search`); beyond the exact-count "
        "bound, the newest matches are ranked. Ties go to the newer story.",
    )


# Every ordering is descending on these fields; the primary key makes it total.
ORDER_FIELDS = {
    StoryOrder.PUBLISHED_DESC: ("published_at", "id"),
    StoryOrder.UPDATED_DESC: ("updated_at", "id"),
    # Pinned stories lead the hot list (cms/counting/ranking.py).
    StoryOrder.HOT_DESC: ("pinned", "hot", "published_at", "id"),
    StoryOrder.QUALITY_DESC: ("quality", "published_at", "id"),
    StoryOrder.IMPACT_DESC: ("impact", "published_at", "id"),
    # `search_rank` is annotated by cms.search.engine (Search.ranked).
    StoryOrder.RELEVANCE: ("search_rank", "published_at", "id"),
}
# Ordering fields holding booleans (true sorts first); the rest are ints or *_at times.
BOOLEAN_FIELDS = frozenset({"pinned"})
FLOAT_FIELDS = frozenset({"search_rank"})


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Whether this page was asked for after a cursor."
    )
    start_cursor: str | None = strawberry.field(description="The first item's cursor.")
    end_cursor: str | None = strawberry.field(
        description="The last item's cursor: pass it as `after` for the next page."
    )


def check_page_size(first):
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise BadUserInput(
            _("`first` must be between 1 and %(max)s; it was %(value)s.")
            % {"max": MAX_PAGE_SIZE, "value": first}
        )


def _encode_value(value):
    return value.isoformat() if isinstance(value, datetime) else value


def encode_cursor(order, story):
    """An opaque cursor pointing just after `story` in `order`."""
    values = [_encode_value(getattr(story, field)) for field in ORDER_FIELDS[order]]
    raw = json.dumps([order.value, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(order, cursor):
    """The field values a cursor holds; a clear error when it is not one of ours."""
    invalid = BadUserInput(
        _(
            "Invalid cursor in `after`: pass an `endCursor` from a previous page of the same "
            "ordering."
        )
    )
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError, RecursionError):
        raise invalid from None
    fields = ORDER_FIELDS[order]
    if not isinstance(decoded, list) or len(decoded) != len(fields) + 1:
        raise invalid
    if decoded[0] != order.value:
        raise invalid
    values = []
    for field, value in zip(fields, decoded[1:], strict=True):
        if field.endswith("_at"):
            try:
                value = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise invalid from None
            value = bounds.in_utc(value)
            if value is None:
                raise invalid
        elif field in BOOLEAN_FIELDS:
            if not isinstance(value, bool):
                raise invalid
        elif field in FLOAT_FIELDS:
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise invalid
        elif not bounds.integer_fits(value):
            raise invalid
        values.append(value)
    return values


def after_filter(order, values):
    """Rows strictly after the cursor position in a descending lexicographic order."""
    fields = ORDER_FIELDS[order]
    condition = Q()
    for index, field in enumerate(fields):
        step = Q(**{f"{field}__lt": values[index]})
        for previous in range(index):
            step &= Q(**{fields[previous]: values[previous]})
        condition |= step
    return condition


def order_by(order):
    return [f"-{field}" for field in ORDER_FIELDS[order]]
