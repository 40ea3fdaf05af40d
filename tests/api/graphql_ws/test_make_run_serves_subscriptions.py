"""`make run`'s server (`manage.py runserver`, ASGI through daphne) is one process serving the
API, the admin and subscriptions: an entry published in its admin reaches its subscriber
(the in-memory channel layer, no Redis)."""

import asyncio
import json
import urllib.parse
import urllib.request
import uuid

import pytest
from django.db import connection

from cms.stories import live
from tests.api.graphql_ws.test_two_processes import first_event, publish_through
from tests.factories import make_story, make_user
from tests.servers import servers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_runserver_serves_the_api_the_admin_and_subscriptions():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the server process shares the test database")
    password = uuid.uuid4().hex
    user = make_user("publisher", "Publisher")
    user.set_password(password)
    user.save()
    story = make_story("hearing")
    live.start(story.pk, user)

    with servers(1, runserver=True, REDIS_URL="") as (base,):
        query = urllib.parse.urlencode({"query": '{ story(slug: "hearing") { liveStatus } }'})
        with urllib.request.urlopen(f"{base}/graphql?{query}", timeout=10) as response:
            assert json.load(response)["data"]["story"]["liveStatus"] == "LIVE"

        async def scenario():
            started = asyncio.Event()
            receiving = asyncio.ensure_future(
                first_event(base.replace("http", "ws") + "/graphql", started)
            )
            await started.wait()
            await asyncio.to_thread(publish_through, base, story.pk, "publisher", password, "One.")
            return await receiving

        event = asyncio.run(scenario())["liveEntries"]
    assert event["entry"]["text"]["html"] == "<p>One.</p>"
