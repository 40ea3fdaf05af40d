"""Expensive or oversized documents are refused before any work is done."""

import json

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests.factories import make_story

pytestmark = pytest.mark.django_db


def post(client, body, **headers):
    return client.post(
        "/graphql", json.dumps(body), content_type="application/json", headers=headers
    )


def refused(client, document, variables=None):
    """POST a document; assert nothing ran; return (status, message, code)."""
    with CaptureQueriesContext(connection) as queries:
        response = post(client, {"query": document, "variables": variables or {}})
    assert len(queries) == 0, [q["sql"] for q in queries]
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    return response.status_code, error["message"], error["extensions"]["code"]


def nested(depth):
    return "{ " + " { ".join(f"f{n}" for n in range(depth)) + " }" * depth


def test_a_document_nested_deeper_than_8_is_refused(client):
    assert refused(client, nested(9)) == (
        200,
        "The document nests 9 levels deep; at most 8 are allowed.",
        "QUERY_TOO_COMPLEX",
    )


def test_depth_counts_through_fragments_and_survives_cycles(client):
    document = (
        "query { ...A } fragment A on Query { a { ...B } } "
        "fragment B on Query { b { c { d { e { f { g { h { i } } } } } } } }"
    )
    assert refused(client, document)[2] == "QUERY_TOO_COMPLEX"
    cyclic = "query { ...A } fragment A on Query { stories { ...B } } fragment B on Query { ...A }"
    response = post(client, {"query": cyclic})
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_more_than_15_aliases_are_refused(client):
    document = "{ " + " ".join(f"a{n}: __typename" for n in range(16)) + " }"
    assert refused(client, document) == (
        200,
        "The document uses 16 aliases; at most 15 are allowed.",
        "QUERY_TOO_COMPLEX",
    )
    allowed = "{ " + " ".join(f"a{n}: __typename" for n in range(15)) + " }"
    assert "errors" not in post(client, {"query": allowed}).json()


def test_more_than_1000_tokens_are_refused(client):
    document = "{ " + " ".join(["a"] * 1001) + " }"
    assert refused(client, document) == (
        200,
        "The document has more than 1000 tokens.",
        "QUERY_TOO_COMPLEX",
    )


def test_ad_hoc_documents_over_8_kb_are_refused(client):
    document = "{ __typename }" + " " * 8200
    assert refused(client, document) == (
        413,
        "The document is larger than 8192 bytes; register it as a persisted query.",
        "QUERY_TOO_LARGE",
    )


def test_a_query_that_could_return_too_many_items_is_refused(client):
    page = "stories(first: 100) { edges { node { slug tags { name storyCount } } } }"
    document = "{ " + " ".join(f"p{n}: {page}" for n in range(5)) + " }"
    _status, message, code = refused(client, document)
    assert code == "QUERY_TOO_COMPLEX"
    assert message.startswith("The query could return 12005 items; at most 10000 are allowed.")


def test_the_cost_counts_variables_and_is_reported_on_every_answer(client):
    make_story("s")
    document = "query($n: Int!) { stories(first: $n) { edges { node { slug tags { name } } } } }"
    body = post(client, {"query": document, "variables": {"n": 5}}).json()
    assert body["extensions"] == {"cost": {"requested": 71, "maximum": 10000}}
    story = post(client, {"query": '{ story(slug: "s") { title } }'}).json()
    assert story["extensions"] == {"cost": {"requested": 2, "maximum": 10000}}


@override_settings(GRAPHQL_MAX_DEPTH=3, GRAPHQL_MAX_COST=50, GRAPHQL_MAX_ALIASES=1)
def test_limits_come_from_settings(client):
    assert refused(client, nested(4))[2] == "QUERY_TOO_COMPLEX"
    assert refused(client, "{ a: __typename b: __typename }")[2] == "QUERY_TOO_COMPLEX"
    assert refused(client, "{ stories(first: 30) { edges { node { slug } } } }")[2] == (
        "QUERY_TOO_COMPLEX"
    )


def test_batched_requests_are_refused(client):
    response = post(client, [{"query": "{ __typename }"}, {"query": "{ __typename }"}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "The request body must be a JSON object."


@pytest.mark.parametrize("size", [0, 101])
def test_list_arguments_stay_within_1_to_100(gql, size):
    result = gql(
        "query($tags: [String!]) { stories(filter: {tags: $tags}) { totalCount } }",
        {"tags": [f"t{n}" for n in range(size)]},
    )
    if size == 0:
        assert result == {"data": {"stories": {"totalCount": 0}}}
    else:
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
