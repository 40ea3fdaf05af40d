"""The /graphql endpoint over HTTP: GET, POST and the in-browser explorer."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.caching.responses import next_publication_at
from tests.conftest import without_cost
from tests.factories import make_story

pytestmark = pytest.mark.django_db


def test_queries_can_be_sent_as_get_requests(client):
    make_story("s")
    response = client.get(
        "/graphql",
        {"query": "query($s: String!) { story(slug: $s) { slug } }", "variables": '{"s": "s"}'},
    )
    assert response.status_code == 200
    assert without_cost(response.json()) == {"data": {"story": {"slug": "s"}}}


def test_mutations_are_refused_over_get(client):
    make_story("s")
    response = client.get("/graphql", {"query": 'mutation { recordView(slug: "s") { viewCount } }'})
    assert response.status_code == 405


def test_a_browser_gets_graphiql(client):
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert b"graphiql" in response.content.lower()


def test_total_count_costs_a_query_only_when_asked_for(client):
    make_story()

    def queries(document):
        next_publication_at()
        with CaptureQueriesContext(connection) as captured:
            client.post(
                "/graphql", json.dumps({"query": document}), content_type="application/json"
            )
        return len(captured)

    without = queries("{ stories { edges { node { slug } } } }")
    with_count = queries("{ stories { totalCount edges { node { slug } } } }")
    assert with_count == without + 1


@pytest.mark.parametrize("document", ["{", "{ 8f31403dfe404bccbb0e835f2629c6a7 }"])
def test_a_document_that_does_not_parse_is_a_graphql_error_not_a_crash(client, document):
    as_json = client.post(
        "/graphql", json.dumps({"query": document}), content_type="application/json"
    )
    assert as_json.status_code == 200
    assert as_json["Content-Type"] == "application/json"
    body = as_json.json()
    assert "data" not in body
    assert body["errors"][0]["message"].startswith("Syntax Error")
    strict = client.post(
        "/graphql",
        json.dumps({"query": document}),
        content_type="application/json",
        headers={"accept": "application/graphql-response+json"},
    )
    assert strict.status_code == 400
    assert strict["Content-Type"] == "application/graphql-response+json"
    assert "data" not in strict.json()
    assert client.get("/graphql", {"query": document}).status_code == 200
