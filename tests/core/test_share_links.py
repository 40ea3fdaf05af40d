"""Share links and the canonical URL."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings

from tests.factories import make_story

pytestmark = pytest.mark.django_db

QUERY = """query($l: String) { story(slug: "chips-cloud", language: $l) {
  url shareLinks { network label url } } }"""
TITLE = 'Chips & cloud: who pays? #AI "now" 50%+'


@pytest.fixture
def story():
    return make_story("chips-cloud", title_en=TITLE, title_zh_hans="芯片与云:谁来买单?#AI")


def links(gql, language):
    data = gql(QUERY, {"l": language})["data"]["story"]
    return data["url"], {link["network"]: link for link in data["shareLinks"]}


def test_every_network_has_a_link_in_a_fixed_order(gql, story):
    _url, by_network = links(gql, "en")
    assert list(by_network) == [
        "x", "facebook", "linkedin", "reddit", "telegram", "whatsapp", "weibo", "email", "copy",
    ]  # fmt: skip


def test_the_url_is_the_canonical_reader_site_address(gql, story):
    assert links(gql, "en")[0] == "https://news.example.com/en/stories/chips-cloud"
    assert links(gql, "zh-hans")[0] == "https://news.example.com/zh-hans/stories/chips-cloud"


@override_settings(CMS_STORY_URL="https://ai.example.org/{language}/{slug}.html")
def test_the_canonical_address_comes_from_settings(gql, story):
    assert links(gql, "en")[0] == "https://ai.example.org/en/chips-cloud.html"


@pytest.mark.parametrize(
    ("language", "title"), [("en", TITLE), ("zh-hans", "芯片与云:谁来买单?#AI")]
)
def test_titles_and_tracked_addresses_survive_encoding(gql, story, language, title):
    canonical, by_network = links(gql, language)
    x = parse_qs(urlsplit(by_network["x"]["url"]).query)
    assert x["text"] == [title]
    shared = urlsplit(x["url"][0])
    assert f"{shared.scheme}://{shared.netloc}{shared.path}" == canonical
    assert parse_qs(shared.query) == {
        "utm_source": ["x"],
        "utm_medium": ["social"],
        "utm_campaign": ["story_share"],
    }
    reddit = parse_qs(urlsplit(by_network["reddit"]["url"]).query)
    assert reddit["title"] == [title]
    email = urlsplit(by_network["email"]["url"])
    assert email.scheme == "mailto"
    assert parse_qs(email.query)["subject"] == [title]
    assert parse_qs(urlsplit(parse_qs(email.query)["body"][0]).query)["utm_medium"] == ["email"]
    whatsapp = parse_qs(urlsplit(by_network["whatsapp"]["url"]).query)
    assert whatsapp["text"][0].startswith(title + " " + canonical)
    assert by_network["copy"]["url"] == (
        f"{canonical}?utm_source=copy&utm_medium=link&utm_campaign=story_share"
    )


def test_labels_are_in_the_served_language(gql, story):
    en = {n: link["label"] for n, link in links(gql, "en")[1].items()}
    zh = {n: link["label"] for n, link in links(gql, "zh-hans")[1].items()}
    assert (en["email"], en["copy"], en["weibo"]) == ("Email", "Copy link", "Weibo")
    assert (zh["email"], zh["copy"], zh["weibo"]) == ("电子邮件", "复制链接", "微博")
