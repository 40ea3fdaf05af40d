"""Subscriptions over a real WebSocket (graphql-transport-ws, through the ASGI application):
entries pushed as they are published, corrected and withdrawn; a reconnect with the last
entry seen gets what it missed and nothing twice; a draft's or embargoed story's entries
never reach a subscriber; a key's languages hold; only subscriptions are served."""

import asyncio
import json
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from api.asgi import application
from cms.disclosure import rules as disclosure
from cms.models import ApiKey, Partner, Story
from cms.stories import live
from tests.api.graphql_ws.scenarios import publish, run
from tests.factories import make_story

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIPTION = """subscription($slug: String!, $after: ID, $language: String) {
  liveEntries(slug: $slug, after: $after, language: $language) {
    change entryId entry { id language text { html } correction }
  }
}"""
WAIT = 10


class Client:
    """A graphql-transport-ws client over channels' WebsocketCommunicator."""

    def __init__(self, headers=()):
        self.socket = WebsocketCommunicator(
            application, "/graphql", subprotocols=["graphql-transport-ws"], headers=headers
        )

    async def open(self, payload=None):
        connected, protocol = await self.socket.connect(timeout=WAIT)
        assert connected and protocol == "graphql-transport-ws"
        await self.socket.send_json_to({"type": "connection_init", "payload": payload or {}})
        return await self.socket.receive_output(timeout=WAIT)

    async def subscribe(self, variables, query=SUBSCRIPTION, operation_id="1"):
        await self.socket.send_json_to(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables},
            }
        )

    async def receive(self):
        message = await self.socket.receive_json_from(timeout=WAIT)
        return message

    async def nothing_more(self):
        assert await self.socket.receive_nothing(timeout=0.5)

    async def close(self):
        await self.socket.disconnect()


async def subscribed(variables, **options):
    client = Client(**options)
    ack = await client.open()
    assert ack["type"] == "websocket.send" and json.loads(ack["text"])["type"] == "connection_ack"
    await client.subscribe(variables)
    # The subscription joins its story's group before anything is published.
    await asyncio.sleep(0.3)
    return client


def test_published_corrected_and_withdrawn_entries_are_pushed(story, publisher):
    async def scenario():
        client = await subscribed({"slug": "hearing"})
        entry = await publish(story, publisher, "The hearing **opens**.")
        published = await client.receive()
        assert published["type"] == "next"
        event = published["payload"]["data"]["liveEntries"]
        assert event["change"] == "PUBLISHED"
        assert event["entry"]["text"]["html"] == "<p>The hearing <strong>opens</strong>.</p>"

        await database_sync_to_async(live.correct)(
            story.pk, publisher, entry.pk, text="The hearing opened.", note="Tense."
        )
        corrected = (await client.receive())["payload"]["data"]["liveEntries"]
        assert (corrected["change"], corrected["entry"]["correction"]) == ("CORRECTED", "Tense.")

        await database_sync_to_async(live.withdraw)(story.pk, publisher, entry.pk)
        withdrawn = (await client.receive())["payload"]["data"]["liveEntries"]
        assert withdrawn == {"change": "WITHDRAWN", "entryId": str(entry.pk), "entry": None}
        await client.close()

    run(scenario)


def test_a_reconnect_with_the_last_entry_seen_gets_what_it_missed_once(story, publisher):
    async def scenario():
        client = await subscribed({"slug": "hearing"})
        first = await publish(story, publisher, "one")
        seen = (await client.receive())["payload"]["data"]["liveEntries"]["entryId"]
        assert seen == str(first.pk)
        await client.close()

        await publish(story, publisher, "two")
        await publish(story, publisher, "three")

        again = await subscribed({"slug": "hearing", "after": seen})
        missed = [(await again.receive())["payload"]["data"]["liveEntries"] for _ in range(2)]
        assert [m["entry"]["text"]["html"] for m in missed] == ["<p>two</p>", "<p>three</p>"]
        await again.nothing_more()
        fourth = await publish(story, publisher, "four")
        newest = (await again.receive())["payload"]["data"]["liveEntries"]
        assert newest["entryId"] == str(fourth.pk)
        await again.nothing_more()
        await again.close()

    run(scenario)


def test_without_after_only_new_changes_are_sent(story, publisher):
    live.publish(story.pk, publisher, language="en", text="before subscribing")

    async def scenario():
        client = await subscribed({"slug": "hearing"})
        await client.nothing_more()
        newer = await publish(story, publisher, "after subscribing")
        event = (await client.receive())["payload"]["data"]["liveEntries"]
        assert event["entryId"] == str(newer.pk)
        await client.close()

    run(scenario)


@pytest.mark.parametrize(
    "hidden",
    [{"status": Story.Status.DRAFT, "hours_ago": None}, {"hours_ago": -5}],
    ids=["draft", "embargoed"],
)
def test_a_draft_or_embargoed_story_s_entries_never_reach_a_subscriber(publisher, hidden):
    visible = make_story("visible")
    live.start(visible.pk, publisher)
    secret = make_story("secret", **hidden)
    live.start(secret.pk, publisher)

    async def scenario():
        client = Client()
        await client.open()
        await client.subscribe({"slug": "secret"})
        refused = await client.receive()
        assert refused["type"] == "error" or refused["payload"].get("errors")
        assert "no story “secret” readers can see" in json.dumps(refused, ensure_ascii=False)

        watching = await subscribed({"slug": "visible"})
        await publish(secret, publisher, "embargoed words")
        await watching.nothing_more()
        await client.close()
        await watching.close()

    run(scenario)


def test_a_story_unpublished_while_subscribed_sends_nothing_more(story, publisher):
    async def scenario():
        client = await subscribed({"slug": "hearing"})
        await database_sync_to_async(
            lambda: Story.objects.filter(pk=story.pk).update(status=Story.Status.DRAFT)
        )()
        await publish(story, publisher, "after unpublishing")
        await client.nothing_more()
        await client.close()

    run(scenario)


def test_a_key_s_languages_hold_for_events(story, publisher):
    partner = Partner.objects.create(name="P")
    _key, secret = ApiKey.issue(partner=partner, name="k", scopes=["read"], languages=["zh-hans"])

    async def scenario():
        client = Client()
        ack = await client.open({"authorization": f"Bearer {secret}"})
        assert json.loads(ack["text"])["type"] == "connection_ack"
        await client.subscribe({"slug": "hearing", "language": "zh-hans"})
        await asyncio.sleep(0.3)
        await publish(story, publisher, "in English")
        await client.nothing_more()
        chinese = await publish(story, publisher, "中文条目", "zh-hans")
        event = (await client.receive())["payload"]["data"]["liveEntries"]
        assert (event["entryId"], event["entry"]["language"]) == (str(chinese.pk), "zh-hans")
        await client.close()

    run(scenario)


def test_a_bad_key_is_refused_at_connection(story):
    async def scenario():
        client = Client()
        closed = await client.open({"authorization": "Bearer ak_nope_nope"})
        assert closed == {"type": "websocket.close", "code": 4403, "reason": "Forbidden"}

    run(scenario)


def test_queries_are_sent_over_http_not_websocket(story):
    async def scenario():
        client = Client()
        await client.open()
        await client.subscribe({}, query="{ stories { edges { node { slug } } } }")
        refused = await client.receive()
        assert "Only subscriptions are served here" in json.dumps(refused)
        await client.close()

    run(scenario)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_subscription_sent_over_http_is_told_where_subscriptions_are(client, method):
    document = 'subscription { liveEntries(slug: "hearing") { change } }'
    if method == "get":
        response = client.get("/graphql", {"query": document})
    else:
        response = client.post(
            "/graphql", json.dumps({"query": document}), content_type="application/json"
        )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert "Subscriptions are served at /graphql over WebSocket" in error["message"]
    assert "`Accept: text/event-stream`" in error["message"]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"slug": "hearing", "after": "abc"}, "`after` must be the `id` of a live entry"),
        ({"slug": "hearing", "language": "fr"}, "Unsupported language “fr”"),
        ({"slug": "nowhere"}, "There is no story “nowhere” readers can see."),
    ],
)
def test_bad_subscription_arguments_get_a_clear_error(story, variables, message):
    async def scenario():
        client = Client()
        await client.open()
        await client.subscribe(variables)
        answer = await client.receive()
        assert message in json.dumps(answer, ensure_ascii=False)
        await client.close()

    run(scenario)


SHOWN = """subscription($slug: String!) {
  liveEntries(slug: $slug) { change entry { text { text } disclosure { grade } } }
}"""


def test_readers_alike_share_one_answer_and_each_audience_reads_its_own(story, publisher):
    """A thousand readers of a story cost one execution per event, not a thousand; a key
    without the full_text right still reads no entry text."""
    partner = Partner.objects.create(name="P")
    _key, secret = ApiKey.issue(partner=partner, name="k", scopes=["read"])
    executions = []
    of_entry = disclosure.of_entry

    def counted(entry):
        executions.append(entry.pk)
        return of_entry(entry)

    async def reader(payload=None):
        client = Client()
        await client.open(payload)
        await client.subscribe({"slug": "hearing"}, query=SHOWN)
        return client

    async def scenario():
        readers = [await reader() for _ in range(4)]
        summary_only = await reader({"authorization": f"Bearer {secret}"})
        await asyncio.sleep(0.5)
        with mock.patch.object(disclosure, "of_entry", counted):
            entry = await publish(story, publisher, "The vote is **in**.")
            answers = [await client.receive() for client in readers]
            partners = await summary_only.receive()
        assert {json.dumps(answer["payload"]) for answer in answers} == {
            json.dumps(
                {
                    "data": {
                        "liveEntries": {
                            "change": "PUBLISHED",
                            "entry": {
                                "text": {"text": "The vote is in."},
                                "disclosure": {"grade": "HUMAN"},
                            },
                        }
                    }
                }
            )
        }
        assert partners["payload"]["data"]["liveEntries"]["entry"]["text"] is None
        # Once for the readers, once for the partner's key: two audiences.
        assert executions == [entry.pk, entry.pk]
        for client in [*readers, summary_only]:
            await client.close()

    run(scenario)
