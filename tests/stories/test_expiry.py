"""A story with an expiry time leaves every public path by itself at that time."""

import json
import time
from datetime import timedelta

import feedparser
import pytest
from django.core.cache import cache
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from api.caching.responses import next_publication_at
from cms.models import EdgePurge, Story
from cms.stories import publishing
from tests.counting.test_story_counts import assert_exact
from tests.factories import make_story, make_tag, review

pytestmark = pytest.mark.django_db

EVERY_PATH = """query($language: String, $search: String!) {
  story(slug: "leaving", language: $language) { slug }
  stories(language: $language) { totalCount edges { node { slug } } }
  found: stories(language: $language, search: $search) { edges { node { slug } } }
  tags(language: $language) { slug storyCount }
}"""
WORDS = {"en": "vanishing", "zh-hans": "消失"}


def leaving(expires_in, **fields):
    tag = make_tag("ai", en="AI", zh_hans="人工智能")
    return make_story(
        "leaving",
        tags=[tag],
        title_en="A vanishing story",
        title_zh_hans="消失的故事",
        expires_at=timezone.now() + timedelta(seconds=expires_in),
        **fields,
    )


def feed_links(client, language):
    feed = feedparser.parse(client.get(f"/feeds/{language}/rss.xml").content)
    return [entry.link for entry in feed.entries]


def expire_now(story):
    Story.objects.filter(pk=story.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    cache.clear()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_expired_story_leaves_the_story_lists_search_tags_and_feeds(gql, client, language):
    story = leaving(3600)
    variables = {"language": language, "search": WORDS[language]}
    before = gql(EVERY_PATH, variables)["data"]
    assert before["story"] == {"slug": "leaving"}
    assert before["stories"]["totalCount"] == 1
    assert before["found"]["edges"] == [{"node": {"slug": "leaving"}}]
    assert before["tags"] == [{"slug": "ai", "storyCount": 1}]
    assert len(feed_links(client, language)) == 1
    # Its time passes before the scheduler announces it: readers see it gone already.
    expire_now(story)
    after = gql(EVERY_PATH, variables)["data"]
    assert after == {
        "story": None,
        "stories": {"totalCount": 0, "edges": []},
        "found": {"edges": []},
        "tags": [],
    }
    assert feed_links(client, language) == []
    assert_exact(gql)
    publishing.expire.call(story.pk)
    assert gql(EVERY_PATH, variables)["data"] == after
    assert_exact(gql)
    story.refresh_from_db()
    assert (story.live_since, story.counted_in, story.state) == (None, [], "published")


def test_a_story_whose_expiry_time_passes_disappears_without_a_save(gql):
    make_story("soon-gone", expires_at=timezone.now() + timedelta(seconds=1.5))
    query = '{ story(slug: "soon-gone") { slug } stories { edges { node { slug } } } }'
    assert gql(query)["data"]["story"] == {"slug": "soon-gone"}
    # The cached answer lives no longer than the story's expiry.
    assert next_publication_at() == pytest.approx(
        Story.objects.get(slug="soon-gone").expires_at.timestamp()
    )
    time.sleep(1.6)
    assert gql(query) == {"data": {"story": None, "stories": {"edges": []}}}


def test_the_next_visibility_change_is_the_earliest_publication_or_expiry():
    now = timezone.now()
    make_story("later", hours_ago=-3)
    assert Story.objects.next_publication() == Story.objects.get(slug="later").published_at
    make_story("going", expires_at=now + timedelta(hours=1))
    assert Story.objects.next_publication() == Story.objects.get(slug="going").expires_at
    # An expiry already past, or of a story that is not published, changes nothing.
    make_story("gone", expires_at=now - timedelta(minutes=1), hours_ago=2)
    make_story(
        "draft", status=Story.Status.DRAFT, hours_ago=None, expires_at=now + timedelta(minutes=1)
    )
    assert Story.objects.next_publication() == Story.objects.get(slug="going").expires_at


def test_the_next_visibility_change_is_found_among_many_scheduled_and_expiring_stories():
    now = timezone.now()
    for hours in (5, 3, 4):
        make_story(f"later-{hours}", hours_ago=-hours, expires_at=now + timedelta(hours=9))
    for minutes in (50, 30, 40):
        make_story(f"going-{minutes}", expires_at=now + timedelta(minutes=minutes))
    assert Story.objects.next_publication() == Story.objects.get(slug="going-30").expires_at
    Story.objects.filter(slug__startswith="going").delete()
    assert Story.objects.next_publication() == Story.objects.get(slug="later-3").published_at


def test_the_transition_queues_the_expiry_for_the_scheduler_and_an_edge_purge(settings):
    settings.CMS_EDGE_PURGE_BACKEND = "varnish"
    settings.CMS_EDGE_VARNISH_URLS = ["http://127.0.0.1:9950/"]
    story = leaving(7200)
    queued = DBTaskResult.objects.filter(task_path="cms.stories.publishing.expire", status="READY")
    assert [task.run_after for task in queued] == [story.expires_at]
    purge = EdgePurge.objects.get(not_before=story.expires_at)
    assert set(purge.dependencies) == {f"story:{story.pk}", "stories", "tags"}


def test_the_expiry_must_come_after_the_publish_time():
    from django.core.exceptions import ValidationError

    story = make_story("x", status=Story.Status.DRAFT, hours_ago=None)
    story.published_at = timezone.now()
    story.expires_at = story.published_at - timedelta(hours=1)
    with pytest.raises(ValidationError) as raised:
        story.full_clean()
    assert "expires_at" in raised.value.message_dict


def test_extending_an_expired_story_brings_it_back(gql):
    story = leaving(3600)
    expire_now(story)
    publishing.expire.call(story.pk)
    story.refresh_from_db()
    with publishing.change(story):
        story.expires_at = timezone.now() + timedelta(days=1)
        story.save()
    cache.clear()
    assert gql('{ story(slug: "leaving") { slug } }')["data"]["story"] == {"slug": "leaving"}
    assert_exact(gql)


@pytest.mark.django_db(transaction=True)
def test_partners_are_told_the_story_was_unpublished_at_its_expiry_time(settings):
    from tests.partners.test_webhooks import Receiver, endpoint_for, work

    settings.CMS_WEBHOOK_ALLOW_PRIVATE = True  # The receiver listens on loopback.
    receiver = Receiver()
    try:
        endpoint_for(receiver.url)
        story = make_story("leaving", expires_at=timezone.now() + timedelta(hours=1))
        work()
        assert [json.loads(body)["type"] for _h, body in receiver.requests] == ["story.published"]
        Story.objects.filter(pk=story.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
        work()
        assert [json.loads(body)["type"] for _h, body in receiver.requests] == [
            "story.published",
            "story.unpublished",
        ]
    finally:
        receiver.close()


def test_ingestion_accepts_an_expiry_time(client):
    from cms.models import ApiKey, Partner
    from tests.ingest.test_ingestion import story_input, upsert

    make_tag("security", en="Security")
    from tests.factories import make_source

    make_source("semafor")
    partner = Partner.objects.create(name="Pipeline")
    _key, secret = ApiKey.issue(partner=partner, name="p", scopes=["read", "ingest", "publish"])
    expires = timezone.now() + timedelta(days=2)
    upsert(client, secret, story_input(expiresAt=expires.isoformat()))
    # An editor reviews the pipeline's text before the pipeline publishes it.
    review(Story.objects.get(external_id="pipeline-42"))
    result = upsert(client, secret, story_input(expiresAt=expires.isoformat(), publish=True))
    assert result["data"]["upsertStory"]["errors"] == []
    story = Story.objects.get(external_id="pipeline-42")
    assert abs(story.expires_at - expires) < timedelta(seconds=1)
    assert story.is_live()
    # An expiry before the publish time is refused against the field, and writes nothing.
    later = story_input(
        publishedAt=(expires + timedelta(hours=1)).isoformat(),
        expiresAt=expires.isoformat(),
        externalId="pipeline-43",
    )
    result = upsert(client, secret, later)
    assert result["data"]["upsertStory"]["errors"] == [
        {"field": "expiresAt", "message": "The expiry time must be after the publish time."}
    ]
    assert not Story.objects.filter(external_id="pipeline-43").exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_publisher_sets_the_expiry_in_the_admin_and_a_writer_cannot(client, language):
    from tests.adminforms import open_form
    from tests.factories import make_user

    story = make_story("live-one")
    url = f"/admin/cms/story/{story.pk}/change/?language={language}"
    client.force_login(make_user("writer", "Writer"))
    draft = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    assert "expires_at_0" not in open_form(client, url.replace(str(story.pk), str(draft.pk)))
    client.force_login(make_user("publisher", "Publisher"))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    help_text = {"en": "Readers stop seeing the story at this time", "zh-hans": "读者从此时起"}
    assert help_text[language] in page
    data = open_form(client, url)
    expires = timezone.localtime(timezone.now() + timedelta(days=3))
    data["expires_at_0"] = expires.strftime("%Y-%m-%d")
    data["expires_at_1"] = expires.strftime("%H:%M:%S")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    story.refresh_from_db()
    assert story.expires_at.replace(microsecond=0) == expires.replace(microsecond=0)
    queued = DBTaskResult.objects.filter(task_path="cms.stories.publishing.expire", status="READY")
    assert story.expires_at in [task.run_after for task in queued]
