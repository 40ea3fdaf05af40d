"""The live-coverage composer's endpoint: a publisher publishes, corrects and withdraws one
entry without saving the story form; everyone else, bad input and forged requests are
refused with a clear message in the person's language."""

import json

import pytest
from django.test import Client

from cms.models import LiveEntry, LiveStatus, Story
from cms.stories import live
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db


def post(client, story, body, ui="en", **extra):
    return client.post(
        f"/admin/cms/story/{story.pk}/live/",
        json.dumps(body) if not isinstance(body, (bytes, str)) else body,
        content_type=extra.pop("content_type", "application/json"),
        HTTP_ACCEPT_LANGUAGE=ui,
        **extra,
    )


@pytest.fixture
def publisher(client):
    user = make_user("publisher", "Publisher")
    client.force_login(user)
    return client


@pytest.fixture
def story():
    return make_story("hearing")


def test_a_publisher_starts_coverage_and_publishes_an_entry_without_saving_the_story(
    publisher, story
):
    version = Story.objects.get(pk=story.pk).edit_version
    started = post(publisher, story, {"action": "start"})
    assert started.status_code == 200, started.content
    assert started.json()["coverage"]["status"] == "live"

    response = post(
        publisher,
        story,
        {
            "action": "publish",
            "text": "The hearing **opens**.",
            "language": "zh-hans",
            "key_event": True,
            "pinned": False,
            "ai_involvement": "ai_assisted",
            "image": "",
            "author": "",
        },
    )

    assert response.status_code == 200, response.content
    (shown,) = response.json()["coverage"]["entries"]
    assert shown["html"] == "<p>The hearing <strong>opens</strong>.</p>"
    assert (shown["language"], shown["key_event"]) == ("zh-hans", True)
    assert shown["disclosure"]
    entry = LiveEntry.objects.get()
    assert entry.ai_involvement == "ai_assisted"
    # The story itself was not saved: its edit version is where it was.
    assert Story.objects.get(pk=story.pk).edit_version == version


def test_correct_and_withdraw_from_the_composer(publisher, story):
    post(publisher, story, {"action": "start"})
    post(publisher, story, {"action": "publish", "text": "10 million", "language": "en"})
    entry = LiveEntry.objects.get()

    corrected = post(
        publisher,
        story,
        {"action": "correct", "entry": entry.pk, "text": "1 million", "note": "The figure."},
    )
    assert corrected.status_code == 200, corrected.content
    (shown,) = corrected.json()["coverage"]["entries"]
    assert (shown["text"], shown["correction_note"]) == ("1 million", "The figure.")
    assert shown["corrected"]

    withdrawn = post(publisher, story, {"action": "withdraw", "entry": str(entry.pk)})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["coverage"]["entries"] == []
    ended = post(publisher, story, {"action": "end"})
    assert ended.json()["coverage"]["status"] == LiveStatus.ENDED


@pytest.mark.parametrize(
    ("ui", "message"),
    [
        ("en", "You may not publish live entries: ask a publisher."),
        ("zh-hans", "你无权发布直播条目：请联系发布人。"),
    ],
)
@pytest.mark.parametrize("role", ["Editor", "Writer"])
def test_other_roles_are_refused_in_their_language(client, story, ui, message, role):
    client.force_login(make_user("someone", role))
    live.start(story.pk, make_user("publisher", "Publisher"))
    response = post(client, story, {"action": "publish", "text": "x", "language": "en"}, ui)
    assert response.status_code == 403
    assert response.json() == {"error": message}
    assert not LiveEntry.objects.exists()


def test_the_composer_says_when_readers_cannot_see_the_entries(publisher):
    draft = make_story("prepared", status=Story.Status.DRAFT, hours_ago=None)
    started = post(publisher, draft, {"action": "start"}, ui="zh-hans").json()["coverage"]
    assert started["readers_see"] is False
    page = publisher.get(
        f"/admin/cms/story/{draft.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    config = json.loads(
        page.split('id="cms-live-config" type="application/json">')[1].split("</script>")[0]
    )
    assert "在它发布之前，其条目不会送达任何人" in config["messages"]["unseen"]
    assert config["coverage"]["readers_see"] is False


def test_the_composer_is_shown_to_publishers_only(client, story):
    client.force_login(make_user("publisher", "Publisher"))
    page = client.get(f"/admin/cms/story/{story.pk}/change/").content.decode()
    assert 'id="cms-live-form"' in page
    assert "cms/live-composer.js" in page
    client.force_login(make_user("editor", "Editor"))
    page = client.get(f"/admin/cms/story/{story.pk}/change/").content.decode()
    assert 'id="cms-live-form"' not in page


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("{not json", 400, "The draft is not readable JSON."),
        ([1, 2], 400, "The draft must be a JSON object."),
        ({"action": "dance"}, 400, "“action” must be one of"),
        ({"action": "publish", "text": "x", "language": "en"}, 409, "Start live coverage"),
        ({"action": "withdraw", "entry": "abc"}, 400, "Say which entry"),
        ({"action": "withdraw", "entry": 99999}, 404, "no such entry"),
        ({"action": "end"}, 409, "no live coverage running"),
    ],
)
def test_bad_requests_get_a_clear_4xx(publisher, story, body, status, message):
    response = post(publisher, story, body)
    assert response.status_code == status, response.content
    assert message in response.json()["error"]


def test_only_post_is_taken_and_a_missing_story_is_named(publisher, story):
    response = publisher.get(f"/admin/cms/story/{story.pk}/live/")
    assert (response.status_code, response["Allow"]) == (405, "POST")
    response = post(publisher, Story(pk=987654), {"action": "start"})
    assert response.status_code == 404
    assert response.json() == {"error": "There is no such story."}


def test_a_request_without_the_csrf_token_is_refused_as_json(story):
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(make_user("publisher", "Publisher"))
    response = post(guarded, story, {"action": "start"})
    assert response.status_code == 403
    assert "error" in response.json()
    assert Story.objects.get(pk=story.pk).live_status == ""
