"""The engagement documents: counting views and shares."""

import threading

import pytest
from django.db import connection, connections

from cms.models import Story
from tests.counting.support import flush_counts
from tests.factories import make_story

pytestmark = pytest.mark.django_db


def test_record_view_counts_one_view_and_returns_the_new_count(gql, contract):
    story = make_story("s", view_count=60)
    result = gql(contract("engagement.graphql"), {"slug": "s"}, operation_name="RecordView")
    assert result == {"data": {"recordView": {"viewCount": 61}}}
    flush_counts()
    story.refresh_from_db()
    assert story.view_count == 61


def test_record_share_counts_one_share_on_a_known_network(gql, contract):
    make_story("s")
    document = contract("engagement.graphql")
    for expected in (1, 2):
        result = gql(document, {"slug": "s", "network": "weibo"}, operation_name="RecordShare")
        assert result == {"data": {"recordShare": {"shareCount": expected}}}


def test_counting_does_not_move_the_updated_time(gql, contract):
    story = make_story("s")
    before = (story.updated_at, story.modified_at)
    gql(contract("engagement.graphql"), {"slug": "s"}, operation_name="RecordView")
    story.refresh_from_db()
    assert (story.updated_at, story.modified_at) == before


def test_an_unknown_story_is_a_not_found_error(gql, contract):
    result = gql(contract("engagement.graphql"), {"slug": "nope"}, operation_name="RecordView")
    assert result == {
        "data": None,
        "errors": [
            {
                "message": "No published story has the slug “nope”.",
                "locations": [{"line": 2, "column": 3}],
                "path": ["recordView"],
                "extensions": {"code": "NOT_FOUND"},
            }
        ],
    }


def test_an_unknown_network_is_a_clear_error_and_counts_nothing(gql, contract):
    story = make_story("s")
    result = gql(
        contract("engagement.graphql"),
        {"slug": "s", "network": "myspace"},
        operation_name="RecordShare",
    )
    assert result["data"] is None
    assert result["errors"][0]["message"] == (
        "Unknown network “myspace”. Known networks: "
        "x, facebook, linkedin, reddit, telegram, whatsapp, weibo, email, copy."
    )
    assert result["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    story.refresh_from_db()
    assert story.share_count == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_views_lose_no_increment_on_postgresql(contract):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes writers anyway")
    from django.test import Client

    make_story("s")
    document = contract("engagement.graphql")
    threads, per_thread, results = 8, 25, []
    barrier = threading.Barrier(threads)

    def hammer():
        client = Client()
        barrier.wait()
        try:
            for _ in range(per_thread):
                response = client.post(
                    "/graphql",
                    {"query": document, "variables": {"slug": "s"}, "operationName": "RecordView"},
                    content_type="application/json",
                )
                results.append(response.json()["data"]["recordView"]["viewCount"])
        finally:
            connections.close_all()

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    flush_counts()
    assert Story.objects.get(slug="s").view_count == threads * per_thread
    # Every request saw its own increment: the returned counts are all different.
    assert sorted(results) == list(range(1, threads * per_thread + 1))
