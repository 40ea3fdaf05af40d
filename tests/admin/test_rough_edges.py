"""Rough edges of the admin and the site, each as the editor or visitor meets it."""

import pytest

from cms.admin.concurrency import differing
from cms.models import Story
from cms.stories import revisions
from tests.adminforms import open_form
from tests.factories import make_story, make_user
from tests.media_factories import make_image
from tests.stories.test_revisions import diff_rows, diff_url, form_errors, refusal, save

pytestmark = pytest.mark.django_db
DRAFT = Story.Status.DRAFT


@pytest.fixture
def editor(client):
    client.force_login(make_user("editor", "Editor"))
    return client


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("button", ["_continue", "_addanother", "_workflow"])
def test_a_redirect_after_a_save_names_the_language_once(editor, language, button):
    story = make_story("s", status=DRAFT, hours_ago=None)
    url = f"/admin/cms/story/{story.pk}/change/?language={language}"
    data = open_form(editor, url)
    data[button] = "submit" if button == "_workflow" else "1"
    location = editor.post(url, data)["Location"]
    assert location.count("language=") == 1
    assert location.endswith(f"?language={language}")


@pytest.mark.parametrize(
    ("ui", "heading"),
    [
        ("en", "An English title · no Simplified Chinese version yet"),
        ("zh-hans", "An English title · 尚无简体中文版本"),
    ],
)
def test_an_existing_storys_unwritten_tab_is_headed_by_its_title_not_add_story(editor, ui, heading):
    story = make_story("s", status=DRAFT, hours_ago=None, languages=("en",))
    Story.objects.filter(pk=story.pk).update()
    story.set_current_language("en")
    story.title = "An English title"
    story.save()
    page = editor.get(
        f"/admin/cms/story/{story.pk}/change/?language=zh-hans", HTTP_ACCEPT_LANGUAGE=ui
    ).content.decode()
    assert f"<h2>{heading}</h2>" in page
    assert "Add story" not in page and "增加 报道" not in page and "增加报道" not in page
    # The slug is the story's: typing a Chinese title does not replace it.
    assert "prepopulated_fields" not in page or '"id": "#id_slug"' not in page


def test_the_history_names_the_lead_image_not_its_id(editor):
    image = make_image(alt_en="A robot folds a towel")
    story = make_story("s", status=DRAFT, hours_ago=None)
    assert save(editor, story, image=str(image.pk)).status_code == 302
    rows = dict(((field, language), cells) for field, language, cells in diff_rows(
        editor.get(diff_url(story))
    ))  # fmt: skip
    assert rows[("image", None)] == ["—", "A robot folds a towel"]


def test_a_workflow_step_that_changes_no_field_says_what_happened(editor):
    story = make_story("s", status=DRAFT, hours_ago=None)
    assert save(editor, story, _workflow="submit").status_code == 302
    latest = revisions.versions_of(story.pk).first()
    assert (
        revisions.describe(latest.revision) == "“Submit for review”: the story became “In review”."
    )
    assert (
        "Submit for review" in editor.get(f"/admin/cms/story/{story.pk}/history/").content.decode()
    )


def test_a_workflow_list_action_says_which_step(editor):
    story = make_story("s", status=DRAFT, hours_ago=None)
    editor.post("/admin/cms/story/", {"action": "submit_stories", "_selected_action": [story.pk]})
    latest = revisions.versions_of(story.pk).first()
    assert "“Submit for review” from the story list." in revisions.describe(latest.revision)


def test_the_conflict_message_shows_where_two_long_texts_differ(client):
    long = "The lab robot folds a towel in under five seconds, faster than any person could. "
    story = make_story("s", status=DRAFT, hours_ago=None, summary_en=long * 2)
    alice, bob = make_user("alice", "Editor"), make_user("bob", "Editor")
    client.force_login(bob)
    bobs_form = open_form(client, f"/admin/cms/story/{story.pk}/change/?language=en")
    client.force_login(alice)
    assert save(client, story, summary=long + long.replace("five", "four")).status_code == 302
    client.force_login(bob)
    response = save(client, story, data=bobs_form, title="Bob's title")
    assert form_errors(response) == refusal(
        "alice",
        story,
        "Summary (English): “…s a towel in under five seconds, faster than any person could. ” "
        "→ “…s a towel in under four seconds, faster than any person could.”",
    )


def test_differing_parts_of_short_and_long_texts():
    assert differing("short", "shirt") == ("short", "shirt")
    old = "x" * 100 + "five" + "y" * 100
    new = "x" * 100 + "four" + "y" * 100
    shown_old, shown_new = differing(old, new)
    assert shown_old != shown_new
    assert "five" in shown_old and "four" in shown_new


@pytest.mark.parametrize(
    ("ui", "heading"), [("en", "AI news content API"), ("zh-hans", "AI 资讯内容 API")]
)
def test_the_root_is_a_page_pointing_at_the_api_admin_and_feeds(client, ui, heading):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=ui)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    for link in ('href="/graphql"', 'href="/admin/"', 'href="/feeds/zh-hans/rss.xml"'):
        assert link in page
    assert client.post("/").status_code == 405


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"
    assert "max-age" in response["Cache-Control"]
