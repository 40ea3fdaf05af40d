"""Two server processes on one PostgreSQL and Redis: an edit through one is seen by the other,
and views counted through both move one count."""

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from cms.models import StoryActivity
from tests.adminforms import read_form
from tests.factories import make_story
from tests.servers import servers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REDIS_URL = "redis://127.0.0.1:6379/15"
PAGE = '{ story(slug: "robots-fold-laundry", language: "en") { title } }'


@pytest.fixture
def shared_services():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: server processes share the database")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running at 127.0.0.1:6379")
    return {"REDIS_URL": REDIS_URL, "DJANGO_CACHE_PREFIX": f"test-{uuid.uuid4().hex}"}


def read_title(base):
    url = f"{base}/graphql?" + urllib.parse.urlencode({"query": PAGE})
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)["data"]["story"]["title"], response.headers["Cache-Control"]


def admin_session(base, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    login = opener.open(f"{base}/admin/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login).group(1)
    opener.open(
        f"{base}/admin/login/",
        urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "editor", "password": password,
             "next": "/admin/"}
        ).encode(),
    )  # fmt: skip
    return opener


def test_an_edit_saved_through_one_process_is_served_by_the_other(shared_services):
    password = uuid.uuid4().hex
    get_user_model().objects.create_superuser("editor", "e@example.com", password)
    story = make_story("robots-fold-laundry", languages=("en",), title_en="Before")
    with servers(2, **shared_services) as (first, second):
        assert read_title(second)[0] == "Before"
        assert read_title(second)[0] == "Before"
        editor = admin_session(first, password)
        change = f"{first}/admin/cms/story/{story.pk}/change/?language=en"
        form = read_form(editor.open(change).read().decode())
        form["title"] = "After"
        editor.open(change, urllib.parse.urlencode(form).encode()).read()
        assert read_title(second)[0] == "After"
        assert read_title(first)[0] == "After"


def test_rate_limits_are_counted_across_processes(shared_services):
    make_story("robots-fold-laundry", languages=("en",), title_en="Counted")
    statuses = []
    with servers(2, CMS_RATE_LIMIT="4", **shared_services) as (first, second):
        for base in (first, second, first, second, first):
            request = urllib.request.Request(
                f"{base}/graphql?" + urllib.parse.urlencode({"query": PAGE}),
                headers={"Cache-Control": "no-cache"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
    assert statuses == [200, 200, 200, 200, 429]


def test_key_quotas_are_counted_across_processes(shared_services):
    from cms.models import ApiKey, Partner

    make_story("robots-fold-laundry", languages=("en",), title_en="Counted")
    _key, secret = ApiKey.issue(
        partner=Partner.objects.create(name="P"), name="k", scopes=["read"], per_minute=3
    )
    statuses = []
    with servers(2, **shared_services) as (first, second):
        for base in (first, second, first, second):
            request = urllib.request.Request(
                f"{base}/graphql?" + urllib.parse.urlencode({"query": PAGE}),
                headers={"Authorization": f"Bearer {secret}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
    assert statuses == [200, 200, 200, 429]


VIEW = 'mutation { recordView(slug: "robots-fold-laundry") { viewCount } }'
LIST = '{ stories(language: "en") { edges { node { slug viewCount } } } }'


def record_view(base):
    request = urllib.request.Request(
        f"{base}/graphql",
        json.dumps({"query": VIEW}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]["recordView"]["viewCount"]


def read_list(base):
    url = f"{base}/graphql?" + urllib.parse.urlencode({"query": LIST})
    with urllib.request.urlopen(url, timeout=10) as response:
        edges = json.load(response)["data"]["stories"]["edges"]
        return edges[0]["node"]["viewCount"], response.headers["Cache-Status"]


def test_views_counted_through_two_processes_move_one_count_and_reach_the_database(
    shared_services,
):
    story = make_story("robots-fold-laundry", languages=("en",), view_count=40)
    with servers(2, CMS_COUNTERS_FLUSH_SECONDS="1", **shared_services) as (first, second):
        assert read_list(first) == (40, "ainews-origin; fwd=miss; stored")
        counts = [record_view(base) for base in (first, second) * 5]
        assert counts == list(range(41, 51))
        # Both processes answer the list from the response cache, with the current count.
        for base in (first, second):
            views, status = read_list(base)
            assert views == 50
            assert status.startswith("ainews-origin; hit")
        story.refresh_from_db()
        assert story.view_count == 40  # Not flushed yet.
        time.sleep(2.5)  # The last window has ended, and its grace second.
        shared = {
            "BACKEND": "api.caching.backend.ResilientRedisCache",
            "LOCATION": shared_services["REDIS_URL"],
            "KEY_PREFIX": shared_services["DJANGO_CACHE_PREFIX"],
        }
        with override_settings(CACHES={"default": shared}):
            call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        story.refresh_from_db()
        assert story.view_count == 50
        assert StoryActivity.objects.get(story=story).views == 10
        assert record_view(second) == 51
