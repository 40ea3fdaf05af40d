"""The search engine: what is searched, segmentation, stemming, synonyms, relevance, snippets."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.caching.responses import next_publication_at
from cms.models import SearchSynonym, Story, StoryTranslation
from cms.search import engine as search
from cms.serving.audience import Audience
from tests.factories import make_story
from tests.search.documents import LIST, find, slugs

pytestmark = pytest.mark.django_db


def test_a_chinese_word_finds_the_longer_word_it_is_part_of(gql):
    make_story(
        "llm-zh", languages=("zh-hans",), title_zh_hans="发布大模型", summary_zh_hans="新产品"
    )
    make_story("other-zh", languages=("zh-hans",), title_zh_hans="芯片出口", summary_zh_hans="规则")
    assert slugs(find(gql, "zh-hans", "模型")) == ["llm-zh"]
    assert slugs(find(gql, "zh-hans", "大模型")) == ["llm-zh"]
    assert slugs(find(gql, "zh-hans", "出口芯片")) == ["other-zh"]


def test_english_words_match_by_stem(gql):
    make_story("plural", languages=("en",), title_en="New models from the lab", summary_en="x")
    make_story("verb", languages=("en",), title_en="Modelling the weather", summary_en="y")
    make_story("unrelated", languages=("en",), title_en="A chip story", summary_en="z")
    assert sorted(slugs(find(gql, "en", "model"))) == ["plural", "verb"]
    assert sorted(slugs(find(gql, "en", "MODELS"))) == ["plural", "verb"]


def test_a_synonym_group_finds_stories_in_either_language(gql):
    SearchSynonym.objects.create(terms="LLM\n大语言模型\n大模型")
    make_story("english-one", languages=("en",), title_en="LLM prices fall", summary_en="x")
    make_story(
        "chinese-one",
        title_en="Cheaper chat",
        summary_en="a",
        title_zh_hans="大语言模型降价",
        summary_zh_hans="b",
    )
    make_story("none", title_en="Robots", title_zh_hans="机器人")
    # The Chinese site: the Chinese story by its Chinese word, the English-only one in English.
    assert sorted(slugs(find(gql, "zh-hans", "LLM"))) == ["chinese-one", "english-one"]
    assert sorted(slugs(find(gql, "zh-hans", "大语言模型"))) == ["chinese-one", "english-one"]
    assert slugs(find(gql, "en", "大模型")) == ["english-one"]
    assert slugs(find(gql, "en", "llm prices")) == ["english-one"]


def test_a_deleted_or_edited_synonym_group_stops_expanding_searches_at_once(gql):
    group = SearchSynonym.objects.create(terms="agent\n智能体")
    make_story("p1", languages=("zh-hans",), title_zh_hans="智能体平台开放", summary_zh_hans="x")
    assert slugs(find(gql, "zh-hans", "agent")) == ["p1"]
    group.terms = "agent\n机器人"
    group.save()
    assert slugs(find(gql, "zh-hans", "agent")) == []
    group.delete()
    assert slugs(find(gql, "zh-hans", "机器人")) == []


def test_an_editor_adds_a_synonym_group_in_the_admin_and_search_uses_it(gql, client):
    make_story("p1", languages=("zh-hans",), title_zh_hans="智能体平台开放", summary_zh_hans="x")
    assert find(gql, "zh-hans", "agent")["totalCount"] == 0
    admin = User.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(admin)
    page = client.get("/admin/cms/searchsynonym/add/", headers={"accept-language": "zh-hans"})
    assert "每行一个词" in page.content.decode()
    refused = client.post("/admin/cms/searchsynonym/add/", {"terms": "agent", "note": ""})
    assert refused.status_code == 200
    assert "at least two terms" in refused.content.decode()
    saved = client.post("/admin/cms/searchsynonym/add/", {"terms": "agent\n智能体", "note": ""})
    assert saved.status_code == 302
    assert str(SearchSynonym.objects.get()) == "agent / 智能体"
    assert slugs(find(gql, "zh-hans", "agent")) == ["p1"]  # The cached answer is gone.
    listing = client.get("/admin/cms/searchsynonym/")
    assert "agent / 智能体" in listing.content.decode()


def test_relevance_puts_the_best_match_first_and_its_cursors_page_on(gql):
    make_story(
        "often",
        languages=("en",),
        hours_ago=50,
        title_en="Quokka census",
        summary_en="Quokka numbers rise",
        analysis_en="Every quokka counted; quokka experts agree.",
    )
    make_story(
        "once", languages=("en",), hours_ago=2, title_en="Island news", summary_en="A quokka"
    )
    make_story("twice", languages=("en",), hours_ago=9, title_en="Quokka", summary_en="quokka")
    assert slugs(find(gql, "en", "quokka")) == ["once", "twice", "often"]
    assert slugs(find(gql, "en", "quokka", orderBy="RELEVANCE")) == ["often", "twice", "once"]
    seen, after = [], None
    for _ in range(3):
        page = find(gql, "en", "quokka", orderBy="RELEVANCE", first=1, after=after)
        seen += slugs(page)
        after = page["pageInfo"]["endCursor"]
    assert seen == ["often", "twice", "once"]
    assert page["pageInfo"]["hasNextPage"] is False


def test_relevance_without_a_search_is_bad_input(gql):
    result = gql("{ stories(orderBy: RELEVANCE) { edges { node { slug } } } }")
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "search" in result["errors"][0]["message"]


def test_a_relevance_cursor_from_another_order_is_refused(gql):
    make_story("q", languages=("en",), title_en="Quokka")
    cursor = find(gql, "en", "quokka")["pageInfo"]["endCursor"]
    result = gql(LIST, {"search": "quokka", "orderBy": "RELEVANCE", "after": cursor})
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_snippets_mark_the_found_words_in_the_served_language(gql):
    make_story(
        "both",
        title_en="Prices",
        summary_en="Labs cut prices <b>again</b>; new models are cheaper to serve.",
        title_zh_hans="降价",
        summary_zh_hans="多家实验室再次降价,新的大模型推理成本更低。",
    )
    (english,) = find(gql, "en", "model")["edges"]
    snippet = english["node"]["searchSnippet"]
    assert "<mark>models</mark>" in snippet
    assert "&lt;b&gt;again&lt;/b&gt;" in snippet and "<b>" not in snippet
    (chinese,) = find(gql, "zh-hans", "模型")["edges"]
    assert chinese["node"]["language"] == "zh-hans"
    assert "模型</mark>" in chinese["node"]["searchSnippet"]
    assert "<mark>" in chinese["node"]["searchSnippet"]
    result = gql('{ stories(language: "en") { edges { node { searchSnippet } } } }')
    assert result["data"]["stories"]["edges"] == [{"node": {"searchSnippet": None}}]


def test_a_long_text_is_quoted_around_its_hits():
    text = "Filler words come first. " * 30 + "Here the wombat appears. " + "More filler. " * 30
    snippet = search.highlight(text, {"wombat"})
    assert "<mark>wombat</mark>" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) < 260


def test_search_text_is_normalized_duplicates_dropped_and_words_bounded(gql, settings):
    query = search.SearchQuery("Quokka quokka QUOKKAS wombat", [])
    assert query.clauses == [(("quokka",),), (("wombat",),)]
    make_story("qw", languages=("en",), title_en="Quokka meets wombat", summary_en="x")
    assert slugs(find(gql, "en", "quokka QUOKKA quokkas wombat")) == ["qw"]
    assert find(gql, "en", "quokka wombat zebra")["totalCount"] == 0
    settings.CMS_SEARCH_MAX_WORDS = 2
    assert slugs(find(gql, "en", "quokka wombat zebras")) == ["qw"]
    assert len(search.SearchQuery("a b c d e f g h i j", []).clauses) == 2


def test_a_search_of_only_punctuation_finds_nothing(gql):
    make_story("p", languages=("en",), title_en="Punctuation")
    found = find(gql, "en", "!!! ,,, ___")
    assert found["edges"] == [] and found["totalCount"] == 0


def test_adding_or_removing_a_language_moves_where_a_story_is_searched(gql):
    story = make_story("moving", languages=("en",), title_en="Wombat budget", summary_en="x")
    assert slugs(find(gql, "zh-hans", "wombat")) == ["moving"]
    story.set_current_language("zh-hans")
    story.title = "袋熊预算"
    story.summary = "摘要"
    story.save()
    assert find(gql, "zh-hans", "wombat")["totalCount"] == 0
    assert slugs(find(gql, "zh-hans", "袋熊")) == ["moving"]
    StoryTranslation.objects.get(master=story, language_code="zh-hans").delete()
    assert slugs(find(gql, "zh-hans", "wombat")) == ["moving"]


def test_stored_terms_are_stemmed_and_segmented():
    make_story("t", languages=("zh-hans",), title_zh_hans="开源大模型Models", summary_zh_hans="x")
    translation = StoryTranslation.objects.get(master__slug="t")
    terms = translation.search_terms.split()
    assert {"大模型", "模型", "开源", "model"} <= set(terms)
    assert translation.search_scope.split() == [
        "lang:zh-hans",
        "has:zh-hans",
        "serves:zh-hans",
    ]


@pytest.mark.parametrize("bound", [1000, 2])
def test_a_search_page_costs_the_same_sql_whatever_its_size(gql, settings, bound):
    settings.CMS_SEARCH_EXACT_COUNT = bound
    for number in range(30):
        make_story(f"m{number}", hours_ago=number + 1, title_en="Model news", summary_en="models")
    find(gql, "en", "zebra")  # The first search reads the synonym groups into the cache.
    counts = {}
    for first in (1, 10, 30):
        next_publication_at()
        with CaptureQueriesContext(connection) as queries:
            found = find(gql, "en", "model", first=first, orderBy="RELEVANCE")
        assert len(found["edges"]) == min(first, 30 if bound > 2 else search.WALK_RANK_WINDOW)
        counts[first] = len(queries)
    assert counts[1] == counts[10] == counts[30]


@pytest.mark.postgres
def test_postgres_indexes_exactly_the_tokens_python_made():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    make_story(
        "mixed",
        languages=("en",),
        title_en="GPT-4o beats 50% of models; Ｆｕｌｌ-width ＡＩ 大模型!",
        summary_en="the user's café, naïve résumé 3.5",
    )
    translation = StoryTranslation.objects.get(master__slug="mixed")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_tsvector('simple', search_terms) FROM cms_story_translation WHERE id = %s",
            [translation.pk],
        )
        vector = cursor.fetchone()[0]
    lexemes = {part.split("':")[0].strip("'") for part in vector.split(" ")}
    assert lexemes == set(translation.search_terms.split())


def test_the_engine_searches_the_stories_it_is_given_with_their_synonyms():
    SearchSynonym.objects.create(terms="LLM\n大模型")
    make_story("z", languages=("zh-hans",), title_zh_hans="大模型", summary_zh_hans="x")
    make_story("draft", languages=("zh-hans",), title_zh_hans="大模型", status=Story.Status.DRAFT)
    audience = Audience.of("zh-hans")
    found = search.matching(Story.objects.readable(audience), "llm", audience.chain)
    assert [story.slug for story in found] == ["z"]


def test_a_synonym_of_several_words_matches_those_words_in_order(gql):
    SearchSynonym.objects.create(terms="LLM\nlarge language model")
    make_story("long", languages=("en",), title_en="A large language model ships", summary_en="x")
    make_story("short", languages=("en",), title_en="An LLM ships", summary_en="y")
    make_story("other", languages=("en",), title_en="A small model ships", summary_en="z")
    assert sorted(slugs(find(gql, "en", "llm"))) == ["long", "short"]
    assert sorted(slugs(find(gql, "en", "large language models"))) == ["long", "short"]
    groups = search.synonym_groups()
    query = search.SearchQuery("new large language model", groups)
    assert query.clauses == [(("new",),), (("llm",), ("larg", "languag", "model"))]


def test_search_matches_every_text_a_version_shows(gql):
    make_story("t", languages=("en",), title_en="Quokka title", summary_en="x", analysis_en="y")
    make_story("s", languages=("en",), title_en="x", summary_en="Quokka summary", analysis_en="y")
    make_story("a", languages=("en",), title_en="x", summary_en="y", analysis_en="**Quokka** text")
    make_story(
        "n", languages=("en",), title_en="x", summary_en="y", analysis_en="z", tldr_en=["Quokka"]
    )
    rows = {
        "k": {"key_data_en": [{"entity": "Quokka Inc", "detail": "d", "metric": "1"}]},
        "i": {"insights_en": [{"title": "t", "body": "Quokkas everywhere"}]},
        "f": {"faq_en": [{"question": "Why the quokka?", "answer": "a"}]},
    }
    for slug, lists in rows.items():
        make_story(slug, languages=("en",), title_en="x", summary_en="y", **lists)
    make_story("none", languages=("en",), title_en="x", summary_en="y", analysis_en="z")
    result = gql('{ stories(language: "en", search: "quokka") { edges { node { slug } } } }')
    found = sorted(e["node"]["slug"] for e in result["data"]["stories"]["edges"])
    assert found == ["a", "f", "i", "k", "n", "s", "t"]


def test_a_story_served_in_the_fallback_is_searched_in_its_served_text(gql):
    make_story("english-only", languages=("en",), title_en="Wombat budget cuts")
    make_story("both", title_en="Wombat in English", title_zh_hans="袋熊")
    result = gql(
        '{ stories(language: "zh-hans", search: "wombat") '
        "{ totalCount edges { node { slug language } } } }"
    )
    assert result["data"]["stories"] == {
        "totalCount": 1,
        "edges": [{"node": {"slug": "english-only", "language": "en"}}],
    }


def test_search_text_with_like_wildcards_is_taken_literally(gql):
    make_story("pct", languages=("en",), title_en="Growth of 50% in a year")
    make_story("other", languages=("en",), title_en="Growth of 500 units")
    result = gql('{ stories(language: "en", search: "50%") { edges { node { slug } } } }')
    assert [e["node"]["slug"] for e in result["data"]["stories"]["edges"]] == ["pct"]
    result = gql('{ stories(language: "en", search: "_") { edges { node { slug } } } }')
    assert result["data"]["stories"]["edges"] == []


@pytest.mark.postgres
def test_the_stories_a_probe_lists_reach_the_page_query_as_one_array(gql):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    for number in range(12):
        make_story(f"t{number}", hours_ago=number + 1, title_en="Tariff news", summary_en="x")
    make_story("t-draft", title_en="Tariff news", status=Story.Status.DRAFT)
    find(gql, "en", "zebra")  # The first search reads the synonym groups into the cache.
    next_publication_at()
    with CaptureQueriesContext(connection) as queries:
        found = find(gql, "en", "tariff", first=5)
    assert slugs(found) == [f"t{number}" for number in range(5)]
    assert found["totalCount"] == 12
    page = [q["sql"] for q in queries if q["sql"].startswith('SELECT "cms_story"."id"')]
    # One parameter whatever the number of stories listed, not one per story.
    assert len(page) == 1
    assert """"cms_story"."id" = ANY('{""" in page[0]
    assert '"cms_story"."id" IN (' not in page[0]
