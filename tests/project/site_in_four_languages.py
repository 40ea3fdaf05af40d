"""The site built with four languages from settings alone (run by test_languages_from_settings
in its own process, with CMS_LANGUAGES=en,zh-hans,zh-hant,ja): the contract documents, feeds
and sitemaps answer in the fourth language, and its fallback chain is the one settings give."""

import json
import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.conf import settings

from cms.ingest import pipeline
from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def japanese_desk():
    tag = make_tag("chips", en="Chips")
    tag.set_current_language("ja")
    tag.name = "半導体"
    tag.save()
    story, _created = pipeline.upsert(
        {
            "external_id": "ja-1",
            "publish": True,
            "original_language": "ja",
            "tags": ["chips"],
            "translations": {
                "ja": {
                    "title": "半導体の供給が逼迫",
                    "summary": "工場はフル稼働。",
                    "tldr": ["需要が倍増"],
                    "analysis": "詳細な分析。",
                    "ai_involvement": "human",
                },
                "en": {
                    "title": "Chip supply tightens",
                    "summary": "Fabs are full.",
                    "tldr": ["Demand doubled"],
                    "analysis": "A closer look.",
                    "ai_involvement": "human",
                },
            },
        },
        may_publish=True,
    )
    only_chinese = make_story("only-chinese", languages=("zh-hans",))
    return story, only_chinese


def test_the_settings_name_four_languages_and_the_chain_of_the_fourth():
    assert [code for code, _name in settings.LANGUAGES] == ["en", "zh-hans", "zh-hant", "ja"]
    from cms.core import languages

    assert languages.chain("ja") == ["ja", "zh-hans", "en"]


def test_the_contract_documents_answer_in_the_fourth_language(gql, contract, japanese_desk):
    story, only_chinese = japanese_desk
    page = gql(contract("story_page.graphql"), {"slug": story.slug, "language": "ja"})
    assert "errors" not in page, page
    assert page["data"]["story"]["language"] == "ja"
    assert page["data"]["story"]["title"] == "半導体の供給が逼迫"
    assert set(page["data"]["story"]["availableLanguages"]) == {"en", "ja"}
    # Missing in Japanese: the chain settings give (ja, zh-hans, en).
    fallback = gql(contract("story_page.graphql"), {"slug": only_chinese.slug, "language": "ja"})
    assert fallback["data"]["story"]["language"] == "zh-hans"
    front = gql(contract("front_page.graphql"), {"language": "ja"})
    assert "errors" not in front, front
    nodes = [edge["node"] for edge in front["data"]["stories"]["edges"]]
    assert {node["language"] for node in nodes} == {"ja", "zh-hans"}
    assert {"slug": "chips", "name": "半導体", "storyCount": 1} in front["data"]["tags"]
    found = gql(contract("search.graphql"), {"language": "ja", "query": "半導体"})
    assert "errors" not in found, found
    engagement = contract("engagement.graphql")
    assert "errors" not in gql(engagement, {"slug": story.slug}, "RecordView")


def test_feeds_and_sitemaps_answer_in_the_fourth_language(client, japanese_desk):
    rss = feedparser.parse(client.get("/feeds/ja/rss.xml").content)
    assert not rss.bozo and rss.feed.language == "ja"
    assert rss.entries[0].title == "半導体の供給が逼迫"
    atom = feedparser.parse(client.get("/feeds/ja/atom.xml").content)
    assert not atom.bozo and atom.entries[0].title == "半導体の供給が逼迫"
    feed = json.loads(client.get("/feeds/ja/feed.json").content)
    assert feed["language"] == "ja" and feed["items"][0]["title"] == "半導体の供給が逼迫"
    index = ET.fromstring(client.get("/sitemap.xml").content)
    addresses = [element.text for element in index.iter() if element.tag.endswith("loc")]
    assert any("/ja" in address for address in addresses), addresses
    for address in addresses:
        path = address.split("://", 1)[-1].split("/", 1)[-1]
        answer = client.get("/" + path)
        assert answer.status_code == 200, address
        ET.fromstring(answer.content)
