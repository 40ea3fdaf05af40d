"""Malformed requests get clear answers, never a 500: bodies, parameters, documents and variables,
read the same way by the view and the WSGI fast path, and refused before they reach hashing,
caching or validation."""

import json
from urllib.parse import urlencode

import pytest

from api.graphql_http.fastpath import cached_answer
from tests.api.graphql_http.helpers import code_of, wsgi_get
from tests.factories import make_story

pytestmark = pytest.mark.django_db

QUERY = '{ story(slug: "s") { title } }'
OTHER = '{ story(slug: "other") { title } }'


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


@pytest.mark.parametrize("params", [{"variables": "{"}, {"extensions": "[1"}, {}])
def test_malformed_get_parameters_are_400(client, params):
    query = {"query": "{ __typename }", **params} if params else {}
    response = client.get("/graphql", query)
    assert response.status_code == 400


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


def nested(depth):
    value = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("name", ["query", "variables", "operationName", "extensions"])
def test_a_repeated_graphql_parameter_is_refused_on_every_path(client, name):
    make_story("s")
    values = {
        "query": (QUERY, OTHER),
        "variables": ("{}", '{"slug": "s"}'),
        "operationName": ("A", "B"),
        "extensions": ("{}", "{}"),
    }[name]
    params = [("query", QUERY)] if name != "query" else []
    params += [(name, value) for value in values]
    query_string = urlencode(params)
    client.get(f"/graphql?query={QUERY}")  # Warm the cache for the first reading.
    status, body, environ = wsgi_get(query_string)
    assert status == 400
    assert body["errors"][0]["message"] == f"`{name}` is given more than once."
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert cached_answer(environ) is None
    response = client.get(f"/graphql?{query_string}")
    assert response.status_code == 400


@pytest.mark.parametrize("depth", [17, 300, 5000])
def test_deeply_nested_variables_are_a_clear_400_before_anything_runs(client, depth):
    # Written out: Python's own encoder cannot nest this deep.
    variables = '{"slug": ' + '{"a": ' * depth + '"x"' + "}" * depth + "}"
    status, body, _environ = wsgi_get(urlencode({"query": QUERY, "variables": variables}))
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    response = client.post(
        "/graphql",
        json.dumps({"query": QUERY, "variables": {"slug": nested(min(depth, 900))}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "nested deeper than 16 levels" in response.json()["errors"][0]["message"]
    assert "X-Request-ID" in response


def test_variables_with_too_many_values_are_refused(client):
    response = client.post(
        "/graphql",
        json.dumps({"query": QUERY, "variables": {"slug": "s", "many": list(range(10001))}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == ("`variables` holds more than 10000 values.")


def test_nesting_within_the_limit_is_read_as_usual(gql):
    make_story("s")
    # The variables object and 15 levels in it: 16, the limit.
    result = gql(
        "query($slug: String!) { story(slug: $slug) { title } }",
        {"slug": "s", "extra": nested(15)},
    )
    assert result == {"data": {"story": {"title": "s en title"}}}


def test_the_refusal_is_translated(client):
    response = client.post(
        "/graphql",
        json.dumps({"query": QUERY, "variables": {"slug": nested(40)}}),
        content_type="application/json",
        headers={"accept-language": "zh-CN"},
    )
    assert response.json()["errors"][0]["message"] == "`variables` 的嵌套超过 16 层。"
