"""Related stories: by shared tags, then title similarity, then recency, for the audience."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import ApiKey, Partner, Story
from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db

RELATED = """query($slug: String!, $l: String, $first: Int) {
  story(slug: $slug, language: $l) { related(first: $first) { slug language title } }
}"""


def related(gql, slug="lead", language="en", first=5, **headers):
    result = gql(RELATED, {"slug": slug, "l": language, "first": first}, **headers)
    assert result["data"]["story"] is not None, result
    assert "errors" not in result, result
    return result["data"]["story"]["related"]


@pytest.fixture
def newsroom():
    chips, policy, robots = (
        make_tag(s, en=s.title(), zh_hans=s) for s in ("chips", "policy", "robots")
    )
    make_story(
        "lead",
        tags=[chips, policy],
        title_en="Nvidia export rules tighten",
        title_zh_hans="英伟达出口规则收紧",
    )
    make_story("two-tags", tags=[chips, policy], hours_ago=30)
    make_story(
        "one-tag-similar",
        tags=[chips],
        hours_ago=20,
        title_en="Export rules hit Nvidia again",
        title_zh_hans="出口规则再次打击英伟达",
    )
    make_story("one-tag-newer", tags=[policy], hours_ago=2)
    make_story("one-tag-older", tags=[chips], hours_ago=40)
    make_story("unrelated", tags=[robots], hours_ago=1)
    make_story("draft", tags=[chips, policy], status=Story.Status.DRAFT, hours_ago=None)
    make_story("english-only", tags=[chips, policy], languages=("en",), hours_ago=50)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_related_stories_rank_by_shared_tags_then_title_then_recency(gql, newsroom, language):
    found = related(gql, language=language)
    slugs = [story["slug"] for story in found]
    # Two shared tags, newest first; then one, the similar title first, then newest.
    assert slugs == [
        "two-tags",
        "english-only",
        "one-tag-similar",
        "one-tag-newer",
        "one-tag-older",
    ]
    assert "unrelated" not in slugs and "draft" not in slugs and "lead" not in slugs
    # Served in the language asked for, or its fallback when a story has no version in it.
    served = {story["slug"]: story["language"] for story in found}
    assert served["two-tags"] == language
    assert served["english-only"] == "en"


def test_first_limits_and_is_checked(gql, newsroom):
    assert [story["slug"] for story in related(gql, first=1)] == ["two-tags"]
    for bad in (0, 21):
        result = gql(RELATED, {"slug": "lead", "first": bad})
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_key_s_restrictions_apply_to_related_stories(gql, newsroom):
    partner = Partner.objects.create(name="P")
    _key, secret = ApiKey.issue(partner=partner, name="k", scopes=["read"], languages=["zh-hans"])
    found = related(gql, language="zh-hans", Authorization=f"Bearer {secret}")
    assert "english-only" not in [story["slug"] for story in found]


def test_a_story_without_tags_is_related_by_title(gql):
    make_story("lead", title_en="Quantum chips arrive", title_zh_hans="量子芯片到来")
    make_story("alike", title_en="Quantum chips delayed", title_zh_hans="量子芯片推迟")
    make_story("other", title_en="Robots fold laundry", title_zh_hans="机器人叠衣服")
    for language in ("en", "zh-hans"):
        assert [story["slug"] for story in related(gql, language=language)] == ["alike"]


def test_related_costs_the_same_queries_however_many_are_asked(gql, newsroom):
    def queries(first):
        with CaptureQueriesContext(connection) as captured:
            related(gql, first=first)
        from django.core.cache import cache

        cache.clear()
        return len(captured.captured_queries)

    assert queries(1) == queries(5)


def test_related_is_refused_on_lists(gql, newsroom):
    result = gql("{ stories(first: 3) { edges { node { related { slug } } } } }")
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_related_answers_are_cached_and_change_when_a_story_is_published(gql, newsroom):
    from cms.stories import publishing

    before = [story["slug"] for story in related(gql)]
    assert "draft" not in before
    draft = Story.objects.get(slug="draft")
    with publishing.change(draft) as change:
        change.step("publish")
        draft.save()
    assert related(gql)[0]["slug"] == "draft"
