"""A translation's tab shows the original beside each field, and what changed since."""

import json
import re

import pytest

from cms.models import Story
from tests.adminforms import read_form
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db

ENGLISH = {
    "tldr_en": ["A robot folds towels.", "Shirts are next."],
    "key_data_en": [{"entity": "Lab robot", "detail": "Towels per hour", "metric": "12"}],
    "analysis_en": "Folding is **hard**.",
}


def source_panel(html, field):
    match = re.search(rf'<aside class="cms-source" data-field="{field}".*?</aside>', html, re.S)
    return match.group(0) if match else None


def open_tab(client, story, language, ui="en"):
    response = client.get(
        f"/admin/cms/story/{story.pk}/change/?language={language}", HTTP_ACCEPT_LANGUAGE=ui
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def translator(client):
    client.force_login(make_user("translator", "Translator", languages=["zh-hans"]))
    return client


@pytest.mark.parametrize(
    ("ui", "copy", "heading"),
    [("en", "Copy from English", "Original (English)"), ("zh-hans", "从英语复制", "原文（英语）")],
)
def test_the_chinese_tab_shows_the_english_rendered_beside_each_field(
    translator, ui, copy, heading
):
    story = make_story("s", status=Story.Status.DRAFT, hours_ago=None, **ENGLISH)

    html = open_tab(translator, story, "zh-hans", ui)

    assert heading in html
    for field in ("title", "summary", "tldr", "key_data", "analysis"):
        assert copy in source_panel(html, field), field
    assert "<li>A robot folds towels.</li><li>Shirts are next.</li>" in source_panel(html, "tldr")
    assert "<td>Lab robot</td><td>Towels per hour</td><td>12</td>" in source_panel(html, "key_data")
    assert "<strong>hard</strong>" in source_panel(html, "analysis")
    values = json.loads(
        html.split('id="cms-source-values" type="application/json">')[1].split("</script>")[0]
    )
    assert values["key_data"] == ENGLISH["key_data_en"]
    assert values["tldr"] == ENGLISH["tldr_en"]
    # Not outdated: no changes to show.
    assert "cms-source-changes" not in html


def test_the_original_s_own_tab_and_an_empty_original_field_offer_nothing_to_copy(admin_client):
    story = make_story("s", status=Story.Status.DRAFT, hours_ago=None, faq_en=[])
    assert source_panel(open_tab(admin_client, story, "en"), "title") is None
    faq = source_panel(open_tab(admin_client, story, "zh-hans"), "faq")
    assert "(empty)" in faq and "cms-copy" not in faq


def test_a_read_only_chinese_tab_shows_the_original_without_copy_buttons(client):
    story = make_story("s", status=Story.Status.DRAFT, hours_ago=None)
    client.force_login(make_user("reader", "Translator", languages=["en"]))
    html = open_tab(client, story, "zh-hans")
    assert source_panel(html, "title") and "cms-copy" not in html


@pytest.mark.parametrize(
    ("ui", "note", "summary"),
    [
        ("en", "The English original changed after this translation", "Changed in the original"),
        ("zh-hans", "英语原文有了改动", "你翻译之后原文的改动"),
    ],
)
def test_an_outdated_translation_shows_what_the_original_changed_row_by_row(
    admin_client, ui, note, summary
):
    story = make_story("s", status=Story.Status.DRAFT, hours_ago=None, **ENGLISH)
    url = f"/admin/cms/story/{story.pk}/change/?language="
    # The translation is saved through the form (so the history has it), then English moves.
    zh = read_form(admin_client.get(url + "zh-hans").content.decode())
    assert (
        admin_client.post(url + "zh-hans", {**zh, "title": "机器人", "_continue": "1"}).status_code
        == 302
    )
    en = read_form(admin_client.get(url + "en").content.decode())
    en.update(
        {
            "title": "Robots fold shirts",
            "tldr-1-text": "Shirts are here.",
            # A row added: the list's count grows with it, as "Add row" does.
            "tldr-count": "3",
            "tldr-2-order": "3",
            "tldr-2-text": "Socks are next.",
            "key_data-0-metric": "13",
        }
    )
    assert admin_client.post(url + "en", {**en, "_continue": "1"}).status_code == 302

    html = open_tab(admin_client, story, "zh-hans", ui)

    assert note in html
    assert summary in html
    title = source_panel(html, "title")
    assert "<del>en</del><ins>fold</ins> <del>title</del><ins>shirts</ins>" in title
    tldr = source_panel(html, "tldr")
    rows = re.findall(r'<tr class="cms-diff-(\w+)">', tldr)
    assert rows == ["same", "changed", "added"]
    assert "<ins>Socks are next.</ins>" in tldr
    key_data = source_panel(html, "key_data")
    assert "<del>12</del><ins>13</ins>" in key_data
    assert source_panel(html, "summary").count("cms-source-changes") == 0
