"""The cost model counts what a query can return, however it is written, and searches too."""

import base64
import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db

STORY_FIELDS = (
    "slug tags { name storyCount } shareLinks { url } insights { title } faq { question }"
)


def cost(client, document, variables=None):
    """The cost an answer reports, or the QUERY_TOO_COMPLEX message (after checking no SQL)."""
    with CaptureQueriesContext(connection) as queries:
        body = client.post(
            "/graphql",
            json.dumps({"query": document, "variables": variables or {}}),
            content_type="application/json",
        ).json()
    if "extensions" in body:
        return body["extensions"]["cost"]["requested"]
    assert len(queries) == 0, [q["sql"] for q in queries]
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    return error["message"]


def test_a_page_size_given_as_a_variable_default_is_costed_as_that_default(client):
    make_story("s")
    with_default = "query($n: Int = 100) { stories(first: $n) { edges { node { slug } } } }"
    written = "{ stories(first: 100) { edges { node { slug } } } }"
    assert cost(client, with_default) == cost(client, written) == 1 + 100 * 3
    assert cost(client, with_default, {"n": 2}) == 1 + 2 * 3


def test_a_list_under_an_inline_fragment_keeps_its_multiplier(client):
    story = make_story("s", tags=[make_tag("t", en="T")])
    direct = cost(client, '{ story(slug: "s") { ' + STORY_FIELDS + " } }")
    global_id = base64.b64encode(f"Story:{story.pk}".encode()).decode()
    inline = cost(
        client,
        "query($id: ID!) { node(id: $id) { ... on Story { " + STORY_FIELDS + " } } }",
        {"id": global_id},
    )
    spread = cost(
        client,
        "query($id: ID!) { node(id: $id) { ...Card } } fragment Card on Story { "
        + STORY_FIELDS
        + " }",
        {"id": global_id},
    )
    assert direct == inline == spread == 1 + (1 + (1 + 10 * 2) + (1 + 9) + (1 + 10) + (1 + 10))


def test_fragments_on_the_same_type_cost_what_the_fields_cost_in_place(client):
    make_story("s")
    in_place = "{ stories(first: 10) { edges { node { tags { name } } } } }"
    through = (
        "{ stories(first: 10) { edges { ...E } } } fragment E on StoryEdge { node { ... { "
        "tags { name } } } }"
    )
    assert cost(client, in_place) == cost(client, through)


def test_each_search_word_costs_and_duplicates_do_not_count(client):
    make_story("s")
    plain = cost(client, "{ stories(first: 1) { edges { node { slug } } } }")
    document = "query($q: String) { stories(first: 1, search: $q) { edges { node { slug } } } }"
    assert cost(client, document, {"q": "openai"}) == plain + 100
    assert cost(client, document, {"q": "OpenAI openai  model"}) == plain + 2 * 100
    assert cost(client, document, {"q": " ".join(f"w{n}" for n in range(100))}) == plain + 800
    with_default = (
        'query($q: String = "a b c") { stories(first: 1, search: $q) { edges { node { slug } } } }'
    )
    assert cost(client, with_default) == plain + 300


def test_fifteen_aliases_of_a_hundred_word_search_are_refused_before_any_sql(client):
    make_story("s")
    words = " ".join(f"word{n}" for n in range(100))
    document = (
        "query($q: String) { "
        + " ".join(
            f"a{n}: stories(search: $q) {{ edges {{ node {{ slug }} }} }}" for n in range(15)
        )
        + " }"
    )
    message = cost(client, document, {"q": words})
    assert message.startswith("The query could return 12915 items; at most 10000 are allowed.")
    assert isinstance(cost(client, document, {"q": "openai"}), int)


@override_settings(GRAPHQL_SEARCH_COST=1, CMS_SEARCH_MAX_WORDS=3)
def test_the_search_weight_and_word_cap_are_settings(client):
    make_story("s")
    plain = cost(client, "{ stories(first: 1) { edges { node { slug } } } }")
    document = '{ stories(first: 1, search: "a b c d e") { edges { node { slug } } } }'
    assert cost(client, document) == plain + 3
