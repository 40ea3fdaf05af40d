"""Text no feed can carry (cms/core/text.py), pasted in a real browser by a Writer and by a
Translator, in both UI languages: the save is refused with an error naming the character and
where it is, in the admin's language, and every word typed (the pasted character too) is
still in the form to fix."""

import pytest

from cms.models import Story
from tests.admin.test_browser import gone
from tests.admin.test_browser_drafts import PASTE, writer_account
from tests.admin.test_browser_translating import (  # noqa: F401  (fixtures)
    ENGLISH,
    browsers,
    chromium,
    person,
    translator_account,
    value,
)
from tests.factories import make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The error, as each UI language words it: the character's code and its position.
NAMED = {
    "en": "Contains the character {code} at position {position},",
    "zh-hans": "第 {position} 个字符是 {code}，",
}
NAMED_IN_ROW = {
    "en": "{row} contains the character {code} at position {position},",
    "zh-hans": "{row} 的第 {position} 个字符是 {code}，",
}
# The autosave's own refusal of such a draft, shown in the status line.
NOT_KEPT = {"en": "The draft could not be kept", "zh-hans": "草稿未能暂存"}


def type_all(someone, texts):
    """Type plain texts; paste those holding a control character (keys cannot type one)."""
    for name, text in texts.items():
        if text.isprintable():
            someone.type(name, text)
        else:
            someone.driver.execute_script(PASTE, someone.find(f'[name="{name}"]'), text)


def save_refused(someone):
    """Press "Save and continue editing"; the page comes back refused, without a server
    error or a script error (the autosave's own 400 for the unfit draft aside)."""
    page = someone.find("html")
    button = someone.find('input[name="_continue"]')
    someone.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    someone.wait.until(lambda _driver: gone(page))
    someone.visible("body")
    assert not someone.driver.title.startswith("Server Error")
    errors = [
        entry["message"]
        for entry in someone.driver.get_log("browser")
        if entry["level"] == "SEVERE" and "/autosave/" not in entry["message"]
    ]
    assert not errors, errors
    assert someone.find(".errornote")


def errors_of(someone, field):
    return someone.find(f".field-{field} .errorlist").text


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_writer_s_pasted_vertical_tab_is_refused_by_name_and_place_and_nothing_is_lost(
    browsers,  # noqa: F811
    live_server,
    ui,
):
    writer_account()
    someone = person(browsers(), live_server, "writer", ui)
    someone.open("/admin/cms/story/add/?language=en")
    typed = {
        "title": "Robots fold towels",
        "slug": "robots-fold-towels",
        # A line break pasted from Word: a vertical tab, the 10th character.
        "summary": "Line one.\x0bLine two.",
        "analysis": "Cloth changes shape as it moves.",
        "tldr-0-text": "Twelve towels an hour.",
    }
    type_all(someone, typed)
    save_refused(someone)

    expected = NAMED[ui].format(code="U+000B", position=10)
    assert expected in errors_of(someone, "summary")
    for name, text in typed.items():
        assert value(someone, name) == text, name
    assert not Story.objects.exists()
    # Typing on, the autosave cannot keep such text either, and says so in the status line.
    someone.find('[name="title"]').send_keys("!")
    someone.wait.until(lambda _d: NOT_KEPT[ui] in someone.find("#cms-autosave-status").text)

    # Replacing the character with a space is all it takes (the autosave's refusal, read
    # from the console, is not the next page's error).
    someone.driver.get_log("browser")
    someone.driver.execute_script(PASTE, someone.find('[name="summary"]'), "Line one. Line two.")
    someone.type("title", typed["title"])
    someone.submit(someone.find('input[name="_continue"]'))
    story = Story.objects.language("en").get(slug="robots-fold-towels")
    assert story.summary == "Line one. Line two."


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_translator_s_pasted_form_feed_in_a_bullet_is_refused_and_nothing_is_lost(
    browsers,  # noqa: F811
    live_server,
    ui,
):
    translator_account()
    story = make_story(
        "robots-fold", languages=("en",), status=Story.Status.DRAFT, hours_ago=None, **ENGLISH
    )
    someone = person(browsers(), live_server, "translator", ui)
    someone.open(f"/admin/cms/story/{story.pk}/change/?language=zh-hans")
    typed = {
        "title": "机器人学会叠衣服",
        "summary": "实验室展示了一台叠毛巾的机器人。",
        "analysis": "布料会随动作改变形状。",
        "tldr-0-text": "每小时十二条毛巾。",
        # The second bullet holds a form feed, its 4th character.
        "tldr-1-text": "下一步\x0c是叠衬衫。",
    }
    someone.find(".field-tldr .cms-rows-add").click()
    type_all(someone, typed)
    save_refused(someone)

    expected = NAMED_IN_ROW[ui].format(row="2", code="U+000C", position=4)
    assert expected in errors_of(someone, "tldr")
    for name, text in typed.items():
        assert value(someone, name) == text, name
    story.refresh_from_db()
    assert "zh-hans" not in story.get_available_languages()
