"""The front page document: ordering, paging, tags and fallback, in both languages."""

import pytest

from cms.models import Story
from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom():
    """Five live stories: one only in English, one only in Chinese; scores distinct."""
    security = make_tag("security", en="Security", zh_hans="安全")
    policy = make_tag("policy", en="Policy", zh_hans="政策")
    stories = {
        "s1": make_story("s1", hours_ago=1, hot=10, quality=50, impact=90, tags=[security]),
        "s2": make_story("s2", hours_ago=2, hot=90, quality=40, impact=10, languages=("en",)),
        "s3": make_story("s3", hours_ago=3, hot=50, quality=90, impact=50, tags=[policy]),
        "s4": make_story("s4", hours_ago=4, hot=50, quality=10, impact=70, tags=[security, policy]),
        "s5": make_story("s5", hours_ago=5, hot=70, quality=70, impact=30, languages=("zh-hans",)),
    }
    make_story("draft", status=Story.Status.DRAFT, hours_ago=None, hot=100, tags=[security])
    return stories


def slugs(result):
    return [edge["node"]["slug"] for edge in result["data"]["stories"]["edges"]]


def front_page(gql, contract, **variables):
    result = gql(contract("front_page.graphql"), variables)
    assert "errors" not in result, result
    return result


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("PUBLISHED_DESC", ["s1", "s2", "s3", "s4"]),
        ("HOT_DESC", ["s2", "s3", "s4", "s1"]),
        ("QUALITY_DESC", ["s3", "s1", "s2", "s4"]),
        ("IMPACT_DESC", ["s1", "s4", "s3", "s2"]),
    ],
)
def test_english_front_page_orders_stories_and_leaves_out_chinese_only_ones(
    gql, contract, newsroom, order, expected
):
    result = front_page(gql, contract, language="en", orderBy=order)
    assert slugs(result) == expected
    assert result["data"]["stories"]["totalCount"] == 4


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("PUBLISHED_DESC", ["s1", "s2", "s3", "s4", "s5"]),
        ("HOT_DESC", ["s2", "s5", "s3", "s4", "s1"]),
        ("UPDATED_DESC", ["s1", "s2", "s3", "s4", "s5"]),
    ],
)
def test_chinese_front_page_serves_english_only_stories_in_english_in_their_place(
    gql, contract, newsroom, order, expected
):
    result = front_page(gql, contract, language="zh-hans", orderBy=order)
    assert slugs(result) == expected
    languages = {
        edge["node"]["slug"]: edge["node"]["language"]
        for edge in result["data"]["stories"]["edges"]
    }
    assert languages == {
        "s1": "zh-hans",
        "s2": "en",
        "s3": "zh-hans",
        "s4": "zh-hans",
        "s5": "zh-hans",
    }
    titles = {e["node"]["slug"]: e["node"]["title"] for e in result["data"]["stories"]["edges"]}
    assert titles["s2"] == "s2 en title"
    assert titles["s1"] == "s1 zh-hans title"


def test_front_page_node_fields_are_exact(gql, contract, newsroom):
    story = newsroom["s4"]
    result = front_page(
        gql, contract, language="zh-hans", first=1, tag="policy", orderBy="IMPACT_DESC"
    )
    edge = result["data"]["stories"]["edges"][0]
    assert edge["node"] == {
        "slug": "s4",
        "language": "zh-hans",
        "title": "s4 zh-hans title",
        "summary": "s4 zh-hans summary",
        "publishedAt": story.published_at.isoformat(),
        "updatedAt": story.published_at.isoformat(),
        "viewCount": 0,
        "scores": {"hot": 50, "quality": 10, "impact": 70},
        "tags": [{"slug": "security", "name": "安全"}, {"slug": "policy", "name": "政策"}],
    }
    assert result["data"]["stories"]["totalCount"] == 2
    assert result["data"]["stories"]["pageInfo"]["hasNextPage"] is True


def test_tag_filter_and_tag_counts_see_fallback_stories_the_same_way(gql, contract, newsroom):
    policy_only_english = make_tag("english-only", en="English only", zh_hans="仅英文")
    newsroom["s2"].tags.add(policy_only_english)
    zh = front_page(gql, contract, language="zh-hans", tag="english-only")
    assert slugs(zh) == ["s2"]
    assert {t["slug"]: t["storyCount"] for t in zh["data"]["tags"]} == {
        "security": 2,
        "policy": 2,
        "english-only": 1,
    }
    en = front_page(gql, contract, language="en")
    assert en["data"]["tags"] == [
        {"slug": "policy", "name": "Policy", "storyCount": 2},
        {"slug": "security", "name": "Security", "storyCount": 2},
        {"slug": "english-only", "name": "English only", "storyCount": 1},
    ]


@pytest.mark.parametrize("order", ["PUBLISHED_DESC", "UPDATED_DESC", "HOT_DESC", "IMPACT_DESC"])
def test_cursor_paging_walks_the_whole_list_once(gql, contract, newsroom, order):
    seen, after = [], None
    while True:
        result = front_page(gql, contract, language="zh-hans", first=2, after=after, orderBy=order)
        seen += slugs(result)
        page_info = result["data"]["stories"]["pageInfo"]
        if not page_info["hasNextPage"]:
            break
        after = page_info["endCursor"]
    everything = slugs(front_page(gql, contract, language="zh-hans", first=100, orderBy=order))
    assert seen == everything
    assert len(seen) == 5


def test_ties_are_ordered_by_the_newer_story_first(gql, contract, newsroom):
    result = front_page(gql, contract, language="en", orderBy="HOT_DESC", first=3)
    assert slugs(result)[1:3] == ["s3", "s4"]
    after = result["data"]["stories"]["edges"][1]["cursor"]
    following = front_page(gql, contract, language="en", orderBy="HOT_DESC", after=after)
    assert slugs(following) == ["s4", "s1"]


def test_an_empty_page_has_no_cursors(gql, contract):
    result = front_page(gql, contract, language="en")
    assert result["data"] == {
        "stories": {
            "totalCount": 0,
            "pageInfo": {"hasNextPage": False, "endCursor": None},
            "edges": [],
        },
        "tags": [],
    }
