"""The response cache and HTTP caching of public reads: what is stored and for how long, what
keys it, what a hit costs (one shared-cache round trip for a list computed again, one for a
request's count), and bounded amplification (sitemaps stored once whatever their query string,
feeds and sitemaps spending the client's budget like GraphQL misses)."""

import json
import time
import uuid
from datetime import timedelta
from unittest import mock

import pytest
import redis
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.caching.backend import ResilientRedisCache
from api.caching.versions import NEXT_PUBLISH
from cms.models import ApiKey, Partner, Story
from tests.api.caching.helpers import LIST, PAGE, get, post, stored_answers
from tests.conftest import without_cost
from tests.factories import make_source, make_story, make_tag

pytestmark = pytest.mark.django_db


def test_public_reads_are_cacheable_by_browsers_and_cdns(client, story):
    response = get(client, PAGE, {"slug": "s"})
    assert response.status_code == 200
    assert response["Cache-Control"] == (
        "public, max-age=30, s-maxage=60, stale-while-revalidate=30"
    )
    assert set(response["Vary"].split(", ")) >= {"Accept", "Accept-Language", "Authorization"}
    assert response["ETag"].startswith('"') and len(response["ETag"]) == 42


def test_the_same_answer_over_post_carries_the_same_etag(client, story):
    assert get(client, PAGE, {"slug": "s"})["ETag"] == post(client, PAGE, {"slug": "s"})["ETag"]


def test_a_matching_if_none_match_gets_304_without_a_body(client, story):
    etag = get(client, PAGE, {"slug": "s"})["ETag"]
    response = get(client, PAGE, {"slug": "s"}, if_none_match=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"].startswith("public, max-age=")
    stale = get(client, PAGE, {"slug": "s"}, if_none_match='"something-else"')
    assert stale.status_code == 200


def test_an_edit_changes_the_etag(client, story):
    etag = get(client, PAGE, {"slug": "s"})["ETag"]
    story.set_current_language("en")
    story.title = "Edited"
    story.save()
    response = get(client, PAGE, {"slug": "s"}, if_none_match=etag)
    assert response.status_code == 200
    assert response.json()["data"]["story"]["title"] == "Edited"


def test_answers_with_view_or_share_counts_are_fresh_only_briefly(client, story):
    response = get(client, '{ story(slug: "s") { title viewCount } }')
    assert response["Cache-Control"] == "public, max-age=10, s-maxage=10, stale-while-revalidate=30"


def test_authenticated_mutation_and_error_answers_are_not_stored(client, story):
    _key, secret = ApiKey.issue(
        partner=Partner.objects.create(name="Partner"), name="k", scopes=["read"]
    )
    private = post(client, PAGE, {"slug": "s"}, authorization=f"Bearer {secret}")
    assert private["Cache-Control"] == "private, no-store"
    mutation = post(client, 'mutation { recordView(slug: "s") { viewCount } }')
    assert mutation["Cache-Control"] == "private, no-store"
    failed = get(client, "{ stories(first: 0) { totalCount } }")
    assert failed["Cache-Control"] == "no-store"


def test_a_hit_runs_no_sql_and_no_graphql(client, story):
    first = get(client, PAGE, {"slug": "s"})
    with (
        CaptureQueriesContext(connection) as queries,
        mock.patch(
            "api.graphql_http.view.schema.execute_sync", side_effect=AssertionError("executed")
        ),
    ):
        again = get(client, PAGE, {"slug": "s"})
    assert len(queries) == 0
    assert again.content == first.content


@pytest.mark.parametrize(
    "vary",
    [
        {"variables": {"slug": "other"}},
        {"headers": {"accept_language": "zh-CN"}},
        {"headers": {"accept": "application/graphql-response+json"}},
    ],
)
def test_the_cache_key_covers_variables_language_and_media_type(client, story, vary):
    make_story("other", title_en="Other title")
    get(client, PAGE, {"slug": "s"})
    variables = vary.get("variables", {"slug": "s"})
    with CaptureQueriesContext(connection) as queries:
        response = get(client, PAGE, variables, **vary.get("headers", {}))
    assert len(queries) > 0
    assert response.status_code == 200


def test_the_language_header_is_keyed_by_the_language_it_resolves_to(client, story):
    get(client, PAGE, {"slug": "s"}, accept_language="zh-CN,zh;q=0.9")
    with CaptureQueriesContext(connection) as queries:
        response = get(client, PAGE, {"slug": "s"}, accept_language="zh-Hans")
    assert len(queries) == 0
    assert response.json()["data"]["story"]["title"] == "s zh-hans title"


def test_freshness_never_outlasts_the_next_scheduled_publication(client, story):
    make_story("soon", hours_ago=-20 / 3600)
    response = get(client, LIST)
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert 0 <= max_age <= 20


@pytest.mark.parametrize("change", ["a story goes live", "a story expires"])
def test_after_a_flush_a_counted_list_reads_its_next_change_with_its_total_and_ends_then(
    client, story, change
):
    soon = timezone.now() + timedelta(seconds=20)
    if change == "a story goes live":
        make_story("soon", hours_ago=-20 / 3600)
    else:
        make_story("ending", expires_at=soon)
    caches["default"].clear()
    with CaptureQueriesContext(connection) as queries:
        response = post(client, "{ stories { totalCount edges { node { slug } } } }")
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert 0 <= max_age <= 20
    # No statement of its own: the total's statement read it.
    assert not [q for q in queries if q["sql"].startswith("SELECT (SELECT")]
    assert [q for q in queries if '"cms_storycount"' in q["sql"] and "next_publish" in q["sql"]]
    assert caches["default"].get(NEXT_PUBLISH)[1] == pytest.approx(soon.timestamp(), abs=2)


@pytest.mark.parametrize("served_story_cache", [True, False])
def test_a_list_cached_just_before_a_story_goes_live_shows_it_from_that_moment(
    client, story, settings, served_story_cache
):
    """Not a second late: entries computed a fraction of a second before the moment end at
    it (the response cache and the served-story cache both)."""
    settings.CMS_SERVED_STORY_CACHE = served_story_cache
    soon = make_story("soon", hours_ago=-0.4 / 3600)

    def slugs():
        return [e["node"]["slug"] for e in post(client, LIST).json()["data"]["stories"]["edges"]]

    slugs()
    time.sleep(max(0.0, (soon.published_at - timezone.now()).total_seconds()) + 0.05)
    assert "soon" in slugs()


@override_settings(CMS_HTTP_MAX_AGE=5, CMS_HTTP_SHARED_MAX_AGE=120)
def test_freshness_comes_from_settings(client, story):
    assert get(client, LIST)["Cache-Control"] == (
        "public, max-age=5, s-maxage=120, stale-while-revalidate=30"
    )


def test_a_client_asking_for_no_cache_gets_a_freshly_computed_answer(client, story):
    get(client, PAGE, {"slug": "s"})
    with CaptureQueriesContext(connection) as queries:
        response = get(client, PAGE, {"slug": "s"}, cache_control="no-cache")
    assert len(queries) > 0
    assert response.json()["data"]["story"]["title"] == "Original title"


REDIS_URL = "redis://127.0.0.1:6379/15"


def fresh(client, document, variables):
    response = client.post(
        "/graphql",
        json.dumps({"query": document, "variables": variables}),
        content_type="application/json",
        headers={"Cache-Control": "no-cache"},
    )
    assert response.status_code == 200, response.content
    return without_cost(response.json())


@pytest.fixture
def front_page():
    ai = make_tag("ai", en="AI", zh_hans="人工智能")
    source = make_source("semafor", en="Semafor", zh_hans="Semafor")
    for number in range(5):
        make_story(f"s{number}", hours_ago=number + 1, tags=[ai], source=source)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_front_page_computed_again_reads_the_shared_cache_in_one_round_trip(
    client, contract, front_page, language
):
    document = contract("front_page.graphql")
    variables = {"language": language, "first": 3}
    first = fresh(client, document, variables)
    cache = caches["default"]
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as reads:
        again = fresh(client, document, variables)
    assert again == first
    assert [edge["node"]["slug"] for edge in again["data"]["stories"]["edges"]] == [
        "s0",
        "s1",
        "s2",
    ]
    assert again["data"]["stories"]["totalCount"] == 5
    assert reads.call_count == 1


def test_a_story_that_joins_the_page_costs_one_more_read_and_shows(client, contract, front_page):
    document = contract("front_page.graphql")
    variables = {"language": "en", "first": 3}
    fresh(client, document, variables)
    make_story("newest", hours_ago=0.5)
    cache = caches["default"]
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as reads:
        after = fresh(client, document, variables)
    assert [edge["node"]["slug"] for edge in after["data"]["stories"]["edges"]] == [
        "newest",
        "s0",
        "s1",
    ]
    assert after["data"]["stories"]["totalCount"] == 6
    assert reads.call_count > 1
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as reads:
        assert fresh(client, document, variables) == after
    assert reads.call_count == 1


@pytest.fixture
def redis_cache():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"needs Redis at {REDIS_URL}")
    return ResilientRedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})


def test_on_redis_a_count_starts_at_one_and_lives_its_window(redis_cache):
    assert [redis_cache.count("rl:window", 60) for _ in range(3)] == [1, 2, 3]
    client = redis.Redis.from_url(REDIS_URL)
    ttl = client.ttl(redis_cache.make_key("rl:window"))
    assert 0 < ttl <= 60
    client.delete(redis_cache.make_key("rl:window"))


def test_with_redis_away_a_count_is_one():
    away = ResilientRedisCache("redis://127.0.0.1:9299/2", {})
    assert away.count("rl:window", 60) == 1


def test_a_sitemap_is_stored_once_whatever_query_string_comes_with_it(client):
    make_story("s")
    for noise in range(20):
        assert client.get("/sitemaps/en.xml", {"utm": noise, "x": "y" * noise}).status_code == 200
    assert client.get("/sitemaps/en.xml", {"p": "1"}).status_code == 200
    assert client.get("/sitemaps/en.xml", {"p": "01"}).status_code == 200
    assert stored_answers("sitemap:") == 1


def test_the_sitemap_index_is_stored_once_whatever_page_is_asked_of_it(client):
    make_story("s")
    for page in ("1", "2", "x", ""):
        assert client.get("/sitemap.xml", {"p": page, "utm": page}).status_code == 200
    assert stored_answers("sitemap:") == 1


@pytest.mark.parametrize("order", [["1", "2"], ["2", "1"]])
def test_a_sitemap_page_given_twice_is_no_page_in_either_order(client, order):
    make_story("s")
    response = client.get("/sitemaps/en.xml?" + "&".join(f"p={page}" for page in order))
    assert response.status_code == 404
    assert stored_answers("sitemap:") == 0


@pytest.mark.parametrize("kind", ["rss.xml", "atom.xml", "feed.json"])
def test_feeds_spend_the_client_s_budget_like_graphql_misses(settings, kind):
    settings.CMS_RATE_LIMIT = 3
    make_story("s")
    answers = [
        Client(REMOTE_ADDR=f"2001:db8:9:9::{n}").get(f"/feeds/en/{kind}") for n in range(1, 6)
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429]
    assert answers[-1]["Retry-After"]
    assert Client(REMOTE_ADDR="2001:db8:9:a::1").get(f"/feeds/en/{kind}").status_code == 200


def test_a_sitemap_miss_beyond_the_budget_is_refused(settings):
    settings.CMS_RATE_LIMIT = 2
    make_story("s")
    client = Client(REMOTE_ADDR="198.51.100.9")
    for section in ("en", "zh-hans"):
        assert client.get(f"/sitemaps/{section}.xml").status_code == 200
    refused = client.get("/sitemaps/news-en.xml")
    assert refused.status_code == 429
    assert refused["Retry-After"]
    # What is stored is still served to the same client.
    assert client.get("/sitemaps/en.xml", {"junk": 1}).status_code == 200


def test_graphql_answers_ignore_variables_the_document_does_not_declare():
    make_story("s")
    document = "query($slug: String!) { story(slug: $slug) { slug } }"
    for noise in range(15):
        answer = Client().post(
            "/graphql",
            json.dumps({"query": document, "variables": {"slug": "s", f"junk{noise}": noise}}),
            content_type="application/json",
        )
        assert answer.status_code == 200
        assert answer.json()["data"] == {"story": {"slug": "s"}}
    assert stored_answers("gql:") == 1


def test_a_tag_only_a_draft_carries_has_no_feed_and_its_name_is_not_told(client):

    secret = make_tag("merger", en="Secret merger of A and B")
    make_story("embargoed", status=Story.Status.DRAFT, hours_ago=None, tags=[secret])
    for kind in ("rss.xml", "atom.xml", "feed.json"):
        response = client.get(f"/feeds/en/{kind}", {"tag": "merger"})
        assert response.status_code == 404
        assert b"Secret merger" not in response.content
    make_story("announced", tags=[secret])
    assert client.get("/feeds/en/rss.xml", {"tag": "merger"}).status_code == 200
