"""Two ASGI app processes behind one Redis: an entry a publisher publishes through one
reaches a subscriber of the other, read by a client nobody here wrote (`gql` over the
websockets library, graphql-transport-ws); a graphql-sse stream held by one is driven by
requests to the other."""

import asyncio
import http.client
import http.cookiejar
import json
import re
import time
import urllib.parse
import urllib.request
import uuid

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from cms.stories import live
from tests.factories import make_story, make_user
from tests.servers import servers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SUBSCRIPTION = """subscription($slug: String!) {
  liveEntries(slug: $slug) { change entryId entry { text { html } } } }"""


@pytest.fixture
def shared_services():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: server processes share the database")
    redis_url = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts", [None])[0]
    if not redis_url:
        pytest.skip("needs REDIS_URL: the processes' subscribers hear each other through Redis")
    return {
        "REDIS_URL": redis_url,
        "DJANGO_CACHE_PREFIX": f"test-{uuid.uuid4().hex}",
        "CMS_CHANNEL_PREFIX": f"test-{uuid.uuid4().hex}",
    }


def publisher_session(base, username, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = opener.open(f"{base}/admin/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
    opener.open(
        f"{base}/admin/login/",
        urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": password,
             "next": "/admin/"}
        ).encode(),
    )  # fmt: skip
    csrf = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
    return opener, csrf


def publish_through(base, story_id, username, password, text):
    opener, csrf = publisher_session(base, username, password)
    request = urllib.request.Request(
        f"{base}/admin/cms/story/{story_id}/live/",
        data=json.dumps({"action": "publish", "language": "en", "text": text}).encode(),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf, "Referer": base},
        method="POST",
    )
    with opener.open(request, timeout=10) as response:
        return json.load(response)


async def first_event(url, started):
    from gql import Client, gql
    from gql.transport.websockets import WebsocketsTransport

    transport = WebsocketsTransport(
        url=url, subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
    )
    async with Client(transport=transport) as session:
        request = gql(SUBSCRIPTION)
        request.variable_values = {"slug": "hearing"}
        subscription = session.subscribe(request)
        waiting = asyncio.ensure_future(anext(subscription))
        # The subscription is sent; give it a moment to join the story's group.
        await asyncio.sleep(1)
        started.set()
        return await asyncio.wait_for(waiting, 20)


def test_an_entry_published_through_one_process_reaches_a_subscriber_on_the_other(
    shared_services,
):
    password = uuid.uuid4().hex
    user = make_user("publisher", "Publisher")
    user.set_password(password)
    user.save()
    assert Group.objects.filter(name="Publisher", user=user).exists()
    story = make_story("hearing")
    live.start(story.pk, get_user_model().objects.get(pk=user.pk))

    with servers(2, asgi=True, **shared_services) as (first, second):

        async def scenario():
            started = asyncio.Event()
            receiving = asyncio.ensure_future(
                first_event(second.replace("http", "ws") + "/graphql", started)
            )
            await started.wait()
            answer = await asyncio.to_thread(
                publish_through, first, story.pk, "publisher", password, "Through **one**."
            )
            assert (
                answer["coverage"]["entries"][0]["html"] == "<p>Through <strong>one</strong>.</p>"
            )
            return await receiving

        event = asyncio.run(scenario())["liveEntries"]
    assert event["change"] == "PUBLISHED"
    assert event["entry"]["text"]["html"] == "<p>Through <strong>one</strong>.</p>"


def test_a_single_connection_stream_on_one_process_is_driven_from_the_other(shared_services):
    """graphql-sse's single connection mode across processes: the stream is held by one, the
    reservation's requests reach the other, the entry is published through the other."""
    password = uuid.uuid4().hex
    user = make_user("publisher", "Publisher")
    user.set_password(password)
    user.save()
    story = make_story("hearing")
    live.start(story.pk, get_user_model().objects.get(pk=user.pk))

    with servers(2, asgi=True, **shared_services) as (first, second):
        reserve = urllib.request.Request(f"{first}/graphql", method="PUT")
        with urllib.request.urlopen(reserve, timeout=10) as answer:
            assert answer.status == 201
            token = answer.read().decode()
        host, port = first.removeprefix("http://").split(":")
        stream = http.client.HTTPConnection(host, int(port), timeout=30)
        stream.request(
            "GET",
            "/graphql",
            headers={"Accept": "text/event-stream", "X-GraphQL-Event-Stream-Token": token},
        )
        response = stream.getresponse()
        assert response.status == 200

        start = urllib.request.Request(
            f"{second}/graphql",
            data=json.dumps(
                {"query": SUBSCRIPTION, "variables": {"slug": "hearing"},
                 "extensions": {"operationId": "op-1"}}
            ).encode(),
            headers={"Content-Type": "application/json", "X-GraphQL-Event-Stream-Token": token},
            method="POST",
        )  # fmt: skip
        with urllib.request.urlopen(start, timeout=10) as answer:
            assert answer.status == 202
        time.sleep(1)  # The subscription joins its story's group on the first process.
        publish_through(second, story.pk, "publisher", password, "Across.")

        def next_data():
            event = None
            while True:
                line = response.readline().decode()
                assert line, "the stream ended"
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event:
                    return event, json.loads(line.split(":", 1)[1])

        event, data = next_data()
        assert event == "next" and data["id"] == "op-1"
        assert data["payload"]["data"]["liveEntries"]["entry"]["text"]["html"] == "<p>Across.</p>"

        stop = urllib.request.Request(
            f"{second}/graphql?operationId=op-1",
            headers={"X-GraphQL-Event-Stream-Token": token},
            method="DELETE",
        )
        with urllib.request.urlopen(stop, timeout=10) as answer:
            assert answer.status == 200
        assert next_data() == ("complete", {"id": "op-1"})
        stream.close()
