"""Property-based fuzzing: generated documents, variables and raw bodies never cause a 5xx
and never reveal unpublished content."""

import json

import pytest
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import mutations, queries

from api.schema import schema
from cms.models import Story
from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db
SDL = schema.as_str()
MARKER = "unpublishedmarker"


def fuzz(examples):
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.fixture
def newsroom():
    """Live stories, and drafts, scheduled and unpublished ones carrying a marker everywhere."""
    tag = make_tag("security", en="Security", zh_hans="安全")
    make_story("live", tags=[tag])
    make_story("live-en", languages=("en",), tags=[tag])
    hidden = {
        f"{field}_{suffix}": f"{MARKER} {field}"
        for field in ("title", "summary", "analysis")
        for suffix in ("en", "zh_hans")
    }
    make_story(f"{MARKER}-draft", status=Story.Status.DRAFT, hours_ago=None, tags=[tag], **hidden)
    make_story(f"{MARKER}-future", hours_ago=-24, tags=[tag], **hidden)
    make_story(f"{MARKER}-unpublished", status=Story.Status.DRAFT, hours_ago=30, **hidden)
    hidden_tag = make_tag(f"{MARKER}-tag", en=MARKER, zh_hans=MARKER)
    Story.objects.get(slug=f"{MARKER}-draft").tags.add(hidden_tag)


def check(response):
    assert response.status_code < 500, response.content
    assert MARKER not in response.content.decode("utf-8", "replace")


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(500)
@given(document=queries(SDL))
def test_generated_queries(newsroom, document):
    client = Client()
    for language in ("en", "zh-Hans"):
        check(
            client.post(
                "/graphql",
                json.dumps({"query": document}),
                content_type="application/json",
                headers={"accept-language": language},
            )
        )


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(300)
@given(document=mutations(SDL))
def test_generated_mutations(newsroom, document):
    check(
        Client().post("/graphql", json.dumps({"query": document}), content_type="application/json")
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=12,
)
CONTRACT_LIKE = """query($slug: String!, $language: String, $first: Int, $after: String,
  $tag: String, $search: String, $filter: StoryFilter, $orderBy: StoryOrder) {
  story(slug: $slug, language: $language) { title tags { name } }
  stories(language: $language, first: $first, after: $after, tag: $tag, search: $search,
          filter: $filter, orderBy: $orderBy) { totalCount edges { cursor node { slug title } } }
}"""


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(700)
@given(
    variables=st.fixed_dictionaries(
        {},
        optional={
            "slug": st.text() | st.sampled_from([f"{MARKER}-draft", f"{MARKER}-future", "live"]),
            "language": st.text(max_size=8) | st.sampled_from(["en", "zh-hans", "ZH-HANS"]),
            "first": json_values | st.integers(-5, 150),
            "after": json_values,
            "tag": st.text() | st.just(f"{MARKER}-tag"),
            "search": st.text() | st.just(MARKER),
            "filter": json_values,
            "orderBy": json_values | st.sampled_from(["HOT_DESC", "UPDATED_DESC"]),
        },
    )
)
def test_generated_variables(newsroom, variables):
    check(
        Client().post(
            "/graphql",
            json.dumps({"query": CONTRACT_LIKE, "variables": variables}),
            content_type="application/json",
        )
    )


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz(1000)
@given(
    body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/graphql-response+json",
            "text/plain",
            "",
            "multipart/form-data",
        ]
    ),
    accept=st.sampled_from(
        ["", "*/*", "application/json", "text/html", "application/graphql-response+json;q=0.5"]
    ),
)
def test_raw_bodies(newsroom, body, content_type, accept):
    check(
        Client().generic(
            "POST", "/graphql", body, content_type=content_type, headers={"accept": accept}
        )
    )
