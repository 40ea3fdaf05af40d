"""A list computed again reads the shared cache once; a request is counted in one trip."""

import json
import uuid
from unittest import mock

import pytest
import redis
from django.core.cache import caches

from api.caching.backend import ResilientRedisCache
from tests.conftest import without_cost
from tests.factories import make_source, make_story, make_tag

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/15"


def fresh(client, document, variables):
    response = client.post(
        "/graphql",
        json.dumps({"query": document, "variables": variables}),
        content_type="application/json",
        headers={"Cache-Control": "no-cache"},
    )
    assert response.status_code == 200, response.content
    return without_cost(response.json())


@pytest.fixture
def front_page():
    ai = make_tag("ai", en="AI", zh_hans="人工智能")
    source = make_source("semafor", en="Semafor", zh_hans="Semafor")
    for number in range(5):
        make_story(f"s{number}", hours_ago=number + 1, tags=[ai], source=source)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_front_page_computed_again_reads_the_shared_cache_in_one_round_trip(
    client, contract, front_page, language
):
    document = contract("front_page.graphql")
    variables = {"language": language, "first": 3}
    first = fresh(client, document, variables)
    cache = caches["default"]
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as reads:
        again = fresh(client, document, variables)
    assert again == first
    assert [edge["node"]["slug"] for edge in again["data"]["stories"]["edges"]] == [
        "s0",
        "s1",
        "s2",
    ]
    assert again["data"]["stories"]["totalCount"] == 5
    assert reads.call_count == 1


def test_a_story_that_joins_the_page_costs_one_more_read_and_shows(client, contract, front_page):
    document = contract("front_page.graphql")
    variables = {"language": "en", "first": 3}
    fresh(client, document, variables)
    make_story("newest", hours_ago=0.5)
    cache = caches["default"]
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as reads:
        after = fresh(client, document, variables)
    assert [edge["node"]["slug"] for edge in after["data"]["stories"]["edges"]] == [
        "newest",
        "s0",
        "s1",
    ]
    assert after["data"]["stories"]["totalCount"] == 6
    assert reads.call_count > 1
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as reads:
        assert fresh(client, document, variables) == after
    assert reads.call_count == 1


@pytest.fixture
def redis_cache():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"needs Redis at {REDIS_URL}")
    return ResilientRedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})


def test_on_redis_a_count_starts_at_one_and_lives_its_window(redis_cache):
    assert [redis_cache.count("rl:window", 60) for _ in range(3)] == [1, 2, 3]
    client = redis.Redis.from_url(REDIS_URL)
    ttl = client.ttl(redis_cache.make_key("rl:window"))
    assert 0 < ttl <= 60
    client.delete(redis_cache.make_key("rl:window"))


def test_with_redis_away_a_count_is_one():
    away = ResilientRedisCache("redis://127.0.0.1:9299/2", {})
    assert away.count("rl:window", 60) == 1
