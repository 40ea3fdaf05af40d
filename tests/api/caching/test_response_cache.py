"""The response cache and HTTP caching of public reads."""

import json
from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from cms.models import ApiKey, Partner, Story
from tests.conftest import without_cost
from tests.factories import make_source, make_story, make_tag

pytestmark = pytest.mark.django_db

PAGE = """query($slug: String!) { story(slug: $slug) {
  title tags { name } source { name } } }"""
LIST = "{ stories { edges { node { slug title } } } }"


def get(client, query, variables=None, **headers):
    params = {"query": query}
    if variables is not None:
        params["variables"] = json.dumps(variables)
    return client.get("/graphql", params, headers=headers)


def post(client, query, variables=None, **headers):
    body = json.dumps({"query": query, "variables": variables or {}})
    return client.post("/graphql", body, content_type="application/json", headers=headers)


@pytest.fixture
def story():
    tag = make_tag("security", en="Security", zh_hans="安全")
    source = make_source("semafor", en="Semafor")
    return make_story("s", tags=[tag], source=source, title_en="Original title")


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


def test_counting_a_view_does_not_invalidate_story_content(client, story):
    get(client, PAGE, {"slug": "s"})
    post(client, 'mutation { recordView(slug: "s") { viewCount } }')
    with CaptureQueriesContext(connection) as queries:
        get(client, PAGE, {"slug": "s"})
    assert len(queries) == 0


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


def test_editing_a_story_invalidates_its_page_and_lists_but_not_other_pages(client, story):
    make_story("other", title_en="Other title")
    get(client, PAGE, {"slug": "s"})
    get(client, PAGE, {"slug": "other"})
    get(client, LIST)
    story.set_current_language("en")
    story.title = "New title"
    story.save()
    assert get(client, PAGE, {"slug": "s"}).json()["data"]["story"]["title"] == "New title"
    titles = [e["node"]["title"] for e in get(client, LIST).json()["data"]["stories"]["edges"]]
    assert "New title" in titles
    with CaptureQueriesContext(connection) as queries:
        get(client, PAGE, {"slug": "other"})
    assert len(queries) == 0


def test_renaming_a_tag_or_source_updates_cached_pages(client, story):
    get(client, PAGE, {"slug": "s"})
    tag = story.tags.get()
    tag.set_current_language("en")
    tag.name = "Cybersecurity"
    tag.save()
    source = story.source
    source.set_current_language("en")
    source.name = "Semafor News"
    source.save()
    data = get(client, PAGE, {"slug": "s"}).json()["data"]["story"]
    assert data["tags"] == [{"name": "Cybersecurity"}]
    assert data["source"] == {"name": "Semafor News"}


def test_unpublishing_and_deleting_take_effect_at_once(client, story):
    make_story("kept")
    get(client, PAGE, {"slug": "s"})
    get(client, LIST)
    story.status = Story.Status.DRAFT
    story.save()
    assert without_cost(get(client, PAGE, {"slug": "s"}).json()) == {"data": {"story": None}}
    Story.objects.get(slug="kept").delete()
    assert without_cost(get(client, LIST).json()) == {"data": {"stories": {"edges": []}}}


def test_retagging_a_story_updates_lists_and_tag_counts(client, story):
    query = '{ tags { slug storyCount } stories(tag: "policy") { edges { node { slug } } } }'
    get(client, query)
    policy = make_tag("policy", en="Policy")
    story.tags.add(policy)
    assert without_cost(get(client, query).json()) == {
        "data": {
            "tags": [{"slug": "policy", "storyCount": 1}, {"slug": "security", "storyCount": 1}],
            "stories": {"edges": [{"node": {"slug": "s"}}]},
        }
    }


def test_freshness_never_outlasts_the_next_scheduled_publication(client, story):
    make_story("soon", hours_ago=-20 / 3600)
    response = get(client, LIST)
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert 0 <= max_age <= 20


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
