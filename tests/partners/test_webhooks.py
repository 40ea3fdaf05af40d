"""Signed webhooks: recorded with the change, delivered by the worker, retried on failure."""

import base64
import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms.models import Partner, Story, WebhookDelivery, WebhookEndpoint
from cms.stories import publishing
from tests.factories import make_story, make_tag, review

# The worker closes its database connection after tasks, as a real worker would: these
# tests commit for real instead of running inside one rolled-back transaction.
pytestmark = pytest.mark.django_db(transaction=True)


class Receiver:
    """A partner's endpoint on loopback: records requests, fails the first `failures`."""

    def __init__(self, failures=0):
        self.requests = []
        self.failures = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver.requests.append((headers, body))
                failing = receiver.failures > 0
                receiver.failures -= 1
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def private_targets_allowed(settings):
    """The receiver listens on loopback, which only local development may post to."""
    settings.CMS_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def endpoint_for(url, **fields):
    partner = Partner.objects.create(name="Partner")
    return WebhookEndpoint.objects.create(partner=partner, url=url, **fields)


def verify(secret, headers, body, tolerance=300):
    """An independent Standard Webhooks verifier, as a partner would write it."""
    message_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    assert abs(int(timestamp) - timezone.now().timestamp()) < tolerance
    key = base64.b64decode(secret.split("_", 1)[1])
    expected = base64.b64encode(
        hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    signatures = [part.split(",", 1)[1] for part in headers["webhook-signature"].split(" ")]
    return any(hmac.compare_digest(expected, signature) for signature in signatures)


def work():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def take(step, story, publish_at=None):
    """A workflow step, as the admin or the pipeline takes it."""
    with publishing.change(story) as change:
        change.step(step, publish_at=publish_at)
        story.save()


def publish(story):
    take("publish", story)


def unpublish(story):
    take("unpublish", story)


def edit(story, **fields):
    """Change fields of a story, as an editor's save does."""
    with publishing.change(story):
        for name, value in fields.items():
            setattr(story, name, value)
        story.save()


def test_publishing_sends_a_signed_event_the_receiver_can_verify(receiver):
    endpoint = endpoint_for(receiver.url)
    story = make_story("s", status=Story.Status.DRAFT, hours_ago=None)
    publish(story)
    assert receiver.requests == []  # Nothing is sent during the save.
    work()
    ((headers, body),) = receiver.requests
    assert verify(endpoint.secret, headers, body)
    assert not verify(endpoint.secret, headers, body + b" ")
    payload = json.loads(body)
    assert payload["type"] == "story.published"
    assert payload["data"]["slug"] == "s"
    assert payload["data"]["languages"] == ["en", "zh-hans"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 1, 204)
    assert headers["webhook-id"] == delivery.message_id


def test_updates_and_unpublishing_are_events_too(receiver):
    endpoint_for(receiver.url)
    story = make_story("s", hours_ago=2)
    work()
    edit(story, updated_at=timezone.now())
    work()
    unpublish(story)
    work()
    assert [json.loads(body)["type"] for _h, body in receiver.requests] == [
        "story.published",
        "story.updated",
        "story.unpublished",
    ]


def test_a_failing_receiver_is_retried_with_backoff(receiver):
    receiver.failures = 1
    endpoint_for(receiver.url)
    publish(make_story("s", status=Story.Status.DRAFT, hours_ago=None))
    work()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert timezone.now() + timedelta(seconds=5) < delivery.next_attempt_at
    work()  # The retry is not due yet.
    assert len(receiver.requests) == 1
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    work()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("succeeded", 2, 204)
    assert receiver.requests[0][0]["webhook-id"] == receiver.requests[1][0]["webhook-id"]


def test_a_receiver_that_never_answers_is_given_up_after_about_a_day():
    from cms.partners.webhooks import BACKOFF

    assert 20 * 3600 <= sum(BACKOFF) <= 30 * 3600
    endpoint_for("http://127.0.0.1:9/unreachable")
    publish(make_story("s", status=Story.Status.DRAFT, hours_ago=None))
    for _ in range(len(BACKOFF) + 1):
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
        work()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", len(BACKOFF) + 1)
    assert delivery.last_error


def test_a_rolled_back_change_sends_nothing(receiver):
    endpoint_for(receiver.url)
    story = make_story("s", status=Story.Status.DRAFT, hours_ago=None)
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(story)
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the editor's save failed")
    assert WebhookDelivery.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    work()
    assert receiver.requests == []


def test_endpoints_filter_by_event_language_and_tag(receiver):
    security = make_tag("security", en="Security")
    endpoint_for(receiver.url, events=["story.unpublished"])
    endpoint_for(receiver.url, languages=["zh-hans"])
    tagged = endpoint_for(receiver.url)
    tagged.tags.set([security])
    english = make_story("english", languages=("en",), status=Story.Status.DRAFT, hours_ago=None)
    publish(english)
    both = make_story("both", status=Story.Status.DRAFT, hours_ago=None, tags=[security])
    publish(both)
    work()
    sent = sorted(
        (json.loads(body)["data"]["slug"], h["webhook-id"]) for h, body in receiver.requests
    )
    assert [slug for slug, _id in sent] == ["both", "both"]
    statuses = sorted(WebhookDelivery.objects.values_list("status", flat=True))
    assert statuses == ["cancelled", "succeeded", "succeeded"]


def test_a_publication_undone_before_it_was_sent_is_not_announced(receiver):
    endpoint_for(receiver.url)
    story = make_story("s", status=Story.Status.DRAFT, hours_ago=None)
    publish(story)
    unpublish(story)
    work()
    assert [json.loads(body)["type"] for _h, body in receiver.requests] == ["story.unpublished"]
    cancelled = WebhookDelivery.objects.get(event="story.published")
    assert (cancelled.status, cancelled.last_error) == (
        "cancelled",
        "the story is not published (any more)",
    )


def arrive(story):
    """Let a scheduled story's time come: it passes, and the worker's due tasks run."""
    Story.objects.filter(pk=story.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    work()


def test_a_story_published_for_later_is_announced_when_it_goes_live(receiver):
    endpoint_for(receiver.url)
    story = make_story("later", status=Story.Status.DRAFT, hours_ago=None)
    take("schedule", story, publish_at=timezone.now() + timedelta(hours=2))
    work()
    assert receiver.requests == []
    # Nothing is recorded for partners before readers can see it; the scheduler waits.
    assert not WebhookDelivery.objects.exists()
    scheduled = DBTaskResult.objects.get(status="READY")
    assert scheduled.run_after == story.published_at
    arrive(story)
    assert [json.loads(body)["type"] for _h, body in receiver.requests] == ["story.published"]
    arrive(story)  # Its scheduler running again announces nothing more.
    assert len(receiver.requests) == 1


def clock_reaches(moment):
    """As if the time were `moment`: stories due by then are visible, their tasks run."""
    due = Story.objects.filter(status=Story.Status.PUBLISHED, published_at__lte=moment)
    due.update(published_at=timezone.now() - timedelta(seconds=1))
    DBTaskResult.objects.filter(status="READY", run_after__lte=moment).update(
        run_after=timezone.now()
    )
    work()


def test_nothing_is_sent_for_a_story_readers_have_never_seen(receiver):
    endpoint_for(receiver.url)
    later = timezone.now() + timedelta(hours=2)
    edited = make_story("edited", status=Story.Status.DRAFT, hours_ago=None)
    take("schedule", edited, publish_at=later)
    edit(edited, updated_at=timezone.now(), hot=5)
    rescheduled = make_story("rescheduled", status=Story.Status.DRAFT, hours_ago=None)
    take("schedule", rescheduled, publish_at=later)
    take("schedule", rescheduled, publish_at=later + timedelta(hours=1))
    withdrawn = make_story("withdrawn", status=Story.Status.DRAFT, hours_ago=None)
    take("schedule", withdrawn, publish_at=later)
    unpublish(withdrawn)
    archived = make_story("archived", status=Story.Status.DRAFT, hours_ago=None)
    take("schedule", archived, publish_at=later)
    take("archive", archived)
    draft = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    edit(draft, updated_at=timezone.now())
    take("archive", draft)
    work()
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()
    # At the first time only the edited story goes live: announced as published, once.
    clock_reaches(later)
    assert [
        (json.loads(body)["type"], json.loads(body)["data"]["slug"])
        for _h, body in receiver.requests
    ] == [("story.published", "edited")]
    # The rescheduled story is announced at its new time.
    clock_reaches(later + timedelta(hours=1))
    assert [json.loads(body)["data"]["slug"] for _h, body in receiver.requests] == [
        "edited",
        "rescheduled",
    ]


def test_tags_saved_after_the_story_still_count(receiver):
    security = make_tag("security", en="Security")
    endpoint = endpoint_for(receiver.url)
    endpoint.tags.set([security])
    with transaction.atomic():
        story = make_story("s", status=Story.Status.DRAFT, hours_ago=None)
        publish(story)
        story.tags.add(security)  # As the admin does: tags after the story.
    work()
    assert len(receiver.requests) == 1


def test_the_admin_logs_deliveries_and_redelivers(admin_client, receiver):
    endpoint_for(receiver.url)
    publish(make_story("s", status=Story.Status.DRAFT, hours_ago=None))
    work()
    delivery = WebhookDelivery.objects.get()
    page = admin_client.get("/admin/cms/webhookdelivery/").content.decode()
    assert "story.published" in page and "204" in page
    admin_client.post(
        "/admin/cms/webhookdelivery/", {"action": "redeliver", "_selected_action": [delivery.pk]}
    )
    work()
    assert len(receiver.requests) == 2


def test_workflow_steps_announce_publishing_and_archiving_only(receiver):
    from cms.stories import publishing
    from tests.factories import make_user

    endpoint_for(receiver.url)
    publisher = make_user("publisher", "Publisher")
    story = make_story("s", status=Story.Status.DRAFT, hours_ago=None)
    review(story)
    for step in ("submit", "publish", "archive", "restore"):
        publishing.take(step, story, publisher)
        work()
    assert [json.loads(body)["type"] for _h, body in receiver.requests] == [
        "story.published",
        "story.unpublished",
    ]


def test_deleting_a_live_story_in_the_admin_announces_it_left_and_a_draft_says_nothing(
    admin_client, receiver
):
    endpoint_for(receiver.url)
    live = make_story("live")
    draft = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    work()
    for story in (live, draft):
        response = admin_client.post(f"/admin/cms/story/{story.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
    work()
    assert [
        (json.loads(body)["type"], json.loads(body)["data"]["slug"])
        for _h, body in receiver.requests
    ] == [("story.published", "live"), ("story.unpublished", "live")]
