"""The admin as editors and translators meet it: named, its parts labelled, in both languages."""

import importlib
import re

import pytest

import cms.admin.site
from cms.counting import ranking
from cms.models import Story
from tests.factories import make_story, make_tag, make_user

pytestmark = pytest.mark.django_db

UI = {"en": "en", "zh-hans": "zh-hans"}


def page(client, path, ui="en"):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE=ui)
    assert response.status_code == 200
    return response.content.decode()


def headings(html):
    """The fieldset headings of a change form, in order."""
    return re.findall(r'<h2 id="fieldset-[^"]*" class="fieldset-heading">([^<]*)</h2>', html)


def fieldset_of(html, field):
    """The heading of the fieldset holding `field`'s row."""
    position = html.index(f'class="form-row field-{field}')
    found = headings(html[:position])
    return found[-1] if found else None


@pytest.mark.parametrize(
    "ui, name, django_name",
    [
        ("en", "AI News newsroom", "Django administration"),
        ("zh-hans", "AI资讯编辑部", "Django 管理"),
    ],
)
def test_the_admin_is_named_after_the_publication_in_the_admin_s_language(
    admin_client, ui, name, django_name
):
    html = page(admin_client, "/admin/", ui)
    assert f'<a href="/admin/">{name}</a>' in html
    assert f"<title>{'工作台' if ui == 'zh-hans' else 'Dashboard'} | {name}</title>" in html
    assert django_name not in html


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_view_site_leads_to_the_reader_site_in_the_admin_s_language(admin_client, ui):
    html = page(admin_client, "/admin/cms/story/", ui)
    assert f'<a href="https://news.example.com/{ui}/">' in html


def test_without_a_reader_site_address_there_is_no_view_site_link(admin_client, settings):
    settings.CMS_SITE_URL = ""
    try:
        importlib.reload(cms.admin.site)
        html = page(admin_client, "/admin/")
    finally:
        settings.CMS_SITE_URL = "https://news.example.com/{language}/"
        importlib.reload(cms.admin.site)
    assert "View site" not in html
    assert 'href="https://news.example.com/en/"' in page(admin_client, "/admin/")


def test_lists_and_forms_get_the_page_s_width_without_the_navigation_sidebar(admin_client):
    story = make_story("s")
    for path in ("/admin/cms/story/", f"/admin/cms/story/{story.pk}/change/"):
        html = page(admin_client, path)
        assert 'id="nav-sidebar"' not in html
        assert "/static/cms/admin.css" in html


def test_the_task_queue_is_for_superusers_only_and_speaks_chinese(client, admin_client):
    editor = make_user("editor", "Editor")
    client.force_login(editor)
    assert "task" not in page(client, "/admin/").lower()
    tasks = "/admin/django_tasks_database/dbtaskresult/"
    assert client.get(tasks).status_code == 403
    ranking.rank_stories.enqueue()  # A task run for the list to show.
    index = page(admin_client, "/admin/", "zh-hans")
    assert "任务队列" in index and "任务结果" in index
    listing = page(admin_client, tasks, "zh-hans")
    assert "入队时间" in listing and "Tasks Database Backend" not in listing


def test_the_story_list_names_its_columns_in_chinese_and_shows_tags_in_the_editor_s_order(
    admin_client,
):
    security = make_tag("security", en="Security", zh_hans="安全")
    agents = make_tag("agents", en="Agents", zh_hans="智能体")
    make_story("s", tags=[security, agents])
    english = page(admin_client, "/admin/cms/story/")
    assert '<td class="field-tag_list">Security, Agents</td>' in english
    chinese = page(admin_client, "/admin/cms/story/", "zh-hans")
    header = re.search(r'<th scope="col" class="column-language_column">(.*?)</th>', chinese, re.S)
    assert re.search(r"<span>语言</span>", header.group(1))
    assert "Languages" not in chinese
    assert '<td class="field-tag_list">安全、智能体</td>' in chinese


def test_the_story_list_shows_publish_times_compactly(admin_client):
    story = make_story("s")
    html = page(admin_client, "/admin/cms/story/")
    shown = re.search(r'<td class="field-published_column[^"]*">([^<]*)</td>', html).group(1)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", shown), shown
    assert story.published_at is not None


@pytest.mark.parametrize(
    "ui, tab, language, shared",
    [
        ("en", "zh-hans", "Simplified Chinese", "Publishing · shared by all languages"),
        ("zh-hans", "zh-hans", "简体中文", "发布 · 所有语言共用"),
        ("en", "en", "English", "Scores · shared by all languages"),
    ],
)
def test_the_form_names_the_tab_s_language_version_and_what_all_languages_share(
    admin_client, ui, tab, language, shared
):
    story = make_story("s")
    html = page(admin_client, f"/admin/cms/story/{story.pk}/change/?language={tab}", ui)
    found = headings(html)
    assert found[0] == language
    assert shared in found
    assert all("·" in heading for heading in found[1:]), found
    for field in ("title", "summary", "tldr", "analysis", "insights", "faq", "ai_involvement"):
        assert fieldset_of(html, field) == language, field
    for field in ("slug", "published_at", "hot_override", "quality", "source"):
        assert "·" in fieldset_of(html, field), field
    assert re.search(r'<div class="description">[^<]*' + language, html)


def test_a_translator_s_fields_are_the_language_fieldset_the_shared_ones_read_only(client):
    story = make_story("s")
    client.force_login(make_user("translator", "Translator", languages=["zh-hans"]))
    html = page(client, f"/admin/cms/story/{story.pk}/change/?language=zh-hans", "zh-hans")
    assert fieldset_of(html, "title") == "简体中文"
    assert 'name="title"' in html and 'name="slug"' not in html
    assert "标签 · 所有语言共用" not in html  # No tags inline for translators.


def test_language_tabs_carry_no_delete_marks_deletion_is_a_link_under_the_form(admin_client):
    story = make_story("s")
    url = f"/admin/cms/story/{story.pk}/change/?language=zh-hans"
    html = page(admin_client, url)
    tabs = re.search(r'<div class="parler-language-tabs">(.*?)</div>', html, re.S).group(1)
    assert "deletelink" not in tabs and "delete-translation" not in tabs
    link = re.search(r'<p class="cms-delete-translation"><a href="([^"]+)">([^<]+)</a></p>', html)
    assert link.group(2) == "Delete the Simplified Chinese version…"
    assert html.index("cms-delete-translation") > html.index('name="_save"')
    confirm = page(admin_client, link.group(1))
    # A confirmation page naming the version, in the admin's name (parler gives it no context).
    assert "s zh-hans title" in confirm
    assert "AI News newsroom" in confirm and "Django" not in confirm
    assert Story.objects.get(pk=story.pk).get_available_languages().count() == 2
    chinese = page(admin_client, url, "zh-hans")
    assert "删除简体中文版本…" in chinese


def test_who_may_not_delete_a_version_or_has_only_one_sees_no_deletion_link(client, admin_client):
    live = make_story("live")
    only_english = make_story("only-english", languages=("en",))
    assert "cms-delete-translation" not in page(
        admin_client, f"/admin/cms/story/{only_english.pk}/change/?language=en"
    )
    client.force_login(make_user("editor", "Editor"))  # Deleting from a live story: publishers'.
    assert "cms-delete-translation" not in page(
        client, f"/admin/cms/story/{live.pk}/change/?language=zh-hans"
    )
    client.force_login(make_user("publisher", "Publisher"))
    assert "cms-delete-translation" in page(
        client, f"/admin/cms/story/{live.pk}/change/?language=zh-hans"
    )


def test_row_boxes_are_as_tall_as_their_text_needs(admin_client):
    body = "A long insight body. " * 20  # 420 characters: seven lines of sixty.
    story = make_story("s", insights_en=[{"title": "Short", "body": body}])
    html = page(admin_client, f"/admin/cms/story/{story.pk}/change/?language=en")
    rows = re.search(r'<textarea name="insights-0-body" rows="(\d+)"', html).group(1)
    assert int(rows) >= 7
    assert re.search(r'<textarea name="insights-0-title" rows="2"', html)
