"""Arguments of `stories`: page size, cursors, search text and filters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_source, make_story, make_tag

pytestmark = pytest.mark.django_db

LIST = (
    "query($first: Int, $after: String, $f: StoryFilter, $q: String) "
    "{ stories(first: $first, after: $after, filter: $f, search: $q) { edges { node { slug } } } }"
)


def slugs(result):
    return [edge["node"]["slug"] for edge in result["data"]["stories"]["edges"]]


def error(result):
    assert result["data"] is None, result
    (only,) = result["errors"]
    return only["message"], only["extensions"]["code"]


@pytest.mark.parametrize("first", [0, -1, 101, 1000])
def test_page_size_outside_1_to_100_is_an_error_not_a_silent_cap(gql, first):
    assert error(gql(LIST, {"first": first})) == (
        f"`first` must be between 1 and 100; it was {first}.",
        "BAD_USER_INPUT",
    )


def test_page_size_100_is_allowed(gql):
    make_story()
    assert len(slugs(gql(LIST, {"first": 100}))) == 1


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        "!!!",
        "WyJob3QiLDEsMl0",
        "WzEsMiwzXQ",
        "eyJhIjoxfQ",
        "WyJwdWJsaXNoZWQiLCJ4IiwxXQ",
    ],
)
def test_a_cursor_that_is_not_ours_is_a_clear_error(gql, cursor):
    make_story()
    assert error(gql(LIST, {"after": cursor})) == (
        "Invalid cursor in `after`: pass an `endCursor` from a previous page of the same ordering.",
        "BAD_USER_INPUT",
    )


def test_a_cursor_from_another_ordering_is_rejected(gql):
    make_story()
    make_story()
    hot = gql("{ stories(first: 1, orderBy: HOT_DESC) { pageInfo { endCursor } } }")
    cursor = hot["data"]["stories"]["pageInfo"]["endCursor"]
    assert error(gql(LIST, {"after": cursor}))[1] == "BAD_USER_INPUT"


@pytest.mark.parametrize("text", ["", "   "])
def test_blank_search_text_is_an_error(gql, text):
    assert error(gql(LIST, {"q": text})) == ("`search` needs at least one word.", "BAD_USER_INPUT")


def test_overlong_search_text_is_an_error(gql):
    assert error(gql(LIST, {"q": "a" * 201}))[1] == "BAD_USER_INPUT"


def test_filter_narrows_by_tags_source_time_and_scores(gql):
    security = make_tag("security", en="Security")
    policy = make_tag("policy", en="Policy")
    semafor = make_source("semafor")
    make_story("both", tags=[security, policy], source=semafor, hot=80, hours_ago=1)
    make_story("one-tag", tags=[security], hot=90, quality=20, hours_ago=2)
    make_story("old", tags=[security, policy], hot=10, hours_ago=100)
    now = timezone.now()

    def run(**conditions):
        return slugs(gql(LIST, {"f": conditions}))

    assert run(tags=["security", "policy"]) == ["both", "old"]
    assert run(tags=["security"], source="semafor") == ["both"]
    assert run(minHot=50) == ["both", "one-tag"]
    assert run(minHot=50, minQuality=50) == []
    assert run(publishedAfter=(now - timedelta(hours=10)).isoformat()) == ["both", "one-tag"]
    assert run(publishedBefore=(now - timedelta(hours=10)).isoformat()) == ["old"]
    assert run(tags=["no-such-tag"]) == []


def test_filter_scores_outside_0_to_100_are_errors(gql):
    assert error(gql(LIST, {"f": {"minImpact": 101}})) == (
        "`minImpact` must be between 0 and 100; it was 101.",
        "BAD_USER_INPUT",
    )


def test_filter_times_without_a_time_zone_are_errors(gql):
    message, code = error(gql(LIST, {"f": {"publishedAfter": "2026-01-01T00:00:00"}}))
    assert code == "BAD_USER_INPUT"
    assert "`publishedAfter` needs a time zone" in message
