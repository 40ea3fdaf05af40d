"""graphql-sse's single connection mode: a reserved stream carries several subscriptions,
started and stopped by plain requests, their events tagged with each operation's id; every
request that cannot be served gets a clear error."""

import asyncio
import json

import pytest

from tests.api.graphql_ws.scenarios import publish, run
from tests.api.graphql_ws.sse_client import EventStream, joined

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIPTION = """subscription($slug: String!, $language: String) {
  liveEntries(slug: $slug, language: $language) { change entryId entry { language } } }"""


async def request(method, token=None, body=None, query_string=b"", accept="*/*"):
    headers = [("X-GraphQL-Event-Stream-Token", token)] if token else []
    answer = EventStream(
        method=method, body=body, headers=headers, accept=accept, query_string=query_string
    )
    status = await answer.start()
    return status, await answer.body()


async def reserve():
    status, token = await request("PUT")
    assert status == 201
    return token.decode()


async def start(token, operation_id, language):
    body = json.dumps(
        {
            "query": SUBSCRIPTION,
            "variables": {"slug": "hearing", "language": language},
            "extensions": {"operationId": operation_id},
        }
    ).encode()
    return await request("POST", token, body)


def test_one_stream_carries_several_subscriptions_each_by_its_id(story, publisher):
    async def scenario():
        token = await reserve()
        stream = EventStream(method="GET", headers=[("X-GraphQL-Event-Stream-Token", token)])
        assert await stream.start() == 200
        assert await start(token, "en-op", "en") == (202, b"")
        assert await start(token, "zh-op", "zh-hans") == (202, b"")
        # One stream, one channel in the story's group, whatever its operations.
        await joined(story.pk, members=1)
        await asyncio.sleep(0.5)  # The second operation joins its story's group too.

        english = await publish(story, publisher, "In English.", "en")
        chinese = await publish(story, publisher, "中文。", "zh-hans")
        events = [await stream.next(), await stream.next()]
        by_id = {event["id"]: event["payload"]["data"]["liveEntries"] for event in events}
        assert by_id["en-op"]["entryId"] == str(english.pk)
        assert by_id["zh-op"]["entryId"] == str(chinese.pk)

        # Stopping one ends it with `complete`; the other goes on.
        assert await request("DELETE", token, query_string=b"operationId=en-op") == (200, b"")
        assert await stream.event() == ("complete", {"id": "en-op"})
        await publish(story, publisher, "Nobody listens in English.", "en")
        later = await publish(story, publisher, "还有人听。", "zh-hans")
        event = await stream.next()
        assert (event["id"], event["payload"]["data"]["liveEntries"]["entryId"]) == (
            "zh-op",
            str(later.pk),
        )
        await stream.close()

        # The reservation ends with its stream.
        status, body = await start(token, "again", "en")
        assert status == 404 and b"reserve one with PUT" in body

    run(scenario)


def test_a_reservation_holds_one_stream_at_a_time(story):
    async def scenario():
        token = await reserve()
        first = EventStream(method="GET", headers=[("X-GraphQL-Event-Stream-Token", token)])
        assert await first.start() == 200
        second = EventStream(method="GET", headers=[("X-GraphQL-Event-Stream-Token", token)])
        assert await second.start() == 409
        assert b"already open" in await second.body()
        await first.close()

    run(scenario)


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"query": SUBSCRIPTION, "variables": {"slug": "hearing"}}, 400,
         "Name the operation in `extensions.operationId`."),
        ({"query": "{ stories { edges { node { slug } } } }",
          "extensions": {"operationId": "q"}}, 400, "Only subscriptions are served here"),
        ({"query": "subscription {", "extensions": {"operationId": "s"}}, 400, "Syntax Error"),
    ],
    ids=["no-operation-id", "query", "syntax"],
)  # fmt: skip
def test_an_operation_that_cannot_start_is_refused_on_its_own_request(story, body, status, message):
    async def scenario():
        token = await reserve()
        stream = EventStream(method="GET", headers=[("X-GraphQL-Event-Stream-Token", token)])
        assert await stream.start() == 200
        answered, text = await request("POST", token, json.dumps(body).encode())
        assert answered == status
        assert message in json.loads(text)["errors"][0]["message"]
        await stream.close()

    run(scenario)


def test_requests_without_a_reservation_are_told_to_make_one(story):
    async def scenario():
        status, body = await request("DELETE", "nope", query_string=b"operationId=x")
        assert status == 404 and b"reserve one with PUT" in body
        stream = EventStream(method="GET", headers=[("X-GraphQL-Event-Stream-Token", "nope")])
        assert await stream.start() == 404
        status, body = await request("PUT", accept="*/*")
        assert status == 201

    run(scenario)


def test_a_bad_key_is_refused_when_reserving(story):
    async def scenario():
        answer = EventStream(
            method="PUT", headers=[("Authorization", "Bearer ak_nope")], accept="*/*"
        )
        assert await answer.start() == 401
        assert b"This API key is not valid" in await answer.body()

    run(scenario)
