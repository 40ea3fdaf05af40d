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


DECLARING = "query($slug: String!) { story(slug: $slug) { slug } }"
DECLARING_HASH = hashlib.sha256(DECLARING.encode()).hexdigest()


def test_a_hash_sent_alone_is_cached_on_the_variables_its_document_declares(client):
    """Variables the persisted document does not declare make no new cache entries: the
    answer stored for the document sent in full is the one every hash-only request gets."""
    from tests.api.caching.helpers import stored_answers

    stored = post(
        client,
        {"query": DECLARING, "variables": {"slug": "s"}, "extensions": extensions(DECLARING_HASH)},
    )
    assert stored["Cache-Status"].endswith("fwd=miss; stored")
    for noise in range(12):
        response = get(
            client, ext=extensions(DECLARING_HASH), variables={"slug": "s", f"junk{noise}": noise}
        )
        assert without_cost(response.json()) == {"data": {"story": {"slug": "s"}}}
        assert response["Cache-Status"].startswith("ainews-origin; hit")
    assert stored_answers("gql:") == 1
    # A declared variable still keys the answer.
    other = get(client, ext=extensions(DECLARING_HASH), variables={"slug": "missing"})
    assert other.json()["data"] == {"story": None}
    assert stored_answers("gql:") == 2


def test_a_hash_the_fast_path_read_before_its_document_was_known_is_keyed_once_it_is():
    """The fast path does not keep the reading of a hash whose document it could not find:
    once a client sends the document, the same query string is a hit before Django."""
    from django.test import Client

    from api.graphql_http import fastpath, request
    from tests.api.graphql_http.helpers import via_fast_path

    # Neither the reading nor the document's variables are known from an earlier test.
    fastpath._readings.clear()
    request._persisted_names.clear()
    query = {
        "extensions": json.dumps(extensions(DECLARING_HASH)),
        "variables": json.dumps({"slug": "s", "junk": 1}),
    }
    status, _headers, body, _queries = via_fast_path(query=query, django_may_answer=True)
    assert (status, json.loads(body)["errors"][0]["message"]) == (
        "200 OK",
        "PersistedQueryNotFound",
    )
    post(
        Client(),
        {"query": DECLARING, "variables": {"slug": "s"}, "extensions": extensions(DECLARING_HASH)},
    )
    status, headers, body, queries = via_fast_path(query=query)
    assert (status, queries) == ("200 OK", 0)
    assert headers["Cache-Status"].startswith("ainews-origin; hit")
    assert without_cost(json.loads(body)) == {"data": {"story": {"slug": "s"}}}
