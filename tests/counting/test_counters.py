"""Views and shares counted in the shared cache, flushed in batches, shown fresher than the
answers that carry them."""

import contextlib
import copy
import hashlib
import json
import time
from datetime import timedelta
from unittest import mock
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.cache.backends.dummy import DummyCache
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.graphql_http.request import Incoming
from cms.counting import counters
from cms.counting import flush as counter_flush
from cms.counting.ranking import recompute_hot
from cms.models import Story, StoryActivity
from tests.api.graphql_http.helpers import via_fast_path
from tests.counting.support import flush_counts, queued_flushes
from tests.factories import make_story

pytestmark = pytest.mark.django_db

VIEW = 'mutation { recordView(slug: "%s") { viewCount } }'
SHARE = 'mutation { recordShare(slug: "%s", network: "weibo") { shareCount } }'
LIST = "{ stories(first: 5) { edges { node { slug viewCount } } } }"
PAGE = '{ story(slug: "s") { title viewCount shareCount } }'


@pytest.fixture(autouse=True)
def long_windows(settings):
    # One flush window for the whole test unless it says otherwise.
    settings.CMS_COUNTERS_FLUSH_SECONDS = 3600


def get(client, query, **headers):
    return client.get("/graphql", {"query": query}, headers=headers)


def view(gql, slug="s"):
    result = gql(VIEW % slug)
    assert "errors" not in result, result
    return result["data"]["recordView"]["viewCount"]


def shown_views(response):
    return {
        edge["node"]["slug"]: edge["node"]["viewCount"]
        for edge in response.json()["data"]["stories"]["edges"]
    }


def test_a_view_of_a_story_already_counted_costs_no_sql(gql):
    make_story("s", view_count=41)
    assert view(gql) == 42
    with CaptureQueriesContext(connection) as queries:
        assert view(gql) == 43
        assert view(gql) == 44
    assert len(queries) == 0
    # Nothing was written yet: the database hears of the views from the flush.
    assert Story.objects.get(slug="s").view_count == 41


def test_the_first_view_of_a_story_checks_it_is_readable_seeds_it_and_queues_one_flush(gql):
    make_story("s", view_count=5)
    with CaptureQueriesContext(connection) as queries:
        assert view(gql) == 6
    statements = [q["sql"].split()[0] for q in queries if "SAVEPOINT" not in q["sql"]]
    # The published() check (which reads the counts to seed), and the flush task.
    assert statements == ["SELECT", "INSERT"]
    assert queued_flushes().count() == 1


def test_counts_are_shown_before_they_are_flushed_in_both_languages(gql):
    make_story("s", view_count=10, share_count=3)
    for _ in range(3):
        view(gql)
    gql(SHARE % "s")
    for language in ("en", "zh-hans"):
        story = gql(f'{{ story(slug: "s", language: "{language}") {{ viewCount shareCount }} }}')
        assert story["data"]["story"] == {"viewCount": 13, "shareCount": 4}
    assert Story.objects.values_list("view_count", "share_count").get() == (10, 3)


def test_a_flush_writes_every_counted_story_in_one_batch_and_the_day_s_activity(gql):
    stories = [make_story(f"s{number}", view_count=100) for number in range(12)]
    for story in stories:
        for _ in range(story.pk % 3 + 1):
            view(gql, story.slug)
    gql(SHARE % "s0")
    assert queued_flushes().count() == 1  # One window: one task for every story.
    with CaptureQueriesContext(connection) as queries:
        assert counter_flush.flush_window.call(counter_flush.window()) == 12
    statements = [q["sql"].split()[0] for q in queries]
    # The stories' rows locked and read, their counts written, the activity added.
    assert [s for s in statements if s not in {"SAVEPOINT", "RELEASE"}] == [
        "SELECT",
        "UPDATE",
        "INSERT",
    ]
    for story in stories:
        story.refresh_from_db()
        assert story.view_count == 100 + story.pk % 3 + 1
        row = StoryActivity.objects.get(story=story)
        assert row.views == story.pk % 3 + 1
    assert Story.objects.get(slug="s0").share_count == 1
    assert StoryActivity.objects.get(story__slug="s0").shares == 1


def test_flushing_again_writes_nothing_twice(gql):
    make_story("s")
    view(gql)
    number = counter_flush.window()
    assert counter_flush.flush_window.call(number) == 1
    assert counter_flush.flush_window.call(number) == 0
    assert Story.objects.get().view_count == 1
    assert StoryActivity.objects.get().views == 1


def test_each_window_queues_its_own_flush_and_counts_go_on_across_windows(gql, settings):
    make_story("s")
    with mock.patch("cms.counting.flush.time") as clock:
        clock.time.return_value = 3600 * 1000 + 1
        view(gql)
        view(gql)
        clock.time.return_value = 3600 * 1001 + 1
        assert view(gql) == 3
    runs = [row.args_kwargs["args"] for row in queued_flushes()]
    assert runs == [[1000], [1001]]
    assert [row.run_after.timestamp() for row in queued_flushes()] == [
        3600 * 1001 + counter_flush.GRACE,
        3600 * 1002 + counter_flush.GRACE,
    ]
    flush_counts()
    assert Story.objects.get().view_count == 3


def test_the_hot_ranking_sees_the_flushed_views(gql):
    quiet = make_story("quiet", hot=0, hours_ago=0)
    busy = make_story("busy", hot=0, hours_ago=0)
    for _ in range(300):
        view(gql, "busy")
    recompute_hot()
    busy.refresh_from_db()
    assert busy.hot == 0  # Not flushed yet: the ranking reads the database.
    flush_counts()
    recompute_hot()
    busy.refresh_from_db()
    quiet.refresh_from_db()
    assert busy.hot > 50 > quiet.hot == 0


def test_a_list_showing_counts_keeps_its_lifetime_while_views_move_its_counts(client, gql):
    make_story("s", view_count=7)
    make_story("t", view_count=70, hours_ago=2)
    first = get(client, LIST)
    assert first["Cache-Status"] == "ainews-origin; fwd=miss; stored"
    assert shown_views(first) == {"s": 7, "t": 70}
    view(gql, "s")
    view(gql, "s")
    view(gql, "t")
    # A minute later, six times the old ten seconds of an answer showing counts:
    later = time.time() + 60
    with (
        mock.patch("time.time", return_value=later),  # Every clock of the process.
        mock.patch(
            "api.graphql_http.view.schema.execute_sync", side_effect=AssertionError("executed")
        ),
        CaptureQueriesContext(connection) as queries,
    ):
        again = get(client, LIST)
    assert len(queries) == 0
    assert shown_views(again) == {"s": 9, "t": 71}
    assert again["Cache-Status"].startswith("ainews-origin; hit; ttl=")
    ttl = int(again["Cache-Status"].rsplit("=", 1)[1])
    assert 300 - 60 - 2 <= ttl <= 300 - 60
    # The rest of the answer is the same bytes, but for the counts.
    assert again.content == first.content.replace(b":7}", b":9}").replace(b":70}", b":71}")
    # Browsers and shared caches keep counts for ten seconds, as before.
    assert again["Cache-Control"] == "public, max-age=10, s-maxage=10, stale-while-revalidate=30"


def test_the_etag_changes_with_the_counts_and_revalidation_still_works(client, gql):
    make_story("s")
    etag = get(client, PAGE)["ETag"]
    assert get(client, PAGE, if_none_match=etag).status_code == 304
    view(gql)
    moved = get(client, PAGE, if_none_match=etag)
    assert moved.status_code == 200
    assert moved.json()["data"]["story"]["viewCount"] == 1
    assert moved["ETag"] != etag
    revalidated = get(client, PAGE, if_none_match=moved["ETag"])
    assert (revalidated.status_code, revalidated.content) == (304, b"")
    gql(SHARE % "s")
    assert get(client, PAGE, if_none_match=moved["ETag"]).status_code == 200


def test_the_fast_path_and_the_view_give_the_same_bytes_and_headers_as_counts_move(client, gql):
    make_story("s", view_count=3)
    query = {"query": PAGE}
    client.get("/graphql", query)
    view(gql)
    view(gql)
    through_django = client.get("/graphql", query)
    status, headers, body, queries = via_fast_path(query=query)
    assert (status, queries) == ("200 OK", 0)
    assert body == through_django.content
    assert json.loads(body)["data"]["story"]["viewCount"] == 5
    volatile = {"X-Request-ID", "Content-Length"}
    expected = {k: v for k, v in through_django.items() if k not in volatile}
    assert {k: v for k, v in headers.items() if k not in volatile} == expected
    status, headers, body, _queries = via_fast_path(
        {"if-none-match": through_django["ETag"]}, query=query
    )
    assert (status, body) == ("304 Not Modified", b"")


def test_an_answer_cached_before_etags_were_made_from_counts_keeps_the_etag_of_its_bytes(
    client, gql
):
    make_story("s", view_count=3)
    client.get("/graphql", {"query": PAGE})
    key = Incoming.read("GET", urlencode({"query": PAGE}), {}).cache_key("public")
    stored = copy.copy(cache.get(key))
    del stored.content  # As the code before it pickled entries: without the digest.
    cache.set(key, stored, timeout=300)
    view(gql)
    response = get(client, PAGE)
    assert response.json()["data"]["story"]["viewCount"] == 4
    assert response["ETag"] == '"' + hashlib.sha256(response.content).hexdigest()[:40] + '"'
    assert get(client, PAGE, if_none_match=response["ETag"]).status_code == 304
    status, headers, _body, _queries = via_fast_path(
        {"if-none-match": response["ETag"]}, query={"query": PAGE}
    )
    assert (status, headers["ETag"]) == ("304 Not Modified", response["ETag"])


def test_counts_missing_from_the_cache_send_a_hit_to_the_view_which_reads_them_once(client):
    story = make_story("s", view_count=3)
    client.get("/graphql", {"query": PAGE})
    Story.objects.filter(pk=story.pk).update(view_count=8)  # As a flush from elsewhere.
    cache.delete_many([counters.cache_key(story.pk, c) for c in counters.COUNTERS])
    with pytest.raises(AssertionError, match="fell through to Django"):
        via_fast_path(query={"query": PAGE})
    with mock.patch(
        "api.graphql_http.view.schema.execute_sync", side_effect=AssertionError("executed")
    ):
        status, _headers, body, queries = via_fast_path(
            query={"query": PAGE}, django_may_answer=True
        )
    assert (status, queries) == ("200 OK", 1)
    assert json.loads(body)["data"]["story"]["viewCount"] == 8
    # Read once, the counts are in the cache again: the fast path answers by itself.
    status, _headers, body, queries = via_fast_path(query={"query": PAGE})
    assert (status, queries) == ("200 OK", 0)


def test_a_hit_reads_the_entry_its_dependencies_and_its_counts_in_one_round_trip(client):
    make_story("s")
    client.get("/graphql", {"query": PAGE})
    client.get("/graphql", {"query": PAGE})  # The hint is learnt.
    # Redis's backend reads a hit's keys with `get_prepared`; any other with `get_many`.
    readers = [name for name in ("get_many", "get_prepared") if hasattr(cache, name)]
    with contextlib.ExitStack() as stack:
        reads = [
            stack.enter_context(mock.patch.object(cache, name, wraps=getattr(cache, name)))
            for name in readers
        ]
        status, _headers, _body, _queries = via_fast_path(query={"query": PAGE})
    assert status == "200 OK"
    assert sum(read.call_count for read in reads) == 1


def test_losing_the_shared_cache_loses_only_what_was_not_flushed(gql):
    make_story("s")
    for _ in range(5):
        view(gql)
    flush_counts()
    view(gql)
    view(gql)
    cache.clear()  # Redis restarted empty.
    assert gql(PAGE)["data"]["story"]["viewCount"] == 5
    assert view(gql) == 6
    flush_counts()
    assert Story.objects.get().view_count == 6


def test_counts_never_go_down_a_cache_behind_the_database_is_raised_to_it(gql):
    story = make_story("s")
    view(gql)
    # Counted in the database meanwhile, and the note of what the cache started from is
    # gone (evicted): the higher count wins.
    cache.delete(counter_flush._flushed_key(story.pk, counters.VIEWS))
    Story.objects.filter(pk=story.pk).update(view_count=100)
    view(gql)
    flush_counts()
    story.refresh_from_db()
    assert story.view_count == 100
    assert gql(PAGE)["data"]["story"]["viewCount"] == 100
    assert view(gql) == 101


def test_with_the_shared_cache_out_of_reach_views_are_counted_in_the_database(gql):
    story = make_story("s", view_count=9)
    unreachable = DummyCache("unreachable", {})
    with (
        mock.patch("cms.counting.counters.cache", unreachable),
        mock.patch("cms.counting.flush.cache", unreachable),
    ):
        assert view(gql) == 10
        assert view(gql) == 11
    story.refresh_from_db()
    assert story.view_count == 11
    assert StoryActivity.objects.get(story=story).views == 2
    assert not queued_flushes().exists()


def test_a_story_unpublished_after_its_views_cannot_be_counted_any_more(gql):
    story = make_story("s")
    view(gql)
    story.status = Story.Status.DRAFT
    story.save()
    result = gql(VIEW % "s")
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    story.status = Story.Status.PUBLISHED
    story.save()
    assert view(gql) == 2


def test_a_renamed_story_is_counted_under_its_new_slug_only(gql):
    story = make_story("old")
    view(gql, "old")
    story.slug = "new"
    story.save()
    assert gql(VIEW % "old")["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert view(gql, "new") == 2


def test_a_story_that_expires_is_not_counted_after_its_expiry_time(gql):
    make_story("s", expires_at=timezone.now() + timedelta(seconds=1.5))
    assert view(gql) == 1
    time.sleep(1.6)
    assert gql(VIEW % "s")["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_shares_move_a_cached_story_page_too(client, gql):
    make_story("s", share_count=2)
    get(client, PAGE)
    gql(SHARE % "s")
    assert get(client, PAGE).json()["data"]["story"]["shareCount"] == 3


def test_recounting_a_list_costs_one_cache_read_for_all_its_counts(client):
    for number in range(5):
        make_story(f"s{number}")
    get(client, LIST)  # Seeds the counters.
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as reads:
        get(client, LIST, cache_control="no-cache")
    counter_reads = [c for c in reads.call_args_list if "ctr:view_count" in str(c)]
    assert len(counter_reads) == 1


@pytest.mark.counters_in_database
def test_with_a_process_local_cache_views_are_written_at_once_and_lists_keep_their_lifetime(
    client, gql
):
    story = make_story("s")
    get(client, LIST)
    assert view(gql) == 1
    story.refresh_from_db()
    assert story.view_count == 1
    assert not queued_flushes().exists()
    with CaptureQueriesContext(connection) as queries:
        again = get(client, LIST)
    assert len(queries) == 0
    assert again["Cache-Status"].startswith("ainews-origin; hit")
    assert shown_views(again) == {"s": 1}
    # Kept CMS_COUNTERS_MAX_AGE in this process; after that, read once from the database.
    cache.delete(counters.cache_key(story.pk, counters.VIEWS))
    Story.objects.filter(pk=story.pk).update(view_count=4)  # Another process counted.
    with CaptureQueriesContext(connection) as queries:
        assert shown_views(get(client, LIST)) == {"s": 4}
    assert len(queries) == 1


def test_views_counted_in_the_database_while_redis_was_away_add_to_those_in_the_cache(gql):
    story = make_story("s")
    view(gql)
    flush_counts()
    view(gql)
    view(gql)  # Three views: one flushed, two in the cache only.
    unreachable = DummyCache("unreachable", {})
    with mock.patch("cms.counting.counters.cache", unreachable):
        # Redis out of this process's reach: counted in the database (1 + 4).
        assert [view(gql) for _ in range(4)] == [2, 3, 4, 5]
    assert view(gql) == 4  # Redis kept its counts: 3, and this one.
    flush_counts()
    story.refresh_from_db()
    assert story.view_count == 8
    assert StoryActivity.objects.get(story=story).views == 8
    assert view(gql) == 9


def test_a_flush_that_fails_owes_its_stories_to_the_next_window(gql):
    make_story("s")
    view(gql)
    with (
        mock.patch("cms.counting.flush._add_activity", side_effect=DatabaseError("gone")),
        pytest.raises(DatabaseError),
    ):
        flush_counts()
    assert Story.objects.get().view_count == 0
    assert queued_flushes().count() == 1  # Queued again.
    flush_counts()
    assert Story.objects.get().view_count == 1


def test_counts_under_aliases_and_fragments_are_each_put_where_they_are_shown(client, gql):
    make_story("s", view_count=1, share_count=2)
    query = """{ one: story(slug: "s") { seen: viewCount ...Shares }
      all: stories { edges { node { viewCount again: viewCount } } } }
      fragment Shares on Story { shareCount }"""
    get(client, query)
    view(gql)
    gql(SHARE % "s")
    hit = get(client, query)
    assert hit["Cache-Status"].startswith("ainews-origin; hit")
    assert hit.json()["data"] == {
        "one": {"seen": 2, "shareCount": 3},
        "all": {"edges": [{"node": {"viewCount": 2, "again": 2}}]},
    }


def test_a_count_beyond_int_s_range_is_refused_alike_whether_its_story_was_kept_or_not(
    gql, settings
):
    make_story("s", view_count=2**31, share_count=2)
    query = "{ stories { edges { node { slug shareCount viewCount } } } }"
    answers = []
    for kept in (False, True, True):
        settings.CMS_SERVED_STORY_CACHE = kept
        answers.append(gql(query, **{"Cache-Control": "no-cache"}))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["data"] is None
    assert [error["path"] for error in answers[0]["errors"]] == [
        ["stories", "edges", 0, "node", "viewCount"]
    ]
