"""Writers, translators, editors and publishers: each may do exactly their part."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from cms.core.roles import ROLES
from cms.models import State, Story
from tests.adminforms import open_form
from tests.factories import make_story, make_user, review

pytestmark = pytest.mark.django_db


def change_url(story, language="en"):
    return f"/admin/cms/story/{story.pk}/change/?language={language}"


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def translation(story, language):
    return Story.objects.get(pk=story.pk).translations.get(language_code=language)


def test_the_four_roles_are_installed_with_exactly_their_permissions():
    installed = {
        group.name: sorted(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.all()
    }
    assert installed == {name: sorted(codenames) for name, codenames in ROLES.items()}
    assert "publish_story" in installed["Publisher"]
    assert "publish_story" not in installed["Editor"] + installed["Writer"]


def test_install_roles_repairs_a_group_that_was_changed_by_hand(capsys):
    writer = Group.objects.get(name="Writer")
    writer.permissions.clear()
    Group.objects.get(name="Translator").delete()
    call_command("install_roles")
    assert capsys.readouterr().out == "Roles installed: Writer, Translator, Editor, Publisher.\n"
    assert writer.permissions.count() == len(ROLES["Writer"])
    assert Group.objects.get(name="Translator").permissions.count() == len(ROLES["Translator"])


def test_a_writer_writes_drafts_but_a_live_story_is_read_only_for_them(login):
    writer = login(make_user("writer", "Writer"))
    assert writer.get("/admin/cms/story/add/?language=en").status_code == 200
    draft = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    data = open_form(writer, change_url(draft))
    assert "published_at_0" not in data
    data["title"] = "Better title"
    assert writer.post(change_url(draft), data).status_code == 302
    assert translation(draft, "en").title == "Better title"

    live = make_story("live")
    page = writer.get(change_url(live)).content.decode()
    assert 'name="title"' not in page
    assert writer.post(change_url(live), {"title": "Hijacked"}).status_code == 403
    assert translation(live, "en").title == "live en title"


def test_a_writer_may_not_delete_stories(login):
    writer = login(make_user("writer", "Writer"))
    story = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    assert writer.post(f"/admin/cms/story/{story.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Story.objects.filter(pk=story.pk).exists()


def test_a_translator_edits_only_their_language_and_nothing_shared(login):
    # On a story in review; a live story's translations wait for approval
    # (tests/stories/test_translation_approval.py).
    translator = login(make_user("translator", "Translator", languages=["zh-hans"]))
    story = make_story("live", status=Story.Status.REVIEW, quality=40)
    data = open_form(translator, change_url(story, "zh-hans"))
    assert {"slug", "quality", "published_at_0", "source"}.isdisjoint(data)
    assert not any(key.startswith("tag_links") for key in data)
    data.update({"title": "新标题", "quality": "99", "slug": "hijacked"})
    response = translator.post(change_url(story, "zh-hans"), data)
    assert response.status_code == 302
    story = Story.objects.get(pk=story.pk)
    assert translation(story, "zh-hans").title == "新标题"
    assert translation(story, "zh-hans").edited_by.username == "translator"
    assert (story.slug, story.quality, story.state) == ("live", 40, State.REVIEW)

    english = translator.get(change_url(story, "en")).content.decode()
    assert 'name="title"' not in english
    assert translator.post(change_url(story, "en"), {"title": "Hijacked"}).status_code == 403
    assert translation(story, "en").title == "live en title"


def test_a_translator_may_add_their_language_but_not_write_stories(login):
    translator = login(make_user("translator", "Translator", languages=["zh-hans"]))
    story = make_story("english-only", languages=("en",), status=Story.Status.DRAFT)
    data = open_form(translator, change_url(story, "zh-hans"))
    data.update({"title": "只有英文", "summary": "摘要"})
    assert translator.post(change_url(story, "zh-hans"), data).status_code == 302
    assert translation(story, "zh-hans").title == "只有英文"
    assert translator.get("/admin/cms/story/add/").status_code == 403
    response = translator.post(f"/admin/cms/story/{story.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403


def test_a_translator_without_assigned_languages_edits_nothing(login):
    translator = login(make_user("translator", "Translator"))
    story = make_story("live")
    for language in ("en", "zh-hans"):
        assert translator.get(change_url(story, language)).status_code == 200
        assert translator.post(change_url(story, language), {"title": "x"}).status_code == 403


def test_an_editor_corrects_a_live_story_but_cannot_publish_or_unpublish(login):
    editor = login(make_user("editor", "Editor"))
    story = make_story("live")
    data = open_form(editor, change_url(story))
    data["title"] = "Corrected"
    assert editor.post(change_url(story), data).status_code == 302
    assert translation(story, "en").title == "Corrected"
    data["_workflow"] = "unpublish"
    assert editor.post(change_url(story), data).status_code == 200
    assert Story.objects.get(pk=story.pk).state == State.PUBLISHED


def test_only_a_publisher_sets_the_publish_time(login):
    story = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    for role, shown in [("Writer", False), ("Editor", False), ("Publisher", True)]:
        client = login(make_user(role.lower(), role))
        assert ("published_at_0" in open_form(client, change_url(story))) is shown


def test_staff_without_a_role_see_no_stories(login):
    nobody = login(make_user("nobody"))
    story = make_story("live")
    assert nobody.get("/admin/cms/story/").status_code == 403
    assert nobody.get(change_url(story)).status_code == 403


def test_an_administrator_assigns_a_translator_s_languages_on_the_user_page(admin_client):
    translator = make_user("translator", "Translator")
    url = f"/admin/auth/user/{translator.pk}/change/"
    data = open_form(admin_client, url, form_id="user_form")
    data.update({"language_assignments-0-language": "zh-hans"})
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert list(translator.language_assignments.values_list("language", flat=True)) == ["zh-hans"]
    listing = admin_client.get("/admin/auth/user/").content.decode()
    assert '<td class="field-role_list">Translator</td>' in listing


def test_the_demo_newsroom_has_one_colleague_per_role(settings, tmp_path, capsys):
    from django.contrib.auth import get_user_model

    settings.VAR_DIR = tmp_path
    call_command("demo_account")
    call_command("demo_account")
    out = capsys.readouterr().out
    password = (tmp_path / "demo-admin-password.txt").read_text().strip()
    assert out.count(f"Demo admin login: user 'admin', password '{password}'") == 2
    assert (
        out.count(
            "Newsroom demo users (same password): writer (Writer), translator (Translator), "
            "editor (Editor), publisher (Publisher)."
        )
        == 2
    )
    users = get_user_model().objects
    assert {
        u.username: [g.name for g in u.groups.all()] for u in users.exclude(username="admin")
    } == {
        "writer": ["Writer"],
        "translator": ["Translator"],
        "editor": ["Editor"],
        "publisher": ["Publisher"],
    }
    assert all(u.check_password(password) and u.is_staff for u in users.all())
    assert list(
        users.get(username="translator").language_assignments.values_list("language", flat=True)
    ) == ["zh-hans"]


def test_a_writer_s_save_is_refused_when_the_story_goes_live_while_they_edit(login, monkeypatch):
    from cms.admin.concurrency import ConcurrencyFormMixin
    from cms.stories import publishing, revisions
    from tests.adminforms import errors

    publisher = make_user("publisher", "Publisher")
    writer = login(make_user("writer", "Writer"))
    story = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    review(story)
    data = open_form(writer, change_url(story))
    data["title"] = "Unreviewed text"
    locked = ConcurrencyFormMixin._locked_edit_version

    def publish_first(form, locked_story):
        # The publisher's step commits while the writer's save waits for the row lock.
        if Story.objects.get(pk=locked_story.pk).state == State.DRAFT:
            with revisions.recorded(publisher):
                publishing.take("publish", Story.objects.get(pk=locked_story.pk), publisher)
        return locked(form, locked_story)

    monkeypatch.setattr(ConcurrencyFormMixin, "_locked_edit_version", publish_first)
    response = writer.post(change_url(story), data)
    assert response.status_code == 200
    assert errors(response) == [
        "This story went live while you were editing it; ask an editor to make the change."
    ]
    assert translation(story, "en").title == "draft en title"
    assert Story.objects.get(pk=story.pk).state == State.PUBLISHED


@pytest.mark.parametrize("role", ["Editor", "Publisher"])
def test_only_publishers_delete_a_live_story_or_one_of_its_languages(login, role):
    client = login(make_user(role.lower(), role))
    live = make_story("live")
    allowed = role == "Publisher"
    url = f"/admin/cms/story/{live.pk}/change/delete-translation/zh-hans/"
    assert client.post(url, {"post": "yes"}).status_code == (302 if allowed else 403)
    has_chinese = live.translations.filter(language_code="zh-hans").exists()
    assert has_chinese is not allowed
    client.post(
        "/admin/cms/story/",
        {"action": "delete_selected", "_selected_action": [live.pk], "post": "yes"},
    )
    assert Story.objects.filter(pk=live.pk).exists() is not allowed


def test_an_editor_deletes_a_draft(login):
    editor = login(make_user("editor", "Editor"))
    draft = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    response = editor.post(f"/admin/cms/story/{draft.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Story.objects.filter(pk=draft.pk).exists()


def test_a_writer_s_revert_leaves_what_only_editors_set(login):
    from cms.stories import revisions

    story = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    editor = login(make_user("editor", "Editor"))
    data = open_form(editor, change_url(story))
    data.update(pinned="on", hot_override="100", title="Pinned title")
    assert editor.post(change_url(story), data).status_code == 302
    pinned_version = revisions.versions_of(story.pk).first()
    data = open_form(editor, change_url(story))
    data.pop("pinned")
    data.update(hot_override="", title="Unpinned title")
    assert editor.post(change_url(story), data).status_code == 302

    writer = login(make_user("writer", "Writer"))
    response = writer.post(f"/admin/cms/story/{story.pk}/history/{pinned_version.pk}/revert/")
    assert response.status_code == 302
    story = Story.objects.get(pk=story.pk)
    assert (story.pinned, story.hot_override) == (False, None)
    assert translation(story, "en").title == "Pinned title"


@pytest.mark.parametrize("path", ["add/", "{pk}/change/"])
def test_an_unknown_language_tab_is_a_clear_not_found(admin_client, path):
    story = make_story("live")
    response = admin_client.get(f"/admin/cms/story/{path.format(pk=story.pk)}?language=xx")
    assert response.status_code == 404


def test_tags_and_sources_refuse_an_unknown_language_tab_clearly(admin_client):
    from tests.factories import make_source, make_tag

    tag, source = make_tag("robotics", en="Robotics"), make_source("semafor")
    for url in (f"/admin/cms/tag/{tag.pk}/change/", f"/admin/cms/source/{source.pk}/change/"):
        assert admin_client.get(url, {"language": "xx"}).status_code == 404


def test_editors_pin_and_override_the_hot_score_and_writers_cannot(login, gql):
    story = make_story("cold", status=Story.Status.DRAFT, hours_ago=None, hot=5)
    writer = login(make_user("writer", "Writer"))
    assert {"pinned", "hot_override"}.isdisjoint(open_form(writer, change_url(story)))
    story = make_story("quiet", hot=5)
    make_story("busy", hot=90)
    editor = login(make_user("editor", "Editor"))
    data = open_form(editor, change_url(story))
    data.update(pinned="on", hot_override="70")
    assert editor.post(change_url(story), data).status_code == 302
    result = gql("{ stories(orderBy: HOT_DESC) { edges { node { slug pinned scores { hot } } } } }")
    assert result["data"]["stories"]["edges"] == [
        {"node": {"slug": "quiet", "pinned": True, "scores": {"hot": 70}}},
        {"node": {"slug": "busy", "pinned": False, "scores": {"hot": 90}}},
    ]
