"""A revert never deletes a language version its user could not delete by hand."""

import re
from html import unescape

import pytest
from django.test import Client
from django.utils import translation

from cms.models import Story, StoryTranslation
from cms.stories import revisions
from tests.adminforms import open_form
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db

STORY_PAGE = """query($slug: String!) { story(slug: $slug, language: "zh-hans") {
  language availableLanguages } }"""


def change_url(story, language="en"):
    return f"/admin/cms/story/{story.pk}/change/?language={language}"


def in_admin(user, ui):
    client = Client()
    client.force_login(user)
    assert client.post("/i18n/setlang/", {"language": ui, "next": "/admin/"}).status_code == 302
    return client


def say(ui, text, **values):
    with translation.override(ui):
        return translation.gettext(text) % values


def page_text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def languages_of(story):
    return sorted(
        StoryTranslation.objects.filter(master=story).values_list("language_code", flat=True)
    )


@pytest.fixture
def story_that_gained_chinese():
    """A live English story, then its Chinese version: the first version lacks Chinese."""
    story = make_story("live", languages=("en",))
    publisher = in_admin(make_user("chief", "Publisher"), "en")
    data = open_form(publisher, change_url(story, "zh-hans"))
    data.update(title="中文版", summary="摘要")
    assert publisher.post(change_url(story, "zh-hans"), data).status_code == 302
    english_only = list(revisions.versions_of(story.pk))[-1]
    assert languages_of(story) == ["en", "zh-hans"]
    return story, english_only


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_an_editor_s_revert_keeps_a_live_language_the_version_lacked(
    gql, story_that_gained_chinese, ui
):
    story, english_only = story_that_gained_chinese
    editor = in_admin(make_user("editor", "Editor"), ui)
    url = f"/admin/cms/story/{story.pk}/history/{english_only.pk}/revert/"
    chinese = say(ui, "Simplified Chinese")

    confirm = editor.get(url)
    assert confirm.status_code == 200
    assert 'data-language="zh-hans"' not in confirm.content.decode()
    assert say(
        ui,
        "That version had no %(languages)s version. You may not delete this story's language "
        "versions, so reverting keeps the current one.",
        languages=chinese,
    ) in page_text(confirm)

    response = editor.post(url)
    assert response.status_code == 302
    assert say(
        ui,
        "That version had no %(language)s version; the current one is kept, since you may not "
        "delete this story's language versions.",
        language=chinese,
    ) in page_text(editor.get(response["Location"]))
    assert languages_of(story) == ["en", "zh-hans"]
    assert gql(STORY_PAGE, {"slug": story.slug})["data"]["story"] == {
        "language": "zh-hans",
        "availableLanguages": ["en", "zh-hans"],
    }
    latest = revisions.versions_of(story.pk).first()
    assert latest.revision.user.username == "editor"


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_publisher_s_revert_deletes_the_language_and_says_readers_lose_it(
    gql, story_that_gained_chinese, ui
):
    story, english_only = story_that_gained_chinese
    publisher = in_admin(make_user("publisher", "Publisher"), ui)
    url = f"/admin/cms/story/{story.pk}/history/{english_only.pk}/revert/"

    confirm = publisher.get(url)
    assert 'data-language="zh-hans"' in confirm.content.decode()
    assert say(
        ui,
        "That version had no %(languages)s version: reverting deletes it, and readers no "
        "longer see it.",
        languages=say(ui, "Simplified Chinese"),
    ) in page_text(confirm)

    assert publisher.post(url).status_code == 302
    assert languages_of(story) == ["en"]
    assert gql(STORY_PAGE, {"slug": story.slug})["data"]["story"] == {
        "language": "en",
        "availableLanguages": ["en"],
    }


def test_a_draft_s_language_is_removed_by_an_editor_s_revert_but_kept_by_a_writer_s():
    # Editors may delete a draft's language versions, writers may not (the editor's guide's roles).
    for role, kept in (("Writer", True), ("Editor", False)):
        story = make_story(f"draft-{role.lower()}", status=Story.Status.DRAFT, languages=("en",))
        client = in_admin(make_user(role.lower(), role), "en")
        data = open_form(client, change_url(story, "zh-hans"))
        data.update(title="中文版")
        assert client.post(change_url(story, "zh-hans"), data).status_code == 302
        first = list(revisions.versions_of(story.pk))[-1]
        response = client.post(f"/admin/cms/story/{story.pk}/history/{first.pk}/revert/")
        assert response.status_code == 302
        assert languages_of(story) == (["en", "zh-hans"] if kept else ["en"])
