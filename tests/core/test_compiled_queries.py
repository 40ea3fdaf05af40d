"""A list's first page runs SQL compiled once per process, at the current time."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from cms.core import compiled
from cms.models import Story, StoryCount
from cms.serving.audience import Audience
from tests.factories import make_source, make_story, make_tag

pytestmark = pytest.mark.django_db

PAGE = """query($language: String, $tag: String) {
  stories(language: $language, first: 2, tag: $tag) { edges { node { slug title } } }
}"""


def slugs(result):
    return [edge["node"]["slug"] for edge in result["data"]["stories"]["edges"]]


def test_a_first_page_asked_again_compiles_no_sql(gql):
    make_story("first", hours_ago=1)
    make_story("second", hours_ago=2)
    assert slugs(gql(PAGE, {"language": "en"})) == ["first", "second"]
    with mock.patch.object(
        SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
    ) as spy:
        again = gql(PAGE, {"language": "en"}, **{"Cache-Control": "no-cache"})
    assert slugs(again) == ["first", "second"]
    assert spy.call_count == 0


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_compiled_page_shows_what_became_visible_and_hides_what_expired(gql, language):
    ai = make_tag("ai", en="AI", zh_hans="人工智能")
    make_story("older", hours_ago=3, tags=[ai])
    leaving = make_story("leaving", hours_ago=2, tags=[ai])
    coming = make_story("coming", hours_ago=-1, tags=[ai])
    for tag in (None, "ai"):
        assert slugs(gql(PAGE, {"language": language, "tag": tag})) == ["leaving", "older"]
    Story.objects.filter(pk=coming.pk).update(published_at=timezone.now() - timedelta(hours=1))
    Story.objects.filter(pk=leaving.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for tag in (None, "ai"):
        fresh = gql(PAGE, {"language": language, "tag": tag}, **{"Cache-Control": "no-cache"})
        assert slugs(fresh) == ["coming", "older"]


def test_a_compiled_query_returns_the_rows_and_related_objects_its_queryset_does():
    source = make_source("semafor", en="Semafor", zh_hans="Semafor")
    for number in range(4):
        make_story(f"s{number}", hours_ago=number + 1, source=source if number % 2 else None)
    audience = Audience.of("en")

    def page_at(now):
        return Story.objects.readable(audience, now).select_related("source").order_by("-id")[:3]

    shape = ("test-page", audience)
    for _ in range(2):
        found = compiled.fetch(Story, shape, page_at)
        expected = list(page_at(timezone.now()))
        assert [story.pk for story in found] == [story.pk for story in expected]
        assert [story.published_at for story in found] == [s.published_at for s in expected]
        sources = [story.source and story.source.slug for story in found]
        assert sources == ["semafor", None, "semafor"]
        assert all(story._state.adding is False and story._state.db == "default" for story in found)


def test_a_query_computing_a_time_from_the_current_one_is_compiled_on_every_run():
    make_story("an-hour-old", hours_ago=1)
    make_story("a-day-old", hours_ago=24)

    def recent_at(now):
        return Story.objects.filter(published_at__gte=now - timedelta(hours=3))

    shape = ("test-recent",)
    now = timezone.now()
    assert [story.slug for story in compiled.fetch(Story, shape, recent_at, now)] == ["an-hour-old"]
    earlier = compiled.fetch(Story, shape, recent_at, now - timedelta(hours=22))
    assert sorted(story.slug for story in earlier) == ["a-day-old", "an-hour-old"]


def test_a_query_that_can_match_nothing_runs_without_sql_and_finds_nothing():
    make_story("only")
    nobody = Audience.of("en").reading("en")

    def page_at(now):
        return Story.objects.readable(nobody, now).in_chain(())

    assert compiled.fetch(Story, ("test-nothing",), page_at) == []
    assert compiled.fetch(Story, ("test-nothing",), page_at) == []


FRONT = """query($language: String) {
  stories(language: $language, first: 2) { totalCount edges { node { slug } } }
  tags(language: $language) { slug name storyCount }
}"""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_front_pages_total_and_tag_list_asked_again_compile_no_sql(gql, settings, language):
    settings.CMS_SERVED_STORY_CACHE = False  # Every part computed again.
    ai = make_tag("ai", en="AI", zh_hans="人工智能")
    make_story("first", hours_ago=1, tags=[ai])
    make_story("second", hours_ago=2)
    first = gql(FRONT, {"language": language})
    # With the next publication cached, and without (the total reads it then: its own shape).
    gql(FRONT, {"language": language}, **{"Cache-Control": "no-cache"})
    with mock.patch.object(
        SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
    ) as spy:
        again = gql(FRONT, {"language": language}, **{"Cache-Control": "no-cache"})
    assert again == first
    assert again["data"]["stories"]["totalCount"] == 2
    assert again["data"]["tags"] == [
        {"slug": "ai", "name": "AI" if language == "en" else "人工智能", "storyCount": 1}
    ]
    # The page's stories' versions and tags are read by their ids, compiled each time; the
    # page, the total and the tag list are not compiled again.
    compiled_models = [call.args[0].query.model for call in spy.call_args_list]
    assert StoryCount not in compiled_models
    assert Story not in compiled_models


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_compiled_counts_count_what_became_visible_and_not_what_expired(gql, settings, language):
    settings.CMS_SERVED_STORY_CACHE = False
    ai = make_tag("ai", en="AI", zh_hans="人工智能")
    make_story("older", hours_ago=3, tags=[ai])
    leaving = make_story("leaving", hours_ago=2, tags=[ai])
    coming = make_story("coming", hours_ago=-1, tags=[ai])

    def counted():
        found = gql(FRONT, {"language": language}, **{"Cache-Control": "no-cache"})["data"]
        return found["stories"]["totalCount"], found["tags"][0]["storyCount"]

    assert counted() == (2, 2)
    # Moved in the database without the scheduler's announcements: the reads add the
    # story whose time came and subtract the one that expired, at the time of each run.
    Story.objects.filter(pk=coming.pk).update(published_at=timezone.now() - timedelta(hours=1))
    assert counted() == (3, 3)
    Story.objects.filter(pk=leaving.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert counted() == (2, 2)


def test_a_compiled_values_list_returns_the_rows_its_queryset_does():
    make_story("one", hours_ago=1)
    make_story("two", hours_ago=-1)
    audience = Audience.of("en")

    def rows_at(now):
        stories = Story.objects.readable(audience, now).order_by("slug")
        moments = Story.objects.next_change_subqueries(now)
        return stories.annotate(**moments).values_list("slug", "published_at", *moments)

    now = timezone.now()
    expected = list(rows_at(now))
    assert compiled.rows(Story, ("test rows",), rows_at, now) == expected
    assert compiled.rows(Story, ("test rows",), rows_at, now) == expected
    assert expected[0][0] == "one" and expected[0][2] > now and expected[0][3] is None
