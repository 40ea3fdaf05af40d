"""Live coverage pushed to readers: `liveEntries(slug:)`, a subscription to a story's entries.

Served over WebSocket (graphql-transport-ws) and Server-Sent Events (graphql-sse) by
`api.graphql_ws`. Each change of an entry
of a live story readers can see is sent to the story's group on the channel layer (Redis
between processes, `api.graphql_ws.events`) after its transaction commits; each subscriber
reads the entry again as its own audience (`LiveEntry.objects.readable`: the story's
visibility, a key's languages and tags, the served language), so a draft's, embargoed or
unpublished story's entries never reach it. A subscriber that passes the last entry it saw
(`after`) first receives the entries published since, then new changes, nothing twice.
"""

import asyncio
import time
from collections.abc import AsyncGenerator
from enum import Enum
from typing import Annotated

import strawberry
from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from api.schema.errors import BadUserInput
from api.schema.live import LiveEntry
from cms.core import values as bounds
from cms.models import Story
from cms.serving import live as serving_live
from cms.serving import stories as serving

# The channel-layer message type a story's group carries (`api.graphql_ws.events`).
MESSAGE_TYPE = "live.entry"
# Entries a reconnecting subscriber is sent at most before new changes.
MAX_MISSED = 100
# How long a process keeps an event read for one audience, so that its other subscribers
# with that audience share the reading (they receive the message within moments).
SHARED_SECONDS = 30


def group(story_id):
    """The channel-layer group of a story's subscribers."""
    return f"live-story-{story_id}"


@strawberry.enum(description="What happened to a live entry.")
class LiveEntryChange(Enum):
    PUBLISHED = strawberry.enum_value("published", description="The entry was published.")
    CORRECTED = strawberry.enum_value(
        "corrected", description="The entry was corrected: `entry` is its new text."
    )
    WITHDRAWN = strawberry.enum_value(
        "withdrawn", description="The entry was withdrawn: remove it; `entry` is null."
    )


@strawberry.type(description="A change of one entry of a live story.")
class LiveEntryEvent:
    change: LiveEntryChange = strawberry.field(description="What happened to the entry.")
    entry_id: strawberry.ID = strawberry.field(description="The entry's `id`.")
    entry: LiveEntry | None = strawberry.field(
        description="The entry as it reads now; null when it was withdrawn."
    )


def _parse_after(after):
    """The entry id of `after`; 0 without one (then only new changes are sent)."""
    if after is None:
        return 0
    value = int(after) if isinstance(after, str) and after.isascii() and after.isdigit() else None
    if value is None or not bounds.integer_fits(value):
        raise BadUserInput(_("`after` must be the `id` of a live entry you received."))
    return value


def _story(context, slug, language):
    """The served story `slug` for the subscriber, or a clear error."""
    audience = context.audience_for(language)
    found = serving.find(Story.objects.readable(audience), audience, slug=slug)
    if not found:
        raise BadUserInput(
            _("There is no story “%(slug)s” readers can see.") % {"slug": slug[:200]}
        )
    return found[0]


def _event(served_story, message):
    """The event a channel message means for this subscriber, or None if it may not see it."""
    change = LiveEntryChange(message["kind"])
    if change == LiveEntryChange.WITHDRAWN:
        if message.get("language") != served_story.language:
            return None
        return shared(
            LiveEntryEvent(change=change, entry_id=strawberry.ID(str(message["entry"])), entry=None)
        )
    found = serving_live.one(served_story, message["entry"])
    if found is None:
        return None
    event = LiveEntryEvent(
        change=change, entry_id=strawberry.ID(str(found.pk)), entry=LiveEntry(_served=found)
    )
    return shared(event)


def shared(event):
    """Mark an event read once for every subscriber of one audience: each document and
    variables it is asked with are answered once (api/schema/execution.py)."""
    event.shared_answers = {}
    return event


# (event id, story id, audience) to (when, the future of its reading), in this process.
_readings = {}


async def _shared_event(served_story, message):
    """`_event`, read once per process for all subscribers with the same audience: every
    subscriber of a story gets the same message at once, and one query answers them all."""
    key = (message["event"], served_story.pk, served_story.batch.audience)
    now = time.monotonic()
    found = _readings.get(key)
    if found is None:
        for old in [k for k, (at, _f) in _readings.items() if now - at > SHARED_SECONDS]:
            del _readings[old]
        reading = asyncio.ensure_future(database_sync_to_async(_event)(served_story, message))
        found = _readings[key] = (now, reading)
    reading = found[1]
    if reading.done():
        # Most subscribers come after the reading ended: no waiting to set up for them.
        return reading.result()
    return await asyncio.shield(reading)


@strawberry.type(
    description="Changes pushed as they happen, over WebSocket (graphql-transport-ws) or "
    "Server-Sent Events (graphql-sse)."
)
class Subscription:
    @strawberry.subscription(
        description="The entries of live story `slug` as they are published, corrected and "
        "withdrawn, in the story's served language. Pass `after` (the last entry `id` you "
        "received) when reconnecting: the entries published since come first, then new "
        "changes, none twice."
    )
    async def live_entries(
        self,
        info: strawberry.Info,
        slug: Annotated[str, strawberry.argument(description="The live story's slug.")],
        language: Annotated[
            str | None,
            strawberry.argument(description="The language to read in (default: the header's)."),
        ] = None,
        after: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The last entry `id` received, when reconnecting."),
        ] = None,
    ) -> AsyncGenerator[LiveEntryEvent, None]:
        context = info.context
        seen = _parse_after(after)
        story = await database_sync_to_async(_story)(context, slug, language)
        async with context.ws.listen_to_channel(MESSAGE_TYPE, groups=[group(story.pk)]) as messages:
            # Listening first, then reading what was missed: an entry published in between
            # comes both ways and is sent once.
            missed = []
            if after is not None:
                missed = await database_sync_to_async(serving_live.since)(story, seen, MAX_MISSED)
            for found in missed:
                seen = max(seen, found.pk)
                yield LiveEntryEvent(
                    change=LiveEntryChange.PUBLISHED,
                    entry_id=strawberry.ID(str(found.pk)),
                    entry=LiveEntry(_served=found),
                )
            async for message in messages:
                if message["kind"] == LiveEntryChange.PUBLISHED.value and message["entry"] <= seen:
                    continue
                event = await _shared_event(story, message)
                if event is None:
                    continue
                if event.change == LiveEntryChange.PUBLISHED:
                    seen = max(seen, int(event.entry_id))
                yield event
