"""Killing a story: a takedown everywhere, with its own permission and a notice partners get."""

import json

import pytest

from cms.models import ApiKey, Partner, Story, WebhookDelivery, WebhookEndpoint
from cms.stories import publishing, workflow
from cms.sync import pages
from tests.factories import make_story, make_user
from tests.sync.mirror import Mirror

pytestmark = pytest.mark.django_db

NOTICE = {"en": "A court ordered its removal.", "zh-hans": "法院下令删除。"}
STORY = """query($slug: String!, $language: String) {
  story(slug: $slug, language: $language) { slug }
}"""


def endpoint(*events):
    partner, _created = Partner.objects.get_or_create(name="Wire")
    return WebhookEndpoint.objects.create(
        partner=partner, url="https://hooks.example.com/in", events=list(events)
    )


def key():
    partner, _created = Partner.objects.get_or_create(name="Wire")
    return ApiKey.issue(partner=partner, name="sync", scopes=["read"])[0]


def test_a_publisher_kills_a_live_story_and_partners_get_story_killed_with_the_notice():
    hooks = endpoint()
    story = make_story()
    killed = publishing.kill(story, make_user("pia", "Publisher"), NOTICE)
    assert killed.status == Story.Status.KILLED and killed.killed_at is not None
    assert not killed.is_live()
    events = WebhookDelivery.objects.filter(endpoint=hooks).values_list("event", flat=True)
    # Killed, not also unpublished: one event, with the notice.
    assert sorted(events) == ["story.killed", "story.published"]
    delivery = WebhookDelivery.objects.get(event="story.killed")
    assert delivery.payload["data"]["notice"] == NOTICE
    assert delivery.payload["data"]["status"] == "killed"


def test_killing_is_refused_without_the_permission_or_a_notice_and_changes_nothing():
    story = make_story()
    with pytest.raises(workflow.TransitionError, match="may not kill"):
        publishing.kill(story, make_user("ed", "Editor"), NOTICE)
    publisher = make_user("pia", "Publisher")
    with pytest.raises(workflow.TransitionError, match="every language"):
        publishing.kill(story, publisher, {"en": "Why", "zh-hans": "  "})
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED and story.kill_notice == {}
    publishing.kill(story, publisher, NOTICE)
    with pytest.raises(workflow.TransitionError, match="already"):
        publishing.kill(story, publisher, NOTICE)


def test_only_publishers_hold_the_kill_permission():
    for role in ("Writer", "Translator", "Editor"):
        assert not workflow.may_kill(make_user(role.lower(), role))
    assert workflow.may_kill(make_user("pia", "Publisher"))


def test_the_sync_tombstones_a_killed_story_with_the_notice_in_each_language():
    story = make_story()
    mirror = Mirror(key()).sync()
    assert len(mirror.versions) == 2
    publishing.kill(story, make_user("pia", "Publisher"), NOTICE)
    page = pages.page(mirror.key, mirror.token, 10)
    tombstones = {item["language"]: item for item in page.items}
    assert {item["reason"] for item in tombstones.values()} == {pages.KILLED}
    assert tombstones["zh-hans"]["notice"] == NOTICE["zh-hans"]
    assert tombstones["en"]["notice"] == NOTICE["en"]
    mirror.apply(page)
    assert mirror.versions == {}


def test_a_scheduled_story_killed_before_its_time_never_reaches_partners(monkeypatch):
    story = make_story(hours_ago=-1)
    mirror = Mirror(key()).sync()
    publishing.kill(story, make_user("pia", "Publisher"), NOTICE)
    mirror.sync()
    assert mirror.versions == {}


def test_the_reader_api_answers_a_killed_storys_address_as_gone(gql):
    story = make_story(slug="leaked-memo")
    assert gql(STORY, {"slug": "leaked-memo"})["data"]["story"] == {"slug": "leaked-memo"}
    publishing.kill(story, make_user("pia", "Publisher"), NOTICE)
    answer = gql(STORY, {"slug": "leaked-memo", "language": "zh-hans"})
    assert answer["data"]["story"] is None
    (error,) = answer["errors"]
    assert error["extensions"] == {"code": "GONE", "notice": NOTICE["zh-hans"]}
    assert gql(STORY, {"slug": "no-such-story"}) == {"data": {"story": None}}
    # Lists, feeds and sitemaps drop it like any story readers cannot see.
    listed = gql("{ stories { edges { node { slug } } } }")
    assert listed["data"]["stories"]["edges"] == []


def test_feeds_and_sitemaps_drop_a_killed_story(client):
    story = make_story(slug="leaked-memo")
    assert b"leaked-memo" in client.get("/feeds/en/rss.xml").content
    publishing.kill(story, make_user("pia", "Publisher"), NOTICE)
    assert b"leaked-memo" not in client.get("/feeds/en/rss.xml").content
    assert b"leaked-memo" not in client.get("/sitemaps/en.xml").content


def test_the_pipeline_cannot_bring_a_killed_story_back(client):
    partner = Partner.objects.create(name="Pipeline")
    _key, secret = ApiKey.issue(partner=partner, name="pipe", scopes=["read", "ingest", "publish"])
    story = make_story(external_id="ext-1")
    publishing.kill(story, make_user("pia", "Publisher"), NOTICE)
    mutation = """mutation($input: StoryInput!) {
      upsertStory(input: $input) { errors { field message } story { status } } }"""
    body = {
        "query": mutation,
        "variables": {
            "input": {
                "externalId": "ext-1",
                "slug": story.slug,
                "publish": True,
                "translations": [{"language": "en", "title": "Back", "summary": "s"}],
            }
        },
    }
    response = client.post(
        "/graphql",
        data=json.dumps(body),
        content_type="application/json",
        headers={"authorization": f"Bearer {secret}"},
    )
    result = response.json()["data"]["upsertStory"]
    assert result["errors"][0]["field"] == "externalId"
    story.refresh_from_db()
    assert story.status == Story.Status.KILLED


def test_killing_a_story_ends_its_live_coverage_and_none_can_start_again():
    from cms.models import LiveStatus
    from cms.stories import live

    publisher = make_user("pia", "Publisher")
    story = make_story()
    live.start(story.pk, publisher)
    publishing.kill(story, publisher, NOTICE)
    story.refresh_from_db()
    assert story.live_status == LiveStatus.ENDED
    assert story.coverage_ended_at is not None
    for attempt in (
        lambda: live.start(story.pk, publisher),
        lambda: live.publish(story.pk, publisher, language="en", text="Still here?"),
    ):
        with pytest.raises(live.Refused) as refused:
            attempt()
        assert refused.value.status == 409
        assert str(refused.value.message) == "This story was killed: it cannot be covered live."


def test_a_killed_story_s_admin_page_shows_no_live_composer(client):
    publisher = make_user("pia", "Publisher")
    story = make_story()
    page = f"/admin/cms/story/{story.pk}/change/"
    client.force_login(publisher)
    assert b"cms-live-config" in client.get(page).content
    publishing.kill(story, publisher, NOTICE)
    assert b"cms-live-config" not in client.get(page).content
