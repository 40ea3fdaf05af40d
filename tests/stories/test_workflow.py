"""Draft → in review → scheduled or published → archived, step by step in the admin."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from cms.models import State, Story
from cms.stories import publishing, workflow
from tests.adminforms import errors, open_form
from tests.factories import make_story, make_tag, make_user, review

pytestmark = pytest.mark.django_db

STORY_QUERY = '{ story(slug: "robots") { slug } stories { edges { node { slug } } } }'


@pytest.fixture
def as_role(client):
    """Log the test client in as a new user with a role."""

    def login(role, **kwargs):
        user = make_user(role.lower(), role, **kwargs)
        client.force_login(user)
        return client

    return login


def change_url(story, language="en"):
    return f"/admin/cms/story/{story.pk}/change/?language={language}"


def press(client, story, step, language="en", **changes):
    """Open the story's change form, change fields, and press a workflow button."""
    data = open_form(client, change_url(story, language))
    data.update(changes)
    data["_workflow"] = step
    return client.post(change_url(story, language), data)


def buttons(client, story):
    page = client.get(change_url(story)).content.decode()
    return [name for name in workflow.TRANSITIONS if f'name="_workflow" value="{name}"' in page]


def state_of(story):
    return Story.objects.get(pk=story.pk).state


def test_a_writer_submits_a_draft_for_review(as_role):
    writer = as_role("Writer")
    story = make_story("robots", status=Story.Status.DRAFT, hours_ago=None)
    assert buttons(writer, story) == ["submit"]
    response = press(writer, story, "submit", title="Robots, reviewed")
    assert response.status_code == 302
    assert response.url.startswith(change_url(story))
    assert state_of(story) == State.REVIEW
    story = Story.objects.get(pk=story.pk)
    assert story.safe_translation_getter("title", language_code="en") == "Robots, reviewed"


def test_a_writer_cannot_publish_even_by_forging_the_button(as_role, gql):
    writer = as_role("Writer")
    story = make_story("robots", status=Story.Status.REVIEW, hours_ago=None)
    response = press(writer, story, "publish", title="Changed")
    assert response.status_code == 200
    assert errors(response) == ["You may not “Publish now” stories: ask a publisher."]
    assert state_of(story) == State.REVIEW
    assert Story.objects.get(pk=story.pk).safe_translation_getter("title", "en") != "Changed"
    assert gql(STORY_QUERY) == {"data": {"story": None, "stories": {"edges": []}}}


def test_an_editor_sends_a_story_back_to_draft_but_cannot_publish(as_role):
    editor = as_role("Editor")
    story = make_story("robots", status=Story.Status.REVIEW, hours_ago=None)
    assert buttons(editor, story) == ["return", "archive"]
    assert press(editor, story, "return").status_code == 302
    assert state_of(story) == State.DRAFT


def test_a_publisher_publishes_now_and_readers_see_it_at_once(as_role, gql):
    publisher = as_role("Publisher")
    story = make_story("robots", status=Story.Status.REVIEW, hours_ago=None)
    # The Chinese version was reviewed on its tab; publishing from this one reviews English.
    review(story)
    assert gql(STORY_QUERY) == {"data": {"story": None, "stories": {"edges": []}}}
    assert buttons(publisher, story) == ["return", "publish", "schedule", "archive"]
    assert press(publisher, story, "publish").status_code == 302
    story = Story.objects.get(pk=story.pk)
    assert story.state == State.PUBLISHED
    assert timezone.now() - story.published_at < timedelta(seconds=10)
    assert gql(STORY_QUERY) == {
        "data": {"story": {"slug": "robots"}, "stories": {"edges": [{"node": {"slug": "robots"}}]}}
    }


def test_a_scheduled_story_goes_live_by_itself_at_its_time(as_role, gql):
    publisher = as_role("Publisher")
    story = make_story("robots", status=Story.Status.DRAFT, hours_ago=None)
    review(story)
    at = timezone.localtime() + timedelta(seconds=2)
    response = press(
        publisher,
        story,
        "schedule",
        published_at_0=at.strftime("%Y-%m-%d"),
        published_at_1=at.strftime("%H:%M:%S.%f"),
    )
    assert response.status_code == 302, errors(response)
    assert state_of(story) == State.SCHEDULED
    assert gql(STORY_QUERY) == {"data": {"story": None, "stories": {"edges": []}}}
    time.sleep(max(0.0, (at - timezone.now()).total_seconds()) + 0.2)
    assert state_of(story) == State.PUBLISHED
    assert gql(STORY_QUERY) == {
        "data": {"story": {"slug": "robots"}, "stories": {"edges": [{"node": {"slug": "robots"}}]}}
    }


@pytest.mark.parametrize("hours", [None, -1])
def test_scheduling_needs_a_publish_time_in_the_future(as_role, hours):
    publisher = as_role("Publisher")
    story = make_story("robots", status=Story.Status.DRAFT, hours_ago=None)
    when = {"published_at_0": "", "published_at_1": ""}
    if hours is not None:
        at = timezone.localtime() + timedelta(hours=hours)
        when = {"published_at_0": at.strftime("%Y-%m-%d"), "published_at_1": at.strftime("%H:%M")}
    response = press(publisher, story, "schedule", **when)
    assert response.status_code == 200
    assert errors(response) == ["To schedule a story, give it a publish time in the future."]
    assert state_of(story) == State.DRAFT


def test_unpublishing_takes_a_live_story_out_of_every_path_at_once(as_role, gql, client):
    tag = make_tag("robotics", en="Robotics", zh_hans="机器人")
    story = make_story("robots", tags=[tag], title_en="Robots fold laundry")
    everything = """{ story(slug: "robots") { slug }
        stories { totalCount edges { node { slug } } }
        tagged: stories(tag: "robotics") { totalCount }
        search: stories(search: "laundry") { totalCount }
        tags { slug } }"""
    assert gql(everything)["data"]["stories"]["totalCount"] == 1
    assert b"robots" in client.get("/feeds/en/rss.xml").content
    publisher = as_role("Publisher")
    assert press(publisher, story, "unpublish").status_code == 302
    assert state_of(story) == State.DRAFT
    assert gql(everything) == {
        "data": {
            "story": None,
            "stories": {"totalCount": 0, "edges": []},
            "tagged": {"totalCount": 0},
            "search": {"totalCount": 0},
            "tags": [],
        }
    }
    assert b"/robots" not in client.get("/feeds/en/rss.xml").content


def test_archiving_a_live_story_is_for_publishers_and_restoring_brings_a_draft(as_role, gql):
    story = make_story("robots")
    editor = as_role("Editor")
    assert "archive" not in buttons(editor, story)
    response = press(editor, story, "archive")
    assert errors(response) == ["You may not “Archive” stories: ask a publisher."]
    publisher = as_role("Publisher")
    assert press(publisher, story, "archive").status_code == 302
    assert state_of(story) == State.ARCHIVED
    assert gql(STORY_QUERY)["data"]["story"] is None
    assert buttons(publisher, story) == ["restore"]
    assert press(publisher, story, "restore").status_code == 302
    assert state_of(story) == State.DRAFT


def test_an_editor_archives_a_draft_nobody_will_publish(as_role):
    story = make_story("robots", status=Story.Status.DRAFT, hours_ago=None)
    editor = as_role("Editor")
    assert press(editor, story, "archive").status_code == 302
    assert state_of(story) == State.ARCHIVED


def test_list_actions_publish_what_may_be_published_and_say_what_was_refused(as_role):
    publisher = as_role("Publisher")
    drafts = [make_story(f"draft-{n}", status=Story.Status.DRAFT, hours_ago=None) for n in (1, 2)]
    for draft in drafts:
        # A list shows no text: what it publishes an editor reviewed before.
        review(draft)
    archived = make_story("old", status=Story.Status.ARCHIVED)
    response = publisher.post(
        "/admin/cms/story/",
        {
            "action": "publish_stories",
            "_selected_action": [str(s.pk) for s in [*drafts, archived]],
        },
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert messages == [
        "“Publish now”: 2 stories done.",
        "old en title: A story that is “Archived” cannot be given “Publish now”.",
    ]
    assert [state_of(s) for s in drafts] == [State.PUBLISHED, State.PUBLISHED]
    assert state_of(archived) == State.ARCHIVED


def test_writers_are_offered_only_the_list_actions_they_may_take(as_role):
    make_story("robots", status=Story.Status.DRAFT, hours_ago=None)
    writer_page = as_role("Writer").get("/admin/cms/story/").content.decode()
    assert 'value="submit_stories"' in writer_page
    for step in ("publish", "schedule", "unpublish", "archive", "return", "restore"):
        assert f'value="{step}_stories"' not in writer_page


STEPS_FROM = {
    State.DRAFT: ["submit", "publish", "schedule", "archive"],
    State.REVIEW: ["return", "publish", "schedule", "archive"],
    State.SCHEDULED: ["publish", "schedule", "unpublish", "archive"],
    State.PUBLISHED: ["unpublish", "archive"],
    State.ARCHIVED: ["restore"],
}


@pytest.mark.parametrize("state", list(STEPS_FROM))
def test_each_state_offers_exactly_its_steps_to_someone_who_may_do_everything(state):
    boss = make_user("boss", superuser=True)
    status = Story.Status.PUBLISHED if state == State.SCHEDULED else state.value
    hours = -2 if state == State.SCHEDULED else 1
    story = make_story("robots", status=status, hours_ago=hours)
    assert story.state == state
    assert [t.name for t in workflow.available(story, boss)] == STEPS_FROM[state]
    for name in set(workflow.TRANSITIONS) - set(STEPS_FROM[state]):
        with pytest.raises(workflow.TransitionError):
            workflow.check(name, story, boss, publish_at=timezone.now() + timedelta(hours=1))


def test_a_list_action_keeps_changes_saved_after_the_list_was_shown(as_role):
    publisher = as_role("Publisher")
    story = make_story("robots", status=Story.Status.DRAFT, hours_ago=None, quality=10)
    review(story)
    shown = Story.objects.get(pk=story.pk)
    Story.objects.filter(pk=story.pk).update(quality=90)
    user = publisher.get("/admin/").wsgi_request.user
    publishing.take("publish", shown, user)
    story = Story.objects.get(pk=story.pk)
    assert (story.state, story.quality) == (State.PUBLISHED, 90)


def test_editors_archive_drafts_from_the_list_but_not_live_stories(as_role):
    editor = as_role("Editor")
    draft = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    live = make_story("live")
    page = editor.get("/admin/cms/story/").content.decode()
    assert 'value="archive_stories"' in page
    response = editor.post(
        "/admin/cms/story/",
        {"action": "archive_stories", "_selected_action": [str(draft.pk), str(live.pk)]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "“Archive”: 1 story done.",
        "live en title: You may not “Archive” stories: ask a publisher.",
    ]
    assert (state_of(draft), state_of(live)) == (State.ARCHIVED, State.PUBLISHED)
