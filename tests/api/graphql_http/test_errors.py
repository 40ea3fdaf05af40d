"""Every error carries a code; nothing internal ever reaches the caller."""

import json
import logging

import pytest

from tests.factories import make_story

pytestmark = pytest.mark.django_db


def post(client, document, variables=None, **headers):
    response = client.post(
        "/graphql",
        json.dumps({"query": document, "variables": variables or {}}),
        content_type="application/json",
        headers=headers,
    )
    return response, response.json()


@pytest.mark.parametrize(
    ("document", "variables", "code"),
    [
        ("{ storys { totalCount } }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("{ stories { ", {}, "GRAPHQL_PARSE_FAILED"),
        ("query($n: Int!) { stories(first: $n) { totalCount } }", {"n": "many"}, "BAD_USER_INPUT"),
        ("query($n: Int!) { stories(first: $n) { totalCount } }", {}, "BAD_USER_INPUT"),
        ('{ stories(language: "fr") { totalCount } }', {}, "BAD_USER_INPUT"),
        ('{ node(id: "not-a-global-id") { id } }', {}, "BAD_USER_INPUT"),
        ('mutation { recordView(slug: "nope") { viewCount } }', {}, "NOT_FOUND"),
    ],
)
def test_every_error_carries_a_code(client, document, variables, code):
    _response, body = post(client, document, variables)
    assert [error["extensions"]["code"] for error in body["errors"]] == [code]


def test_field_suggestions_are_not_offered_outside_debug(client):
    _response, body = post(client, "{ storys { totalCount } }")
    assert body["errors"][0]["message"] == "Cannot query field 'storys' on type 'Query'."


def test_an_unexpected_failure_is_masked_and_logged_with_the_request_id(
    client, monkeypatch, caplog
):
    make_story("s")

    def explode(self):
        raise RuntimeError('SELECT secret FROM "cms_story" at /srv/app/api/schema/loaders.py')

    monkeypatch.setattr("cms.serving.stories.StoryBatch.translations", property(explode))
    with caplog.at_level(logging.ERROR, logger="api.graphql_http.errors"):
        response, body = post(client, '{ story(slug: "s") { title } }')
    request_id = response["X-Request-ID"]
    assert body["errors"] == [
        {
            "message": f"Internal server error. Quote request id {request_id} when reporting it.",
            "locations": [{"line": 1, "column": 22}],
            "path": ["story", "title"],
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        }
    ]
    assert "secret" not in response.content.decode()
    assert "/srv/app" not in response.content.decode()
    assert request_id in caplog.text
    assert "RuntimeError" in caplog.text


def test_messages_are_in_chinese_for_chinese_readers(client):
    _response, body = post(
        client, '{ stories(language: "fr") { totalCount } }', accept_language="zh-CN"
    )
    assert body["errors"][0]["message"] == "不支持的语言“fr”。支持的语言：en, zh-hans。"
    _response, body = post(
        client, "{ stories(first: 0) { totalCount } }", accept_language="zh-Hans"
    )
    assert body["errors"][0]["message"] == "`first` 必须在 1 到 100 之间；当前为 0。"


def test_a_nul_character_in_a_document_literal_is_bad_input_not_a_crash(client):
    from django.db import connection

    make_story("s")
    _response, body = post(client, '{ story(slug: "a\\u0000b") { slug } }')
    if connection.vendor == "postgresql":
        assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
        assert "NUL" in body["errors"][0]["message"]
    else:  # SQLite compares such text without complaint: there is simply no such story.
        assert body["data"] == {"story": None}
