"""A translator at work in a real browser (the browser test's Chromium), in both UI languages:
the original beside each field, copying from it, a refused save that keeps every word, an
autosaved draft offered back after the browser was closed, and the unsaved-changes warning."""

import pytest
from django.conf import settings

from cms.models import Autosave, Story
from tests.admin.test_browser import (  # noqa: F401  (fixtures)
    CHROMEDRIVER,
    PASSWORD,
    WINDOW,
    Editor,
    chromium,
    fit_page,
)
from tests.factories import make_story, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGLISH = {
    "title_en": "Robots learn to fold laundry",
    "summary_en": "A lab shows a robot that folds towels faster than a person.",
    "tldr_en": ["A robot folds towels at twelve per hour.", "Shirts are next."],
    "key_data_en": [{"entity": "Lab robot", "detail": "Towels folded per hour", "metric": "12"}],
    "analysis_en": "Folding cloth is **hard** for robots.",
}
WORDS = {
    "en": {
        "copy": "Copy from English",
        "kept": "Draft kept at",
        "restore": "Restore the version from",
        "leave": "unsaved changes",
        "here": "also has this story open",
        "required": "This field is required.",
    },
    "zh-hans": {
        "copy": "从英语复制",
        "kept": "草稿已于",
        "restore": "恢复",
        "leave": "未保存的修改",
        "here": "也打开了这篇报道",
        "required": "这个字段是必填项。",
    },
}


# Whether the page asks the browser to confirm leaving it (a beforeunload handler cancels).
LEAVING = """
const event = new Event("beforeunload", {cancelable: true});
window.dispatchEvent(event);
return event.defaultPrevented;
"""


@pytest.fixture
def browsers(chromium, monkeypatch):  # noqa: F811
    """Start Chromium sessions as needed (a second one is the same person coming back after
    closing the browser); all are closed at the end."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    monkeypatch.setenv("SE_OFFLINE", "true")
    monkeypatch.setenv("SE_AVOID_STATS", "true")
    started = []

    def start():
        options = webdriver.ChromeOptions()
        options.binary_location = chromium[0]
        for argument in (
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            "--lang=en-US",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
        ):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        fit_page(driver)
        driver.set_page_load_timeout(30)
        started.append(driver)
        return driver

    yield start
    for driver in started:
        if not getattr(driver, "closed_by_test", False):
            driver.quit()


def close(driver):
    """Close the browser as its user would, without saving anything."""
    driver.quit()
    driver.closed_by_test = True


def person(driver, live_server, username, ui):
    """Someone logged in to the admin in `driver`, the admin in language `ui`."""
    someone = Editor(driver, live_server.url)
    someone.log_in(username)
    driver.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": ui, "path": "/"})
    return someone


def translator_account(username="translator"):
    user = make_user(username, "Translator", languages=["zh-hans"])
    user.set_password(PASSWORD)
    user.save()
    return user


def value(someone, name):
    return someone.find(f'[name="{name}"]').get_attribute("value")


def source(someone, field):
    return someone.find(f'.cms-source[data-field="{field}"]')


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_translator_copies_from_the_original_and_a_refused_save_keeps_every_word(
    browsers, live_server, ui
):
    words = WORDS[ui]
    translator_account()
    story = make_story(
        "robots-fold", languages=("en",), status=Story.Status.DRAFT, hours_ago=None, **ENGLISH
    )
    someone = person(browsers(), live_server, "translator", ui)
    someone.open(f"/admin/cms/story/{story.pk}/change/?language=zh-hans")

    # The English beside each field, rendered: bullets as a list, Key Data as a table.
    assert ENGLISH["title_en"] in source(someone, "title").text
    bullets = source(someone, "tldr").find_elements(someone.by.CSS_SELECTOR, "li")
    assert [b.text for b in bullets] == ENGLISH["tldr_en"]
    cells = source(someone, "key_data").find_elements(someone.by.CSS_SELECTOR, "tbody td")
    assert [c.text for c in cells] == ["Lab robot", "Towels folded per hour", "12"]
    assert source(someone, "analysis").find_element(someone.by.CSS_SELECTOR, "strong").text == (
        "hard"
    )
    title_box = someone.find('[name="title"]')
    # Side by side: the original is right of the field, on the same line.
    assert source(someone, "title").location["x"] > title_box.location["x"] + 300
    someone.screenshot(f"translating-side-by-side-{ui}")

    # Copy: the lists come over row by row; Undo puts back what was there.
    for field in ("tldr", "key_data", "title"):
        button = source(someone, field).find_element(someone.by.CSS_SELECTOR, ".cms-copy")
        assert button.text == words["copy"]
        someone.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
        button.click()
    assert [value(someone, f"tldr-{i}-text") for i in range(2)] == ENGLISH["tldr_en"]
    assert [value(someone, f"key_data-0-{key}") for key in ("entity", "detail", "metric")] == [
        "Lab robot",
        "Towels folded per hour",
        "12",
    ]
    assert value(someone, "title") == ENGLISH["title_en"]
    source(someone, "title").find_element(someone.by.CSS_SELECTOR, ".cms-copy-undo").click()
    assert value(someone, "title") == ""

    # Translate over the copies, then save with the title left empty: refused, nothing lost.
    typed = {
        "summary": "实验室展示了一台叠毛巾比人还快的机器人。",
        "tldr-0-text": "机器人每小时叠十二条毛巾。",
        "tldr-1-text": "下一步是叠衬衫。",
        "key_data-0-entity": "实验室机器人",
        "analysis": "布料会随动作改变形状。",
    }
    for name, text in typed.items():
        someone.type(name, text)
    someone.follow(someone.find('input[name="_continue"]'))
    assert words["required"] in someone.find(".errorlist").text
    for name, text in {**typed, "key_data-0-detail": "Towels folded per hour"}.items():
        assert value(someone, name) == text, name
    assert value(someone, "title") == ""
    # The original is still beside the fields after the refusal.
    assert ENGLISH["title_en"] in source(someone, "title").text

    someone.type("title", "机器人学会叠衣服")
    someone.submit(someone.find('input[name="_continue"]'))
    story.refresh_from_db()
    story.set_current_language("zh-hans")
    assert story.title == "机器人学会叠衣服"
    assert story.tldr == ["机器人每小时叠十二条毛巾。", "下一步是叠衬衫。"]
    assert story.key_data == [
        {"entity": "实验室机器人", "detail": "Towels folded per hour", "metric": "12"}
    ]


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_translator_s_draft_survives_a_closed_browser_and_leaving_asks_first(
    browsers, live_server, django_user_model, ui
):
    words = WORDS[ui]
    translator_account()
    django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    story = make_story(
        "robots-fold", languages=("en",), status=Story.Status.DRAFT, hours_ago=None, **ENGLISH
    )
    form = f"/admin/cms/story/{story.pk}/change/?language=zh-hans"

    # Typing is kept as a draft within seconds, before any save.
    first = browsers()
    someone = person(first, live_server, "translator", ui)
    someone.open(form)
    someone.type("title", "机器人学会叠衣服")
    someone.type("tldr-0-text", "机器人每小时叠十二条毛巾。")
    someone.wait.until(lambda _d: words["kept"] in someone.find("#cms-autosave-status").text)

    # Someone else opening the story is told the translator has it open.
    editor = person(browsers(), live_server, "editor", ui)
    editor.open(f"/admin/cms/story/{story.pk}/change/?language=en")
    editor.wait.until(lambda _d: words["here"] in editor.find("#cms-presence").text)
    assert "translator" in editor.find("#cms-presence").text
    close(editor.driver)

    # The browser is closed without saving; the translator comes back in a new one.
    close(first)
    assert Autosave.objects.filter(story=story, language="zh-hans").exists()
    again = person(browsers(), live_server, "translator", ui)
    again.open(form)
    offer = again.visible("#cms-autosave-offer")
    assert words["restore"] in offer.text
    assert value(again, "title") == ""
    again.screenshot(f"autosave-offer-{ui}")
    again.find("#cms-autosave-offer .cms-autosave-restore").click()
    assert value(again, "title") == "机器人学会叠衣服"
    assert value(again, "tldr-0-text") == "机器人每小时叠十二条毛巾。"
    assert not offer.is_displayed()

    # Switching to the English tab with unsaved changes asks first; staying keeps the text.
    tab = again.find('.parler-language-tabs a[href*="language=en"]')
    tab.click()
    alert = again.wait.until(again.until.alert_is_present())
    assert words["leave"] in alert.text
    alert.dismiss()
    assert "language=zh-hans" in again.driver.current_url
    assert value(again, "title") == "机器人学会叠衣服"

    # Leaving the page another way asks too: the page asks the browser to put its own
    # question (ChromeDriver answers that one by itself, so the request is what is checked).
    assert again.driver.execute_script(LEAVING)

    # Saving takes the text and clears the draft; nothing is offered back afterwards, and
    # nothing is left to ask about.
    again.submit(again.find('input[name="_continue"]'))
    assert not again.driver.execute_script(LEAVING)
    story.refresh_from_db()
    story.set_current_language("zh-hans")
    assert story.title == "机器人学会叠衣服"
    # Only the save's mark is left, holding no text.
    assert not Autosave.objects.filter(story=story).exclude(data={}).exists()
    again.open(form)
    assert not again.find_all("#cms-autosave-offer")
