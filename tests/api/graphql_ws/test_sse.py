"""Subscriptions over Server-Sent Events (the graphql-sse protocol's distinct connections
mode), through the ASGI application: the same subscription as over WebSocket (pushed
changes, resuming after the last entry seen, visibility, a key's languages), and every bad
request answered with the protocol's clear error, never a 500."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import HttpCommunicator

from api.asgi import application
from cms.models import ApiKey, Partner, Story
from cms.stories import live
from tests.api.graphql_ws.scenarios import publish, run
from tests.api.graphql_ws.sse_client import EventStream, joined
from tests.factories import make_story

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIPTION = """subscription($slug: String!, $after: ID, $language: String) {
  liveEntries(slug: $slug, after: $after, language: $language) {
    change entryId entry { id language text { html } correction }
  }
}"""


async def subscribed(variables, method="POST", story=None, **options):
    stream = EventStream({"query": SUBSCRIPTION, "variables": variables}, method=method, **options)
    assert await stream.start() == 200
    assert stream.headers["content-type"] == "text/event-stream; charset=utf-8"
    if story is not None:
        # The subscription joins its story's group before anything is published.
        await joined(story.pk)
    return stream


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_published_corrected_and_withdrawn_entries_are_streamed(story, publisher, method):
    async def scenario():
        stream = await subscribed({"slug": "hearing"}, method=method, story=story)
        entry = await publish(story, publisher, "The hearing **opens**.")
        event = (await stream.next())["data"]["liveEntries"]
        assert event["change"] == "PUBLISHED"
        assert event["entry"]["text"]["html"] == "<p>The hearing <strong>opens</strong>.</p>"

        await database_sync_to_async(live.correct)(
            story.pk, publisher, entry.pk, text="The hearing opened.", note="Tense."
        )
        corrected = (await stream.next())["data"]["liveEntries"]
        assert (corrected["change"], corrected["entry"]["correction"]) == ("CORRECTED", "Tense.")

        await database_sync_to_async(live.withdraw)(story.pk, publisher, entry.pk)
        withdrawn = (await stream.next())["data"]["liveEntries"]
        assert withdrawn == {"change": "WITHDRAWN", "entryId": str(entry.pk), "entry": None}
        await stream.close()

    run(scenario)


def test_a_reconnect_with_the_last_entry_seen_gets_what_it_missed_once(story, publisher):
    async def scenario():
        stream = await subscribed({"slug": "hearing"}, story=story)
        first = await publish(story, publisher, "one")
        seen = (await stream.next())["data"]["liveEntries"]["entryId"]
        assert seen == str(first.pk)
        await stream.close()

        await publish(story, publisher, "two")
        await publish(story, publisher, "three")

        again = await subscribed({"slug": "hearing", "after": seen}, story=story)
        missed = [(await again.next())["data"]["liveEntries"] for _ in range(2)]
        assert [m["entry"]["text"]["html"] for m in missed] == ["<p>two</p>", "<p>three</p>"]
        await again.nothing_more()
        fourth = await publish(story, publisher, "four")
        assert (await again.next())["data"]["liveEntries"]["entryId"] == str(fourth.pk)
        await again.nothing_more()
        await again.close()

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
        refused = await subscribed({"slug": "secret"})
        answer = await refused.next()
        assert answer["errors"][0]["message"] == "There is no story “secret” readers can see."
        assert await refused.event() == ("complete", None)
        assert await refused.event() is None  # The stream ends.

        watching = await subscribed({"slug": "visible"}, story=visible)
        await publish(secret, publisher, "embargoed words")
        await watching.nothing_more()
        await watching.close()

    run(scenario)


def test_a_key_in_the_authorization_header_holds_its_languages(story, publisher):
    partner = Partner.objects.create(name="P")
    _key, secret = ApiKey.issue(partner=partner, name="k", scopes=["read"], languages=["zh-hans"])

    async def scenario():
        stream = await subscribed(
            {"slug": "hearing", "language": "zh-hans"},
            story=story,
            headers=[("Authorization", f"Bearer {secret}")],
        )
        await publish(story, publisher, "in English")
        await stream.nothing_more()
        chinese = await publish(story, publisher, "中文条目", "zh-hans")
        event = (await stream.next())["data"]["liveEntries"]
        assert (event["entryId"], event["entry"]["language"]) == (str(chinese.pk), "zh-hans")
        await stream.close()

    run(scenario)


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        ("Bearer ak_nope_nope", "This API key is not valid"),
        ("Basic dXNlcjpwYXNz", "Send your API key as `Authorization: Bearer <key>`."),
    ],
)
def test_a_bad_key_gets_an_error_event_and_the_stream_ends(story, authorization, message):
    async def scenario():
        stream = await subscribed({"slug": "hearing"}, headers=[("Authorization", authorization)])
        (error,) = (await stream.next())["errors"]
        assert message in error["message"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED"
        assert await stream.event() == ("complete", None)
        assert await stream.event() is None

    run(scenario)


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            {"query": "{ stories { edges { node { slug } } } }"},
            "Only subscriptions are served here",
        ),
        (
            {"query": "subscription A { liveEntries(slug: \"hearing\") { change } }",
             "operationName": "B"},
            "Unknown operation named “B”.",
        ),
        ({"query": "subscription {"}, "Syntax Error"),
        ({"query": "subscription { nothingHere }"}, "Cannot query field 'nothingHere'"),
        ({"query": SUBSCRIPTION, "variables": {"slug": "hearing", "after": "abc"}},
         "`after` must be the `id` of a live entry"),
        ({"query": SUBSCRIPTION, "variables": {"slug": "hearing", "language": "fr"}},
         "Unsupported language “fr”"),
        ({"query": SUBSCRIPTION, "variables": {}}, "Variable '$slug' has invalid value"),
    ],
    ids=["query", "unknown-operation", "syntax", "unknown-field", "after", "language", "vars"],
)  # fmt: skip
def test_a_request_that_cannot_run_gets_an_error_event(story, request_, message):
    async def scenario():
        stream = EventStream(request_)
        assert await stream.start() == 200
        answer = await stream.next()
        assert answer.get("data") is None
        assert message in answer["errors"][0]["message"]
        assert await stream.event() == ("complete", None)
        assert await stream.event() is None

    run(scenario)


@pytest.mark.parametrize(
    ("options", "status", "message"),
    [
        ({"body": b"{not json"}, 400, "The request body is not valid JSON."),
        ({"body": b"[1, 2]"}, 400, "The request body must be a JSON object."),
        ({"body": b'{"variables": {}}'}, 400, "`query` must be a string."),
        ({"body": b'{"query": "subscription { x }", "variables": [1]}'}, 400,
         "`variables` must be an object."),
        ({"body": b'{"query": "subscription { x }", "operationName": 5}'}, 400,
         "`operationName` must be a string."),
        ({"body": b"x" * 70000}, 413, "The request body is larger than"),
        ({"body": b"{}", "method": "PUT"}, 405, "Subscribe with POST or GET."),
        ({"body": b"{}", "method": "DELETE"}, 405, "Subscribe with POST or GET."),
        ({"payload": {"query": "subscription { x }", "variables": "{nope"}, "method": "GET"},
         400, "`variables` is not valid JSON."),
        ({"body": b"{}", "headers": [("Content-Type", "text/plain")]}, 415,
         "Send GraphQL requests as application/json."),
    ],
    ids=["json", "array", "no-query", "variables", "operation-name", "too-large", "put",
         "delete", "get-variables", "media-type"],
)  # fmt: skip
def test_a_request_that_is_not_a_graphql_request_is_refused_in_json(options, status, message):
    headers = options.pop("headers", [])

    async def scenario():
        stream = EventStream(**options, headers=headers)
        assert await stream.start() == status
        assert stream.headers["content-type"] == "application/json"
        body = await stream.body()
        (error,) = json.loads(body)["errors"]
        assert message in error["message"]

    run(scenario)


def test_errors_are_in_the_caller_s_language(story):
    async def scenario():
        stream = EventStream(
            {"query": "{ stories { edges { node { slug } } } }"},
            headers=[("Accept-Language", "zh-CN")],
        )
        assert await stream.start() == 200
        assert "订阅" in (await stream.next())["errors"][0]["message"]

    run(scenario)


def test_other_requests_for_graphql_still_reach_the_http_api(story):
    async def scenario():
        query = "query=%7B%20story(slug%3A%20%22hearing%22)%20%7B%20liveStatus%20%7D%20%7D"
        communicator = HttpCommunicator(
            application, "GET", f"/graphql?{query}", headers=[(b"host", b"127.0.0.1")]
        )
        response = await communicator.get_response(timeout=10)
        assert response["status"] == 200
        assert json.loads(response["body"])["data"] == {"story": {"liveStatus": "LIVE"}}

    run(scenario)
