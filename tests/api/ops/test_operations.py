"""Operations: health probes for load balancers, and Prometheus metrics on a protected /metrics."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import OperationalError, close_old_connections, connection, connections
from django.test import RequestFactory, override_settings
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from api.graphql_http import persisted
from api.graphql_http.fastpath import FastPath
from api.ops import readiness
from api.wsgi import application
from cms.models import Partner, WebhookDelivery, WebhookEndpoint
from cms.partners.webhooks import deliver
from tests.factories import make_story

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-for-tests"
DOCUMENT = "query StoryTitle($slug: String!) { story(slug: $slug) { title } }"
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "api.caching.backend.ResilientRedisCache",
        # A port of this suite's range where nothing listens.
        "LOCATION": "redis://127.0.0.1:9299/2",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture
def registered(tmp_path):
    """StoryTitle is a registered document: its operation name may become a label."""
    (tmp_path / "story_title.graphql").write_text(DOCUMENT, encoding="utf-8")
    persisted.registered.cache_clear()
    with override_settings(GRAPHQL_DOCUMENT_DIRS=[str(tmp_path)]):
        yield
    persisted.registered.cache_clear()


@pytest.fixture
def replica():
    """A `replica_0` alias, as DATABASE_REPLICA_URLS adds one; here the test database's own
    connection serves it (a primary: no replay lag)."""
    with mock.patch.dict(settings.DATABASES, {"replica_0": settings.DATABASES["default"]}):
        connections["replica_0"] = connections["default"]
        try:
            yield "replica_0"
        finally:
            del connections["replica_0"]


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client, **headers):
    return client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}", **headers})


def via_fast_path(params):
    """A GET to /graphql through the WSGI fast path, which must answer it from the cache."""
    environ = RequestFactory().get("/graphql", params).environ

    def django(environ, start_response):
        raise AssertionError("fell through to Django")

    captured = {}

    def start_response(status, headers):
        captured["status"] = status

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        b"".join(FastPath(django)(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return captured["status"]


# Health probes


def test_healthz_answers_ok_without_the_database_or_the_cache(client, django_assert_num_queries):
    with (
        mock.patch("django.core.cache.cache.get", side_effect=AssertionError("cache read")),
        django_assert_num_queries(0),
    ):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["news-api.example.com"])
def test_probes_answer_a_load_balancer_over_plain_http_at_the_instance_address(client):
    for path in ("/healthz", "/readyz"):
        response = client.get(path, headers={"host": "10.0.0.7:8000"})
        assert response.status_code == 200, path
    assert client.get("/graphql", headers={"host": "10.0.0.7:8000"}).status_code == 400


def test_readyz_is_ready_when_database_cache_and_queue_are(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failed"] == []
    assert set(body["checks"]) == {"database", "cache", "task_queue"}
    assert body["checks"]["task_queue"] == {
        "ok": True,
        "backlog": 0,
        "max": 1000,
        "oldest_due_seconds": 0,
        "live_workers": 0,
    }
    assert response["Cache-Control"] == "no-store"


def test_with_the_database_down_readyz_answers_503_naming_it(client):
    down = OperationalError("connection to server failed")
    with mock.patch.object(connection, "cursor", side_effect=down):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert "database" in body["failed"]
    assert "cache" not in body["failed"]
    assert body["checks"]["database"] == {"ok": False}
    assert "connection to server" not in response.content.decode()  # Logged, not shown.
    assert response["Cache-Control"] == "no-store"


def test_a_check_that_raises_anything_is_a_failed_check_never_a_500(client):
    with mock.patch.object(readiness, "shared_cache", side_effect=RuntimeError("surprise")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]


@override_settings(CACHES=UNREACHABLE_REDIS)
def test_with_redis_down_readyz_names_the_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]


@override_settings(CMS_READYZ_MAX_TASK_BACKLOG=2)
def test_a_task_backlog_over_the_limit_is_not_ready(client):
    for delivery_id in (1, 2):
        deliver.enqueue(delivery_id)
    # Tasks waiting for a later time are not a backlog.
    deliver.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(3)
    assert client.get("/readyz").status_code == 200
    deliver.enqueue(4)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["task_queue"]
    queue = response.json()["checks"]["task_queue"]
    assert (queue["ok"], queue["backlog"], queue["max"]) == (False, 3, 2)


@override_settings(CMS_READYZ_MAX_TASK_BACKLOG=0)
def test_a_backlog_limit_of_zero_turns_the_queue_check_off(client):
    deliver.enqueue(1)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert "task_queue" not in response.json()["checks"]


def test_readyz_checks_every_replica(client, replica):
    response = client.get("/readyz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    expected_lag = 0.0 if connection.vendor == "postgresql" else None
    assert checks[replica] == {"ok": True, "lag_seconds": expected_lag}


def test_a_replica_lagging_more_than_allowed_is_not_ready(client, replica):
    if connection.vendor != "postgresql":
        pytest.skip("replica lag is read from PostgreSQL's replay position")
    with (
        mock.patch.object(readiness, "LAG_SQL", "SELECT 42.5"),
        override_settings(CMS_READYZ_MAX_REPLICA_LAG=30),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == [replica]
    assert response.json()["checks"][replica] == {"ok": False, "lag_seconds": 42.5}


def test_a_replica_whose_lag_cannot_be_read_is_named(client, replica):
    if connection.vendor != "postgresql":
        pytest.skip("replica lag is read from PostgreSQL's replay position")
    with mock.patch.object(readiness, "LAG_SQL", "SELECT 1 / 0"):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == [replica]


# /metrics is protected


def test_without_a_token_metrics_do_not_exist_outside_debug(client):
    assert client.get("/metrics").status_code == 404


@override_settings(CMS_METRICS_TOKEN=TOKEN)
def test_with_a_token_metrics_ask_for_it_and_refuse_a_wrong_one(client):
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert scrape(client, authorization="Bearer wrong").status_code == 401
    assert scrape(client, authorization=f"Basic {TOKEN}").status_code == 401
    response = scrape(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"


@override_settings(DEBUG=True)
def test_in_debug_without_a_token_metrics_are_open_to_this_machine_only(client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404
    proxied = client.get("/metrics", headers={"x-forwarded-for": "203.0.113.9"})
    assert proxied.status_code == 404


# What is counted


@override_settings(CMS_METRICS_TOKEN=TOKEN)
def test_a_request_and_cache_hits_are_counted_by_operation_and_status(client, registered):
    make_story("s")
    params = {"query": DOCUMENT, "variables": json.dumps({"slug": "s"})}
    labels = {"handler": "graphql", "operation": "StoryTitle", "status": "200"}
    requests_before = value("cms_http_requests_total", **labels)
    misses_before = value("cms_response_cache_lookups_total", result="miss", served_by="django")
    hits_before = value("cms_response_cache_lookups_total", result="hit", served_by="django")
    fast_before = value("cms_response_cache_lookups_total", result="hit", served_by="fast_path")
    assert client.get("/graphql", params).status_code == 200
    assert client.get("/graphql", params).status_code == 200
    assert via_fast_path(params) == "200 OK"
    assert value("cms_http_requests_total", **labels) == requests_before + 3
    assert (
        value("cms_response_cache_lookups_total", result="miss", served_by="django")
        == misses_before + 1
    )
    assert (
        value("cms_response_cache_lookups_total", result="hit", served_by="django")
        == hits_before + 1
    )
    assert (
        value("cms_response_cache_lookups_total", result="hit", served_by="fast_path")
        == fast_before + 1
    )
    families = {f.name: f for f in text_string_to_metric_families(scrape(client).content.decode())}
    served = {
        (s.labels["operation"], s.labels["status"])
        for s in families["cms_http_requests"].samples
        if s.name == "cms_http_requests_total"
    }
    assert ("StoryTitle", "200") in served


def test_a_post_hit_of_the_fast_path_is_counted_under_the_operation_its_body_names(registered):
    from tests.api.graphql_http.helpers import via_fast_path as through_wsgi

    make_story("s")
    body = {"query": DOCUMENT, "variables": {"slug": "s"}}
    labels = {"handler": "graphql", "operation": "StoryTitle", "status": "200"}
    fast = {"result": "hit", "served_by": "fast_path"}
    through_wsgi(method="POST", body=body, django_may_answer=True)
    requests_before = value("cms_http_requests_total", **labels)
    hits_before = value("cms_response_cache_lookups_total", **fast)
    status, _headers, _body, _queries = through_wsgi(method="POST", body=body)
    assert status == "200 OK"
    assert value("cms_http_requests_total", **labels) == requests_before + 1
    assert value("cms_response_cache_lookups_total", **fast) == hits_before + 1


def test_operations_outside_the_registered_documents_get_fixed_labels(client, registered):
    make_story("s")
    before = {
        name: value("cms_http_requests_total", handler="graphql", operation=name, status="200")
        for name in ("anonymous", "other", "Invented")
    }
    client.get("/graphql", {"query": '{ story(slug: "s") { title } }'})
    named = 'query Invented { story(slug: "s") { title } }'
    client.get("/graphql", {"query": named, "operationName": "Invented"})
    body = json.dumps({"query": "query Invented2 { __typename }", "operationName": "Invented2"})
    client.post("/graphql", body, content_type="application/json")
    after = {
        name: value("cms_http_requests_total", handler="graphql", operation=name, status="200")
        for name in before
    }
    assert after["anonymous"] == before["anonymous"] + 1
    assert after["other"] == before["other"] + 2
    assert after["Invented"] == before["Invented"] == 0


def test_a_named_operation_of_a_registered_document_is_labelled_when_posted(client, registered):
    make_story("s")
    labels = {"handler": "graphql", "operation": "StoryTitle", "status": "200"}
    before = value("cms_http_requests_total", **labels)
    body = json.dumps({"query": DOCUMENT, "variables": {"slug": "s"}})
    assert client.post("/graphql", body, content_type="application/json").status_code == 200
    assert value("cms_http_requests_total", **labels) == before + 1


def test_database_time_is_measured_per_request(client):
    make_story("s")
    queries_before = value("cms_http_request_db_queries_sum", handler="graphql")
    count_before = value("cms_http_request_db_seconds_count", handler="graphql")
    seconds_before = value("cms_http_request_db_seconds_sum", handler="graphql")
    client.get("/graphql", {"query": '{ story(slug: "s") { title tags { name } } }'})
    assert value("cms_http_request_db_seconds_count", handler="graphql") == count_before + 1
    assert value("cms_http_request_db_queries_sum", handler="graphql") >= queries_before + 2
    assert value("cms_http_request_db_seconds_sum", handler="graphql") > seconds_before


def test_feeds_and_the_admin_are_counted_under_their_own_handler(client):
    before = value("cms_http_requests_total", handler="feeds", operation="", status="200")
    assert client.get("/feeds/en/rss.xml").status_code == 200
    assert value("cms_http_requests_total", handler="feeds", operation="", status="200") == (
        before + 1
    )


@override_settings(CMS_METRICS_TOKEN=TOKEN)
def test_scrapes_report_the_task_queue_and_webhook_backlog(client):
    endpoint = WebhookEndpoint.objects.create(
        partner=Partner.objects.create(name="Partner"), url="https://partner.example/hooks"
    )
    for minutes in (-3, 10):
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            message_id=f"msg_{minutes}",
            event="story.published",
            payload={},
            next_attempt_at=timezone.now() + timedelta(minutes=minutes),
        )
    deliver.enqueue(1)
    deliver.enqueue(2)
    deliver.using(run_after=timezone.now() + timedelta(minutes=5)).enqueue(3)
    text = scrape(client).content.decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    labels = (("queue", "default"), ("task", "cms.partners.webhooks.deliver"))
    assert samples[("cms_task_queue_ready", labels)] == 2
    assert samples[("cms_task_queue_scheduled", labels)] == 1
    assert samples[("cms_task_queue_oldest_due_seconds", labels)] >= 0
    assert samples[("cms_webhook_deliveries_pending", ())] == 2
    assert samples[("cms_webhook_deliveries_due", ())] == 1
    assert 170 < samples[("cms_webhook_oldest_due_seconds", ())] < 400
    assert "cms_http_request_duration_seconds" in text


@override_settings(CMS_METRICS_TOKEN=TOKEN)
def test_with_the_database_down_a_scrape_still_answers_without_the_queue_gauges(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("down")):
        response = scrape(client)
    assert response.status_code == 200
    assert "cms_task_queue_ready" not in response.content.decode()
    assert "cms_http_requests_total" in response.content.decode()


def test_scrapes_are_not_counted_as_requests(client):
    with override_settings(CMS_METRICS_TOKEN=TOKEN):
        before = value("cms_http_requests_total", handler="metrics", operation="", status="200")
        scrape(client)
        assert value("cms_http_requests_total", handler="metrics", operation="", status="200") == (
            before
        )


@pytest.mark.django_db(transaction=True)
def test_the_worker_records_each_task_and_its_latency():
    from django.core.management import call_command

    labels = {"task": "cms.partners.webhooks.deliver"}
    finished_before = value("cms_tasks_finished_total", status="successful", **labels)
    latency_before = value("cms_task_latency_seconds_count", **labels)
    deliver.enqueue(12345)  # No such delivery: the task finishes at once.
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert value("cms_tasks_finished_total", status="successful", **labels) == finished_before + 1
    assert value("cms_task_latency_seconds_count", **labels) == latency_before + 1


def test_the_wsgi_application_serves_probes_untouched_by_the_fast_path():
    environ = RequestFactory().get("/healthz").environ
    captured = {}

    def start_response(status, headers):
        captured["status"] = status

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert captured["status"] == "200 OK"
    assert json.loads(body) == {"status": "ok"}
