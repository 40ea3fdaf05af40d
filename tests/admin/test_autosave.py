"""Autosaved drafts and presence: who may post them, what is refused, and what is kept."""

import json

import pytest
from django.test import Client

from cms.models import Autosave, Story
from tests.adminforms import errors, read_form
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db

DRAFT = {"title": "机器人学会叠衣服", "tldr-0-text": "第一条", "tldr-count": "1"}


def post(client, url, body, ui="en", **extra):
    return client.post(
        url,
        json.dumps(body) if not isinstance(body, (bytes, str)) else body,
        content_type=extra.pop("content_type", "application/json"),
        HTTP_ACCEPT_LANGUAGE=ui,
        **extra,
    )


@pytest.fixture
def draft_story():
    return make_story("s", status=Story.Status.DRAFT, hours_ago=None)


@pytest.fixture
def translator(client):
    client.force_login(make_user("translator", "Translator", languages=["zh-hans"]))
    return client


def autosave_url(story, language="zh-hans"):
    return f"/admin/cms/story/{story.pk}/autosave/?language={language}"


def presence_url(story, language="zh-hans"):
    return f"/admin/cms/story/{story.pk}/presence/?language={language}"


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_translator_s_draft_is_kept_and_offered_back_on_the_next_visit(
    translator, draft_story, ui
):
    response = post(translator, autosave_url(draft_story), {"data": DRAFT, "base_version": 3}, ui)

    assert response.status_code == 200, response.content
    assert ("Draft kept at" if ui == "en" else "草稿已于") in response.json()["status"]
    draft = Autosave.objects.get()
    assert (draft.story, draft.language, draft.data, draft.base_version) == (
        draft_story,
        "zh-hans",
        DRAFT,
        3,
    )
    page = translator.get(
        f"/admin/cms/story/{draft_story.pk}/change/?language=zh-hans", HTTP_ACCEPT_LANGUAGE=ui
    ).content.decode()
    assert 'id="cms-autosave-offer"' in page
    assert ("Restore the version from" if ui == "en" else "恢复") in page
    config = json.loads(
        page.split('id="cms-story-form-config" type="application/json">')[1].split("</script>")[0]
    )
    assert config["draft"]["data"] == DRAFT
    assert config["draft"]["base_version"] == 3


def test_posting_again_replaces_the_draft_and_each_language_and_person_has_their_own(
    client, draft_story
):
    editor = make_user("editor", "Editor")
    client.force_login(editor)
    post(client, autosave_url(draft_story, "en"), {"data": {"title": "one"}})
    post(client, autosave_url(draft_story, "en"), {"data": {"title": "two"}})
    post(client, autosave_url(draft_story, "zh-hans"), {"data": {"title": "三"}})
    other = Client()
    other.force_login(make_user("other", "Editor"))
    post(other, autosave_url(draft_story, "en"), {"data": {"title": "theirs"}})

    kept = {(d.user.username, d.language): d.data["title"] for d in Autosave.objects.all()}
    assert kept == {("editor", "en"): "two", ("editor", "zh-hans"): "三", ("other", "en"): "theirs"}


@pytest.mark.parametrize(
    ("who", "language", "status"),
    [
        ("translator", "en", 403),  # not their language
        ("translator", "zh-hans", 200),
        ("nobody", "zh-hans", 403),  # staff without a role
    ],
)
def test_only_people_who_may_change_the_story_in_that_language_may_keep_a_draft(
    client, draft_story, who, language, status
):
    if who == "translator":
        client.force_login(make_user(who, "Translator", languages=["zh-hans"]))
    else:
        client.force_login(make_user(who))
    response = post(client, autosave_url(draft_story, language), {"data": DRAFT})
    assert response.status_code == status
    if status == 403:
        assert response.json()["error"]
        assert not Autosave.objects.exists()


def test_signed_out_callers_are_sent_to_log_in_and_nothing_is_kept(client, draft_story):
    response = post(client, autosave_url(draft_story), {"data": DRAFT})
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not Autosave.objects.exists()


@pytest.mark.parametrize(("ui", "advice"), [("en", "reload the page"), ("zh-hans", "重新加载")])
def test_a_post_without_the_csrf_token_is_refused_in_json_the_page_can_show(
    draft_story, ui, advice
):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("translator", "Translator", languages=["zh-hans"]))
    for url, body in (
        (autosave_url(draft_story), {"data": DRAFT}),
        (presence_url(draft_story), {}),
    ):
        response = post(client, url, body, ui)
        assert response.status_code == 403
        assert advice in response.json()["error"]
    assert not Autosave.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "english", "chinese"),
    [
        (b"{not json", 400, "not readable JSON", "JSON"),
        (b"[1, 2]", 400, "must be a JSON object", "JSON"),
        ({"data": "title"}, 400, "field names to texts", "字段名"),
        ({"data": {"title": 3}}, 400, "field names to texts", "字段名"),
        ({"data": {"x" * 201: "long name"}}, 400, "field names to texts", "字段名"),
        ({"data": {"tldr": ["a"] * 201}}, 400, "field names to texts", "字段名"),
        ({"data": {}, "base_version": "12a"}, 400, "whole number", "整数"),
        ({"data": {}, "base_version": -1}, 400, "whole number", "整数"),
        ({"data": {"analysis": "字" * 200_000}}, 413, "too large", "太大"),
        (b"[" * 200_000, 400, "not readable JSON", "JSON"),
        ({"data": {}, "base_version": 10**30}, 400, "whole number", "整数"),
        ({"data": {}, "base_version": "99999999999"}, 400, "whole number", "整数"),
        ({"data": {"title": "a\x00b"}}, 400, "character no text may hold", "字符"),
        ({"data": {"title": "\ud800"}}, 400, "character no text may hold", "字符"),
        ({"data": {"ti\x0btle": "x"}}, 400, "character no text may hold", "字符"),
    ],
)
@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_bad_drafts_are_refused_with_a_clear_message_in_the_admin_s_language(
    translator, draft_story, body, status, english, chinese, ui
):
    response = post(translator, autosave_url(draft_story), body, ui)
    assert response.status_code == status
    assert (english if ui == "en" else chinese) in response.json()["error"]
    assert not Autosave.objects.exists()


def test_wrong_language_story_method_or_content_type_get_a_clear_4xx(translator, draft_story):
    bad_language = post(translator, autosave_url(draft_story, "fr"), {"data": DRAFT})
    assert bad_language.status_code == 400
    assert "en, zh-hans" in bad_language.json()["error"]
    missing = post(translator, "/admin/cms/story/99999/autosave/?language=zh-hans", {"data": {}})
    assert missing.status_code == 404
    got = translator.get(autosave_url(draft_story))
    assert got.status_code == 405
    assert got["Allow"] == "POST, DELETE"
    form = post(translator, autosave_url(draft_story), "data=1", content_type="text/plain")
    assert form.status_code == 415


def test_discarding_removes_only_that_draft(translator, draft_story):
    post(translator, autosave_url(draft_story), {"data": DRAFT})
    response = translator.delete(autosave_url(draft_story))
    assert response.status_code == 200
    assert not Autosave.objects.exists()


def test_a_successful_save_clears_the_draft_and_a_refused_one_keeps_it(client, draft_story):
    client.force_login(make_user("editor", "Editor"))
    url = f"/admin/cms/story/{draft_story.pk}/change/?language=en"
    post(client, autosave_url(draft_story, "en"), {"data": {"title": "typed"}})
    body = read_form(client.get(url).content.decode())

    refused = client.post(url, {**body, "title": ""})
    assert refused.status_code == 200 and errors(refused)
    # The refused page shows what was just typed; the older draft is not offered over it.
    assert 'id="cms-autosave-offer"' not in refused.content.decode()
    assert Autosave.objects.filter(story=draft_story, language="en").exists()

    saved = client.post(url, {**body, "title": "Typed and saved", "_continue": "1"})
    assert saved.status_code == 302
    assert not Autosave.objects.exists()


def test_a_new_story_s_draft_is_kept_for_its_writer_and_cleared_when_it_is_added(client):
    from tests.admin.test_admin import story_form

    client.force_login(make_user("writer", "Writer"))
    url = "/admin/cms/story/add/autosave/?language=en"
    assert post(client, url, {"data": {"title": "A new story"}}).status_code == 200
    draft = Autosave.objects.get()
    assert draft.story is None
    page = client.get("/admin/cms/story/add/?language=en").content.decode()
    assert 'id="cms-autosave-offer"' in page

    response = client.post("/admin/cms/story/add/?language=en", story_form())
    assert response.status_code == 302, errors(response)
    assert not Autosave.objects.exists()


def test_a_translator_may_not_keep_a_draft_of_a_new_story(translator):
    response = post(translator, "/admin/cms/story/add/autosave/?language=zh-hans", {"data": {}})
    assert response.status_code == 403


# Presence.


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_each_editor_is_told_who_else_has_the_story_open_until_they_leave(draft_story, ui):
    translator, editor = Client(), Client()
    translator.force_login(make_user("translator", "Translator", languages=["zh-hans"]))
    editor.force_login(make_user("editor", "Editor"))

    first = post(translator, presence_url(draft_story), {}, ui).json()
    assert first["others"] == []
    seen = post(editor, presence_url(draft_story, "en"), {}, ui).json()
    assert [other["name"] for other in seen["others"]] == ["translator"]
    assert ("Simplified Chinese tab" if ui == "en" else "简体中文") in seen["others"][0]["message"]
    back = post(translator, presence_url(draft_story), {}, ui).json()
    assert [other["name"] for other in back["others"]] == ["editor"]

    post(editor, presence_url(draft_story, "en"), {"leaving": True}, ui)
    assert post(translator, presence_url(draft_story), {}, ui).json()["others"] == []


def test_a_heartbeat_says_when_the_story_was_saved_since_the_page_opened(client, draft_story):
    editor = make_user("editor", "Editor")
    client.force_login(editor)
    opened = Story.objects.get(pk=draft_story.pk).edit_version
    assert (
        post(client, presence_url(draft_story, "en"), {"base_version": opened}).json()[
            "saved_since"
        ]
        is None
    )
    url = f"/admin/cms/story/{draft_story.pk}/change/?language=en"
    body = read_form(client.get(url).content.decode())
    client.post(url, {**body, "title": "Saved elsewhere", "_continue": "1"})

    answer = post(client, presence_url(draft_story, "en"), {"base_version": opened}).json()
    assert "editor saved this story at" in answer["saved_since"]["message"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"leaving": "yes"}, 400),
        ({"base_version": "x"}, 400),
        ({"base_version": 2**31}, 400),
        (b"nope", 400),
        (b"[" * 200_000, 400),
    ],
)
def test_bad_heartbeats_are_refused(translator, draft_story, body, status):
    assert post(translator, presence_url(draft_story), body).status_code == status


def test_heartbeats_need_the_right_to_change_the_story_in_that_language(translator, draft_story):
    response = post(translator, presence_url(draft_story, "en"), {})
    assert response.status_code == 403
    assert translator.get(presence_url(draft_story)).status_code == 405
