"""What HTTP clients and caches read from the headers: languages, validators, HEAD, and
whether the answer came from the response cache."""

import pytest

from tests.api.graphql_http.helpers import via_fast_path
from tests.factories import make_story

pytestmark = pytest.mark.django_db

STORY = '{ story(slug: "s", language: "zh-hans") { title language } }'
HEADER_STORY = '{ story(slug: "s") { title language } }'


@pytest.fixture
def story():
    return make_story("s")


def test_content_language_is_the_language_served_not_the_header(client, story):
    for _ in range(2):  # Computed, then from the cache.
        response = client.get("/graphql", {"query": STORY}, headers={"accept-language": "en"})
        assert response.json()["data"]["story"]["language"] == "zh-hans"
        assert response["Content-Language"] == "zh-hans"
    _status, headers, _body, _queries = via_fast_path(query={"query": STORY})
    assert headers["Content-Language"] == "zh-hans"


def test_content_language_of_a_fallback_is_the_fallback(client):
    make_story("s", languages=("en",))
    response = client.get("/graphql", {"query": STORY})
    assert response.json()["data"]["story"]["language"] == "en"
    assert response["Content-Language"] == "en"


def test_content_language_follows_accept_language_without_an_argument(client, story):
    response = client.get("/graphql", {"query": HEADER_STORY}, headers={"accept-language": "zh-CN"})
    assert response["Content-Language"] == "zh-hans"


@pytest.mark.parametrize("validator", ["{etag}", "W/{etag}", '"other", W/{etag}', "*"])
def test_if_none_match_compares_weakly_and_understands_a_star(client, story, validator):
    etag = client.get("/graphql", {"query": STORY})["ETag"]
    response = client.get(
        "/graphql", {"query": STORY}, headers={"if-none-match": validator.format(etag=etag)}
    )
    assert response.status_code == 304
    assert response.content == b""


def test_an_other_etag_gets_the_answer(client, story):
    response = client.get("/graphql", {"query": STORY}, headers={"if-none-match": 'W/"nope"'})
    assert response.status_code == 200


def test_head_answers_like_get_without_a_body(client, story):
    get = client.get("/graphql", {"query": STORY})
    for _ in range(2):  # Computed, then from the cache.
        head = client.head("/graphql", {"query": STORY})
        assert head.status_code == 200
        assert head.content == b""
        assert head["ETag"] == get["ETag"]
        assert head["Content-Length"] == str(len(get.content))
    status, headers, body, _queries = via_fast_path(query={"query": STORY}, method="HEAD")
    assert status.startswith("200")
    assert (headers["ETag"], headers["Content-Length"], body) == (
        get["ETag"],
        str(len(get.content)),
        b"",
    )


@pytest.mark.parametrize(
    "path", ["/feeds/en/rss.xml", "/feeds/zh-hans/atom.xml", "/feeds/en/feed.json"]
)
def test_head_works_on_feeds(client, story, path):
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head["Content-Type"] == get["Content-Type"]
    assert head["ETag"] == get["ETag"]
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))


def test_cache_status_says_whether_the_answer_came_from_the_response_cache(client, story):
    first = client.get("/graphql", {"query": STORY})
    assert first["Cache-Status"] == "ainews-origin; fwd=miss; stored"
    second = client.get("/graphql", {"query": STORY})
    assert second["Cache-Status"].startswith("ainews-origin; hit; ttl=")
    _status, headers, _body, _queries = via_fast_path(query={"query": STORY})
    assert headers["Cache-Status"].startswith("ainews-origin; hit; ttl=")
    fresh = client.get("/graphql", {"query": STORY}, headers={"cache-control": "no-cache"})
    assert fresh["Cache-Status"] == "ainews-origin; fwd=request; stored"


def test_answers_the_cache_never_stores_say_so(client, story):
    mutation = client.post(
        "/graphql",
        {"query": 'mutation { recordView(slug: "s") { viewCount } }'},
        content_type="application/json",
    )
    assert mutation["Cache-Status"] == "ainews-origin; fwd=bypass"
    error = client.get("/graphql", {"query": '{ story(slug: "s", language: "fr") { title } }'})
    assert error["Cache-Status"] == "ainews-origin; fwd=miss"
