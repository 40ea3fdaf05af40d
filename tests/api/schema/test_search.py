"""The search document: words in English, substrings in Chinese, fallback included."""

import pytest

from cms.demo import loader
from tests.factories import make_story

pytestmark = pytest.mark.django_db

SEED = "china-may-have-accessed-mythos"


@pytest.fixture
def demo(db):
    loader.load()


def search(gql, contract, language, text, first=10):
    result = gql(contract("search.graphql"), {"language": language, "query": text, "first": first})
    assert "errors" not in result, result
    return result["data"]["stories"]


def test_an_english_word_finds_the_seed_story_in_english(gql, contract, demo):
    found = search(gql, contract, "en", "distillation")
    assert found["totalCount"] == 1
    (edge,) = found["edges"]
    assert edge["node"]["slug"] == SEED
    assert edge["node"]["language"] == "en"
    assert edge["node"]["title"] == "China may have accessed Mythos"


def test_a_chinese_substring_finds_the_seed_story_in_chinese(gql, contract, demo):
    found = search(gql, contract, "zh-hans", "蒸馏")
    assert found == {
        "totalCount": 1,
        "edges": [
            {
                "node": {
                    "slug": SEED,
                    "language": "zh-hans",
                    "title": "中国可能已访问Mythos",
                    "summary": found["edges"][0]["node"]["summary"],
                }
            }
        ],
    }
    assert "蒸馏" in found["edges"][0]["node"]["summary"]


def test_search_looks_only_at_the_served_language(gql, contract, demo):
    assert search(gql, contract, "en", "蒸馏")["totalCount"] == 0
    assert search(gql, contract, "zh-hans", "distillation")["totalCount"] == 0


def test_search_is_case_insensitive_and_needs_every_word(gql, contract, demo):
    assert search(gql, contract, "en", "DISTILLATION")["totalCount"] == 1
    assert search(gql, contract, "en", "distillation Semafor")["totalCount"] == 1
    assert search(gql, contract, "en", "distillation zebra")["totalCount"] == 0


def test_search_matches_title_summary_and_analysis(gql):
    make_story("t", languages=("en",), title_en="Quokka title", summary_en="x", analysis_en="y")
    make_story("s", languages=("en",), title_en="x", summary_en="Quokka summary", analysis_en="y")
    make_story("a", languages=("en",), title_en="x", summary_en="y", analysis_en="**Quokka** text")
    make_story(
        "n", languages=("en",), title_en="x", summary_en="y", analysis_en="z", tldr_en=["Quokka"]
    )
    result = gql('{ stories(language: "en", search: "quokka") { edges { node { slug } } } }')
    assert [e["node"]["slug"] for e in result["data"]["stories"]["edges"]] == ["a", "s", "t"]


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
