"""A translator's read-only view of another language shows values, never Python reprs."""

import re

import pytest

from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db

KEY_DATA = [{"entity": "Lab robot", "detail": "Towels per hour", "metric": "12"}]


def english_view(client, ui):
    story = make_story(
        "s",
        tldr_en=["One bullet", "Another <b>bullet</b>"],
        key_data_en=KEY_DATA,
        analysis_en="It **works**.",
        faq_en=[],
        ai_involvement="human",
    )
    client.force_login(make_user("translator", "Translator", languages=["zh-hans"]))
    response = client.get(
        f"/admin/cms/story/{story.pk}/change/?language=en", HTTP_ACCEPT_LANGUAGE=ui
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("ui", "involvement", "entity"),
    [("en", "Written by a person", "Entity"), ("zh-hans", "人工撰写", "实体")],
)
def test_a_translator_reads_the_english_lists_as_lists_and_tables(client, ui, involvement, entity):
    html = english_view(client, ui)

    assert "[&#x27;" not in html and "{&#x27;" not in html
    bullets = "<li>One bullet</li><li>Another &lt;b&gt;bullet&lt;/b&gt;</li>"
    assert f'<ul class="cms-read-list">{bullets}</ul>' in html
    table = re.search(r'<table class="cms-read-rows">(.*?)</table>', html, re.S).group(1)
    assert f"<th>{entity}</th>" in table
    assert "<td>Lab robot</td><td>Towels per hour</td><td>12</td>" in table
    assert '<div class="cms-read-markdown"><p>It <strong>works</strong>.</p></div>' in html
    assert involvement in html
    assert ">human<" not in html


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_view_only_page_shows_no_action_boxes_and_no_none(client, ui):
    html = english_view(client, ui)

    assert "field-ai_involvement_reason" not in html
    assert "field-mark_reviewed" not in html
    assert "Ai involvement reason" not in html
    assert not re.search(r'<div class="readonly">\s*None\s*</div>', html)
    # An empty list reads as the admin's dash.
    assert re.search(r'field-faq.*?<div class="readonly">-</div>', html, re.S)
