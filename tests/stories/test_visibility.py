"""Nothing unpublished reaches a public caller, by any path, in either language."""

import base64
import time

import pytest

from cms.models import Story
from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "zh-hans"]
HIDDEN_MARK = "hiddenmarker"


@pytest.fixture
def hidden_and_visible():
    """One live story and three that readers must never see, all tagged and searchable."""
    tag = make_tag("security", en="Security", zh_hans="安全")
    live = make_story("live", tags=[tag], title_en="visible story", title_zh_hans="可见")
    texts = {
        "title_en": f"{HIDDEN_MARK} en",
        "title_zh_hans": f"{HIDDEN_MARK} 中文",
        "summary_en": HIDDEN_MARK,
        "summary_zh_hans": HIDDEN_MARK,
    }
    draft = make_story("draft", status=Story.Status.DRAFT, hours_ago=None, tags=[tag], **texts)
    dated_draft = make_story("dated-draft", status=Story.Status.DRAFT, tags=[tag], **texts)
    future = make_story("future", hours_ago=-5, tags=[tag], **texts)
    review = make_story("in-review", status=Story.Status.REVIEW, tags=[tag], **texts)
    archived = make_story("archived", status=Story.Status.ARCHIVED, tags=[tag], **texts)
    return live, [draft, dated_draft, future, review, archived]


def global_id(story, language=None):
    """The story's global id in `language`; without one, the old form the API still takes."""
    node_id = f"{story.pk}:{language}" if language else str(story.pk)
    return base64.b64encode(f"Story:{node_id}".encode()).decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_story_by_slug_is_null_for_drafts_and_future_stories(gql, hidden_and_visible, language):
    _live, hidden = hidden_and_visible
    for story in hidden:
        result = gql(
            "query($s: String!, $l: String) { story(slug: $s, language: $l) { slug } }",
            {"s": story.slug, "l": language},
        )
        assert result == {"data": {"story": None}}


@pytest.mark.parametrize("language", LANGUAGES)
def test_lists_counts_and_tag_counts_only_see_live_stories(gql, hidden_and_visible, language):
    result = gql(
        """query($l: String) {
          stories(language: $l, first: 100) { totalCount edges { node { slug } } }
          tagged: stories(language: $l, tag: "security") { totalCount edges { node { slug } } }
          tags(language: $l) { slug storyCount }
        }""",
        {"l": language},
    )
    assert result == {
        "data": {
            "stories": {"totalCount": 1, "edges": [{"node": {"slug": "live"}}]},
            "tagged": {"totalCount": 1, "edges": [{"node": {"slug": "live"}}]},
            "tags": [{"slug": "security", "storyCount": 1}],
        }
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_never_finds_unpublished_text(gql, hidden_and_visible, language):
    result = gql(
        "query($l: String, $q: String!) { stories(language: $l, search: $q) "
        "{ totalCount edges { node { slug } } } }",
        {"l": language, "q": HIDDEN_MARK},
    )
    assert result == {"data": {"stories": {"totalCount": 0, "edges": []}}}


@pytest.mark.parametrize("language", LANGUAGES)
def test_node_lookup_returns_null_for_unpublished_stories(gql, hidden_and_visible, language):
    live, hidden = hidden_and_visible
    query = "query($id: ID!) { node(id: $id) { id ... on Story { slug } } }"
    for story in hidden:
        result = gql(query, {"id": global_id(story)}, accept_language=language)
        assert result == {"data": {"node": None}}
    result = gql(query, {"id": global_id(live)}, accept_language=language)
    assert result == {"data": {"node": {"id": global_id(live, language), "slug": "live"}}}


def test_a_story_whose_publish_time_passes_appears_without_a_save(gql):
    make_story("soon", hours_ago=-1.5 / 3600)
    query = '{ story(slug: "soon") { slug } stories { edges { node { slug } } } }'
    assert gql(query) == {"data": {"story": None, "stories": {"edges": []}}}
    time.sleep(1.6)
    assert gql(query) == {
        "data": {"story": {"slug": "soon"}, "stories": {"edges": [{"node": {"slug": "soon"}}]}}
    }


@pytest.mark.parametrize("mutation", ["recordView", "recordShare"])
def test_unpublished_stories_cannot_be_counted(gql, hidden_and_visible, mutation):
    _live, hidden = hidden_and_visible
    args = ', network: "x"' if mutation == "recordShare" else ""
    for story in hidden:
        result = gql(f'mutation {{ {mutation}(slug: "{story.slug}"{args}) {{ slug }} }}')
        assert result["data"] is None
        assert result["errors"][0]["extensions"] == {"code": "NOT_FOUND"}
        story.refresh_from_db()
        assert (story.view_count, story.share_count) == (0, 0)


def test_unpublishing_takes_a_story_out_of_every_path(gql, hidden_and_visible):
    live, _hidden = hidden_and_visible
    live.status = Story.Status.DRAFT
    live.save()
    result = gql(
        """{ story(slug: "live") { slug }
             stories { totalCount edges { node { slug } } }
             tags { slug } }"""
    )
    assert result == {
        "data": {"story": None, "stories": {"totalCount": 0, "edges": []}, "tags": []}
    }
