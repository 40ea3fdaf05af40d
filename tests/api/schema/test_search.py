"""The reader site's search document, as written: words in English, substrings in Chinese, only
the served language. What the engine matches is tested in tests/search/."""

import pytest

from cms.demo import loader

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
