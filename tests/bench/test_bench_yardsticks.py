"""The benchmark's hand-written yardsticks answer exactly what GraphQL answers."""

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

from cms.demo import loader

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench_urls():
    import importlib

    import api.urls

    with override_settings(CMS_BENCH_VIEWS=True):
        clear_url_caches()
        importlib.reload(api.urls)
        yield
    clear_url_caches()
    importlib.reload(api.urls)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_hand_written_views_return_the_same_bytes_as_graphql(
    client, gql, contract, bench_urls, language
):
    loader.load()
    graphql_front = gql(contract("front_page.graphql"), {"language": language, "first": 20})
    hand_front = client.get("/bench/front-page", {"language": language, "first": 20}).json()
    assert hand_front == graphql_front
    slug = "china-may-have-accessed-mythos"
    graphql_story = gql(contract("story_page.graphql"), {"slug": slug, "language": language})
    hand_story = client.get("/bench/story-page", {"slug": slug, "language": language}).json()
    assert hand_story == graphql_story
    if language == "en":
        assert client.get("/bench/plain").json() == graphql_front
