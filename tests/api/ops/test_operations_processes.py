"""Operations in real gunicorn processes: metrics added up across processes, readiness as
PostgreSQL goes away and comes back, and JSON logs that name the failed request."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import make_story
from tests.proxy import Proxy
from tests.servers import database_url_for, servers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TOKEN = "scrape-token-for-tests"
PAGE = '{ story(slug: "s") { title } }'


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: gunicorn processes share the test database")


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return (
                response.status,
                dict(response.headers),
                response.read(),
                time.monotonic() - started,
            )
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read(), time.monotonic() - started


def graphql(base, fresh=False):
    url = f"{base}/graphql?" + urllib.parse.urlencode({"query": PAGE})
    return get(url, {"Cache-Control": "no-cache"} if fresh else {})


def samples(base):
    status, _headers, body, _took = get(f"{base}/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def test_metrics_add_up_every_process_sharing_the_multiprocess_folder(postgres, tmp_path):
    make_story("s", languages=("en",))
    env = {
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "CMS_METRICS_TOKEN": TOKEN,
        "DJANGO_CACHE_PREFIX": uuid.uuid4().hex,
    }
    with servers(2, **env) as (first, second):
        assert graphql(first)[0] == 200  # A miss, answered by Django in the first process.
        assert graphql(second)[0] == 200  # A hit, from the fast path of the second.
        for base in (first, second):
            found = samples(base)
            lookups = "cms_response_cache_lookups_total"
            assert found[(lookups, (("result", "miss"), ("served_by", "django")))] == 1
            assert found[(lookups, (("result", "hit"), ("served_by", "fast_path")))] == 1
            labels = (("handler", "graphql"), ("operation", "anonymous"), ("status", "200"))
            assert found[("cms_http_requests_total", labels)] == 2


def test_readyz_follows_postgresql_going_away_and_coming_back(postgres, tmp_path):
    make_story("s", languages=("en",))
    proxy = Proxy(int(connection.settings_dict.get("PORT") or 5432)).start()
    log = tmp_path / "server.log"
    env = {
        "DJANGO_CACHE_PREFIX": uuid.uuid4().hex,
        "DJANGO_LOG_FORMAT": "json",
        # Each probe runs its checks: the test follows the database from one probe to the next.
        "CMS_READYZ_CACHE_SECONDS": "0",
    }
    try:
        with (
            open(log, "w") as handle,
            servers(1, log=handle, database_url=database_url_for(proxy.port), **env) as (base,),
        ):
            status, headers, body, _took = get(f"{base}/readyz")
            assert status == 200, body
            assert headers["Cache-Control"] == "no-store"
            proxy.stop()
            status, _headers, body, took = get(f"{base}/readyz")
            assert status == 503
            assert "database" in json.loads(body)["failed"]
            assert took < 3
            assert get(f"{base}/healthz")[0] == 200
            status, headers, _body, _took = graphql(base, fresh=True)
            assert status == 503
            failed_request = headers["X-Request-ID"]
            proxy.start()
            status, _headers, body, _took = get(f"{base}/readyz")
            assert status == 200, body
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
        (unavailable,) = [line for line in lines if line.get("request_id") == failed_request]
        assert unavailable["logger"] == "django.request"
        assert unavailable["message"] == "Service Unavailable: /graphql"
        assert any(line["message"].startswith("Readiness check database failed") for line in lines)
    finally:
        proxy.stop()
