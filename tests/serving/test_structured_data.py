"""Share cards and JSON-LD for the story page, in both languages."""

import pytest

from cms.demo import loader

pytestmark = pytest.mark.django_db

QUERY = """query($l: String) { story(slug: "china-may-have-accessed-mythos", language: $l) {
  structuredData
  openGraph { title description url type siteName locale localeAlternates
    publishedTime modifiedTime tags }
  twitterCard { card title description } } }"""


@pytest.mark.parametrize(
    ("language", "locale", "alternate"), [("en", "en_US", "zh_CN"), ("zh-hans", "zh_CN", "en_US")]
)
def test_structured_data_is_a_news_article_and_an_faq_page(gql, language, locale, alternate):
    loader.load()
    story = gql(QUERY, {"l": language})["data"]["story"]
    article, faq, *_label = story["structuredData"]
    url = f"https://news.example.com/{language}/stories/china-may-have-accessed-mythos"
    assert article["@context"] == "https://schema.org"
    assert article["@type"] == "NewsArticle"
    assert article["url"] == article["mainEntityOfPage"] == url
    assert article["inLanguage"] == language
    assert article["headline"] == story["openGraph"]["title"]
    assert len(article["headline"]) <= 110
    assert article["datePublished"] == story["openGraph"]["publishedTime"]
    assert article["isBasedOn"]["publisher"]["name"] == "Semafor"
    assert [translation["inLanguage"] for translation in article["workTranslation"]] == [
        "zh-hans" if language == "en" else "en"
    ]
    assert faq["@type"] == "FAQPage"
    assert len(faq["mainEntity"]) == 3
    assert all(
        q["@type"] == "Question" and q["acceptedAnswer"]["@type"] == "Answer"
        for q in faq["mainEntity"]
    )
    assert story["openGraph"]["type"] == "article"
    assert story["openGraph"]["url"] == url
    assert story["openGraph"]["locale"] == locale
    assert story["openGraph"]["localeAlternates"] == [alternate]
    assert story["twitterCard"]["card"] == "summary"
    assert story["twitterCard"]["title"] == story["openGraph"]["title"]


def test_a_story_without_faq_has_only_the_article(gql):
    from tests.factories import make_story

    make_story("plain", faq_en=[], ai_involvement="human")
    data = gql('{ story(slug: "plain", language: "en") { structuredData } }')["data"]["story"]
    assert [item["@type"] for item in data["structuredData"]] == ["NewsArticle"]
