"""A live story in the feeds: one item whose content shows its newest entries (time, key
event, correction, each entry's own AI label) under "Live updates" in the feed's
language, and whose updated time moves with each entry; as a feed reader (feedparser)
reads RSS and Atom, and as JSON Feed. Entry texts go where the story's body goes."""

import json
from datetime import timedelta

import feedparser
import pytest
from django.utils import timezone

from cms.models import ApiKey, Partner
from cms.stories import live
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db

HEADINGS = {"en": "Live updates", "zh-hans": "直播更新"}
KEY_EVENT = {"en": "Key event", "zh-hans": "关键事件"}


@pytest.fixture
def covered():
    publisher = make_user("publisher", "Publisher")
    story = make_story("hearing", hours_ago=5)
    live.start(story.pk, publisher)
    now = timezone.now()
    for code in ("en", "zh-hans"):
        first = live.publish(
            story.pk,
            publisher,
            language=code,
            text=f"{code}: the hearing **opens**.",
            now=now - timedelta(minutes=30),
        )
        live.correct(story.pk, publisher, first.pk, text=f"{code}: it opened.", note="Tense.")
        live.publish(
            story.pk,
            publisher,
            language=code,
            text=f"{code}: the vote passes.",
            key_event=True,
            ai_involvement="ai_assisted",
            now=now - timedelta(minutes=1),
        )
        gone = live.publish(story.pk, publisher, language=code, text="wrong", now=now)
        live.withdraw(story.pk, publisher, gone.pk)
    return story


def item_of(client, language, name, **params):
    response = client.get(f"/feeds/{language}/{name}", params)
    assert response.status_code == 200, response.content
    if name == "feed.json":
        items = json.loads(response.content)["items"]
        found = next(item for item in items if item["url"].endswith("/stories/hearing"))
        return found["content_html"], found["date_modified"]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    entry = next(entry for entry in feed.entries if entry.link.endswith("/stories/hearing"))
    content = entry.content[0].value if "content" in entry else entry.description
    return content, entry.updated


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_live_story_s_item_shows_its_newest_entries_in_the_feed_s_language(
    client, covered, language, name
):
    content, updated = item_of(client, language, name)
    assert HEADINGS[language] in content
    newest = content.index(f"{language}: the vote passes.")
    assert newest < content.index(f"{language}: it opened.")
    assert KEY_EVENT[language] in content and "Tense." in content
    assert "wrong" not in content
    # The AI-assisted entry is labelled; the entry a person wrote is not.
    assert content.count('class="ai-disclosure"') >= 1
    for other in HEADINGS.keys() - {language}:
        assert f"{other}: the vote passes." not in content
    assert updated


def test_the_item_s_updated_time_moves_with_a_new_entry(client, covered):
    _content, before = item_of(client, "en", "atom.xml")
    publisher = make_user("another", "Publisher")
    live.publish(
        covered.pk,
        publisher,
        language="en",
        text="Late news.",
        now=timezone.now() + timedelta(minutes=5),
    )
    content, after = item_of(client, "en", "atom.xml")
    assert "Late news." in content
    assert after > before


def test_a_key_without_full_text_gets_no_entry_texts_and_one_with_it_does(client, covered):
    partner = Partner.objects.create(name="Partner")
    summary, _secret = ApiKey.issue(partner=partner, name="s", scopes=["read"])
    full, _secret = ApiKey.issue(partner=partner, name="f", scopes=["read", "full_text"])
    content, _updated = item_of(client, "en", "feed.json", token=summary.issue_feed_token())
    assert "the vote passes" not in content and HEADINGS["en"] not in content
    content, _updated = item_of(client, "en", "feed.json", token=full.issue_feed_token())
    assert "the vote passes" in content
