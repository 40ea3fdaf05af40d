"""What the original changed since a translation: from the history, word and row wise."""

import pytest

from cms.models import Story
from cms.stories import revisions
from cms.stories.source_changes import RowChange, rows_diff, source_then, text_diff
from tests.factories import make_story

KEYS = ("entity", "detail", "metric")


def test_text_changes_word_by_word_in_english_and_character_by_character_in_chinese():
    assert text_diff("Robots fold towels", "Robots fold shirts") == [
        ("same", "Robots fold "),
        ("removed", "towels"),
        ("added", "shirts"),
    ]
    assert text_diff("机器人叠毛巾", "机器人叠衬衫") == [
        ("same", "机器人叠"),
        ("removed", "毛巾"),
        ("added", "衬衫"),
    ]
    assert text_diff("same", "same") == []


def test_lists_change_row_by_row():
    old = [{"entity": "Lab", "detail": "Towels", "metric": "12"}, {"entity": "Gone"}]
    new = [
        {"entity": "Lab", "detail": "Towels", "metric": "13"},
        {"entity": "New", "detail": "Shirts", "metric": "2"},
        {"entity": "Gone"},
    ]
    changes = rows_diff(old, new, KEYS)
    assert [change.kind for change in changes] == ["changed", "added", "same"]
    assert changes[0].cells[2] == [("removed", "12"), ("added", "13")]
    assert changes[1] == RowChange("added", ["New", "Shirts", "2"])
    assert rows_diff(["a", "b"], ["b"], ("text",)) == [
        RowChange("removed", ["a"]),
        RowChange("same", ["b"]),
    ]
    assert rows_diff(new, new, KEYS) == []


def save_language(story, language, **values):
    with revisions.recorded():
        story = Story.objects.get(pk=story.pk)
        story.set_current_language(language)
        for name, value in values.items():
            setattr(story, name, value)
        story.save()


@pytest.mark.django_db
def test_the_original_as_the_translator_last_saw_it_comes_from_the_story_s_history():
    story = make_story("s", tldr_en=["One"], status=Story.Status.DRAFT, hours_ago=None)
    save_language(story, "en", title="First English")
    save_language(story, "zh-hans", title="第一版中文")
    save_language(story, "en", title="Second English", tldr=["One", "Two"])
    save_language(story, "en", title="Third English")

    then = source_then(story, "zh-hans")

    assert then.values["title"] == "First English"
    assert then.values["tldr"] == ["One"]
    assert source_then(story, "en") is None


@pytest.mark.django_db
def test_a_translation_saved_outside_the_history_has_no_earlier_original():
    story = make_story("s", status=Story.Status.DRAFT, hours_ago=None)
    assert source_then(story, "zh-hans") is None


def test_a_long_text_rewritten_throughout_is_shown_removed_and_added_whole():
    old = " ".join(["alpha beta gamma"] * 3000)
    new = " ".join(["delta model data"] * 3000)
    assert text_diff(old, new) == [("removed", old), ("added", new)]


def test_only_the_changed_lines_of_a_long_text_are_compared_word_by_word():
    lines = [f"Paragraph {n} says the same." for n in range(500)]
    old, new = "\n".join(lines), "\n".join([*lines[:250], "Paragraph 250 says more.", *lines[251:]])
    runs = text_diff(old, new)
    assert [kind for kind, _text in runs] == ["same", "removed", "added", "same"]
    assert runs[1:3] == [("removed", "the same"), ("added", "more")]
