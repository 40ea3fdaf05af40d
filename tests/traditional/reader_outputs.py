"""Traditional Chinese (zh-hant), derived from the Chinese desk, answers the reader site's
contract documents with converted text and the chain's fallbacks, and every output readers
and partners take says it was converted automatically: the API, JSON-LD, feeds, ninjs,
sitemaps with hreflang, and search in Traditional characters
(繁體中文版本：合約查詢、後備語言、披露、訂閱源、網站地圖與搜尋)."""

import json
import xml.etree.ElementTree as ET

import feedparser
import pytest

from cms.demo import loader
from cms.models import StoryTranslation
from tests.factories import make_story

pytestmark = pytest.mark.django_db

SLUG = "china-may-have-accessed-mythos"
NOTICE = "本文由簡體中文版本自動轉換。"
DISCLOSURE = """query ($slug: String!) { story(slug: $slug, language: "zh-hant") {
  language disclosure { label convertedFrom conversionNotice }
  structuredData } }"""


@pytest.fixture
def seed(db):
    loader.load()
    return next(item for item in loader.read()["stories"] if item["slug"] == SLUG)


def page(gql, contract, slug, language="zh-hant"):
    result = gql(contract("story_page.graphql"), {"slug": slug, "language": language})
    assert "errors" not in result, result
    return result["data"]["story"]


def test_the_story_page_answers_in_traditional_chinese_converted_from_simplified(
    gql, contract, seed
):
    hans = page(gql, contract, SLUG, "zh-hans")
    hant = page(gql, contract, SLUG)
    assert hant["language"] == "zh-hant"
    assert hant["availableLanguages"] == ["en", "zh-hans", "zh-hant"]
    assert hant["url"] == f"https://news.example.com/zh-hant/stories/{SLUG}"
    assert hant["id"] != hans["id"]
    from cms.core import chinese

    assert hant["title"] == chinese.convert(hans["title"], "s2twp") != hans["title"]
    assert hant["tldr"] == [chinese.convert(item, "s2twp") for item in hans["tldr"]]
    assert len(hant["faq"]) == len(hans["faq"]) and len(hant["insights"]) == len(hans["insights"])
    assert hant["faq"][0]["question"] == chinese.convert(hans["faq"][0]["question"], "s2twp")
    assert hant["analysis"]["text"] == chinese.convert(hans["analysis"]["text"], "s2twp")
    assert hant["disclaimer"] == "免責聲明：以上內容由 AI 生成，僅供參考。" or (
        chinese.looks_traditional(hant["disclaimer"])
    )


def test_the_disclosure_says_the_text_was_converted_automatically(gql, seed):
    story = gql(DISCLOSURE, {"slug": SLUG})["data"]["story"]
    assert story["disclosure"]["convertedFrom"] == "zh-hans"
    assert story["disclosure"]["conversionNotice"] == NOTICE
    assert story["disclosure"]["label"].endswith(NOTICE)
    article = story["structuredData"][0]
    assert article["inLanguage"] == "zh-hant" and article["creditText"] == NOTICE
    hans = gql(DISCLOSURE.replace('"zh-hant"', '"zh-hans"'), {"slug": SLUG})["data"]["story"]
    assert hans["disclosure"]["convertedFrom"] is None
    assert "creditText" not in hans["structuredData"][0]


def test_a_story_with_no_simplified_text_falls_back_along_the_chain(gql, contract):
    english = make_story("english-only", languages=("en",))
    assert page(gql, contract, english.slug)["language"] == "en"
    chinese_only = make_story("chinese-only", languages=("zh-hans",), title_zh_hans="软件")
    found = page(gql, contract, chinese_only.slug)
    assert (found["language"], found["title"]) == ("zh-hant", "軟體")
    # Without Simplified text there is no Traditional version: the chain goes on to English.
    both = make_story("no-chinese-yet", languages=("en",))
    assert not StoryTranslation.objects.filter(master=both, language_code="zh-hant").exists()


def test_the_front_page_and_search_answer_in_traditional_chinese(gql, contract):
    make_story("chips", title_zh_hans="数据中心芯片短缺", summary_zh_hans="软件与硬件")
    make_story("english", languages=("en",))
    front = gql(contract("front_page.graphql"), {"language": "zh-hant"})
    assert "errors" not in front, front
    nodes = {edge["node"]["slug"]: edge["node"] for edge in front["data"]["stories"]["edges"]}
    assert nodes["chips"]["language"] == "zh-hant"
    assert nodes["chips"]["title"] == "資料中心晶片短缺"
    assert nodes["english"]["language"] == "en"
    found = gql(contract("search.graphql"), {"language": "zh-hant", "query": "晶片"})
    assert "errors" not in found, found
    assert [edge["node"]["slug"] for edge in found["data"]["stories"]["edges"]] == ["chips"]
    assert found["data"]["stories"]["edges"][0]["node"]["language"] == "zh-hant"


def test_traditional_text_is_indexed_as_jieba_cuts_its_simplified_rendering():
    story = make_story("index", title_zh_hans="大语言模型的数据中心")
    terms = StoryTranslation.objects.get(master=story, language_code="zh-hant").search_terms
    assert "大語言模型" in terms.split() and "資料" in terms.split()


def test_feeds_answer_in_traditional_chinese_with_the_conversion_notice(client):
    make_story("chips", title_zh_hans="芯片短缺")
    rss = feedparser.parse(client.get("/feeds/zh-hant/rss.xml").content)
    assert not rss.bozo and rss.feed.language == "zh-hant"
    assert rss.entries[0].title == "晶片短缺"
    assert NOTICE in rss.entries[0].summary or NOTICE in rss.entries[0].content[0].value
    feed = json.loads(client.get("/feeds/zh-hant/feed.json").content)
    assert feed["items"][0]["title"] == "晶片短缺"
    assert feed["items"][0]["_disclosure"]["conversionNotice"] == NOTICE


def test_sitemaps_list_the_traditional_versions_with_hreflang(client):
    make_story("chips", title_zh_hans="芯片短缺")
    index = ET.fromstring(client.get("/sitemap.xml").content)
    addresses = [element.text for element in index.iter() if element.tag.endswith("loc")]
    assert any(address.endswith("/sitemaps/zh-hant.xml") for address in addresses), addresses
    sitemap = client.get("/sitemaps/zh-hant.xml").content.decode()
    assert "https://news.example.com/zh-hant/stories/chips" in sitemap
    assert 'hreflang="zh-Hant"' in sitemap or 'hreflang="zh-hant"' in sitemap


@pytest.mark.parametrize("version", ["V2_2", "V3_1"])
def test_the_ninjs_item_is_traditional_valid_and_says_it_was_converted(gql, version):
    from tests import ninjs_validation

    make_story("chips", title_zh_hans="芯片短缺")
    query = """query ($v: NinjsVersion) { story(slug: "chips", language: "zh-hant") {
        ninjs(version: $v) } }"""
    result = gql(query, {"v": version})
    assert "errors" not in result, result
    document = result["data"]["story"]["ninjs"]
    assert ninjs_validation.problems(document, version[1:].replace("_", ".")) == []
    assert document["language"].lower() in ("zh-hant", "zh-tw")
    assert NOTICE in json.dumps(document, ensure_ascii=False)
    assert "晶片短缺" in json.dumps(document, ensure_ascii=False)


def test_regenerating_the_traditional_version_costs_a_bounded_number_of_queries(
    django_assert_max_num_queries,
):
    story = make_story("chips", title_zh_hans="芯片短缺", tldr_zh_hans=["一"] * 20)
    row = StoryTranslation.objects.get(master=story, language_code="zh-hans")
    row.title = "芯片严重短缺"
    # The source's own save and index upkeep (5 queries, as any version's save), plus the
    # derived row's read, write and its own upkeep: 10, however long the lists are.
    with django_assert_max_num_queries(10):
        row.save()
    assert StoryTranslation.objects.get(master=story, language_code="zh-hant").title == (
        "晶片嚴重短缺"
    )
