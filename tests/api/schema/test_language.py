"""Which language an answer is served in: argument, then Accept-Language, then the default."""

import pytest

from tests.factories import make_story

pytestmark = pytest.mark.django_db

QUERY = 'query($l: String) { story(slug: "s", language: $l) { language title } }'


@pytest.fixture
def story():
    return make_story("s")


@pytest.mark.parametrize("code", ["zh-hans", "ZH-HANS", "zh-Hans", "zh_hans"])
def test_the_language_argument_is_case_insensitive(gql, story, code):
    assert gql(QUERY, {"l": code}) == {
        "data": {"story": {"language": "zh-hans", "title": "s zh-hans title"}}
    }


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-hans"),
        ("zh-Hans", "zh-hans"),
        ("fr-FR,en;q=0.5", "en"),
        ("de", "en"),
        ("", "en"),
        ("en-US,en;q=0.9", "en"),
    ],
)
def test_without_an_argument_the_accept_language_header_decides(gql, story, header, expected):
    result = gql(QUERY, accept_language=header)
    assert result["data"]["story"]["language"] == expected


def test_the_argument_wins_over_the_header(gql, story):
    result = gql(QUERY, {"l": "en"}, accept_language="zh-CN")
    assert result["data"]["story"]["language"] == "en"


@pytest.mark.parametrize("code", ["fr", "", "english", "zh"])
def test_an_unsupported_language_is_a_clear_error_naming_the_supported_ones(gql, story, code):
    result = gql(QUERY, {"l": code})
    assert result["data"] == {"story": None}
    assert result["errors"] == [
        {
            "message": f"Unsupported language “{code}”. Supported languages: en, zh-hans.",
            "locations": [{"line": 1, "column": 21}],
            "path": ["story"],
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]


def test_a_story_missing_the_language_is_served_in_the_fallback(gql):
    make_story("s", languages=("en",))
    result = gql('{ story(slug: "s", language: "zh-hans") { language availableLanguages title } }')
    assert result == {
        "data": {"story": {"language": "en", "availableLanguages": ["en"], "title": "s en title"}}
    }


def test_a_story_only_in_chinese_is_not_served_to_english_readers(gql):
    make_story("s", languages=("zh-hans",))
    assert gql('{ story(slug: "s", language: "en") { slug } }') == {"data": {"story": None}}
    result = gql('{ story(slug: "s", language: "zh-hans") { language availableLanguages } }')
    assert result == {"data": {"story": {"language": "zh-hans", "availableLanguages": ["zh-hans"]}}}
