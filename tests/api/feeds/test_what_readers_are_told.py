"""What a feed tells its readers about itself: a tag's feed names itself, every feed says
its own language, an entry's own link comes first, times are whole seconds, and caches are
told how long to keep it."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import feedparser
import pytest

from cms.models import ApiKey, Partner, Story
from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
FORMATS = ["rss.xml", "atom.xml", "feed.json"]
# A time with a fraction of a second, as every stored time has.
PRECISE = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


@pytest.fixture
def tagged():
    security = make_tag("security", en="Security", zh_hans="安全")
    policy = make_tag("policy", en="Policy", zh_hans="政策")
    make_story("secure", tags=[security], title_zh_hans="安全报道")
    make_story("other", tags=[policy], title_zh_hans="其他报道")
    Story.objects.update(published_at=PRECISE, updated_at=PRECISE)


def fetch(client, path, **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return response


def self_link(response, name):
    """The address a feed gives as its own."""
    if name == "feed.json":
        return json.loads(response.content)["feed_url"]
    root = ET.fromstring(response.content)
    links = root.iter(f"{ATOM}link")
    return next(link.get("href") for link in links if link.get("rel") == "self")


@pytest.mark.parametrize("name", FORMATS)
def test_a_tag_feed_names_itself_not_the_whole_feed(client, tagged, name):
    whole = fetch(client, f"/feeds/en/{name}")
    tag = fetch(client, f"/feeds/en/{name}", tag="security")
    assert self_link(whole, name) == f"http://testserver/feeds/en/{name}"
    assert self_link(tag, name) == f"http://testserver/feeds/en/{name}?tag=security"


def test_a_key_s_feed_token_never_appears_in_the_feed_s_own_address(client, tagged):
    partner = Partner.objects.create(name="Partner")
    key, _secret = ApiKey.issue(partner=partner, name="feeds", scopes=["read"])
    token = key.issue_feed_token()
    response = fetch(client, "/feeds/en/feed.json", tag="security", token=token)
    assert self_link(response, "feed.json") == "http://testserver/feeds/en/feed.json?tag=security"
    assert token not in response.content.decode()


def test_every_atom_feed_has_its_own_id_and_title(client, tagged):
    found = {}
    for language in ("en", "zh-hans"):
        for tag in (None, "security", "policy"):
            params = {"tag": tag} if tag else {}
            feed = feedparser.parse(fetch(client, f"/feeds/{language}/atom.xml", **params).content)
            found[language, tag] = (feed.feed.id, feed.feed.title)
    ids = [feed_id for feed_id, _title in found.values()]
    assert len(set(ids)) == len(ids), found
    assert found["en", None][1] == "AI News"
    assert found["en", "security"][1] == "AI News: Security"
    assert found["en", "security"][0] == "urn:ainews:feed:en:tag:security"
    assert found["zh-hans", None][0] == "urn:ainews:feed:zh-hans"


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("asked", ["en", "zh-CN,zh;q=0.9", "fr"])
def test_a_feed_s_content_language_is_its_own_whatever_the_caller_asks(
    client, tagged, name, language, asked
):
    response = client.get(f"/feeds/{language}/{name}", headers={"accept-language": asked})
    assert response.status_code == 200
    assert response["Content-Language"] == language


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_atom_entry_lists_its_own_page_first_and_its_other_languages_after(
    client, tagged, language
):
    root = ET.fromstring(fetch(client, f"/feeds/{language}/atom.xml").content)
    other = "zh-hans" if language == "en" else "en"
    entries = list(root.iter(f"{ATOM}entry"))
    assert entries
    for entry in entries:
        alternates = [link for link in entry.iter(f"{ATOM}link") if link.get("rel") == "alternate"]
        first, *rest = alternates
        assert first.get("href").startswith(f"https://news.example.com/{language}/stories/")
        assert first.get("hreflang") is None
        assert [link.get("hreflang") for link in rest] == [other]


RFC_3339_WHOLE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def test_every_time_in_atom_and_json_feed_is_in_whole_seconds(client, tagged):
    make_story("reviewed", ai_involvement="ai_generated")
    Story.objects.update(published_at=PRECISE, updated_at=PRECISE)
    atom = ET.fromstring(fetch(client, "/feeds/en/atom.xml").content)
    times = [
        element.text for element in atom.iter() if element.tag.endswith(("updated", "published"))
    ]
    feed = json.loads(fetch(client, "/feeds/en/feed.json").content)
    for item in feed["items"]:
        times += [item["date_published"], item["date_modified"]]
        reviewed = (item.get("_disclosure") or {}).get("reviewed")
        if reviewed:
            times.append(reviewed["at"])
    assert len(times) > 8
    assert [time for time in times if not RFC_3339_WHOLE.match(time)] == []
    assert "2026-03-04T05:06:07+00:00" in times


@pytest.mark.parametrize("name", FORMATS)
def test_public_feeds_tell_browsers_and_shared_caches_what_edges_are_told(
    client, tagged, name, settings
):
    settings.CMS_EDGE_PURGE_BACKEND = "none"
    response = fetch(client, f"/feeds/en/{name}", tag="security")
    control = dict(
        part.strip().partition("=")[::2] for part in response["Cache-Control"].split(",")
    )
    edge = dict(
        part.strip().partition("=")[::2] for part in response["Surrogate-Control"].split(",")
    )
    assert "public" in control
    assert control["max-age"] == str(settings.CMS_HTTP_MAX_AGE)
    assert control["s-maxage"] == edge["max-age"] == str(settings.CMS_HTTP_SHARED_MAX_AGE)
    assert response["CDN-Cache-Control"] == response["Surrogate-Control"]


def test_no_cache_keeps_a_feed_past_the_next_scheduled_publication(client, tagged, settings):
    make_story("soon", hours_ago=-10 / 3600)
    response = fetch(client, "/feeds/en/rss.xml")
    control = dict(
        part.strip().partition("=")[::2] for part in response["Cache-Control"].split(",")
    )
    assert 1 <= int(control["max-age"]) <= 15
    assert 1 <= int(control["s-maxage"]) <= 15


def test_a_key_s_feed_is_never_kept_by_a_shared_cache(client, tagged):
    partner = Partner.objects.create(name="Partner")
    key, _secret = ApiKey.issue(partner=partner, name="feeds", scopes=["read"])
    response = fetch(client, "/feeds/en/rss.xml", token=key.issue_feed_token())
    assert response["Cache-Control"] == "private, no-store"
    assert "Surrogate-Control" not in response


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
@pytest.mark.parametrize("tag", ["a%00b", "x" * 5000, "no%20such%20tag!", "%ff%fe"])
def test_a_tag_no_tag_could_have_is_a_404_never_a_500(client, tagged, name, tag):
    response = client.get(f"/feeds/en/{name}?tag={tag}")
    assert response.status_code == 404
