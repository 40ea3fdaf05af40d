"""Malformed HTTP requests get clear 4xx answers, never a 500."""

import json

import pytest

pytestmark = pytest.mark.django_db


def code_of(response):
    return response.json()["errors"][0]["extensions"]["code"]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b'{"query": ', "application/json", 400, "BAD_REQUEST"),
        (b"\xff\xfe{}", "application/json", 400, "BAD_REQUEST"),
        (b'{"query": "{ __typename }"}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (
            b"query=%7B__typename%7D",
            "application/x-www-form-urlencoded",
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (b'{"query": 42}', "application/json", 400, "BAD_REQUEST"),
        (b'{"query": "{ __typename }", "variables": "x"}', "application/json", 400, "BAD_REQUEST"),
        (b'{"query": "{ __typename }", "extensions": []}', "application/json", 400, "BAD_REQUEST"),
        (
            b'{"query": "{ __typename }", "operationName": 1}',
            "application/json",
            400,
            "BAD_REQUEST",
        ),
        (b"[]", "application/json", 400, "BAD_REQUEST"),
        (b"{}", "application/json", 400, "BAD_REQUEST"),
        (b"null", "application/json", 400, "BAD_REQUEST"),
    ],
)
def test_malformed_posts_are_clear_4xx_errors(client, body, content_type, status, code):
    response = client.generic("POST", "/graphql", body, content_type=content_type)
    assert response.status_code == status
    assert code_of(response) == code


def test_a_cross_site_form_post_cannot_run_a_mutation(client):
    response = client.post(
        "/graphql", {"query": 'mutation { recordView(slug: "s") { viewCount } }'}
    )
    assert response.status_code == 415


def test_nul_bytes_are_a_parse_error_not_a_crash(client):
    body = json.dumps({"query": "{ __typename \u0000 }"})
    response = client.post("/graphql", body, content_type="application/json")
    assert response.status_code == 200
    assert code_of(response) == "GRAPHQL_PARSE_FAILED"


@pytest.mark.parametrize(
    "variables", [{"slug": "a\u0000b"}, {"f": {"tags": ["\u0000"]}}, {"\u0000": 1}]
)
def test_nul_bytes_in_variables_are_refused_before_reaching_the_database(client, variables):
    body = json.dumps(
        {"query": "query($slug: String) { story(slug: $slug) { slug } }", "variables": variables}
    )
    response = client.post("/graphql", body, content_type="application/json")
    assert response.status_code == 400
    assert (
        response.json()["errors"][0]["message"]
        == "Text in `variables` may not contain NUL characters."
    )


def test_a_huge_body_is_refused_with_413_before_it_is_read(client):
    body = json.dumps({"query": "{ __typename }", "variables": {"x": "a" * 70000}})
    response = client.post("/graphql", body, content_type="application/json")
    assert response.status_code == 413
    assert code_of(response) == "PAYLOAD_TOO_LARGE"


def test_an_unknown_operation_name_is_a_clear_error(client):
    body = json.dumps({"query": "query A { __typename }", "operationName": "B"})
    response = client.post("/graphql", body, content_type="application/json")
    assert response.json()["errors"][0]["message"] == "Unknown operation named “B”."
    several = json.dumps({"query": "query A { __typename } query B { __typename }"})
    response = client.post("/graphql", several, content_type="application/json")
    assert code_of(response) == "GRAPHQL_VALIDATION_FAILED"


def test_variables_of_the_wrong_type_are_bad_user_input(client):
    body = json.dumps(
        {"query": "query($s: String!) { story(slug: $s) { slug } }", "variables": {"s": [1]}}
    )
    response = client.post("/graphql", body, content_type="application/json")
    assert response.status_code == 200
    assert code_of(response) == "BAD_USER_INPUT"


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


@pytest.mark.parametrize("params", [{"variables": "{"}, {"extensions": "[1"}, {}])
def test_malformed_get_parameters_are_400(client, params):
    query = {"query": "{ __typename }", **params} if params else {}
    response = client.get("/graphql", query)
    assert response.status_code == 400
