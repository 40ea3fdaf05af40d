"""Bounded amplification: a sitemap is stored once whatever query string comes with it,
sitemaps and feeds spend the client's rate-limit budget like GraphQL misses, and GraphQL
answers are keyed on the variables their document declares only."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db


def stored_answers(prefix):
    """How many response-cache entries of `prefix` exist, in the local-memory cache or in
    Redis (REDIS_URL)."""
    store = cache._cache
    if isinstance(store, dict):
        return sum(1 for key in store if f":{prefix}" in key)
    return sum(1 for _key in store.get_client(None).scan_iter(match=f"*:{prefix}*"))


def test_a_sitemap_is_stored_once_whatever_query_string_comes_with_it(client):
    make_story("s")
    for noise in range(20):
        assert client.get("/sitemaps/en.xml", {"utm": noise, "x": "y" * noise}).status_code == 200
    assert client.get("/sitemaps/en.xml", {"p": "1"}).status_code == 200
    assert client.get("/sitemaps/en.xml", {"p": "01"}).status_code == 200
    assert stored_answers("sitemap:") == 1


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
    from cms.models import Story

    secret = make_tag("merger", en="Secret merger of A and B")
    make_story("embargoed", status=Story.Status.DRAFT, hours_ago=None, tags=[secret])
    for kind in ("rss.xml", "atom.xml", "feed.json"):
        response = client.get(f"/feeds/en/{kind}", {"tag": "merger"})
        assert response.status_code == 404
        assert b"Secret merger" not in response.content
    make_story("announced", tags=[secret])
    assert client.get("/feeds/en/rss.xml", {"tag": "merger"}).status_code == 200
