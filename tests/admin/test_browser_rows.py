"""Lists edited as lists in the browser: add, move (keys, buttons, drag) and remove rows."""

import pytest

from cms.models import Story
from tests.admin.test_browser import PASSWORD, Editor
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BULLETS = ["first", "second", "third", "fourth"]
DRAG = """
const [from, to] = arguments;
const data = new DataTransfer();
from.dispatchEvent(new MouseEvent('mousedown', {bubbles: true}));
from.closest('tr').dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: data}));
const box = to.getBoundingClientRect();
to.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: data,
    clientY: box.top + 1}));
to.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: data}));
from.closest('tr').dispatchEvent(new DragEvent('dragend', {bubbles: true, dataTransfer: data}));
"""


def shown(editor):
    """The TL;DR rows' texts in page order."""
    return [box.get_attribute("value") for box in editor.find_all(".field-tldr tbody tr textarea")]


def test_a_writer_adds_moves_and_removes_rows_without_typing_numbers(browser, live_server):
    from selenium.webdriver.common.keys import Keys

    writer = make_user("writer", "Writer")
    writer.set_password(PASSWORD)
    writer.save()
    editor = Editor(browser, live_server.url)
    editor.log_in("writer")
    editor.open("/admin/cms/story/add/?language=en")
    # One empty row to start with, no order numbers to type anywhere.
    assert len(editor.find_all(".field-tldr tbody tr")) == 1
    assert not editor.find_all('.cms-rows input[type="number"]')
    editor.fill_rows("tldr", [{"text": text} for text in BULLETS])
    assert shown(editor) == BULLETS

    # Alt+↑ while typing in the fourth row moves it above the third; focus stays.
    box = editor.find('[name="tldr-3-text"]')
    box.send_keys(Keys.ALT, Keys.ARROW_UP)
    assert shown(editor) == ["first", "second", "fourth", "third"]
    assert browser.switch_to.active_element == box
    # The first row's "move down" button.
    editor.find(".field-tldr tbody tr:first-child .cms-rows-down").click()
    assert shown(editor) == ["second", "first", "fourth", "third"]
    # Dragging the last row by its handle onto the first.
    rows = editor.find_all(".field-tldr tbody tr")
    handle = rows[-1].find_element(editor.by.CSS_SELECTOR, ".cms-rows-grip")
    browser.execute_script(DRAG, handle, rows[0])
    assert shown(editor) == ["third", "second", "first", "fourth"]
    # Removing one, and an empty row added but never typed into.
    editor.find(".field-tldr tbody tr:nth-child(2) .cms-rows-remove").click()
    editor.find(".field-tldr .cms-rows-add").click()
    assert shown(editor) == ["third", "first", "fourth", ""]

    # A refused save (no title) shows the rows as arranged; the next save stores them.
    editor.type("summary", "A summary.")
    editor.type("slug", "rows")
    editor.follow(editor.find('input[name="_continue"]'))
    assert editor.find_all(".errornote")
    assert shown(editor) == ["third", "first", "fourth"]
    editor.type("title", "Rows")
    editor.submit(editor.find('input[name="_continue"]'))
    assert Story.objects.language("en").get(slug="rows").tldr == ["third", "first", "fourth"]
