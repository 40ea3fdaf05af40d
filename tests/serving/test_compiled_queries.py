"""A list's first page runs SQL compiled once per process, at the current time."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from cms.models import Story
from cms.serving import compiled
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
