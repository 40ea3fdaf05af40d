"""Story events for partners' webhooks: recorded with the change, delivered by a worker.

Events are what readers see change, as the workflow transition announces it
(`cms.stories.publishing`): a story readers never saw is never announced. A delivery row and its
task are written in the same transaction as the story change, so
a rolled-back change sends nothing and a process dying after commit loses nothing. The
worker (`manage.py db_worker`) signs each request the Standard Webhooks way and retries
failures with exponential backoff for about a day. Nothing here touches the network
during an editor's save.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cms.core import netguard
from cms.disclosure import rules as disclosure
from cms.models import ApiKey, LiveEntry, Scope, Story, WebhookDelivery, WebhookEndpoint
from cms.models.webhook import Event

# Seconds to wait before each retry: about 23 hours in all.
BACKOFF = [10, 60, 300, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600]
TIMEOUT = 10
USER_AGENT = "ainews-cms-webhooks/1"


def sign(secret, message_id, timestamp, body):
    """The `webhook-signature` header value for a body (Standard Webhooks, v1)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _went_live(sender, story, **kwargs):
    enqueue(Event.PUBLISHED, story)


def _changed(sender, story, material=False, **kwargs):
    # Partners hear of material edits, the ones readers are told about ("Updated").
    if material:
        enqueue(Event.UPDATED, story)


def _left_public(sender, story, **kwargs):
    # A killed story has an event of its own, with its notice (`_killed`).
    if story.status != Story.Status.KILLED:
        enqueue(Event.UNPUBLISHED, story)


def _killed(sender, story, **kwargs):
    enqueue(Event.KILLED, story)


# Entry changes partners hear of; a withdrawn entry is told to subscribers, not partners.
LIVE_EVENTS = {"published": Event.LIVE_ENTRY_PUBLISHED, "corrected": Event.LIVE_ENTRY_CORRECTED}


def _live_entry(sender, story, entry, kind, **kwargs):
    if kind in LIVE_EVENTS:
        enqueue(LIVE_EVENTS[kind], story, entry=entry)


def _live_ended(sender, story, **kwargs):
    enqueue(Event.LIVE_ENDED, story)


def _iso(moment):
    return moment.isoformat() if moment else None


def entry_json(entry):
    """A live entry as a webhook carries it: its text as sanitized HTML and plain text (left
    out for partners without the full_text right, as the API leaves it out for their keys)."""
    return {
        "id": entry.pk,
        "language": entry.language_code,
        "html": entry.text_html,
        "text": entry.text_plain,
        "keyEvent": entry.key_event,
        "pinned": entry.pinned,
        "publishedAt": _iso(entry.published_at),
        "correctedAt": _iso(entry.corrected_at),
        "correction": entry.correction_note or None,
        "disclosure": {
            "grade": entry.ai_involvement,
            "label": disclosure.label(entry.ai_involvement, entry.language_code),
        },
    }


def _reading_full_text(partner_ids):
    """The partners among `partner_ids` holding a usable key with the full_text right: an
    entry's text is the story's body, sent only where the API would serve it."""
    keys = ApiKey.objects.usable().filter(partner_id__in=partner_ids)
    return {
        partner_id
        for partner_id, scopes in keys.values_list("partner_id", "scopes")
        if Scope.FULL_TEXT in scopes
    }


def _without_text(payload):
    """The payload with the entry's text left out (its id, times, flags and disclosure stay)."""
    entry = {**payload["data"]["entry"], "html": None, "text": None}
    return {**payload, "data": {**payload["data"], "entry": entry}}


def enqueue(event, story, entry=None):
    """Record a delivery (and its task) for every endpoint that wants this event.

    Tags are checked when the delivery is sent, not now: an editor's tags are saved after
    the story itself. An entry's event goes to endpoints that want its language.
    """
    story_languages = list(story.translations.values_list("language_code", flat=True))
    now = timezone.now()
    payload = {
        "type": event,
        "timestamp": now.isoformat(),
        "data": {
            "id": story.pk,
            "slug": story.slug,
            "status": story.status,
            "publishedAt": _iso(story.published_at),
            "updatedAt": _iso(story.updated_at),
            "languages": sorted(story_languages),
            "disclosure": disclosure.payload(story),
        },
    }
    if story.live_status:
        payload["data"]["live"] = {
            "status": story.live_status,
            "coverageStartTime": _iso(story.coverage_started_at),
            "coverageEndTime": _iso(story.coverage_ended_at),
        }
    if entry is not None:
        payload["data"]["entry"] = entry_json(entry)
        story_languages = [entry.language_code]
    if event == Event.KILLED:
        # Why, by language: partners show it, or keep it for their records.
        payload["data"]["notice"] = dict(story.kill_notice)
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(active=True)
        if endpoint.wants(event, story_languages)
    ]
    full_text = (
        _reading_full_text({endpoint.partner_id for endpoint in endpoints})
        if entry is not None and endpoints
        else set()
    )
    with transaction.atomic():
        for endpoint in endpoints:
            delivery = WebhookDelivery.objects.create(
                endpoint=endpoint,
                message_id=f"msg_{uuid.uuid4().hex}",
                event=event,
                payload=(
                    payload
                    if entry is None or endpoint.partner_id in full_text
                    else _without_text(payload)
                ),
                next_attempt_at=now,
            )
            schedule(delivery)


def schedule(delivery):
    """Queue the next attempt of a delivery (also used to redeliver by hand)."""
    run_after = delivery.next_attempt_at or timezone.now()
    deliver.using(run_after=run_after).enqueue(delivery.pk)


def no_longer_applies(delivery):
    """Why a delivery should not be sent after all, or "" to send it."""
    story = Story.objects.filter(pk=delivery.payload["data"]["id"]).first()
    if story is None:
        gone = (Event.UNPUBLISHED, Event.KILLED)
        return "" if delivery.event in gone else "the story was deleted"
    tag_ids = story.tag_links.values_list("tag_id", flat=True)
    if not delivery.endpoint.wants_tags(tag_ids):
        return "the story does not carry the endpoint's tags"
    if delivery.event in (Event.PUBLISHED, *LIVE_EVENTS.values()) and not story.is_live():
        return "the story is not published (any more)"
    entry = delivery.payload["data"].get("entry")
    if entry and not LiveEntry.objects.shown().filter(pk=entry["id"]).exists():
        return "the entry was withdrawn or deleted"
    return ""


def body_of(delivery):
    """The bytes a delivery POSTs: its payload as compact JSON, UTF-8."""
    return json.dumps(delivery.payload, separators=(",", ":")).encode()


def send(url, body, headers):
    """POST one delivery to a vetted address (cms/core/netguard.py); (status or None, error)."""
    try:
        status = netguard.post(url, body, headers, TIMEOUT)
    except netguard.Refused as refused:
        return None, f"refused: {refused}"[:500]
    except (OSError, ValueError) as error:
        return None, str(error)[:500]
    if 300 <= status < 400:
        return status, f"HTTP {status}: redirects are not followed"
    if not 200 <= status < 300:
        return status, f"HTTP {status}"
    return status, ""


@task()
def deliver(delivery_id):
    """Send one delivery; on failure, schedule the next attempt or give up."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return
    reason = no_longer_applies(delivery)
    if reason:
        delivery.status = WebhookDelivery.Status.CANCELLED
        delivery.last_error = reason
        delivery.next_attempt_at = None
        delivery.save()
        return
    body = body_of(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.message_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": sign(delivery.endpoint.secret, delivery.message_id, timestamp, body),
    }
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = send(delivery.endpoint.url, body, headers)
    if delivery.last_status_code is not None and 200 <= delivery.last_status_code < 300:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.delivered_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.save()
        return
    if delivery.attempts > len(BACKOFF):
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
        delivery.save()
        return
    delivery.next_attempt_at = timezone.now() + timedelta(seconds=BACKOFF[delivery.attempts - 1])
    with transaction.atomic():
        delivery.save()
        schedule(delivery)
