"""Counts one client cannot steer: aliases of one field count once per request, a client's
repeats within the counting window count once (an IPv6 client by its /64), and a replayed
attack leaves the hot ranking where one reader would."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cms.counting.ranking import recompute_hot
from cms.models import Story
from tests.counting.support import flush_counts
from tests.factories import make_story

pytestmark = [pytest.mark.django_db, pytest.mark.counted_once]

VIEW = "mutation($slug: String!) { recordView(slug: $slug) { viewCount } }"
SHARE = "mutation($slug: String!) { recordShare(slug: $slug, network: NET) { shareCount } }"


def post(document, variables=None, address="203.0.113.7", **headers):
    response = Client(REMOTE_ADDR=address).post(
        "/graphql",
        json.dumps({"query": document, "variables": variables or {}}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    return response.json()


def views(slug, address):
    return post(VIEW, {"slug": slug}, address)["data"]["recordView"]["viewCount"]


def test_fifteen_aliased_shares_in_one_request_count_one_share():
    make_story("aliased")
    fields = " ".join(
        f'a{n}: recordShare(slug: "aliased", network: "x") {{ shareCount }}' for n in range(15)
    )
    data = post("mutation { " + fields + " }")["data"]
    assert {answer["shareCount"] for answer in data.values()} == {1}
    flush_counts()
    assert Story.objects.get(slug="aliased").share_count == 1


def test_aliased_views_count_one_view_even_without_a_window(settings):
    settings.CMS_COUNT_WINDOW = 0
    make_story("aliased")
    fields = " ".join(f'a{n}: recordView(slug: "aliased") {{ viewCount }}' for n in range(15))
    data = post("mutation { " + fields + " }")["data"]
    assert {answer["viewCount"] for answer in data.values()} == {1}


def test_a_client_repeating_a_view_is_counted_once_and_others_still_count():
    make_story("repeated")
    assert [views("repeated", "198.51.100.1") for _ in range(5)] == [1, 1, 1, 1, 1]
    assert views("repeated", "198.51.100.2") == 2
    flush_counts()
    assert Story.objects.get(slug="repeated").view_count == 2


def test_ipv6_addresses_of_one_64_are_one_client_and_another_64_is_another():
    make_story("six")
    assert views("six", "2001:db8:1:2::1") == 1
    assert views("six", "2001:db8:1:2:ffff:1234:5678:9abc") == 1
    assert views("six", "2001:db8:1:3::1") == 2


def test_a_reader_id_the_site_sends_is_the_client_where_trusted(settings):
    make_story("site")
    assert [views("site", "10.0.0.5") for _ in range(2)] == [1, 1]
    settings.CMS_TRUST_READER_ID = True
    for reader, expected in (("r-1", 2), ("r-1", 2), ("r-2", 3)):
        answer = post(VIEW, {"slug": "site"}, "10.0.0.5", **{"X-Reader-Id": reader})
        assert answer["data"]["recordView"]["viewCount"] == expected


def test_ipv6_clients_get_one_rate_limit_budget_per_64(settings):
    settings.CMS_RATE_LIMIT = 3
    # Each a different document: answers from the response cache spend no budget.
    answers = [
        Client(REMOTE_ADDR=f"2001:db8:5:6::{n:x}").post(
            "/graphql", {"query": f"{{ n{n}: __typename }}"}, content_type="application/json"
        )
        for n in range(1, 6)
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429, 429]
    other = Client(REMOTE_ADDR="2001:db8:5:7::1").post(
        "/graphql", {"query": "{ other: __typename }"}, content_type="application/json"
    )
    assert other.status_code == 200


def test_forty_requests_from_one_address_leave_the_ranking_where_one_reader_puts_it():
    published = timezone.now() - timedelta(hours=1)
    attacked = make_story("attacked", hot=5)
    honest = make_story("honest", hot=5)
    Story.objects.filter(pk__in=[attacked.pk, honest.pk]).update(
        published_at=published, hot_prior=5, hot_prior_views=0, hot_prior_shares=0
    )
    # The attack as replayed: 40 requests, each viewing and sharing in as many aliases as
    # the limits let through (15).
    attack = (
        "mutation { "
        + " ".join(
            f'v{n}: recordView(slug: "attacked") {{ viewCount }} '
            f's{n}: recordShare(slug: "attacked", network: "x") {{ shareCount }}'
            for n in range(7)
        )
        + " }"
    )
    for _ in range(40):
        answer = post(attack, address="192.0.2.66")
        assert "errors" not in answer, answer
    post(VIEW, {"slug": "honest"}, "192.0.2.77")
    post(SHARE.replace("NET", '"x"'), {"slug": "honest"}, "192.0.2.77")
    flush_counts()
    recompute_hot()
    attacked.refresh_from_db()
    honest.refresh_from_db()
    assert (attacked.view_count, attacked.share_count) == (1, 1)
    assert attacked.hot == honest.hot
    assert attacked.hot < 20
