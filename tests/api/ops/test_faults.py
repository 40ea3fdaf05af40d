"""PostgreSQL or Redis going away: clear 503s, cached answers still served, views still
counted, recovery without a restart."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from cms.models import StoryActivity
from tests.factories import make_story
from tests.proxy import Proxy
from tests.servers import database_url_for, servers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the fault is the database server going away")


def fetch(base, query, fresh=False):
    url = f"{base}/graphql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Cache-Control": "no-cache"} if fresh else {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, json.load(error), time.monotonic() - started


def test_with_postgresql_down_requests_fail_fast_with_503_and_recover(postgres, tmp_path):
    make_story("s", languages=("en",), title_en="Still here")
    proxy = Proxy(int(connection.settings_dict.get("PORT") or 5432)).start()
    env = {"REDIS_URL": "redis://127.0.0.1:6379/15", "DJANGO_CACHE_PREFIX": uuid.uuid4().hex}
    page = '{ story(slug: "s") { title } }'
    try:
        with servers(1, database_url=database_url_for(proxy.port), **env) as (base,):
            status, body, _took = fetch(base, page)
            assert (status, body["data"]) == (200, {"story": {"title": "Still here"}})
            proxy.stop()
            status, body, took = fetch(base, page, fresh=True)
            assert status == 503
            assert body["errors"][0]["extensions"] == {"code": "SERVICE_UNAVAILABLE"}
            assert took < 2.5
            cached_status, cached, _took = fetch(base, page)
            assert cached_status == 200
            assert cached["data"] == {"story": {"title": "Still here"}}
            proxy.start()
            status, body, _took = fetch(base, page, fresh=True)
            assert status == 200
            assert body["data"] == {"story": {"title": "Still here"}}
    finally:
        proxy.stop()


def test_with_redis_down_the_api_serves_without_the_cache_and_logs_it(postgres, tmp_path):
    make_story("s", languages=("en",), title_en="Served anyway")
    proxy = Proxy(6379).start()
    log = tmp_path / "server.log"
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{proxy.port}/15",
        "DJANGO_CACHE_PREFIX": uuid.uuid4().hex,
    }
    page = '{ story(slug: "s") { title } }'
    try:
        with open(log, "w") as handle, servers(1, log=handle, **env) as (base,):
            assert fetch(base, page)[0] == 200
            proxy.stop()
            for _ in range(3):
                status, body, took = fetch(base, page)
                assert status == 200
                assert body["data"] == {"story": {"title": "Served anyway"}}
                assert took < 3
            proxy.start()
            assert fetch(base, page)[0] == 200
        assert "Redis unavailable" in log.read_text()
    finally:
        proxy.stop()


def record_view(base):
    request = urllib.request.Request(
        f"{base}/graphql",
        json.dumps({"query": 'mutation { recordView(slug: "s") { viewCount } }'}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]["recordView"]["viewCount"]


def test_with_redis_down_views_are_counted_in_the_database_and_none_is_lost(postgres):
    story = make_story("s", languages=("en",))
    proxy = Proxy(6379).start()
    env = {
        "REDIS_URL": f"redis://127.0.0.1:{proxy.port}/15",
        "DJANGO_CACHE_PREFIX": uuid.uuid4().hex,
        "CMS_COUNTERS_FLUSH_SECONDS": "1",
    }
    try:
        with servers(1, **env) as (base,):
            assert [record_view(base) for _ in range(3)] == [1, 2, 3]  # In Redis.
            proxy.stop()
            # Counted in the database, which has none of the three yet.
            assert [record_view(base) for _ in range(2)] == [1, 2]
            story.refresh_from_db()
            assert story.view_count == 2
            proxy.start()
            assert record_view(base) == 4  # Redis kept its three.
            time.sleep(2.5)
            shared = {
                "BACKEND": "api.caching.backend.ResilientRedisCache",
                "LOCATION": env["REDIS_URL"],
                "KEY_PREFIX": env["DJANGO_CACHE_PREFIX"],
            }
            with override_settings(CACHES={"default": shared}):
                call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
            story.refresh_from_db()
            assert story.view_count == 6
            assert StoryActivity.objects.get(story=story).views == 6
            assert record_view(base) == 7
    finally:
        proxy.stop()


def test_reads_go_on_from_the_primary_while_the_replica_is_stopped(postgres):
    """The replica is the test database behind a proxy that is cut under load and restored:
    every read answers 200, none waits for the replica."""
    make_story("s", languages=("en",), title_en="Read on")
    replica = Proxy(int(connection.settings_dict.get("PORT") or 5432)).start()
    env = {
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "DJANGO_CACHE_PREFIX": uuid.uuid4().hex,
        "DATABASE_REPLICA_URLS": database_url_for(replica.port),
        "DJANGO_CONN_MAX_AGE": "60",
        "CMS_REPLICA_RECHECK_SECONDS": "1",
        # One reader asks many times in a few seconds: not a rate-limit test.
        "CMS_RATE_LIMIT": "1000000",
    }
    page = '{ story(slug: "s") { title } }'
    statuses = []
    try:
        with servers(1, **env) as (base,):
            for phase in ("up", "down", "up again"):
                if phase == "down":
                    replica.stop()
                elif phase == "up again":
                    replica.start()
                ends = time.monotonic() + 2.5
                while time.monotonic() < ends:
                    status, body, took = fetch(base, page, fresh=True)
                    statuses.append((phase, status))
                    assert (status, body.get("data")) == (200, {"story": {"title": "Read on"}})
                    assert took < 2.5
            assert {phase for phase, _ in statuses} == {"up", "down", "up again"}
    finally:
        replica.stop()
