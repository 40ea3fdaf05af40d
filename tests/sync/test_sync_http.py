"""The sync over HTTP: the GraphQL `sync` field and `GET /sync`, as partners call them."""

import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import ApiKey, Partner, Story
from tests.factories import make_story

pytestmark = pytest.mark.django_db

SYNC = """
query Sync($token: String, $first: Int!) {
  sync(token: $token, first: $first) {
    items { type storyId language reason
            version { storyId slug language title tldr analysis { text } tags aiLabel } }
    nextToken hasMore
  }
}
"""


def issue(**fields):
    partner, _created = Partner.objects.get_or_create(name="Mirror Weekly")
    fields.setdefault("scopes", ["read", "full_text"])
    return ApiKey.issue(partner=partner, name="sync", **fields)


def graphql(client, secret, token=None, first=10):
    body = {"query": SYNC, "variables": {"token": token, "first": first}}
    headers = {"authorization": f"Bearer {secret}"} if secret else {}
    response = client.post(
        "/graphql", data=json.dumps(body), content_type="application/json", headers=headers
    )
    return response


def test_graphql_sync_pages_through_everything_and_is_never_cached(client):
    stories = [make_story() for _ in range(3)]
    _key, secret = issue()
    token, seen = None, set()
    while True:
        response = graphql(client, secret, token, first=2)
        assert response["Cache-Control"] == "private, no-store"
        page = response.json()["data"]["sync"]
        for item in page["items"]:
            assert item["type"] == "UPSERT" and item["reason"] is None
            seen.add((item["storyId"], item["language"]))
        token = page["nextToken"]
        if not page["hasMore"]:
            break
    assert seen == {(s.pk, code) for s in stories for code in ("en", "zh-hans")}
    # Asked again, the same document answers the later change: nothing was stored.
    make_story()
    again = graphql(client, secret, token).json()["data"]["sync"]
    assert len(again["items"]) == 2


def test_graphql_sync_refuses_without_a_key_and_with_another_keys_token(client):
    make_story()
    _key, secret = issue()
    _other, other_secret = issue()
    refused = graphql(client, None).json()
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    token = graphql(client, secret).json()["data"]["sync"]["nextToken"]
    refused = graphql(client, other_secret, token).json()
    assert refused["errors"][0]["extensions"]["code"] == "SYNC_TOKEN_WRONG_KEY"
    refused = graphql(client, secret, "not-a-token").json()
    assert refused["errors"][0]["extensions"]["code"] == "SYNC_TOKEN_INVALID"
    refused = graphql(client, secret, None, first=0).json()
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_http_sync_answers_json_pages_with_the_key_in_the_header(client):
    story = make_story()
    _key, secret = issue()
    auth = {"authorization": f"Bearer {secret}"}
    response = client.get("/sync?first=5", headers=auth)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert {(i["storyId"], i["language"]) for i in body["items"]} == {
        (story.pk, "en"),
        (story.pk, "zh-hans"),
    }
    assert body["hasMore"] is False
    later = client.get("/sync", {"token": body["nextToken"]}, headers=auth).json()
    assert later["items"] == [] and later["hasMore"] is False


@pytest.mark.parametrize(
    "query, status, code",
    [
        ({"first": "0"}, 400, "BAD_USER_INPUT"),
        ({"first": "many"}, 400, "BAD_USER_INPUT"),
        ({"first": "99999999999"}, 400, "BAD_USER_INPUT"),
        ({"token": "forged"}, 400, "SYNC_TOKEN_INVALID"),
        ({"token": "x" * 9000}, 400, "SYNC_TOKEN_INVALID"),
    ],
)
def test_http_sync_refuses_bad_input_with_a_clear_json_error(client, query, status, code):
    _key, secret = issue()
    response = client.get("/sync", query, headers={"authorization": f"Bearer {secret}"})
    assert response.status_code == status
    assert response.json()["errors"][0]["extensions"]["code"] == code


def test_http_sync_refuses_missing_keys_other_keys_tokens_and_expired_tokens(client, settings):
    make_story()
    _key, secret = issue()
    _other, other_secret = issue()
    assert client.get("/sync").status_code == 401
    token = client.get("/sync", headers={"authorization": f"Bearer {secret}"}).json()["nextToken"]
    other = client.get(
        "/sync", {"token": token}, headers={"authorization": f"Bearer {other_secret}"}
    )
    assert other.status_code == 403
    assert other.json()["errors"][0]["extensions"]["code"] == "SYNC_TOKEN_WRONG_KEY"
    settings.CMS_SYNC_TOKEN_MAX_AGE = -1
    expired = client.get("/sync", {"token": token}, headers={"authorization": f"Bearer {secret}"})
    assert expired.status_code == 410
    assert expired.json()["errors"][0]["extensions"]["code"] == "SYNC_TOKEN_EXPIRED"
    assert client.post("/sync", headers={"authorization": f"Bearer {secret}"}).status_code == 405


def queries_for_a_page(client, secret, token=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            "/sync",
            {"first": 10, **({"token": token} if token else {})},
            headers={"authorization": f"Bearer {secret}"},
        )
    assert response.status_code == 200
    return len(queries), response.json()


@pytest.mark.parametrize("phase", ["first sync", "changes"])
def test_a_pages_sql_count_does_not_grow_with_the_archive(client, phase):
    _key, secret = issue()
    queries_for_a_page(client, secret)  # the key's first request of the day adds its usage row
    counts = []
    for size in (12, 60):
        while Story.objects.count() < size:
            make_story()
        if phase == "first sync":
            count, _body = queries_for_a_page(client, secret)
        else:
            _count, body = queries_for_a_page(client, secret)
            while body["hasMore"]:
                _count, body = queries_for_a_page(client, secret, body["nextToken"])
            for _ in range(12):
                make_story()  # changes since the token: more than a page of them
            count, _body = queries_for_a_page(client, secret, body["nextToken"])
        counts.append(count)
    assert counts[0] == counts[1]


def guide_document():
    """The GraphQL sync document the partner guide tells partners to copy."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "partners.md").read_text()
    blocks = re.findall(r"```graphql\n(.*?)```", guide, re.S)
    return next(block for block in blocks if "sync(" in block)


def test_the_partner_guides_sync_document_is_answered_with_a_hundred_stories_a_page(client):
    for _ in range(3):
        make_story()
    _key, secret = issue()
    response = client.post(
        "/graphql",
        json.dumps({"query": guide_document(), "variables": {"token": None}}),
        content_type="application/json",
        headers={"authorization": f"Bearer {secret}"},
    )
    body = response.json()
    assert "errors" not in body, body
    # Each story gives an item per language: the cost counts two items a story, not ten.
    assert body["extensions"]["cost"]["requested"] < 5000
    assert len(body["data"]["sync"]["items"]) == 6
