"""The partner surface as a partner's client meets it: the guide's examples run as
written, and bad tokens, page sizes, keys, parameters and ninjs addresses each get a clear
JSON error with a stable code, never a 500 (hypothesis sends what no example thought of)."""

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.models import ApiKey, Partner
from tests.factories import make_story

pytestmark = pytest.mark.django_db

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "partners.md"
SYNC_CODES = {"BAD_USER_INPUT", "SYNC_TOKEN_INVALID", "SYNC_TOKEN_WRONG_KEY", "UNAUTHENTICATED"}
# Refusals of the request itself: a NUL byte in a variable, a page too costly.
REQUEST_CODES = {"BAD_REQUEST", "QUERY_TOO_COMPLEX"}
EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def issue(**fields):
    partner, _created = Partner.objects.get_or_create(name="Partner")
    fields.setdefault("scopes", ["read", "full_text"])
    _key, secret = ApiKey.issue(partner=partner, name="k", per_minute=100_000, **fields)
    return {"authorization": f"Bearer {secret}"}


def guide_block(language, containing):
    """The guide's code block in `language` that holds `containing`, as written."""
    blocks = re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(), re.S)
    return next(block for block in blocks if containing in block)


def post(client, headers, query, variables=None):
    body = {"query": query, "variables": variables or {}}
    return client.post(
        "/graphql", json.dumps(body), content_type="application/json", headers=headers
    )


def test_the_guides_graphql_sync_query_runs_as_written_through_every_page(client):
    for _ in range(3):
        make_story()
    headers = issue()
    query = guide_block("graphql", "sync(token: $token")
    token, pages = None, 0
    while True:
        answer = post(client, headers, query, {"token": token}).json()
        assert "errors" not in answer, answer["errors"]
        page = answer["data"]["sync"]
        pages += 1
        token = page["nextToken"]
        if not page["hasMore"]:
            break
    assert pages == 1 and len(page["items"]) == 6


def test_the_guides_viewer_query_runs_as_written(client):
    answer = post(client, issue(), guide_block("graphql", "viewer")).json()
    assert "errors" not in answer and answer["data"]["viewer"]["partner"] == "Partner"


def sync_refusal(response):
    assert response.status_code in (400, 401, 403, 410), response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "private, no-store"
    error = response.json()["errors"][0]
    assert error["message"] and error["extensions"]["code"] in SYNC_CODES | {"SYNC_TOKEN_EXPIRED"}
    return error["extensions"]["code"]


@pytest.mark.parametrize(
    "query, code",
    [
        ("token=", "SYNC_TOKEN_INVALID"),  # a lost token is not a first sync
        ("first=10&first=20", "BAD_USER_INPUT"),
        ("token=a&token=b", "BAD_USER_INPUT"),
    ],
)
def test_http_sync_refuses_an_empty_token_and_parameters_given_twice(client, query, code):
    assert sync_refusal(client.get(f"/sync?{query}", headers=issue())) == code


@EXAMPLES
@given(first=st.text(max_size=12), token=st.none() | st.text(max_size=300))
def test_any_first_and_token_over_http_is_a_page_or_a_clear_refusal(client, first, token):
    query = f"first={quote(first)}" + ("" if token is None else f"&token={quote(token)}")
    response = client.get(f"/sync?{query}", headers=HEADERS["key"])
    if response.status_code != 200:
        sync_refusal(response)
    else:
        assert set(response.json()) == {"items", "nextToken", "hasMore"}


@EXAMPLES
@given(first=st.integers(-(2**31), 2**31 - 1), token=st.none() | st.text(max_size=300))
def test_any_first_and_token_in_graphql_is_a_page_or_a_clear_error(client, first, token):
    answer = post(
        client,
        HEADERS["key"],
        "query($t: String, $f: Int!) { sync(token: $t, first: $f) { hasMore nextToken } }",
        {"t": token, "f": first},
    )
    assert answer.status_code in (200, 400), answer.content
    body = answer.json()
    if body.get("errors"):
        assert body["errors"][0]["extensions"]["code"] in SYNC_CODES | REQUEST_CODES
    else:
        assert body["data"]["sync"]["nextToken"]


@EXAMPLES
@given(key=st.text(max_size=80))
def test_any_authorization_on_sync_is_refused_clearly(client, key):
    header = f"Bearer {key}".encode("utf-8", "surrogatepass").decode("latin-1", "replace")
    sync_refusal(client.get("/sync", headers={"authorization": header}))


@pytest.fixture(autouse=True)
def key_for_hypothesis():
    HEADERS["key"] = issue()


HEADERS = {}


@pytest.mark.parametrize(
    "path",
    [
        "/ninjs/en/some-story",
        "/ninjs/en/some-story.json/",
        "/ninjs/en/..%2f..%2fetc.json",
        "/ninjs/",
        "/ninjs/en/a/b.json",
        "/ninjs/schema/9.9.json",
    ],
)
def test_any_other_ninjs_address_is_a_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_a_ninjs_version_given_twice_is_refused(client):
    story = make_story()
    response = client.get(f"/ninjs/en/{story.slug}.json?version=3.1&version=2.2")
    assert response.status_code == 400
    assert "once" in response.json()["error"]["message"]


@EXAMPLES
@given(
    language=st.text(min_size=1, max_size=12).filter(lambda t: "/" not in t),
    slug=st.text(min_size=1, max_size=60),
    version=st.none() | st.text(max_size=8),
)
def test_any_ninjs_address_is_an_item_or_a_clear_json_error(client, language, slug, version):
    path = f"/ninjs/{quote(language, safe='')}/{quote(slug, safe='')}.json"
    if version is not None:
        path += f"?version={quote(version)}"
    response = client.get(path)
    assert response.status_code in (200, 301, 400, 404), response.content
    if response.status_code != 301:
        assert response["Content-Type"] == "application/json"
