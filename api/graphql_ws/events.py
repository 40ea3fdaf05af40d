"""Entry changes to subscribers: each change of a live story's entry, as the workflow
announces it (`cms.core.events.live_entry_changed`), is sent to the story's group on the
channel layer once its transaction commits (a rolled-back change sends nothing). With
`REDIS_URL` the layer is Redis, so a subscriber on any process hears an entry published
through any other; without it, the layer is in-memory (one process: `make run`)."""

import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from api.schema.subscription import MESSAGE_TYPE, group
from cms.core.events import live_entry_changed


def _entry_changed(sender, story, entry, kind, **kwargs):
    message = {
        "type": MESSAGE_TYPE,
        # One id per change: a process reads it once for all subscribers alike.
        "event": uuid.uuid4().hex,
        "story": story.pk,
        "entry": entry.pk,
        "kind": kind,
        "language": entry.language_code,
    }
    transaction.on_commit(lambda: send(story.pk, message))


def send(story_id, message):
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group(story_id), message)


def connect():
    live_entry_changed.connect(_entry_changed, dispatch_uid="subscriptions-live-entry")
