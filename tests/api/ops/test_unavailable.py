"""A temporary failure (the database or Redis out of reach, a statement ended by its
timeout) is a 503 with Retry-After on every path, never a 500; and /readyz says at once
when the task queue has no live worker or a task waits too long."""

from datetime import timedelta
from unittest import mock

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from redis.exceptions import ConnectionError as RedisConnectionError

from cms.models import TaskWorker
from cms.partners.webhooks import deliver
from tests.factories import make_story

pytestmark = pytest.mark.django_db

PATHS = [
    "/feeds/en/rss.xml",
    "/feeds/zh-hans/atom.xml",
    "/feeds/en/feed.json",
    "/sitemap.xml",
    "/sitemaps/zh-hans.xml",
    "/sitemaps/news-en.xml",
]


def assert_retry_later(response):
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"].isdigit()
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "error", [OperationalError("the database is gone"), RedisConnectionError("redis is gone")]
)
def test_feeds_and_sitemaps_answer_a_temporary_failure_with_503_and_retry_after(path, error):
    make_story("s", languages=("en", "zh-hans"))
    client = Client(raise_request_exception=False)
    with mock.patch("django.db.models.query.QuerySet._fetch_all", side_effect=error):
        response = client.get(path)
    assert_retry_later(response)


def test_the_admin_answers_a_lost_database_with_503(admin_client):
    admin_client.raise_request_exception = False
    with mock.patch(
        "django.db.models.query.QuerySet._fetch_all", side_effect=OperationalError("gone")
    ):
        response = admin_client.get("/admin/cms/story/")
    assert_retry_later(response)


def test_an_error_that_is_not_temporary_is_still_a_500():
    client = Client(raise_request_exception=False)
    with mock.patch("django.db.models.query.QuerySet._fetch_all", side_effect=KeyError("bug")):
        response = client.get("/feeds/en/rss.xml")
    assert response.status_code == 500


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_feed_behind_a_held_lock_ends_at_the_statement_timeout_with_503():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the lock is a PostgreSQL table lock")
    make_story("s", languages=("en",))
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}) as holder:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE cms_story IN ACCESS EXCLUSIVE MODE")
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 300")
        client = Client(raise_request_exception=False)
        started = timezone.now()
        response = client.get("/feeds/en/rss.xml")
        took = (timezone.now() - started).total_seconds()
        holder.execute("ROLLBACK")
    connection.close()
    assert_retry_later(response)
    assert took < 3


def test_readyz_reports_a_worker_that_stopped_within_its_lease(client):
    assert client.get("/readyz").status_code == 200
    TaskWorker.objects.create(worker_id="killed", seen_at=timezone.now() - timedelta(seconds=20))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "task_queue" in response.json()["failed"]
    TaskWorker.objects.create(worker_id="restarted", seen_at=timezone.now())
    assert client.get("/readyz").status_code == 200


def test_readyz_reports_a_task_overdue_past_the_bound(client, settings):
    settings.CMS_READYZ_MAX_TASK_DELAY = 30
    result = deliver.enqueue(1)
    assert client.get("/readyz").status_code == 200
    DBTaskResult.objects.filter(pk=result.id).update(
        enqueued_at=timezone.now() - timedelta(seconds=31)
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["task_queue"]["oldest_due_seconds"] >= 31


@pytest.mark.parametrize("persisted", [False, True])
def test_the_fast_path_hands_a_failing_cache_lookup_to_django_instead_of_a_500(persisted):
    """Redis dying under the fast path's lookup (of a plain or a persisted query)."""
    from django.test import RequestFactory

    from api.graphql_http.fastpath import FastPath

    params = {"query": "{ __typename }"}
    if persisted:
        params = {"extensions": '{"persistedQuery":{"version":1,"sha256Hash":"' + "a" * 64 + '"}}'}
    environ = RequestFactory().get("/graphql", params).environ
    handed = []

    def django(environ, start_response):
        handed.append(environ["PATH_INFO"])
        start_response("503 Service Unavailable", [("Retry-After", "5")])
        return [b""]

    with (
        mock.patch("api.caching.responses.lookup", side_effect=RedisConnectionError("gone")),
        mock.patch("api.graphql_http.persisted.allowed", side_effect=RedisConnectionError("gone")),
    ):
        b"".join(FastPath(django)(environ, lambda status, headers: None))
    assert handed == ["/graphql"]
