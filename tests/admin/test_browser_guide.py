"""The editors' guide walked in a real browser, each step by the role that takes it.

A Writer writes the English story (and picks its lead image), a Translator writes the
Chinese, an Editor reviews, a Publisher schedules and publishes; readers' GraphQL then has
both languages. At every step one save is refused first (a missing field, an edit
conflict, a step without its publish time) and everything typed must come back. In both
UI languages; each step is photographed at 1280×800 and 1920×1080 for the guide
(`make screenshots` writes them to docs/editors-guide/).
"""

import os
import shutil
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from cms.models import Story
from tests.admin.test_browser import (
    ARTIFACTS,
    CHINESE,
    DOCS_SCREENSHOTS,
    ENGLISH,
    PASSWORD,
    SLUG,
    Editor,
    read_story,
)
from tests.adminforms import open_form
from tests.factories import make_user
from tests.media_factories import make_image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = ((1280, 800), (1920, 1080))


class Person(Editor):
    """One member of the newsroom at the browser, in the admin's language `ui`."""

    def __init__(self, driver, base_url, ui):
        super().__init__(driver, base_url)
        self.ui = ui

    def size(self, width, height):
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def shoot(self, name, scroll_to=None):
        """The page at a laptop's and a wide screen's size, for the guide."""
        for width, height in SIZES:
            self.size(width, height)
            if scroll_to is None:
                self.driver.execute_script("window.scrollTo(0, 0);")
            else:
                self.driver.execute_script(
                    "arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -60);",
                    self.find(scroll_to),
                )
            self.driver.execute_async_script("document.fonts.ready.then(arguments[0]);")
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            path = ARTIFACTS / f"roles-{self.ui}-{name}-{width}.png"
            self.driver.save_screenshot(str(path))
            if os.environ.get("BROWSER_SCREENSHOTS_FOR_DOCS") == "1":
                DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
        self.size(*SIZES[0])

    def log_in_as(self, username):
        self.driver.delete_all_cookies()
        self.open("/admin/login/")
        self.driver.add_cookie(
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": self.ui, "path": "/"}
        )
        self.open("/admin/login/")
        assert self.find("html").get_attribute("lang") == self.ui
        self.type("username", username)
        self.type("password", PASSWORD)
        self.submit(self.find('#login-form [type="submit"]'))

    def refused(self, button):
        """Press `button`; the save must be refused, and the page must say why."""
        self.follow(button)
        problems = [e.text for e in self.find_all(".errornote, .errorlist") if e.text.strip()]
        assert problems, "the save was not refused"
        return problems

    def save(self):
        self.submit(self.find('input[name="_continue"]'))

    def step(self, name):
        self.submit(self.find(f'button[name="_workflow"][value="{name}"]'))


def typed(texts):
    """The names and values `fill_language_tab` types, for the check after a refusal."""
    values = {"summary": texts["summary"], "analysis": texts["analysis"]}
    for position, bullet in enumerate(texts["tldr"]):
        values[f"tldr-{position}-text"] = bullet
    for field in ("key_data", "faq"):
        for position, row in enumerate(texts[field]):
            values.update({f"{field}-{position}-{key}": v for key, v in row.items()})
    return values


def above_the_fold(person, selectors, height):
    for selector in selectors:
        box = person.find(selector).rect
        assert box["y"] + box["height"] <= height, f"{selector} is below the fold"


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_the_newsroom_walks_the_guide_role_by_role(browser, live_server, contract, ui):
    for username, role, languages in (
        ("writer", "Writer", ()),
        ("translator", "Translator", ("zh-hans",)),
        ("editor", "Editor", ()),
        ("publisher", "Publisher", ()),
    ):
        user = make_user(username, role, languages=languages)
        user.set_password(PASSWORD)
        user.save()
    image = make_image(alt_en="A robot folding a towel", alt_zh_hans="机器人在叠毛巾")
    person = Person(browser, live_server.url, ui)

    # 1. The Writer starts from the dashboard's "New story".
    person.log_in_as("writer")
    person.size(*SIZES[0])
    above_the_fold(
        person,
        [
            "#new-story",
            "#attention-mine caption",
            "#attention-awaiting caption",
            "#attention-scheduled caption",
        ],
        SIZES[0][1],
    )
    person.shoot("01-writer-dashboard")
    person.follow(person.find("#new-story"))
    # Everything but the title: the save is refused, and nothing typed is lost.
    person.fill_language_tab(ENGLISH, title=False)
    person.type("slug", SLUG)
    person.refused(person.find('input[name="_continue"]'))
    assert person.values(typed(ENGLISH)) == typed(ENGLISH)
    assert person.values(["slug"]) == {"slug": SLUG}
    person.shoot("02-writer-refused", scroll_to=".errornote")
    person.type("title", ENGLISH["title"])
    person.shoot("03-writer-lists", scroll_to=".field-tldr")
    person.save()
    # The lead image, picked from the library (its upload is walked in test_browser_roles).
    pick_lead_image(person, image)
    person.save()
    assert Story.objects.get(slug=SLUG).image_id == image.pk
    person.step("submit")

    # 2. The Translator writes the Chinese; someone else's save of it comes first.
    person.log_in_as("translator")
    story = Story.objects.get(slug=SLUG)
    person.open(f"/admin/cms/story/{story.pk}/change/?language=zh-hans")
    person.fill_language_tab(CHINESE)
    other = Client()
    other.force_login(make_user("other", superuser=True))
    url = f"/admin/cms/story/{story.pk}/change/?language=zh-hans"
    data = open_form(other, url)
    data["title"] = "先到的标题"
    assert other.post(url, data).status_code == 302
    person.refused(person.find('input[name="_continue"]'))
    assert person.values(typed(CHINESE)) == typed(CHINESE)
    assert person.values(["title"]) == {"title": CHINESE["title"]}
    person.shoot("04-translator-conflict", scroll_to=".errornote")
    # As the refusal says: open the story again (now with their version), type again.
    person.open(url)
    person.type("title", CHINESE["title"])
    person.type("summary", CHINESE["summary"])
    person.type("analysis", CHINESE["analysis"])
    for field in ("key_data", "faq"):
        person.fill_rows(field, CHINESE[field])
    person.fill_rows("tldr", [{"text": bullet} for bullet in CHINESE["tldr"]])
    person.shoot("05-translator-chinese")
    person.save()
    chinese = Story.objects.language("zh-hans").get(pk=story.pk)
    assert chinese.title == CHINESE["title"]

    # 3. The Editor finds it awaiting review, reviews both languages' text.
    person.log_in_as("editor")
    # Listed by its title in the admin's language.
    shown = CHINESE if ui == "zh-hans" else ENGLISH
    assert shown["title"] in person.find("#attention-awaiting").text
    person.shoot("06-editor-dashboard")
    person.follow(person.find("#attention-awaiting a[href*='/change/']"))
    for language in ("en", "zh-hans"):
        person.open(f"/admin/cms/story/{story.pk}/change/?language={language}")
        title = person.values(["title"])["title"]
        person.type("title", "")
        person.find('input[name="mark_reviewed"]').click()
        person.refused(person.find('input[name="_continue"]'))
        assert person.values(["title"]) == {"title": ""}
        assert person.find('input[name="mark_reviewed"]').is_selected()
        person.type("title", title)
        person.shoot(f"07-editor-review-{language}", scroll_to=".field-title")
        person.save()

    # 4. The Publisher schedules it (refused first: no time given), then publishes.
    person.log_in_as("publisher")
    person.open(f"/admin/cms/story/{story.pk}/change/?language=en")
    person.type("published_at_0", "")
    person.type("published_at_1", "")
    person.refused(person.find('button[name="_workflow"][value="schedule"]'))
    assert person.values(["title", "summary"]) == {
        "title": ENGLISH["title"],
        "summary": ENGLISH["summary"],
    }
    later = timezone.localtime() + timedelta(hours=1)
    person.type("published_at_0", later.strftime("%Y-%m-%d"))
    person.type("published_at_1", later.strftime("%H:%M:%S"))
    person.shoot("08-publisher-schedule", scroll_to=".workflow-row")
    person.step("schedule")
    assert Story.objects.get(pk=story.pk).state == "scheduled"
    person.open("/admin/")
    person.shoot("09-publisher-dashboard")
    person.open(f"/admin/cms/story/{story.pk}/change/?language=en")
    person.step("publish")
    person.open("/admin/cms/story/")
    person.shoot("10-published-list")

    # Readers have both languages, as typed.
    for language, texts in (("en", ENGLISH), ("zh-hans", CHINESE)):
        read = read_story(live_server.url, contract, language)
        assert read["title"] == texts["title"]
        assert read["summary"] == texts["summary"]
        assert read["tldr"] == texts["tldr"]
        assert read["keyData"] == texts["key_data"]
        assert read["faq"] == texts["faq"]


def pick_lead_image(person, image):
    """Choose the lead image in its autocomplete box."""
    from selenium.common.exceptions import StaleElementReferenceException

    select = person.find("#id_image")
    box = select.find_element(
        person.by.XPATH, "following-sibling::span[contains(@class, 'select2')]"
    )
    person.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    box.find_element(person.by.CSS_SELECTOR, ".select2-selection").click()
    person.visible(".select2-container--open .select2-search__field").send_keys("robot")
    option = (
        "//li[contains(@class, 'select2-results__option')]"
        "[contains(., 'robot') or contains(., '机器人')]"
    )

    def choose(driver):
        # The list is drawn again as its results arrive; an option found before may be gone.
        try:
            found = driver.find_elements(person.by.XPATH, option)
            if found:
                found[0].click()
                return True
        except StaleElementReferenceException:
            pass
        return False

    person.wait.until(choose)
    person.wait.until(lambda _driver: select.get_attribute("value") == str(image.pk))
