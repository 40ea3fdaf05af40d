"""The served-story cache: a list that missed the response cache reuses its stories' parts."""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.caching.responses import next_publication_at
from cms.models import ApiKey, Partner, Story
from cms.stories import publishing
from tests.conftest import without_cost
from tests.factories import make_source, make_story, make_tag

pytestmark = pytest.mark.django_db

FRONT = """query($language: String, $first: Int) {
  stories(language: $language, first: $first) {
    edges { node { slug title language viewCount tags { slug name } source { name } } }
  } }"""
STORY = """query($slug: String!, $language: String) {
  story(slug: $slug, language: $language) { title summary analysis { html } } }"""
SEARCH = """query($query: String!) {
  stories(search: $query) { edges { node { slug title searchSnippet } } } }"""


TRANSLATIONS = 'SELECT "cms_story_translation".'
TAG_LINKS = 'SELECT "cms_storytag".'


def fresh(client, query, variables=None, **headers):
    """An answer computed anew (the response cache skipped), as after any list change."""
    body = json.dumps({"query": query, "variables": variables or {}})
    response = client.post(
        "/graphql",
        body,
        content_type="application/json",
        headers={"Cache-Control": "no-cache", **headers},
    )
    assert response.status_code == 200, response.content
    return response


def data(response):
    body = without_cost(response.json())
    assert "errors" not in body, body
    return body["data"]


def queries_of(client, query, variables=None, **headers):
    next_publication_at()
    with CaptureQueriesContext(connection) as queries:
        answer = data(fresh(client, query, variables, **headers))
    return answer, [q["sql"] for q in queries]


@pytest.fixture
def stories():
    tag = make_tag("security", en="Security", zh_hans="安全")
    source = make_source("semafor", en="Semafor", zh_hans="Semafor 中文")
    return [
        make_story(
            f"s{n}",
            hours_ago=n + 1,
            tags=[tag],
            source=source,
            title_en=f"Title {n}",
            title_zh_hans=f"标题{n}",
        )
        for n in range(5)
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_recomputed_list_reads_its_unchanged_stories_from_the_cache(client, stories, language):
    first, cold = queries_of(client, FRONT, {"language": language})
    again, warm = queries_of(client, FRONT, {"language": language})
    assert again == first
    # No story's translation, tags or source is read again: only the page itself.
    assert any(sql.startswith(TRANSLATIONS) for sql in cold)
    assert not any(sql.startswith(TRANSLATIONS) for sql in warm)
    assert not any(sql.startswith(TAG_LINKS) for sql in warm)
    assert len(warm) < len(cold)


def test_a_warm_list_costs_the_same_sql_whatever_its_page_size(client, stories):
    counts = {}
    for first in (1, 5):
        queries_of(client, FRONT, {"first": first})
        counts[first] = len(queries_of(client, FRONT, {"first": first})[1])
    assert counts[1] == counts[5]


def test_an_edited_story_is_recomputed_and_the_others_are_reused(client, stories):
    queries_of(client, FRONT, {"language": "zh-hans"})
    story = stories[2]
    story.set_current_language("zh-hans")
    story.title = "新标题"
    story.save()
    answer, sql = queries_of(client, FRONT, {"language": "zh-hans"})
    titles = [edge["node"]["title"] for edge in answer["stories"]["edges"]]
    assert titles == ["标题0", "标题1", "新标题", "标题3", "标题4"]
    # The edited story's translation is read again, for it alone.
    reads = [sql for sql in sql if sql.startswith(TRANSLATIONS)]
    assert len(reads) == 1 and f"IN ({story.pk})" in reads[0]


def test_renamed_tags_and_sources_reach_cached_stories(client, stories):
    queries_of(client, FRONT, {"language": "en"})
    tag = stories[0].tags.get()
    tag.set_current_language("en")
    tag.name = "Cybersecurity"
    tag.save()
    source = stories[0].source
    source.set_current_language("en")
    source.name = "Semafor News"
    source.save()
    answer, _sql = queries_of(client, FRONT, {"language": "en"})
    for edge in answer["stories"]["edges"]:
        assert edge["node"]["tags"] == [{"slug": "security", "name": "Cybersecurity"}]
        assert edge["node"]["source"] == {"name": "Semafor News"}


def test_counts_stay_current_while_the_story_comes_from_the_cache(client, stories):
    queries_of(client, FRONT, {"language": "en"})
    record = 'mutation { recordView(slug: "s1") { viewCount } }'
    counted = data(fresh(client, record))["recordView"]["viewCount"]
    answer, _sql = queries_of(client, FRONT, {"language": "en"})
    views = {edge["node"]["slug"]: edge["node"]["viewCount"] for edge in answer["stories"]["edges"]}
    assert views["s1"] == counted


def test_each_language_is_cached_apart(client, stories):
    english = queries_of(client, FRONT, {"language": "en"})[0]
    chinese = queries_of(client, FRONT, {"language": "zh-hans"})[0]
    assert english["stories"]["edges"][0]["node"]["title"] == "Title 0"
    assert chinese["stories"]["edges"][0]["node"]["title"] == "标题0"
    assert chinese["stories"]["edges"][0]["node"]["source"] == {"name": "Semafor 中文"}
    assert queries_of(client, FRONT, {"language": "en"})[0] == english


def test_an_answer_built_from_cached_stories_depends_on_what_they_showed(client, stories):
    queries_of(client, FRONT, {"language": "zh-hans"})
    # A response-cache entry made from cached stories only...
    response = fresh(client, FRONT, {"language": "zh-hans"})
    assert response["Content-Language"] == "zh-hans"
    body = json.dumps({"query": FRONT, "variables": {"language": "zh-hans"}})
    client.post("/graphql", body, content_type="application/json")
    # ...is still invalidated by renaming the tag those stories showed.
    tag = stories[0].tags.get()
    tag.set_current_language("zh-hans")
    tag.name = "网络安全"
    tag.save()
    answer = client.post("/graphql", body, content_type="application/json").json()["data"]
    assert answer["stories"]["edges"][0]["node"]["tags"] == [
        {"slug": "security", "name": "网络安全"}
    ]


def test_a_partner_without_full_text_never_gets_the_analysis_readers_cached(client, stories):
    partner = Partner.objects.create(name="Wire")
    _key, secret = ApiKey.issue(partner=partner, name="wire", scopes=["read"])
    public = data(fresh(client, STORY, {"slug": "s0"}))["story"]
    keyed = data(fresh(client, STORY, {"slug": "s0"}, authorization=f"Bearer {secret}"))["story"]
    assert "s0 en analysis" in public["analysis"]["html"]
    assert keyed["analysis"] is None
    assert data(fresh(client, STORY, {"slug": "s0"}))["story"] == public


def test_search_snippets_follow_each_search(client):
    make_story("q", title_en="Quantum chips", summary_en="Quantum chips meet lasers today")
    first = data(fresh(client, SEARCH, {"query": "quantum"}))["stories"]["edges"][0]["node"]
    second = data(fresh(client, SEARCH, {"query": "lasers"}))["stories"]["edges"][0]["node"]
    assert first["title"] == second["title"] == "Quantum chips"
    assert "<mark>Quantum</mark>" in first["searchSnippet"]
    assert "<mark>lasers</mark>" in second["searchSnippet"]


def test_a_story_that_left_the_public_is_not_served_from_the_cache(client, stories):
    queries_of(client, FRONT, {"language": "en"})
    story = stories[1]
    story.status = Story.Status.DRAFT
    story.save()
    publishing.announce(story)
    answer = data(fresh(client, FRONT, {"language": "en"}))
    assert "s1" not in [edge["node"]["slug"] for edge in answer["stories"]["edges"]]
    assert data(fresh(client, STORY, {"slug": "s1"})) == {"story": None}


def test_the_cache_can_be_emptied_without_changing_any_answer(client, stories):
    before = queries_of(client, FRONT, {"language": "en"})[0]
    cache.clear()
    assert queries_of(client, FRONT, {"language": "en"})[0] == before


def test_two_selections_of_one_page_each_get_their_stories(client, stories):
    queries_of(client, FRONT, {"language": "en"})
    document = """{ stories(language: "en") { edges {
      a: node { slug title tags { name } }
      b: node { slug summary source { name } } } } }"""
    edges = data(fresh(client, document))["stories"]["edges"]
    again = data(fresh(client, document))["stories"]["edges"]
    assert edges == again
    assert edges[0]["a"] == {"slug": "s0", "title": "Title 0", "tags": [{"name": "Security"}]}
    assert edges[0]["b"] == {
        "slug": "s0",
        "summary": "s0 en summary",
        "source": {"name": "Semafor"},
    }


def test_a_cached_selection_does_not_starve_another_of_the_same_page(client, stories):
    only_a = '{ stories(language: "en") { edges { a: node { slug title tags { name } } } } }'
    data(fresh(client, only_a))
    document = """{ stories(language: "en") { edges {
      a: node { slug title tags { name } }
      b: node { slug summary source { name } } } } }"""
    edges = data(fresh(client, document))["stories"]["edges"]
    assert [edge["b"]["summary"] for edge in edges] == [f"s{n} en summary" for n in range(5)]
    assert all(edge["b"]["source"] == {"name": "Semafor"} for edge in edges)


COUNTS = """query($tag: String) {
  stories(tag: $tag) { totalCount } tags { slug name storyCount } }"""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_kept_totals_and_tag_counts_follow_publishing_and_renames(client, stories, language):
    headers = {"accept_language": language}
    before = data(fresh(client, COUNTS, {"tag": "security"}, **headers))
    assert before["stories"]["totalCount"] == 5
    assert [t["storyCount"] for t in before["tags"]] == [5]
    make_story("s5", tags=[stories[0].tags.get()])
    after = data(fresh(client, COUNTS, {"tag": "security"}, **headers))
    assert after["stories"]["totalCount"] == 6
    assert [t["storyCount"] for t in after["tags"]] == [6]
    tag = stories[0].tags.get()
    tag.slug = "cybersecurity"
    tag.save()
    renamed = data(fresh(client, COUNTS, {"tag": "security"}, **headers))
    assert renamed["stories"]["totalCount"] == 0
    assert [t["slug"] for t in renamed["tags"]] == ["cybersecurity"]


RELATED = """query($slug: String!) { story(slug: $slug) { related(first: 5) { ...Shown } } }
fragment Shown on Story { slug viewCount }"""


def test_counts_inside_a_fragment_of_related_stories_stay_current(client, stories):
    before = data(fresh(client, RELATED, {"slug": "s0"}))["story"]["related"]
    assert before and before[0]["viewCount"] == 0
    slug = before[0]["slug"]
    counted = data(
        fresh(client, "mutation($s: String!) { recordView(slug: $s) { viewCount } }", {"s": slug})
    )
    after = data(fresh(client, RELATED, {"slug": "s0"}))["story"]["related"]
    assert after[0] == {"slug": slug, "viewCount": counted["recordView"]["viewCount"]}


def test_related_stays_refused_in_lists_when_the_other_stories_come_from_the_cache(client, stories):
    document = "{ stories(first: %d) { edges { node { slug related(first: 2) { slug } } } } }"
    data(
        fresh(
            client, "{ stories(first: 1) { edges { node { slug related(first: 2) { slug } } } } }"
        )
    )
    body = json.dumps({"query": document % 2})
    answer = client.post(
        "/graphql", body, content_type="application/json", headers={"Cache-Control": "no-cache"}
    ).json()
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_key_limited_to_tags_never_gets_the_publics_related_stories(client, stories):
    other = make_tag("policy", en="Policy", zh_hans="政策")
    make_story("elsewhere", tags=[stories[0].tags.get(), other], hours_ago=0.5)
    make_story("policy-only", tags=[other], hours_ago=0.2, title_en="Title 0 policy")
    partner = Partner.objects.create(name="Wire")
    key, secret = ApiKey.issue(partner=partner, name="wire", scopes=["read", "full_text"])
    key.tags.set([stories[0].tags.get()])
    document = '{ story(slug: "elsewhere") { related(first: 10) { slug } } }'
    public = [s["slug"] for s in data(fresh(client, document))["story"]["related"]]
    keyed = data(fresh(client, document, authorization=f"Bearer {secret}"))["story"]["related"]
    assert "policy-only" in public
    assert "policy-only" not in [s["slug"] for s in keyed]
