"""Contract documents cost the same SQL whatever the page size: no N+1."""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.caching import keys
from api.caching.versions import advance, generation, next_publication_at, versions_at
from tests.factories import make_source, make_story, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_stories():
    tags = [make_tag(f"tag-{n}", en=f"Tag {n}", zh_hans=f"标签{n}") for n in range(3)]
    source = make_source("semafor", en="Semafor", zh_hans="Semafor")
    for number in range(110):
        languages = ("en",) if number % 3 == 0 else ("en", "zh-hans")
        make_story(
            f"s{number}",
            languages=languages,
            hours_ago=number + 1,
            tags=tags[: number % 3 + 1],
            source=source,
            source_url="https://www.semafor.com/a",
        )


def count_queries(gql, document, variables, clear=True):
    """SQL run to answer a document whose answer and stories are in no cache."""
    if clear:
        cache.clear()
    # The list versions exist in any running deployment, and the next publication time is
    # cached until stories change: neither is part of any one answer.
    versions_at([keys.STORIES, keys.TAGS], generation())
    next_publication_at()
    with CaptureQueriesContext(connection) as queries:
        result = gql(document, variables)
    assert "errors" not in result, result
    return len(queries)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_front_page_query_count_does_not_grow_with_first(gql, contract, many_stories, language):
    document = contract("front_page.graphql")
    counts = {
        first: count_queries(gql, document, {"language": language, "first": first})
        for first in (1, 20, 100)
    }
    # The page, its translations, its stories' tags, the maintained total, and the tag list
    # counted and named in one statement. The view counts the shared cache does not hold yet
    # are the page's rows' own.
    assert counts == {1: 5, 20: 5, 100: 5}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_front_page_of_stories_already_counted_reads_no_counts_from_sql(
    gql, contract, many_stories, language, settings
):
    # Every story built anew (tests/api/caching/test_served_story_cache.py keeps them between
    # answers).
    settings.CMS_SERVED_STORY_CACHE = False
    document = contract("front_page.graphql")
    count_queries(gql, document, {"language": language, "first": 100})
    counts = {}
    for first in (1, 20, 100):
        advance([keys.STORIES])  # Every list answer is computed again; the counts stay.
        counts[first] = count_queries(
            gql, document, {"language": language, "first": first}, clear=False
        )
    assert counts == {1: 5, 20: 5, 100: 5}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_search_query_count_does_not_grow_with_first(gql, contract, many_stories, language):
    document = contract("search.graphql")
    counts = {
        first: count_queries(gql, document, {"language": language, "query": "s1", "first": first})
        for first in (1, 20, 100)
    }
    # The synonym groups and the index probe (cms/search/engine.py), the page, its translations
    # and the count; PostgreSQL also asks the planner's estimate and runs the probe in a
    # transaction of its own that allows the index only.
    expected = 9 if connection.vendor == "postgresql" else 5
    assert counts == {1: expected, 20: expected, 100: expected}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_story_page_costs_a_fixed_number_of_queries(gql, contract, many_stories, language):
    document = contract("story_page.graphql")
    # The story with its source's name, its versions (the served one and those it lists as
    # available, together), its tags; the view and share counts the shared cache does not
    # hold yet are the story row's own.
    assert count_queries(gql, document, {"slug": "s1", "language": language}) == 3


def test_translations_are_loaded_only_in_the_served_languages(gql, contract, many_stories):
    with CaptureQueriesContext(connection) as queries:
        gql(contract("front_page.graphql"), {"language": "en", "first": 5})
    translation_queries = [
        q["sql"] for q in queries if q["sql"].startswith('SELECT "cms_story_translation"')
    ]
    assert len(translation_queries) == 1
    assert "'zh-hans'" not in translation_queries[0]


def test_a_cached_answer_costs_no_sql(gql, contract, many_stories):
    document = contract("front_page.graphql")
    first = gql(document, {"language": "zh-hans"})
    with CaptureQueriesContext(connection) as queries:
        again = gql(document, {"language": "zh-hans"})
    assert len(queries) == 0
    assert again == first


def test_total_count_costs_a_query_only_when_asked_for(client):
    make_story()

    def queries(document):
        next_publication_at()
        with CaptureQueriesContext(connection) as captured:
            client.post(
                "/graphql", json.dumps({"query": document}), content_type="application/json"
            )
        return len(captured)

    without = queries("{ stories { edges { node { slug } } } }")
    with_count = queries("{ stories { totalCount edges { node { slug } } } }")
    assert with_count == without + 1


def count_cold_queries(gql, document, variables, forget=cache.clear):
    """SQL run to answer a document after the shared cache lost everything (a flush, a new
    Redis), or after `forget` made it forget otherwise: nothing of the answer is kept."""
    forget()
    with CaptureQueriesContext(connection) as queries:
        result = gql(document, variables, **{"Cache-Control": "no-cache"})
    assert "errors" not in result, result
    return len(queries)


def more_stories(count, offset):
    for number in range(offset, offset + count):
        make_story(f"more{number}", languages=("en", "zh-hans"), hours_ago=500 + number)


def a_story_changed():
    # What any save of a live story does to the lists: their version moves on, and with it
    # the cached next publication (a scheduled story may have been added).
    advance([keys.STORIES])


# Each state a cold answer can meet: the shared cache flushed, with or without the
# served-story cache (which then holds nothing either), and a story changed since the last
# answer (the next publication cached then is no longer current).
COLD_STATES = {
    "flushed": (cache.clear, False),
    "flushed, served-story cache on": (cache.clear, True),
    "a story changed": (a_story_changed, False),
}


@pytest.mark.parametrize("state", COLD_STATES)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_cold_front_page_costs_five_queries_in_every_state_at_any_page_and_archive_size(
    gql, contract, many_stories, language, state, settings
):
    forget, settings.CMS_SERVED_STORY_CACHE = COLD_STATES[state]
    document = contract("front_page.graphql")
    gql(document, {"language": language})
    counts = {
        first: count_cold_queries(gql, document, {"language": language, "first": first}, forget)
        for first in (1, 20, 100)
    }
    more_stories(60, 0)
    counts["grown"] = count_cold_queries(
        gql, document, {"language": language, "first": 100}, forget
    )
    # The page, the maintained total (which reads the next scheduled publication or expiry
    # in the same statement: it bounds how long the answer may be kept), the page's
    # translations and tags, and the tag list counted and named.
    assert counts == {1: 5, 20: 5, 100: 5, "grown": 5}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_cold_story_page_costs_four_queries_at_any_archive_size(
    gql, contract, many_stories, language, settings
):
    settings.CMS_SERVED_STORY_CACHE = False
    document = contract("story_page.graphql")
    before = count_cold_queries(gql, document, {"slug": "s1", "language": language})
    more_stories(60, 100)
    after = count_cold_queries(gql, document, {"slug": "s1", "language": language})
    assert (before, after) == (4, 4)
