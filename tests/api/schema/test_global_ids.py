"""Global ids name the language, so client caches keep each language of a story apart."""

import base64
import json

import pytest

from cms.models import ApiKey, Partner
from tests.conftest import without_cost
from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "zh-hans"]
OTHER = {"en": "zh-hans", "zh-hans": "en"}
STORY = """query($slug: String!, $language: String) {
  story(slug: $slug, language: $language) { id slug language title tags { name } } }"""
NODE = """query($id: ID!) {
  node(id: $id) { id ... on Story { slug language title tags { name } } } }"""


def encoded(text):
    return base64.b64encode(text.encode()).decode()


def decoded(global_id):
    return base64.b64decode(global_id).decode()


@pytest.fixture
def story():
    tag = make_tag("security", en="Security", zh_hans="安全")
    return make_story("bilingual", tags=[tag], title_en="English title", title_zh_hans="中文标题")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_storys_id_names_the_language_it_was_asked_in(gql, story, language):
    found = gql(STORY, {"slug": "bilingual", "language": language})["data"]["story"]
    assert decoded(found["id"]) == f"Story:{story.pk}:{language}"
    other = gql(STORY, {"slug": "bilingual", "language": OTHER[language]})["data"]["story"]
    assert other["id"] != found["id"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_node_serves_the_ids_language_whatever_the_accept_language(gql, story, language):
    found = gql(STORY, {"slug": "bilingual", "language": language})["data"]["story"]
    refetched = gql(NODE, {"id": found["id"]}, accept_language=OTHER[language])["data"]["node"]
    assert refetched == found
    assert refetched["title"] == ("English title" if language == "en" else "中文标题")
    assert refetched["tags"] == [{"name": "Security" if language == "en" else "安全"}]


def test_a_story_served_in_its_fallback_keeps_the_id_of_the_language_asked_for(gql):
    tag = make_tag("security", en="Security", zh_hans="安全")
    story = make_story("english-only", languages=("en",), tags=[tag])
    english = gql(STORY, {"slug": "english-only", "language": "en"})["data"]["story"]
    chinese = gql(STORY, {"slug": "english-only", "language": "zh-hans"})["data"]["story"]
    # Both are the English version, but the Chinese readers' one names its tags in Chinese.
    assert english["language"] == chinese["language"] == "en"
    assert english["tags"] != chinese["tags"]
    assert decoded(chinese["id"]) == f"Story:{story.pk}:zh-hans"
    refetched = gql(NODE, {"id": chinese["id"]}, accept_language="en")["data"]["node"]
    assert refetched == chinese


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_old_id_without_a_language_is_served_in_the_requests_language(gql, story, language):
    old = encoded(f"Story:{story.pk}")
    found = gql(NODE, {"id": old}, accept_language=language)["data"]["node"]
    assert found["language"] == language
    assert decoded(found["id"]) == f"Story:{story.pk}:{language}"


def test_a_key_restricted_to_english_finds_nothing_under_a_chinese_id(client, story):
    partner = Partner.objects.create(name="Partner")
    _key, secret = ApiKey.issue(partner=partner, name="en", scopes=["read"], languages=["en"])

    def node(global_id):
        response = client.post(
            "/graphql",
            json.dumps({"query": NODE, "variables": {"id": global_id}}),
            content_type="application/json",
            headers={"authorization": f"Bearer {secret}"},
        )
        return without_cost(response.json())

    chinese = encoded(f"Story:{story.pk}:zh-hans")
    assert node(chinese) == {"data": {"node": None}}
    english = node(encoded(f"Story:{story.pk}:en"))["data"]["node"]
    assert english["title"] == "English title"


@pytest.mark.parametrize("node_id", ["abc", "1:fr", "1:", ":en", "1:en:x"])
def test_a_malformed_story_id_is_a_clear_error(gql, story, node_id):
    result = gql(NODE, {"id": encoded(f"Story:{node_id}")})
    assert result["data"] == {"node": None}
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "is not a story id" in error["message"]
