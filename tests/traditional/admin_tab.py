"""The Traditional Chinese tab (a derived language): an editor sees that the version is
converted automatically, overrides a field by typing over it, and sees the override flagged
once the Simplified text changes under it, on the tab and in the story list; a refused save
keeps what was typed (繁體中文分頁：改寫保留，原文變化時標記，被拒的儲存不遺失文字)."""

import pytest

from cms.models import Story, StoryTranslation
from tests.adminforms import errors, open_form
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db

PANEL = {
    "en": ("Converted automatically", "Fields written by hand:", "check it"),
    "zh-hant": ("自動轉換", "手寫的欄位：", "請檢查"),
    "zh-hans": ("自动转换", "手写的字段：", "请检查"),
}


@pytest.fixture
def editor(client):
    client.force_login(make_user("editor", "Editor"))
    return client


def tab_url(story, language):
    return f"/admin/cms/story/{story.pk}/change/?language={language}"


def save_tab(client, story, language, ui, **changes):
    data = open_form(client, tab_url(story, language))
    data.update(changes)
    data["_continue"] = "1"
    return client.post(tab_url(story, language), data, HTTP_ACCEPT_LANGUAGE=ui)


@pytest.mark.parametrize("ui", ["en", "zh-hant"])
def test_an_editor_overrides_a_field_and_sees_it_flagged_when_the_source_changes(editor, ui):
    story = make_story("chips", status=Story.Status.DRAFT, hours_ago=None, title_zh_hans="芯片短缺")
    heading, written, stale = PANEL[ui]
    page = editor.get(tab_url(story, "zh-hant"), HTTP_ACCEPT_LANGUAGE=ui).content.decode()
    assert heading in page and "晶片短缺" in page and written not in page

    response = save_tab(editor, story, "zh-hant", ui, title="晶片供應吃緊")
    assert response.status_code == 302, errors(response)
    hant = StoryTranslation.objects.get(master=story, language_code="zh-hant")
    assert hant.title == "晶片供應吃緊" and set(hant.overrides) == {"title"}
    page = editor.get(tab_url(story, "zh-hant"), HTTP_ACCEPT_LANGUAGE=ui).content.decode()
    assert written in page and stale not in page

    response = save_tab(editor, story, "zh-hans", ui, title="芯片严重短缺", summary="新摘要")
    assert response.status_code == 302, errors(response)
    hant = StoryTranslation.objects.get(master=story, language_code="zh-hant")
    assert hant.title == "晶片供應吃緊" and hant.summary == "新摘要"
    page = editor.get(tab_url(story, "zh-hant"), HTTP_ACCEPT_LANGUAGE=ui).content.decode()
    assert stale in page and "cms-override-stale" in page

    listed = editor.get("/admin/cms/story/?overrides=stale", HTTP_ACCEPT_LANGUAGE=ui)
    assert f"/admin/cms/story/{story.pk}/change/" in listed.content.decode()
    other = make_story("other", status=Story.Status.DRAFT, hours_ago=None)
    listed = editor.get("/admin/cms/story/?overrides=stale").content.decode()
    assert f"/admin/cms/story/{other.pk}/change/" not in listed


@pytest.mark.parametrize("ui", ["en", "zh-hant"])
def test_a_refused_save_on_the_traditional_tab_keeps_what_was_typed(editor, ui):
    story = make_story("chips", status=Story.Status.DRAFT, hours_ago=None)
    response = save_tab(editor, story, "zh-hant", ui, title="", summary="編輯手寫的摘要")
    assert response.status_code == 200 and errors(response)
    assert "編輯手寫的摘要" in response.content.decode()
    hant = StoryTranslation.objects.get(master=story, language_code="zh-hant")
    assert hant.overrides == {}


def test_a_tab_opened_before_the_source_changed_does_not_turn_stale_conversions_into_overrides(
    editor,
):
    story = make_story("chips", status=Story.Status.DRAFT, hours_ago=None, title_zh_hans="芯片")
    stale_form = open_form(editor, tab_url(story, "zh-hant"))
    response = save_tab(editor, story, "zh-hans", "en", summary="新的摘要")
    assert response.status_code == 302, errors(response)
    stale_form.update(title="晶片新聞", _continue="1")
    response = editor.post(tab_url(story, "zh-hant"), stale_form)
    hant = StoryTranslation.objects.get(master=story, language_code="zh-hant")
    # Refused as an edit conflict naming the regenerated Traditional text; nothing typed is
    # lost, and the conversion stays the source's, not an override.
    assert response.status_code == 200
    assert "Summary (Traditional Chinese)" in " ".join(errors(response))
    assert "晶片新聞" in response.content.decode()
    assert hant.overrides == {} and hant.summary == "新的摘要"
