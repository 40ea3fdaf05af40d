"""Persisted queries in the protocol of Apollo Client's persisted-query link."""

import hashlib
import json

import pytest
from django.test import override_settings

from api.graphql_http import persisted
from tests.conftest import CONTRACT_DIR, without_cost
from tests.factories import make_story

pytestmark = pytest.mark.django_db

QUERY = '{ story(slug: "s") { slug } }'
HASH = hashlib.sha256(QUERY.encode()).hexdigest()


def extensions(digest=HASH, version=1):
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


def get(client, query=None, ext=None, variables=None):
    params = {}
    if query is not None:
        params["query"] = query
    if ext is not None:
        params["extensions"] = json.dumps(ext)
    if variables is not None:
        params["variables"] = json.dumps(variables)
    return client.get("/graphql", params)


def post(client, body):
    return client.post("/graphql", json.dumps(body), content_type="application/json")


@pytest.fixture(autouse=True)
def story():
    make_story("s")


@pytest.fixture(autouse=True)
def fresh_registry():
    persisted.registered.cache_clear()
    yield
    persisted.registered.cache_clear()


def test_an_unknown_hash_asks_the_client_for_the_document(client):
    response = get(client, ext=extensions())
    assert response.status_code == 200
    assert response.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    assert response["Cache-Control"] == "no-store"


def test_a_document_sent_with_its_hash_is_remembered_for_get_requests(client):
    first = post(client, {"query": QUERY, "extensions": extensions()})
    assert without_cost(first.json()) == {"data": {"story": {"slug": "s"}}}
    response = get(client, ext=extensions())
    assert response.status_code == 200
    assert without_cost(response.json()) == {"data": {"story": {"slug": "s"}}}
    assert response["Cache-Control"].startswith("public")


def test_a_hash_that_does_not_match_the_document_is_refused(client):
    response = post(client, {"query": QUERY, "extensions": extensions("0" * 64)})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_HASH_MISMATCH"}
    assert get(client, ext=extensions("0" * 64)).json()["errors"][0]["message"] == (
        "PersistedQueryNotFound"
    )


@pytest.mark.parametrize(
    "ext",
    [
        extensions(version=2),
        extensions(digest="abc"),
        extensions(digest=123),
        {"persistedQuery": "yes"},
    ],
)
def test_malformed_persisted_query_extensions_are_clear_errors(client, ext):
    response = get(client, ext=ext)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_INVALID"}


@override_settings(GRAPHQL_DOCUMENT_DIRS=[str(CONTRACT_DIR)], GRAPHQL_PERSISTED_ONLY=True)
def test_allow_list_mode_runs_only_registered_documents(client):
    refused = post(client, {"query": QUERY})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"] == {"code": "PERSISTED_QUERY_REQUIRED"}
    document = (CONTRACT_DIR / "story_page.graphql").read_text(encoding="utf-8")
    digest = hashlib.sha256(document.encode()).hexdigest()
    response = get(client, ext=extensions(digest), variables={"slug": "s", "language": "en"})
    assert response.status_code == 200
    assert response.json()["data"]["story"]["slug"] == "s"
