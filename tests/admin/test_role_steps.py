"""Each newsroom role can do its step of the editors' guide (3a–3c): the lead image, the
byline, the analysis's images, and a translator's alt text and caption; what a role may
not do is refused on the admin's own page, in the admin's language, naming who may."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cms.models import Image, Story, StoryAuthor, StoryImage
from tests.adminforms import errors, open_form
from tests.factories import make_story, make_user
from tests.media_factories import (
    attach_images,
    make_author,
    make_image,
    picture_bytes,
    set_authors,
)

pytestmark = pytest.mark.django_db
UI = ["en", "zh-hans"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def as_role(client, role, ui, **options):
    client.force_login(make_user(role.lower(), role, **options))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = ui
    return client


def autocomplete(client, model, field, term=""):
    return client.get(
        "/admin/autocomplete/",
        {"app_label": "cms", "model_name": model, "field_name": field, "term": term},
    )


@pytest.mark.parametrize("ui", UI)
@pytest.mark.parametrize("role", ["Writer", "Editor", "Publisher"])
def test_each_writing_role_uploads_an_image_and_signs_and_illustrates_a_draft(client, role, ui):
    client = as_role(client, role, ui)
    upload = SimpleUploadedFile("lab.jpg", picture_bytes(800, 450), content_type="image/jpeg")
    response = client.post(
        "/admin/cms/image/add/?language=en",
        {"file": upload, "alt": "A robot folds a towel", "rights": "CC BY 4.0", "focal_x": "0.5",
         "focal_y": "0.5"},
    )  # fmt: skip
    assert response.status_code == 302, errors(response)
    image = Image.objects.get()
    author = make_author("jane", "Jane Doe")
    # The pickers list what the role may pick.
    found = autocomplete(client, "story", "image", "robot")
    assert found.status_code == 200
    assert [row["id"] for row in found.json()["results"]] == [str(image.pk)]
    assert autocomplete(client, "storyauthor", "author", "Jane").json()["results"][0]["text"] == (
        "Jane Doe"
    )
    assert autocomplete(client, "story", "editor", "Jane").status_code == 200

    story = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    url = f"/admin/cms/story/{story.pk}/change/?language=en"
    data = open_form(client, url)
    assert "author_links-TOTAL_FORMS" in data and "image_links-TOTAL_FORMS" in data
    data.update({"image": str(image.pk), "author_links-0-author": str(author.pk),
                 "image_links-0-image": str(image.pk)})  # fmt: skip
    data["analysis"] = f"Before.\n\n![[image:{image.pk}]]\n\nAfter."
    response = client.post(url, data)
    assert response.status_code == 302, errors(response)
    story.refresh_from_db()
    assert story.image == image
    assert list(StoryAuthor.objects.filter(story=story).values_list("author", flat=True)) == [
        author.pk
    ]
    assert StoryImage.objects.filter(story=story, image=image).exists()


@pytest.mark.parametrize("ui", UI)
def test_a_translator_writes_alt_text_and_caption_in_their_language_only(client, ui):
    image = make_image(alt_en="A robot folds a towel")
    client = as_role(client, "Translator", ui, languages=["zh-hans"])
    url = f"/admin/cms/image/{image.pk}/change/?language=zh-hans"
    data = open_form(client, url, "image_form")
    assert "rights" not in data and "file" not in data
    data.update({"alt": "机器人叠毛巾", "caption": "实验室里的机器人。", "rights": "All mine"})
    response = client.post(url, data)
    assert response.status_code == 302, errors(response)
    image = Image.objects.get(pk=image.pk)
    image.set_current_language("zh-hans")
    texts = (image.alt, image.caption, image.rights)
    assert texts == ("机器人叠毛巾", "实验室里的机器人。", "CC BY 4.0")
    # The English texts are another translator's.
    assert client.get(f"/admin/cms/image/{image.pk}/change/?language=en").status_code in (200, 403)
    refused = client.post(
        f"/admin/cms/image/{image.pk}/change/?language=en", {**data, "alt": "Hijacked"}
    )
    assert refused.status_code == 403
    image.set_current_language("en")
    assert Image.objects.get(pk=image.pk).safe_translation_getter("alt", language_code="en") == (
        "A robot folds a towel"
    )


def test_a_writer_cannot_change_an_image_a_live_story_shows_but_an_editor_can(client):
    image = make_image(alt_en="A robot")
    story = make_story("live")
    attach_images(story, [image])
    url = f"/admin/cms/image/{image.pk}/change/?language=en"
    writer = as_role(client, "Writer", "en")
    assert writer.post(url, {"alt": "Changed", "rights": "x"}).status_code == 403
    client.logout()
    editor = as_role(client, "Editor", "en")
    data = open_form(editor, url, "image_form")
    data["alt"] = "Changed"
    assert editor.post(url, data).status_code == 302


def test_a_writer_cannot_change_the_lead_image_of_a_scheduled_story_they_may_not_edit(client):
    image = make_image(alt_en="A robot")
    make_story("embargoed", hours_ago=-24, image=image)
    writer = as_role(client, "Writer", "en")
    url = f"/admin/cms/image/{image.pk}/change/?language=en"
    assert (
        writer.post(url, {"alt": "Swapped before it goes live", "rights": "x"}).status_code == 403
    )
    assert Image.objects.language("en").get(pk=image.pk).alt == "A robot"


def test_a_writer_cannot_change_the_avatar_a_live_story_s_byline_shows(client):
    avatar = make_image(alt_en="A face")
    author = make_author("ada", "Ada")
    author.avatar = avatar
    author.save()
    set_authors(make_story("live"), [author])
    writer = as_role(client, "Writer", "en")
    url = f"/admin/cms/image/{avatar.pk}/change/?language=en"
    assert writer.post(url, {"alt": "Another face", "rights": "x"}).status_code == 403


def test_a_writer_still_changes_an_image_only_their_draft_shows(client):
    image = make_image(alt_en="A robot", rights_en="x")
    make_story("draft", status=Story.Status.DRAFT, hours_ago=None, image=image)
    writer = as_role(client, "Writer", "en")
    url = f"/admin/cms/image/{image.pk}/change/?language=en"
    data = open_form(writer, url, "image_form")
    data["alt"] = "A robot folding towels"
    assert writer.post(url, data).status_code == 302
    assert Image.objects.language("en").get(pk=image.pk).alt == "A robot folding towels"


@pytest.mark.parametrize(
    ("ui", "expected"),
    [
        ("en", "Only these roles may do this: Editor, Publisher."),
        ("zh-hans", "只有以下角色可以这样做：编辑、发布人。"),
    ],
)
def test_a_refusal_is_the_admins_page_in_its_language_naming_who_may(client, ui, expected):
    story = make_story("live")
    client = as_role(client, "Writer", ui)
    response = client.post(f"/admin/cms/story/{story.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    page = response.content.decode()
    assert expected in page
    assert 'id="site-name"' in page and "403 Forbidden" not in page
    assert Story.objects.filter(pk=story.pk).exists()


@pytest.mark.parametrize(
    ("ui", "expected"),
    [
        ("en", "Only these roles may do this: Writer, Editor, Publisher."),
        ("zh-hans", "只有以下角色可以这样做：撰稿人、编辑、发布人。"),
    ],
)
def test_a_translators_refused_picker_names_the_roles_that_may_add_images(client, ui, expected):
    client = as_role(client, "Translator", ui, languages=["zh-hans"])
    response = client.get("/admin/cms/image/add/")
    assert response.status_code == 403
    assert expected in response.content.decode()


@pytest.mark.parametrize(
    ("ui", "expected"), [("en", "This form has expired"), ("zh-hans", "此表单已过期")]
)
def test_a_form_refused_by_the_csrf_check_gets_the_admins_page(ui, expected):
    from django.test import Client

    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=ui)
    client.force_login(make_user("writer", "Writer"))
    response = client.post("/admin/cms/story/add/?language=en", {"title": "Typed"})
    assert response.status_code == 403
    page = response.content.decode()
    assert expected in page and 'id="site-name"' in page
    assert not Story.objects.exists()


@pytest.mark.parametrize(
    ("ui", "expected"),
    [
        ("en", "Only these roles may do this: Publisher."),
        ("zh-hans", "只有以下角色可以这样做：发布人。"),
    ],
)
def test_an_editor_refused_deleting_a_live_story_is_told_publishers_may(client, ui, expected):
    story = make_story("live")
    client = as_role(client, "Editor", ui)
    response = client.post(f"/admin/cms/story/{story.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert expected in response.content.decode()
    assert Story.objects.filter(pk=story.pk).exists()
