"""The /graphql endpoint as a transport: GET and POST, which methods and media types it takes,
and the in-browser explorer."""

import pytest

from tests.api.graphql_http.helpers import code_of
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


def test_a_browser_gets_graphiql(client):
    response = client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert b"graphiql" in response.content.lower()


def test_a_cross_site_form_post_cannot_run_a_mutation(client):
    response = client.post(
        "/graphql", {"query": 'mutation { recordView(slug: "s") { viewCount } }'}
    )
    assert response.status_code == 415


def test_mutations_over_get_are_405(client):
    response = client.get("/graphql", {"query": 'mutation { recordView(slug: "s") { viewCount } }'})
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert code_of(response) == "METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(client, method):
    assert client.generic(method, "/graphql").status_code == 405


def test_an_unacceptable_media_type_is_406(client):
    response = client.get("/graphql", {"query": "{ __typename }"}, headers={"accept": "text/csv"})
    assert response.status_code == 406
