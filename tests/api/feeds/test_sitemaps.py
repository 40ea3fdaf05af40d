"""Sitemaps: an index, per-language sitemaps with hreflang alternates, and Google News."""

import re
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api import sitemaps
from cms.models import Story, StoryTranslation
from cms.stories import publishing
from tests.factories import make_story

pytestmark = pytest.mark.django_db

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
NS = {"s": SITEMAP, "news": NEWS, "xhtml": XHTML}
LANGUAGES = ["en", "zh-hans"]


def fetch(client, path, **headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/xml")
    return response, ET.fromstring(response.content)


def entries(root):
    """{loc: {hreflang: href}} of a urlset."""
    found = {}
    for url in root.findall("s:url", NS):
        links = url.findall("xhtml:link", NS)
        assert all(link.get("rel") == "alternate" for link in links)
        found[url.findtext("s:loc", namespaces=NS)] = {
            link.get("hreflang"): link.get("href") for link in links
        }
    return found


@pytest.fixture
def newsroom():
    return {
        "both": make_story("both", title_en="Both & more", title_zh_hans="双语"),
        "english": make_story("english", languages=("en",)),
        "chinese": make_story("chinese", languages=("zh-hans",), original_language="zh-hans"),
        "old": make_story("old", hours_ago=24 * 3),
        "draft": make_story("draft", status=Story.Status.DRAFT, hours_ago=None),
        "scheduled": make_story("scheduled", hours_ago=-2),
        "expired": make_story(
            "expired", hours_ago=5, expires_at=timezone.now() - timedelta(hours=1)
        ),
    }


def test_the_index_lists_every_sitemap_and_robots_txt_names_it(client, newsroom):
    _response, root = fetch(client, "/sitemap.xml")
    assert root.tag == f"{{{SITEMAP}}}sitemapindex"
    locations = [node.findtext("s:loc", namespaces=NS) for node in root.findall("s:sitemap", NS)]
    assert locations == [
        "http://testserver/sitemaps/en.xml",
        "http://testserver/sitemaps/zh-hans.xml",
        "http://testserver/sitemaps/news-en.xml",
        "http://testserver/sitemaps/news-zh-hans.xml",
    ]
    for location in locations:
        fetch(client, location.removeprefix("http://testserver"))
    robots = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in robots.splitlines()
    assert "Sitemap: http://testserver/sitemaps/news-zh-hans.xml" in robots.splitlines()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_language_sitemap_lists_its_stories_with_every_language_and_x_default(
    client, newsroom, language
):
    _response, root = fetch(client, f"/sitemaps/{language}.xml")
    assert root.tag == f"{{{SITEMAP}}}urlset"
    found = entries(root)
    written = {"en": ["both", "english", "old"], "zh-hans": ["both", "chinese", "old"]}[language]
    assert sorted(found) == sorted(newsroom[slug].get_absolute_url(language) for slug in written)
    both = found[f"https://news.example.com/{language}/stories/both"]
    assert both == {
        "en": "https://news.example.com/en/stories/both",
        "zh-hans": "https://news.example.com/zh-hans/stories/both",
        "x-default": "https://news.example.com/en/stories/both",
    }
    if language == "zh-hans":
        # A story only in Chinese: itself, and it is the default too.
        alone = found["https://news.example.com/zh-hans/stories/chinese"]
        assert alone == {
            "zh-hans": "https://news.example.com/zh-hans/stories/chinese",
            "x-default": "https://news.example.com/zh-hans/stories/chinese",
        }
    for url in root.findall("s:url", NS):
        datetime.strptime(url.findtext("s:lastmod", namespaces=NS), "%Y-%m-%d")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_news_sitemap_follows_google_news_rules(client, newsroom, settings, language):
    settings.CMS_PUBLISHER_NAME = "The Example Times"
    _response, root = fetch(client, f"/sitemaps/news-{language}.xml")
    urls = root.findall("s:url", NS)
    slugs = {"en": {"both", "english"}, "zh-hans": {"both", "chinese"}}[language]
    assert {url.findtext("s:loc", namespaces=NS) for url in urls} == {
        newsroom[slug].get_absolute_url(language) for slug in slugs
    }
    two_days_ago = timezone.now() - timedelta(days=2)
    for url in urls:
        news = url.findall("news:news", NS)
        assert len(news) == 1
        publication = news[0].find("news:publication", NS)
        assert publication.findtext("news:name", namespaces=NS) == "The Example Times"
        expected = {"en": "en", "zh-hans": "zh-cn"}[language]
        assert publication.findtext("news:language", namespaces=NS) == expected
        published = datetime.fromisoformat(news[0].findtext("news:publication_date", namespaces=NS))
        assert published.tzinfo is not None and published >= two_days_ago
        slug = url.findtext("s:loc", namespaces=NS).rsplit("/", 1)[-1]
        title = newsroom[slug].translations.get(language_code=language).title
        assert news[0].findtext("news:title", namespaces=NS) == title


def test_the_news_sitemap_holds_at_most_a_thousand_newest_stories(client):
    now = timezone.now()
    stories = Story.objects.bulk_create(
        Story(
            slug=f"s-{number}",
            status=Story.Status.PUBLISHED,
            published_at=now - timedelta(minutes=number + 1),
        )
        for number in range(1003)
    )
    StoryTranslation.objects.bulk_create(
        StoryTranslation(master=story, language_code="en", title=story.slug) for story in stories
    )
    _response, root = fetch(client, "/sitemaps/news-en.xml")
    locations = [url.findtext("s:loc", namespaces=NS) for url in root.findall("s:url", NS)]
    assert len(locations) == 1000
    assert locations[0].endswith("/s-0") and locations[-1].endswith("/s-999")


def test_a_sitemap_costs_the_same_queries_for_few_or_many_stories(client):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            fetch(client, "/sitemaps/en.xml")
            fetch(client, "/sitemaps/news-en.xml")
        from django.core.cache import cache

        cache.clear()
        return len(captured.captured_queries)

    make_story("one")
    few = queries()
    for number in range(8):
        make_story(f"more-{number}")
    assert queries() == few


def test_sitemaps_are_cached_and_change_when_a_story_is_published(client, newsroom):
    response, _root = fetch(client, "/sitemaps/en.xml")
    assert response["Surrogate-Key"] == "stories"
    assert "public" in response["Cache-Control"]
    again = client.get("/sitemaps/en.xml", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    draft = newsroom["draft"]
    with publishing.change(draft) as change:
        change.step("publish")
        draft.save()
    _response, root = fetch(client, "/sitemaps/en.xml")
    assert draft.get_absolute_url("en") in entries(root)
    _response, root = fetch(client, "/sitemaps/news-en.xml")
    assert draft.get_absolute_url("en") in entries(root)


def test_a_story_that_expires_leaves_the_sitemaps_by_itself(client):
    make_story("soon-gone", expires_at=timezone.now() + timedelta(seconds=1.5))
    names = [name for language in LANGUAGES for name in (language, f"news-{language}")]
    for name in names:
        assert len(entries(fetch(client, f"/sitemaps/{name}.xml")[1])) == 1
    # The cached answers may not outlive the expiry: it passes without a save.
    time.sleep(1.6)
    for name in names:
        assert entries(fetch(client, f"/sitemaps/{name}.xml")[1]) == {}


@pytest.mark.parametrize(
    "path",
    [
        "/sitemaps/fr.xml",
        "/sitemaps/en.xml?p=2",
        "/sitemaps/en.xml?p=x",
        # More digits than Python turns into a number (4,300): a 404, never a 500.
        "/sitemaps/en.xml?p=" + "9" * 5000,
    ],
)
def test_unknown_sitemaps_and_pages_are_404(client, newsroom, path):
    assert client.get(path).status_code == 404


def test_the_index_ignores_a_page_number_too_long_to_read(client, newsroom):
    assert client.get("/sitemap.xml", {"p": "9" * 5000}).status_code == 200


def test_news_languages_follow_google_s_codes():
    assert sitemaps.news_language("zh-hans") == "zh-cn"
    assert sitemaps.news_language("en") == "en"


W3C_WHOLE_SECONDS = re.compile(r"^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d))?$")


def test_every_time_in_the_sitemaps_is_a_w3c_datetime_in_whole_seconds(client, newsroom):
    # Stored times carry microseconds; a sitemap's never do.
    Story.objects.update(updated_at=F("updated_at") + timedelta(microseconds=123456))
    Story.objects.update(published_at=F("published_at") + timedelta(microseconds=654321))
    times = []
    for path in ["/sitemap.xml", *(f"/sitemaps/{s}.xml" for s in sitemaps.sections())]:
        _response, root = fetch(client, path)
        times += [node.text for node in root.iter(f"{{{SITEMAP}}}lastmod")]
        times += [node.text for node in root.iter(f"{{{NEWS}}}publication_date")]
    assert len(times) > 10
    assert [value for value in times if not W3C_WHOLE_SECONDS.match(value)] == []


@pytest.mark.parametrize("asked", ["en", "zh-CN,zh;q=0.9", "fr"])
def test_a_sitemap_s_content_language_is_its_own_whatever_the_caller_asks(client, newsroom, asked):
    for section in sitemaps.sections():
        response, _root = fetch(client, f"/sitemaps/{section}.xml", accept_language=asked)
        assert response["Content-Language"] == section.removeprefix("news-")
    index, _root = fetch(client, "/sitemap.xml", accept_language=asked)
    assert index["Content-Language"] == "en, zh-hans"


def test_sitemaps_tell_browsers_and_shared_caches_what_edges_are_told(client, newsroom, settings):
    settings.CMS_EDGE_PURGE_BACKEND = "none"
    response, _root = fetch(client, "/sitemaps/en.xml")
    control = dict(
        part.strip().partition("=")[::2] for part in response["Cache-Control"].split(",")
    )
    edge = dict(
        part.strip().partition("=")[::2] for part in response["Surrogate-Control"].split(",")
    )
    assert "public" in control
    assert int(control["s-maxage"]) == int(edge["max-age"]) > 0


def test_the_index_is_stored_once_whatever_page_number_a_caller_adds(client, newsroom):
    first = client.get("/sitemap.xml")
    assert "stored" in first["Cache-Status"]
    for page in ("2", "x", "9" * 40):
        again = client.get("/sitemap.xml", {"p": page})
        assert "hit" in again["Cache-Status"] and again.content == first.content
