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
    assert [(d["data"], d["base_version"]) for d in config["drafts"]] == [(DRAFT, 3)]


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
    # What is left is the save's mark: no text, nothing to offer.
    mark = Autosave.objects.get()
    assert (mark.data, mark.saved_version) == ({}, Story.objects.get().edit_version)
    assert 'id="cms-autosave-offer"' not in client.get(url).content.decode()


def add_page_key(page):
    return page.split('name="cms_draft_key" value="')[1].split('"')[0]


def form_config(page):
    return json.loads(
        page.split('id="cms-story-form-config" type="application/json">')[1].split("</script>")[0]
    )


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_two_add_pages_keep_two_drafts_and_adding_one_story_keeps_the_other(client, ui):
    from tests.admin.test_admin import story_form

    client.force_login(make_user("writer", "Writer"))
    pages = [client.get("/admin/cms/story/add/?language=en").content.decode() for _tab in "ab"]
    first, second = map(add_page_key, pages)
    assert first != second and len(first) >= 20  # a key for each page load
    new = "/admin/cms/story/add/autosave/?language=en&key="
    assert post(client, new + first, {"data": {"title": "Tab one"}}).status_code == 200
    assert post(client, new + second, {"data": {"title": "Tab two"}}).status_code == 200
    assert post(client, new + first, {"data": {"title": "Tab one, more"}}).status_code == 200
    kept = sorted(d.data["title"] for d in Autosave.objects.filter(story=None))
    assert kept == ["Tab one, more", "Tab two"]

    # A fresh Add page offers each, named by time and title, in the admin's language.
    fresh = client.get("/admin/cms/story/add/?language=en", HTTP_ACCEPT_LANGUAGE=ui)
    page = fresh.content.decode()
    offered = {d["key"]: d for d in form_config(page)["drafts"]}
    assert set(offered) == {first, second}
    assert ("Restore the draft from" if ui == "en" else "恢复") in offered[second]["restore"]
    assert "Tab two" in offered[second]["restore"]
    assert add_page_key(page) not in (first, second)

    # The first tab's story is added: its draft turns into the save's mark, the second stays.
    added = client.post(
        "/admin/cms/story/add/?language=en", {**story_form(), "cms_draft_key": first}
    )
    assert added.status_code == 302, errors(added)
    assert Autosave.objects.get(form_key=second).data == {"title": "Tab two"}
    assert Autosave.objects.get(form_key=first).data == {}
    again = form_config(client.get("/admin/cms/story/add/?language=en").content.decode())
    assert [d["key"] for d in again["drafts"]] == [second]


def test_a_refused_add_keeps_its_page_s_key_and_offers_nothing_over_what_was_typed(client):
    from tests.admin.test_admin import story_form

    client.force_login(make_user("writer", "Writer"))
    post(client, "/admin/cms/story/add/autosave/?language=en&key=older", {"data": {"title": "x"}})
    refused = client.post(
        "/admin/cms/story/add/?language=en", {**story_form(), "title": "", "cms_draft_key": "k1"}
    )
    assert refused.status_code == 200 and errors(refused)
    page = refused.content.decode()
    assert add_page_key(page) == "k1"
    assert 'id="cms-autosave-offer"' not in page


def test_a_draft_arriving_after_its_form_was_saved_is_refused_and_brings_nothing_back(client):
    from tests.admin.test_admin import story_form

    client.force_login(make_user("writer", "Writer"))
    new = "/admin/cms/story/add/autosave/?language=en&key=k1"
    post(client, new, {"data": {"title": "Typed"}})
    client.post("/admin/cms/story/add/?language=en", {**story_form(), "cms_draft_key": "k1"})
    story = Story.objects.get()

    late = post(client, new, {"data": {"title": "Typed, before the save"}})
    assert late.status_code == 409
    assert "before the story was saved" in late.json()["error"]
    assert Autosave.objects.get(form_key="k1").data == {}

    # The story's own form: a draft typed on the version before the save is refused, one
    # typed on the saved version is kept.
    opened = story.edit_version
    url = f"/admin/cms/story/{story.pk}/change/?language=en"
    body = read_form(client.get(url).content.decode())
    client.post(url, {**body, "title": "Saved", "_continue": "1"})
    saved = Story.objects.get().edit_version
    assert saved > opened
    stale = post(
        client, autosave_url(story, "en"), {"data": {"title": "old"}, "base_version": opened}
    )
    assert stale.status_code == 409
    assert not Autosave.objects.filter(story=story).exclude(data={}).exists()
    fresh = post(
        client, autosave_url(story, "en"), {"data": {"title": "new"}, "base_version": saved}
    )
    assert fresh.status_code == 200
    assert Autosave.objects.get(story=story).data == {"title": "new"}


def test_someone_else_s_save_does_not_refuse_my_draft(client, draft_story):
    translator = Client()
    translator.force_login(make_user("translator", "Translator", languages=["zh-hans"]))
    opened = Story.objects.get().edit_version
    client.force_login(make_user("editor", "Editor"))
    url = f"/admin/cms/story/{draft_story.pk}/change/?language=en"
    body = read_form(client.get(url).content.decode())
    client.post(url, {**body, "title": "The editor's save", "_continue": "1"})
    assert Story.objects.get().edit_version > opened

    draft = {"data": DRAFT, "base_version": opened}
    assert post(translator, autosave_url(draft_story), draft).status_code == 200


LONG = "字" * 30_000 + "🤖" + "a" * 30_000  # ~150 KB of JSON, with a character outside the BMP


def test_a_post_of_changes_applies_on_top_of_the_draft_it_names(translator, draft_story):
    url = autosave_url(draft_story)
    body = {"data": {"title": "t", "analysis": LONG, "tldr-0-text": "x"}, "revision": "r1"}
    assert post(translator, url, body).status_code == 200
    # In UTF-16 code units, as browsers count: the robot is two of them.
    at = 30_000 + 2 + 10
    change = {
        "revision": "r2",
        "after": "r1",
        "changes": {"analysis": {"at": at, "cut": 5, "put": "插入"}, "title": "标题"},
        "removed": ["tldr-0-text"],
    }
    response = post(translator, url, change)
    assert response.status_code == 200, response.content
    kept = Autosave.objects.get()
    assert kept.revision == "r2"
    expected = "字" * 30_000 + "🤖" + "a" * 10 + "插入" + "a" * 29_985
    assert kept.data == {"title": "标题", "analysis": expected}
    assert len(json.dumps(change).encode()) < 1000


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"after": "r0", "changes": {"title": "x"}}, 409),  # built on another draft
        ({"changes": {"title": "x"}}, 400),  # names none
        ({"after": "r1", "changes": {"analysis": {"at": 30_001, "cut": 0, "put": "x"}}}, 400),
        ({"after": "r1", "changes": {"analysis": {"at": 10**9, "cut": 1, "put": ""}}}, 400),
        ({"after": "r1", "changes": {"analysis": {"at": -1, "cut": 1, "put": ""}}}, 400),
        ({"after": "r1", "changes": {"analysis": {"at": 0, "cut": 0, "put": 3}}}, 400),
        ({"after": "r1", "changes": {"summary": {"at": 0, "cut": 0, "put": "x"}}}, 400),
        ({"after": "r1", "changes": {"title": "a\x00"}}, 400),
        ({"after": "r1", "changes": "title"}, 400),
        ({"after": "r1", "changes": {}, "removed": [3]}, 400),
    ],
)
@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_post_of_changes_that_does_not_fit_is_refused_and_the_draft_kept(
    translator, draft_story, change, status, ui
):
    url = autosave_url(draft_story)
    post(translator, url, {"data": {"title": 3 * "t", "analysis": LONG}, "revision": "r1"})
    response = post(translator, url, {"revision": "r2", **change}, ui)
    assert response.status_code == status
    assert response.json()["error"]
    kept = Autosave.objects.get()
    assert (kept.revision, kept.data["analysis"]) == ("r1", LONG)


def test_a_new_story_s_draft_is_kept_for_its_writer_only(client):
    client.force_login(make_user("writer", "Writer"))
    url = "/admin/cms/story/add/autosave/?language=en&key=k1"
    assert post(client, url, {"data": {"title": "A new story"}}).status_code == 200
    other = Client()
    other.force_login(make_user("other", "Writer"))
    page = other.get("/admin/cms/story/add/?language=en").content.decode()
    assert 'id="cms-autosave-offer"' not in page
    bad = post(client, "/admin/cms/story/add/autosave/?language=en&key=a%20b", {"data": {}})
    assert bad.status_code == 400


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
