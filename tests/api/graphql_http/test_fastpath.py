"""Response-cache hits served before Django answer exactly as Django would."""

from unittest import mock

import pytest

from api.graphql_http import fastpath
from tests.api.graphql_http.helpers import QUERY, via_fast_path
from tests.factories import make_story

pytestmark = pytest.mark.django_db

VOLATILE = {"X-Request-ID", "Content-Length"}


@pytest.mark.parametrize("headers", [{}, {"accept-language": "zh-CN"}])
def test_a_hit_has_the_same_bytes_and_headers_as_the_full_stack(client, headers):
    make_story("s")
    django = client.get("/graphql", QUERY, headers=headers)
    django_again = client.get("/graphql", QUERY, headers=headers)
    status, fast_headers, body, queries = via_fast_path(headers)
    assert status == "200 OK"
    assert body == django_again.content == django.content
    assert queries == 0
    expected = {k: v for k, v in django_again.items() if k not in VOLATILE}
    assert {k: v for k, v in fast_headers.items() if k not in VOLATILE} == expected
    assert fast_headers["Content-Length"] == str(len(body))


def test_revalidation_is_answered_with_304(client):
    make_story("s")
    etag = client.get("/graphql", QUERY)["ETag"]
    status, headers, body, _queries = via_fast_path({"if-none-match": etag})
    assert (status, body, headers["ETag"]) == ("304 Not Modified", b"", etag)


@pytest.mark.parametrize(
    "headers",
    [{"authorization": "Bearer x"}, {"cache-control": "no-cache"}, {"host": "evil.example"}],
)
def test_private_fresh_or_foreign_requests_go_to_django(client, headers):
    make_story("s")
    client.get("/graphql", QUERY)
    with pytest.raises(AssertionError, match="fell through to Django"):
        via_fast_path(headers)
    status, _headers, _body, _queries = via_fast_path(headers, django_may_answer=True)
    assert status.startswith(("200", "400", "401"))


def counting_reads_and_lookups():
    """Patches counting how often a request's query string is parsed and how often the
    response cache is looked up, by the fast path and the view together."""
    from api.caching import responses
    from api.graphql_http import request

    parses = mock.patch.object(request, "parse_query_string", wraps=request.parse_query_string)
    lookups = mock.patch.object(responses, "lookup", wraps=responses.lookup)
    return parses, lookups


@pytest.mark.parametrize("headers", [{}, {"accept-language": "zh-CN"}])
def test_a_miss_is_read_once_and_looked_up_once(headers):
    make_story("s")
    fastpath._readings.clear()  # Not read by an earlier test.
    parse, look_up = counting_reads_and_lookups()
    with parse as parses, look_up as lookups:
        status, response_headers, body, _queries = via_fast_path(headers, django_may_answer=True)
    assert status == "200 OK"
    assert b'"title"' in body
    assert response_headers["Cache-Status"].endswith("fwd=miss; stored")
    assert parses.call_count == 1
    assert lookups.call_count == 1
    # Stored by the view under the key the fast path looked up: the next one is a hit.
    status, _headers, _body, queries = via_fast_path(headers)
    assert (status, queries) == ("200 OK", 0)


def test_a_hit_whose_counts_left_the_shared_cache_is_looked_up_once_and_served_by_django(client):
    from django.core.cache import cache

    from cms.counting.flush import COUNTERS, cache_key

    story = make_story("s")
    query = {"query": '{ story(slug: "s") { title viewCount shareCount } }'}
    stored = client.get("/graphql", query)
    assert stored["Cache-Status"].endswith("fwd=miss; stored")
    cache.delete_many([cache_key(story.pk, counter) for counter in COUNTERS])
    fastpath._readings.clear()
    parse, look_up = counting_reads_and_lookups()
    with parse as parses, look_up as lookups:
        status, headers, body, queries = via_fast_path(query=query, django_may_answer=True)
    assert status == "200 OK"
    assert headers["Cache-Status"].startswith("ainews-origin; hit")
    assert body == stored.content
    assert (parses.call_count, lookups.call_count) == (1, 1)
    assert queries >= 1  # The counts, read from the database by the view.
