"""The view and the WSGI fast path read a GraphQL request the same way, and refuse what
must not reach hashing, caching or validation."""

import json
from urllib.parse import urlencode

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from api.graphql_http.fastpath import cached_answer
from api.wsgi import application
from tests.factories import make_story

pytestmark = pytest.mark.django_db

QUERY = '{ story(slug: "s") { title } }'
OTHER = '{ story(slug: "other") { title } }'


def wsgi_get(query_string, **headers):
    """A GET through the whole WSGI application (fast path, then Django)."""
    environ = RequestFactory().get("/graphql", headers=headers).environ
    environ["QUERY_STRING"] = query_string
    captured = {}

    def start_response(status, response_headers):
        captured["status"] = int(status.split()[0])

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return captured["status"], json.loads(body), environ


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
