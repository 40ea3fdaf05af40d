"""Anonymous callers are rate-limited per address; cached answers are free."""

import json

import pytest
from django.test import override_settings

from tests.factories import make_story

pytestmark = pytest.mark.django_db


def post(client, document, address="203.0.113.7", **headers):
    return client.post(
        "/graphql",
        json.dumps({"query": document}),
        content_type="application/json",
        REMOTE_ADDR=address,
        headers={"cache-control": "no-cache", **headers},
    )


@override_settings(CMS_RATE_LIMIT=3, CMS_RATE_LIMIT_WINDOW=60)
def test_over_the_limit_a_caller_gets_429_with_retry_after(client):
    make_story("s")
    for remaining in (2, 1, 0):
        response = post(client, '{ story(slug: "s") { slug } }')
        assert response.status_code == 200
        assert response["RateLimit-Limit"] == "3"
        assert response["RateLimit-Remaining"] == str(remaining)
        assert 0 < int(response["RateLimit-Reset"]) <= 60
    response = post(client, '{ story(slug: "s") { slug } }')
    assert response.status_code == 429
    assert response["Retry-After"] == response["RateLimit-Reset"]
    assert response["RateLimit-Remaining"] == "0"
    assert response.json() == {
        "errors": [
            {
                "message": f"Too many requests; try again in {response['Retry-After']} seconds.",
                "extensions": {"code": "RATE_LIMITED"},
            }
        ]
    }
    other = post(client, '{ story(slug: "s") { slug } }', address="198.51.100.1")
    assert other.status_code == 200


@override_settings(CMS_RATE_LIMIT=2)
def test_cached_answers_do_not_count(client):
    make_story("s")
    for _ in range(10):
        response = client.get(
            "/graphql", {"query": '{ story(slug: "s") { slug } }'}, REMOTE_ADDR="203.0.113.9"
        )
        assert response.status_code == 200


@override_settings(CMS_RATE_LIMIT=1, CMS_TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(client):
    first = post(client, "{ __typename }", address="10.0.0.1", x_forwarded_for="203.0.113.5")
    second = post(client, "{ __typename }", address="10.0.0.1", x_forwarded_for="203.0.113.6")
    again = post(client, "{ __typename }", address="10.0.0.1", x_forwarded_for="203.0.113.5")
    assert (first.status_code, second.status_code, again.status_code) == (200, 200, 429)
