"""Drafts in a real browser: two "Add story" tabs keep two drafts, a refused save in either
loses nothing, and a long analysis typed just before the tab is left is still kept."""

import time

import pytest

from cms.models import Autosave, Story
from tests.admin.test_browser import WAIT_SECONDS
from tests.admin.test_browser_translating import (  # noqa: F401  (fixtures)
    WORDS,
    browsers,
    chromium,
    person,
    value,
)
from tests.factories import make_story, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABS = {
    "one": {
        "title": "Robots fold towels",
        "summary": "A lab robot folds twelve towels an hour.",
        "analysis": "Cloth changes shape as it moves.",
        "tldr-0-text": "Twelve towels an hour.",
    },
    "two": {
        "title": "机器人学会叠衣服",
        "summary": "实验室展示了一台叠毛巾的机器人。",
        "analysis": "布料会随动作改变形状。",
        "tldr-0-text": "每小时十二条毛巾。",
    },
}
# Set a field's text as typing (or pasting) would, for texts too long to type key by key.
PASTE = """
const [field, text] = arguments;
field.value = text;
field.dispatchEvent(new Event("input", {bubbles: true}));
"""


def writer_account():
    from tests.admin.test_browser import PASSWORD

    user = make_user("writer", "Writer")
    user.set_password(PASSWORD)
    user.save()
    return user


def wait_until(check, seconds=WAIT_SECONDS):
    """Poll the database until `check()` holds (drafts arrive in the background)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.2)


def kept(someone, words):
    someone.wait.until(lambda _d: words["kept"] in someone.find("#cms-autosave-status").text)


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_two_add_story_tabs_keep_two_drafts_and_a_refused_save_in_each_loses_nothing(
    browsers,  # noqa: F811
    live_server,
    ui,
):
    words = WORDS[ui]
    writer_account()
    driver = browsers()
    someone = person(driver, live_server, "writer", ui)
    handles = {}
    for tab, texts in TABS.items():
        if handles:
            driver.switch_to.new_window("tab")
        handles[tab] = driver.current_window_handle
        someone.open("/admin/cms/story/add/?language=en")
        for name, text in texts.items():
            someone.type(name, text)
        # A slug with a space: the save is refused.
        someone.type("slug", "not a slug")
        kept(someone, words)

    # Both drafts are kept, each under its own tab's key.
    drafts = {d.data["title"]: d for d in Autosave.objects.filter(story=None)}
    assert set(drafts) == {TABS["one"]["title"], TABS["two"]["title"]}
    assert len({d.form_key for d in drafts.values()}) == 2

    for tab, texts in TABS.items():
        driver.switch_to.window(handles[tab])
        someone.follow(someone.find('input[name="_continue"]'))
        assert someone.find(".errornote") and someone.find(".field-slug .errorlist").text
        for name, text in texts.items():
            assert value(someone, name) == text, name
        assert value(someone, "slug") == "not a slug"
        # The page goes on under its own key: typing more updates its own draft only.
        someone.type("summary", texts["summary"] + " +")
        kept(someone, words)
    wait_until(
        lambda: Autosave.objects.filter(story=None, data__summary__endswith=" +").count() == 2
    )
    assert not Story.objects.exists()

    # A fresh Add page offers both; restoring one brings back that tab's text.
    driver.switch_to.window(handles["one"])
    someone.open("/admin/cms/story/add/?language=en")
    offer = someone.visible("#cms-autosave-offer")
    assert TABS["one"]["title"] in offer.text and TABS["two"]["title"] in offer.text
    someone.screenshot(f"autosave-new-stories-{ui}", scroll_to="#cms-autosave-offer")
    button = next(
        b for b in someone.find_all(".cms-autosave-restore") if TABS["two"]["title"] in b.text
    )
    button.click()
    for name, text in TABS["two"].items():
        expected = text + " +" if name == "summary" else text
        assert value(someone, name) == expected, name

    # Saving it adds the story and clears that draft only; the other tab's stays.
    someone.type("slug", "robots-fold-clothes")
    someone.submit(someone.find('input[name="_continue"]'))
    assert Story.objects.get().slug == "robots-fold-clothes"
    left = Autosave.objects.filter(story=None).exclude(data={})
    assert [d.data["title"] for d in left] == [TABS["one"]["title"]]


LONG = "Cloth changes shape as it moves. " * 1500 + "布料会随动作改变形状。" * 2000  # ~113 KB


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_long_analysis_typed_just_before_leaving_is_kept(browsers, live_server, ui):  # noqa: F811
    words = WORDS[ui]
    writer_account()
    story = make_story("long-read", languages=("en",), status=Story.Status.DRAFT, hours_ago=None)
    driver = browsers()
    someone = person(driver, live_server, "writer", ui)
    someone.open(f"/admin/cms/story/{story.pk}/change/?language=en")
    analysis = someone.find('[name="analysis"]')
    driver.execute_script(PASTE, analysis, LONG)
    kept(someone, words)
    wait_until(lambda: Autosave.objects.filter(story=story, data__analysis=LONG).exists())
    assert len(LONG.encode()) > 64 * 1024

    # A line added at the end is kept like any change.
    status = someone.find("#cms-autosave-status")
    longer = LONG + "\n\nThe last line, typed at the end."
    driver.execute_script(PASTE, analysis, longer)
    wait_until(lambda: Autosave.objects.get(story=story).data["analysis"] == longer)

    # Just after a draft was kept (the next is seconds away), the writer adds words in the
    # middle and leaves at once: the last post, sent as the page goes, must carry them.
    driver.execute_script("arguments[0].textContent = '';", status)
    someone.type("title", "A long read")
    someone.wait.until(lambda _d: status.text)
    middle = len("Cloth changes shape as it moves. " * 700)
    typed = longer[:middle] + "NEW WORDS 新的词 " + longer[middle:]
    driver.execute_script(PASTE, analysis, typed)
    driver.get(live_server.url + "/admin/")
    wait_until(lambda: Autosave.objects.get(story=story).data["analysis"] == typed)
    assert Autosave.objects.get(story=story).data["title"] == "A long read"
