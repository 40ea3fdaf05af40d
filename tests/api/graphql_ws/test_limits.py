"""Subscriptions count against their caller on both transports: one request of the key's
quota (or the address's rate limit) each, at most so many open at once per key and per
address (across WebSocket and event streams, and across processes through the shared
cache); and a client that goes idle or stops reading is dropped instead of queued for."""

import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from api.asgi import application
from api.graphql_ws import slots
from cms.models import ApiKey, Partner
from tests.api.graphql_ws.scenarios import publish, run
from tests.api.graphql_ws.sse_client import EventStream, joined

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIPTION = """subscription($slug: String!) {
  liveEntries(slug: $slug) { change entryId entry { text { html } } } }"""
WAIT = 10


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


class Socket:
    """A graphql-transport-ws client; answers pings unless told not to."""

    def __init__(self, client=("127.0.0.1", 50000)):
        self.socket = WebsocketCommunicator(
            application, "/graphql", subprotocols=["graphql-transport-ws"]
        )
        self.socket.scope["client"] = client
        self.received = None

    def answer_in_background(self):
        """Keep reading and answering pings while the test does other things."""
        self.received = asyncio.Queue()

        async def read():
            while True:
                message = await self.socket.receive_output(timeout=60)
                if message["type"] == "websocket.send":
                    data = json.loads(message["text"])
                    if data["type"] == "ping":
                        await self.socket.send_json_to({"type": "pong"})
                        continue
                await self.received.put(message)

        self.reader = asyncio.ensure_future(read())
        return self

    async def open(self, payload=None):
        connected, _protocol = await self.socket.connect(timeout=WAIT)
        assert connected
        await self.socket.send_json_to({"type": "connection_init", "payload": payload or {}})
        assert (await self.socket.receive_json_from(timeout=WAIT))["type"] == "connection_ack"
        return self

    async def subscribe(self, operation_id="1", slug="hearing"):
        await self.socket.send_json_to(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": SUBSCRIPTION, "variables": {"slug": slug}},
            }
        )

    async def receive(self, answer_pings=True):
        """The next message that is not a ping (answered), or the close."""
        while True:
            if self.received is not None:
                message = await asyncio.wait_for(self.received.get(), WAIT)
            else:
                message = await self.socket.receive_output(timeout=WAIT)
            if message["type"] == "websocket.close":
                return message
            data = json.loads(message["text"])
            if data["type"] == "ping":
                if answer_pings:
                    await self.socket.send_json_to({"type": "pong"})
                continue
            return data

    async def close(self):
        if self.received is not None:
            self.reader.cancel()
        await self.socket.disconnect()


async def sse(client=("127.0.0.1", 50000), headers=(), **options):
    stream = EventStream(
        {"query": SUBSCRIPTION, "variables": {"slug": "hearing"}},
        client=client,
        headers=headers,
        **options,
    )
    assert await stream.start() == 200
    return stream


def test_an_address_holds_at_most_its_limit_of_subscriptions_on_both_transports(
    story, publisher, settings
):
    settings.CMS_SUBSCRIPTIONS_PER_ADDRESS = 2

    async def scenario():
        socket = await Socket().open()
        await socket.subscribe("1")
        stream = await sse()
        await joined(story.pk, members=2)

        await socket.subscribe("2")
        refused = await socket.receive()
        assert refused["type"] == "error" and refused["id"] == "2"
        assert refused["payload"][0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        assert "at most 2 at once" in refused["payload"][0]["message"]
        third = await sse()
        (error,) = (await third.next())["errors"]
        assert error["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"

        # Another address has its own allowance.
        elsewhere = await sse(client=("192.0.2.7", 40000))
        await joined(story.pk, members=3)

        # Closing one gives its place back.
        await stream.close()
        again = await sse()
        await joined(story.pk, members=3)
        entry = await publish(story, publisher, "Still here.")
        assert (await again.next())["data"]["liveEntries"]["entryId"] == str(entry.pk)
        assert (await socket.receive())["payload"]["data"]["liveEntries"]["entryId"] == str(
            entry.pk
        )
        for open_ in (again, elsewhere):
            await open_.close()
        await socket.close()
        assert await slots.held("ip:127.0.0.1", 2) == 0

    run(scenario)


def test_a_key_s_subscriptions_count_together_wherever_they_come_from(story, settings):
    settings.CMS_SUBSCRIPTIONS_PER_KEY = 2
    partner = Partner.objects.create(name="P")
    _key, secret = ApiKey.issue(partner=partner, name="k", scopes=["read"])
    authorization = [("Authorization", f"Bearer {secret}")]

    async def scenario():
        first = await sse(headers=authorization)
        socket = await Socket(client=("198.51.100.1", 1)).open(
            {"authorization": f"Bearer {secret}"}
        )
        await socket.subscribe("1")
        await joined(story.pk, members=2)
        third = await sse(headers=authorization, client=("203.0.113.9", 2))
        (error,) = (await third.next())["errors"]
        assert error["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        await first.close()
        await socket.close()

    run(scenario)


def test_each_subscription_takes_one_request_of_the_key_s_quota(story, publisher):
    partner = Partner.objects.create(name="P")
    key, secret = ApiKey.issue(partner=partner, name="k", scopes=["read"], per_minute=2)
    authorization = [("Authorization", f"Bearer {secret}")]

    async def scenario():
        socket = await Socket().open({"authorization": f"Bearer {secret}"})
        await socket.subscribe("1")
        stream = await sse(headers=authorization)
        await joined(story.pk, members=2)
        over = await sse(headers=authorization)
        (error,) = (await over.next())["errors"]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert "over its quota" in error["message"]
        await socket.subscribe("2")
        refused = await socket.receive()
        assert refused["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
        await stream.close()
        await socket.close()

    run(scenario)
    assert key.usage.get().requests == 2


def test_a_websocket_that_stops_answering_pings_is_closed(story, publisher, settings):
    settings.CMS_SUBSCRIPTION_PING_SECONDS = 0.3

    async def scenario():
        answering = (await Socket().open()).answer_in_background()
        await answering.subscribe()
        silent = await Socket(client=("192.0.2.1", 1)).open()
        await silent.subscribe()
        await joined(story.pk, members=2)

        first = json.loads((await silent.socket.receive_output(timeout=WAIT))["text"])
        assert first == {"type": "ping"}
        closed = await silent.receive(answer_pings=False)
        assert closed["type"] == "websocket.close" and closed["code"] == 4408

        # Its subscription ended with it; the one that answers is still served.
        await joined(story.pk, members=1, exactly=True)
        await asyncio.sleep(1)
        entry = await publish(story, publisher, "Still live.")
        event = await answering.receive()
        assert event["payload"]["data"]["liveEntries"]["entryId"] == str(entry.pk)
        await answering.close()

    run(scenario)


def test_a_websocket_client_that_stops_reading_is_closed_past_the_bound(story, publisher, settings):
    settings.CMS_SUBSCRIPTION_MAX_PENDING_BYTES = 1500
    text = "A long entry. " * 40

    async def scenario():
        reading = (await Socket().open()).answer_in_background()
        await reading.subscribe()
        stuck = await Socket(client=("192.0.2.1", 1)).open()
        await stuck.subscribe()
        await joined(story.pk, members=2)
        for number in range(4):
            await publish(story, publisher, f"{number} {text}")
            event = await reading.receive()
            assert event["payload"]["data"]["liveEntries"]["change"] == "PUBLISHED"
        # The stuck client read nothing: it was pinged for an acknowledgement and closed
        # once more than the bound went unacknowledged.
        messages = []
        while True:
            message = await stuck.socket.receive_output(timeout=WAIT)
            messages.append(message)
            if message["type"] == "websocket.close":
                break
        assert messages[-1]["code"] == 4413
        assert sum(len(m.get("text", "")) for m in messages) < 1500 + 2 * len(text) + 500
        await reading.close()

    run(scenario)


def test_an_event_stream_sends_a_comment_to_keep_the_connection_open(story, settings):
    settings.CMS_SUBSCRIPTION_PING_SECONDS = 0.2

    async def scenario():
        stream = await sse()
        await asyncio.sleep(0.7)
        await stream.close()
        body = b""
        while not stream.sent.empty():
            body += (await stream.sent.get()).get("body", b"")
        assert body.count(b":\n\n") >= 3

    run(scenario)


def test_an_event_stream_whose_client_stops_reading_is_dropped(story, publisher, settings):
    settings.CMS_SUBSCRIPTION_MAX_PENDING_BYTES = 1500
    text = "A long entry. " * 40

    async def scenario():
        stuck = await sse(blocked=True)
        await joined(story.pk)
        for number in range(4):
            await publish(story, publisher, f"{number} {text}")
            if stuck.task.done():
                break
            await asyncio.sleep(0.2)
        # The server gave up on it: the request ended and its place was given back.
        await asyncio.wait_for(stuck.task, WAIT)
        assert await slots.held("ip:127.0.0.1", 20) == 0

    run(scenario)


def test_behind_a_trusted_proxy_each_forwarded_address_has_its_own_allowance(story, settings):
    settings.CMS_SUBSCRIPTIONS_PER_ADDRESS = 1
    settings.CMS_TRUSTED_PROXY_COUNT = 1
    proxy = ("10.0.0.2", 1)

    async def scenario():
        first = await sse(client=proxy, headers=[("X-Forwarded-For", "198.51.100.4")])
        second = await sse(client=proxy, headers=[("X-Forwarded-For", "198.51.100.5")])
        await joined(story.pk, members=2)
        again = await sse(client=proxy, headers=[("X-Forwarded-For", "198.51.100.4")])
        (error,) = (await again.next())["errors"]
        assert error["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        assert await slots.held("ip:198.51.100.4", 1) == 1
        await first.close()
        await second.close()

    run(scenario)
