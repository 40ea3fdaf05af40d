"""What edge caches are told: surrogate keys, edge lifetimes, and never for private answers."""

import json
import re

import pytest
from django.test import override_settings

from api.caching import edge
from cms.models import ApiKey, Partner, Story
from cms.stories import preview
from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db

STORY = "query($slug: String!) { story(slug: $slug) { title tags { name } } }"
LIST = "{ stories(first: 5) { edges { node { slug } } } }"
EDGE_HEADERS = ("Surrogate-Key", "Cache-Tag", "Surrogate-Control", "CDN-Cache-Control")


def get(client, query, variables=None, **headers):
    params = {"query": query}
    if variables:
        params["variables"] = json.dumps(variables)
    return client.get("/graphql", params, headers={"accept": "application/json", **headers})


def control(value):
    return dict((part.split("=")[0].strip(), int(part.split("=")[1])) for part in value.split(","))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_public_get_names_its_dependencies_as_surrogate_keys_and_cache_tags(client, language):
    tag = make_tag("robots", en="Robots")
    story = make_story("s", tags=[tag])
    response = get(client, STORY, {"slug": "s"}, accept_language=language)
    assert response.status_code == 200
    keys = response["Surrogate-Key"].split(" ")
    assert f"story:{story.pk}" in keys
    assert response["Cache-Tag"].split(",") == keys
    assert all(re.fullmatch(r"[A-Za-z0-9:._-]+", key) for key in keys)
    # The same answer again, now from the response cache, says the same.
    again = get(client, STORY, {"slug": "s"}, accept_language=language)
    assert again["Surrogate-Key"] == response["Surrogate-Key"]


@override_settings(
    CMS_EDGE_PURGE_BACKEND="varnish",
    CMS_EDGE_MAX_AGE=3600,
    CMS_EDGE_STALE_WHILE_REVALIDATE=20,
    CMS_EDGE_STALE_IF_ERROR=600,
)
def test_with_a_purge_backend_edges_keep_answers_longer_than_browsers(client):
    make_story("s")
    response = get(client, LIST)
    assert "max-age=30" in response["Cache-Control"]
    assert response["CDN-Cache-Control"] == response["Surrogate-Control"]
    assert control(response["Surrogate-Control"]) == {
        "max-age": 3600,
        "stale-while-revalidate": 20,
        "stale-if-error": 600,
    }
    # Served again from the response cache, the answer says the same.
    assert get(client, LIST)["Surrogate-Control"] == response["Surrogate-Control"]


def test_without_a_purge_backend_edges_keep_answers_as_long_as_shared_caches(client):
    make_story("s")
    response = get(client, LIST)
    assert "s-maxage=60" in response["Cache-Control"]
    assert control(response["Surrogate-Control"])["max-age"] == 60


@pytest.mark.parametrize("backend", ["none", "varnish"])
def test_answers_with_counters_stay_at_the_edge_no_longer_than_their_counts(
    client, settings, backend
):
    settings.CMS_EDGE_PURGE_BACKEND = backend
    make_story("s")
    response = get(client, '{ story(slug: "s") { viewCount } }')
    assert control(response["Surrogate-Control"])["max-age"] <= 10


@pytest.mark.parametrize("backend", ["none", "varnish"])
def test_the_edge_lifetime_ends_when_a_scheduled_story_goes_live(client, settings, backend):
    settings.CMS_EDGE_PURGE_BACKEND = backend
    settings.CMS_HTTP_SHARED_MAX_AGE = 600
    make_story("now")
    make_story("later", hours_ago=-90 / 3600)
    response = get(client, LIST)
    assert control(response["Surrogate-Control"])["max-age"] <= 90


def test_keyed_answers_carry_no_edge_caching(client):
    make_story("s")
    partner = Partner.objects.create(name="Daily")
    _key, secret = ApiKey.issue(partner=partner, name="site", scopes=["read"])
    response = get(client, LIST, authorization=f"Bearer {secret}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert not any(name in response for name in EDGE_HEADERS)


def test_previews_carry_no_edge_caching(client, admin_user):
    draft = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    token = preview.issue(draft, admin_user)
    response = get(client, STORY, {"slug": "draft"}, preview_token=token)
    assert response.status_code == 200
    assert response.json()["data"]["story"] is not None
    assert not any(name in response for name in EDGE_HEADERS)


def test_errors_and_posts_carry_no_edge_caching(client):
    make_story("s")
    for response in (
        get(client, "{ story(slug: 5) { title } }"),
        get(client, "{ nope }"),
        get(client, "{"),
        client.post(
            "/graphql", {"query": LIST}, content_type="application/json", accept="application/json"
        ),
    ):
        assert not any(name in response for name in EDGE_HEADERS), response.content


@override_settings(CMS_EDGE_MAX_KEYS=5)
def test_an_answer_with_more_keys_than_providers_take_falls_back_to_broad_keys():
    dependencies = {f"story:{n}": 1 for n in range(40)} | {"tag:1": 1, "tag:2": 1, "source:3": 1}
    keys = edge.answer_keys(dependencies)
    assert len(keys) <= 5
    assert "stories" in keys
    assert not any(key.startswith("story:") for key in keys)
    assert {"tag:1", "tag:2", "source:3"} <= set(keys)


@override_settings(CMS_EDGE_MAX_HEADER_BYTES=200)
def test_keys_stay_within_the_header_size_providers_accept():
    dependencies = {f"story:{n}": 1 for n in range(100)} | {f"tag:{n}": 1 for n in range(3)}
    keys = edge.answer_keys(dependencies)
    assert len(" ".join(keys)) <= 200
    assert len(",".join(keys)) <= 200
    assert {"stories", "tag:0", "tag:1", "tag:2"} <= set(keys)


def test_an_akamai_sized_answer_keeps_every_key():
    dependencies = {f"story:{n}": 1 for n in range(120)}
    assert len(edge.answer_keys(dependencies)) == 120


def test_long_or_odd_dependencies_become_short_hashed_tokens():
    odd = "search:robots fold laundry, quickly"
    long = "x" * 200
    assert edge.token("story:12") == "story:12"
    for dependency in (odd, long):
        token = edge.token(dependency)
        assert re.fullmatch(r"h-[0-9a-f]{16}", token)
        assert token == edge.token(dependency)
    assert edge.token(odd) != edge.token(long)


def test_a_purge_of_one_member_also_purges_the_broad_key_standing_for_it():
    assert edge.purge_keys(["story:3", "stories"]) == ["stories", "story:3"]
    assert edge.purge_keys(["tag:2"]) == ["tag:2", "tags"]
    assert edge.purge_keys(["source:4"]) == ["source:4", "source:all"]
    # Every broad key an answer falls back to is among them.
    many = {f"source:{n}": 1 for n in range(200)}
    assert "source:all" in edge.answer_keys(many)


@pytest.mark.parametrize("path", ["/feeds/en/rss.xml", "/feeds/zh-hans/feed.json"])
def test_public_feeds_carry_list_keys_and_keyed_feeds_are_never_shared(client, path):
    make_story("s")
    response = client.get(path)
    assert response.status_code == 200
    assert set(response["Surrogate-Key"].split()) == {"stories", "tags", "source:all"}
    assert "max-age=" in response["Surrogate-Control"]
    partner = Partner.objects.create(name="Reader")
    key, secret = ApiKey.issue(partner=partner, name="feed", scopes=["read"])
    for keyed in (
        client.get(path, {"token": key.issue_feed_token()}),
        client.get(path, headers={"authorization": f"Bearer {secret}"}),
    ):
        assert keyed.status_code == 200
        assert keyed["Cache-Control"] == "private, no-store"
        assert not any(name in keyed for name in EDGE_HEADERS)
