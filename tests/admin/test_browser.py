"""The editor flow in a real browser: write, translate, tag, preview, publish, read back.

Screenshots of each step go to $BROWSER_ARTIFACTS (default var/browser-artifacts/), with
the last page, its HTML and the browser console kept there when a step fails. With
BROWSER_SCREENSHOTS_FOR_DOCS=1 (`make screenshots`) they also replace the editor's guide's
images in docs/editors-guide/.
"""

import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from cms.models import Story
from tests.conftest import without_cost
from tests.counting.support import flush_counts
from tests.factories import make_story, make_tag

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INSTALL_SCRIPT = Path(__file__).resolve().parents[1] / "browser" / "install-chromium"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WINDOW = (1280, 900)
WAIT_SECONDS = 15
ARTIFACTS = Path(
    os.environ.get("BROWSER_ARTIFACTS") or Path(settings.BASE_DIR) / "var" / "browser-artifacts"
)
DOCS_SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "editors-guide"
PASSWORD = "correct horse battery staple"

ENGLISH = {
    "title": "Robots learn to fold laundry",
    "summary": "A lab shows a robot that folds towels faster than a person.",
    "analysis": "Folding cloth is **hard** for robots: it changes shape as it moves.",
    "tldr": ["A robot folds towels at twelve per hour.", "Shirts are next."],
    "key_data": [{"entity": "Lab robot", "detail": "Towels folded per hour", "metric": "12"}],
    "faq": [{"question": "Does it fold shirts?", "answer": "Not yet."}],
}
CHINESE = {
    "title": "机器人学会叠衣服",
    "summary": "实验室展示了一台叠毛巾比人还快的机器人。",
    "analysis": "布料会随动作改变形状，所以叠衣服对机器人来说很**难**。",
    "tldr": ["机器人每小时叠十二条毛巾。", "下一步是叠衬衫。"],
    "key_data": [{"entity": "实验室机器人", "detail": "每小时叠毛巾数", "metric": "12"}],
    "faq": [{"question": "它会叠衬衫吗？", "answer": "还不会。"}],
}
SLUG = "robots-learn-to-fold-laundry"
# slug, English name, Chinese name, and what the editor types into the tag box.
TAGS = [("robotics", "Robotics", "机器人", "robot"), ("research", "Research", "研究", "resea")]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium and chromedriver, installed by tests/browser/install-chromium."""
    try:
        result = subprocess.run([INSTALL_SCRIPT], capture_output=True, text=True, timeout=900)
        output = result.stderr.strip() or result.stdout.strip()
        problem = result.returncode and (output or f"exit status {result.returncode}")
    except (OSError, subprocess.TimeoutExpired) as error:
        problem = str(error)
    if problem:
        reason = f"Chromium for the browser test could not be installed: {problem}"
        # On CI a missing browser is a broken setup, not a test to leave out.
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM, CHROMEDRIVER


def fit_page(driver):
    """Give the page in the current window exactly WINDOW (the window's size has a frame)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WINDOW[0], "height": WINDOW[1], "deviceScaleFactor": 1, "mobile": False},
    )


@pytest.fixture
def browser(chromium, monkeypatch):
    """Headless Chromium showing pages at WINDOW; the last page is kept as an artifact."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    # Selenium Manager must never fetch a browser or driver: both are given explicitly.
    monkeypatch.setenv("SE_OFFLINE", "true")
    monkeypatch.setenv("SE_AVOID_STATS", "true")
    binary, driver_path = chromium
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--hide-scrollbars",
        "--lang=en-US",
        # No network beyond the test's own server: every page must work offline.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    # The admin speaks the browser's language: English, whatever the machine's locale.
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    fit_page(driver)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            driver.save_screenshot(str(ARTIFACTS / "last-page.png"))
            (ARTIFACTS / "last-page.html").write_text(driver.page_source, encoding="utf-8")
            (ARTIFACTS / "last-console.json").write_text(
                json.dumps(driver.get_log("browser"), indent=2), encoding="utf-8"
            )
        finally:
            driver.quit()


def gone(element):
    """Whether `element`'s page has been replaced. While the next page loads, Chromium may
    answer "Node with given id does not belong to the document" instead of a stale-element
    error: both mean the old page is gone."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise
    return False


class Editor:
    """A person at the admin in the browser, taking the steps of the editor's guide."""

    def __init__(self, driver, base_url):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = driver
        self.base_url = base_url
        self.by = By
        self.until = expected_conditions
        self.wait = WebDriverWait(driver, WAIT_SECONDS)

    def find(self, selector):
        return self.driver.find_element(self.by.CSS_SELECTOR, selector)

    def find_all(self, selector):
        return self.driver.find_elements(self.by.CSS_SELECTOR, selector)

    def visible(self, selector):
        return self.wait.until(
            self.until.visibility_of_element_located((self.by.CSS_SELECTOR, selector))
        )

    def link(self, text):
        return self.driver.find_element(self.by.LINK_TEXT, text)

    def page_is_sound(self):
        """The page loaded without a server error and ran without JavaScript errors."""
        self.visible("body")
        url = self.driver.current_url
        assert not self.driver.title.startswith("Server Error"), f"server error at {url}"
        # Reading the console empties it, so each page is checked for its own errors.
        errors = [
            entry["message"]
            for entry in self.driver.get_log("browser")
            if entry["level"] == "SEVERE" and "/favicon.ico" not in entry["message"]
        ]
        assert not errors, f"browser errors at {url}: {errors}"

    def open(self, path):
        self.driver.get(self.base_url + path)
        self.page_is_sound()

    def follow(self, element):
        """Click a link or a submit button and wait for the page it leads to."""
        page = self.find("html")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()
        self.wait.until(lambda _driver: gone(page))
        self.page_is_sound()

    def submit(self, button):
        """Press a submit button; the form must be taken, with no errors shown."""
        self.follow(button)
        problems = [e.text for e in self.find_all(".errornote, .errorlist") if e.text.strip()]
        assert not problems, problems

    def type(self, name, text):
        field = self.find(f'[name="{name}"]')
        field.clear()
        field.send_keys(text)

    def screenshot(self, name, scroll_to=None):
        """Keep what the editor sees now, as a test artifact (and for the guide if asked)."""
        if scroll_to is None:
            self.driver.execute_script("window.scrollTo(0, 0);")
        else:
            self.driver.execute_script(
                "arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -60);",
                self.find(scroll_to),
            )
        # Taken once the page's fonts (the CJK one too) are ready, not while text is blank.
        self.driver.execute_async_script("document.fonts.ready.then(arguments[0]);")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        if os.environ.get("BROWSER_SCREENSHOTS_FOR_DOCS") == "1":
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)

    def log_in(self, username):
        self.open("/admin/")
        self.visible("#login-form")
        self.type("username", username)
        self.type("password", PASSWORD)
        self.screenshot("01-login")
        self.submit(self.find('#login-form [type="submit"]'))
        assert self.driver.current_url == self.base_url + "/admin/"

    def fill_language_tab(self, texts, title=True):
        """The fields of one language tab; each list gets one row per entry ("Add row")."""
        if title:
            self.type("title", texts["title"])
        self.type("summary", texts["summary"])
        self.type("analysis", texts["analysis"])
        self.fill_rows("tldr", [{"text": bullet} for bullet in texts["tldr"]])
        for field in ("key_data", "faq"):
            self.fill_rows(field, texts[field])

    def fill_rows(self, field, rows):
        """Type `rows` into an empty list: its one empty row, then a new row for each other."""
        for position, row in enumerate(rows):
            if position:
                add = self.find(f".field-{field} .cms-rows-add")
                self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", add)
                add.click()
            for key, value in row.items():
                self.type(f"{field}-{position}-{key}", value)

    def values(self, names):
        """What the page's fields hold now, by name."""
        return {name: self.find(f'[name="{name}"]').get_attribute("value") for name in names}

    def pick_tag(self, row, search, name):
        """Choose a tag in an inline row by typing into its autocomplete box."""
        select = self.find(f"#id_tag_links-{row}-tag")
        box = select.find_element(
            self.by.XPATH, "following-sibling::span[contains(@class, 'select2')]"
        )
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
        box.find_element(self.by.CSS_SELECTOR, ".select2-selection").click()
        self.visible(".select2-container--open .select2-search__field").send_keys(search)
        self.wait.until(
            self.until.element_to_be_clickable(
                (
                    self.by.XPATH,
                    "//li[contains(@class, 'select2-results__option')]"
                    f"[normalize-space() = '{name}']",
                )
            )
        ).click()
        shown = box.find_element(self.by.CSS_SELECTOR, ".select2-selection__rendered")
        self.wait.until(lambda _driver: shown.text.endswith(name) and select.get_attribute("value"))
        self.type(f"tag_links-{row}-position", str(row))

    def check_preview(self, texts):
        """The preview shows the language's version as readers will see it, not yet live."""
        body = self.visible(".reader-story").text
        assert texts["title"] in body
        assert all(bullet in body for bullet in texts["tldr"])
        assert self.find(".preview-banner .preview-state-draft")


RECORD_VIEW = "mutation ($slug: String!) { recordView(slug: $slug) { viewCount } }"


def post_graphql(base_url, query, variables):
    """A GraphQL answer's data, over HTTP from the live server as a frontend asks."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(
        base_url + "/graphql",
        data=body,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
        answer = without_cost(json.loads(response.read()))
    assert "errors" not in answer, answer
    return answer["data"]


def read_story(base_url, contract, language):
    """The story as the reader site asks for it."""
    variables = {"slug": SLUG, "language": language}
    return post_graphql(base_url, contract("story_page.graphql"), variables)["story"]


def test_an_editor_writes_translates_tags_previews_and_publishes_a_story(
    browser, live_server, django_user_model, contract
):
    django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    for slug, english, chinese, _search in TAGS:
        make_tag(slug, en=english, zh_hans=chinese)
    editor = Editor(browser, live_server.url)

    editor.log_in("editor")
    # The admin's stylesheets are served: an unstyled admin would pass every other step.
    assert editor.find("#header").value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"

    # Write the story in English, on the add form's English tab.
    editor.open("/admin/cms/story/add/?language=en")
    editor.fill_language_tab(ENGLISH)
    editor.type("slug", SLUG)
    editor.screenshot("02-english-form")
    editor.screenshot("03-english-lists", scroll_to=".field-tldr")
    # AI-generated text waits for an editor's review: this one records theirs of English as
    # they save it; publishing from the Chinese tab later reviews the Chinese.
    editor.find('input[name="mark_reviewed"]').click()
    editor.submit(editor.find('input[name="_continue"]'))
    assert "/change/" in browser.current_url

    # The Chinese version on its own tab: empty at first, nothing shared with English.
    editor.follow(editor.find('.parler-language-tabs a[href*="language=zh-hans"]'))
    assert editor.find('[name="title"]').get_attribute("value") == ""
    editor.fill_language_tab(CHINESE)
    editor.screenshot("04-chinese-tab")
    editor.submit(editor.find('input[name="_continue"]'))

    # Tags are shared by both languages; the second row comes from "Add another".
    editor.pick_tag(0, TAGS[0][3], TAGS[0][1])
    editor.find("#tag_links-group .add-row a").click()
    editor.visible("#id_tag_links-1-tag")
    editor.pick_tag(1, TAGS[1][3], TAGS[1][1])
    editor.screenshot("05-tags", scroll_to="#tag_links-group")
    editor.submit(editor.find('input[name="_continue"]'))

    # Preview from the change form's tools: it opens in a new window, in the tab's language.
    form_window = browser.current_window_handle
    editor.find('.object-tools a[href*="/preview/"]').click()
    editor.wait.until(lambda driver: len(driver.window_handles) == 2)
    browser.switch_to.window(next(h for h in browser.window_handles if h != form_window))
    fit_page(browser)
    editor.page_is_sound()
    assert "language=zh-hans" in browser.current_url
    editor.check_preview(CHINESE)
    editor.screenshot("07-preview-zh-hans")
    editor.follow(editor.find('.preview-languages a[hreflang="en"]'))
    editor.check_preview(ENGLISH)
    editor.screenshot("06-preview-en")
    browser.close()
    browser.switch_to.window(form_window)

    # Publish now: saves the form and puts the story in front of readers.
    editor.screenshot("08-workflow-buttons", scroll_to=".workflow-row")
    editor.submit(editor.find('button[name="_workflow"][value="publish"]'))
    editor.open("/admin/cms/story/")
    row = editor.visible("#result_list tbody tr")
    assert ENGLISH["title"] in row.text
    assert "Published" in row.text
    editor.screenshot("09-published-list")

    # The reader site's own query finds each language's version, with its tag names.
    for language, texts, names in (
        ("en", ENGLISH, [english for _slug, english, _chinese, _search in TAGS]),
        ("zh-hans", CHINESE, [chinese for _slug, _english, chinese, _search in TAGS]),
    ):
        story = read_story(live_server.url, contract, language)
        assert story["language"] == language
        assert story["availableLanguages"] == ["en", "zh-hans"]
        assert story["title"] == texts["title"]
        assert story["summary"] == texts["summary"]
        assert story["tldr"] == texts["tldr"]
        assert story["keyData"] == texts["key_data"]
        assert story["faq"] == texts["faq"]
        assert story["tags"] == [
            {"slug": tag[0], "name": name} for tag, name in zip(TAGS, names, strict=True)
        ]

    # Readers' views feed the dashboard's chart on the admin's front page.
    for _view in range(3):
        post_graphql(live_server.url, RECORD_VIEW, {"slug": SLUG})
    flush_counts()  # As the worker does once the counters' window ends.
    editor.open("/admin/")
    assert ENGLISH["title"] in editor.find("#top-stories").text
    editor.screenshot("10-dashboard")

    # Every save was kept: the history lists them, and any version can be compared.
    story_id = Story.objects.get(slug=SLUG).pk
    editor.open(f"/admin/cms/story/{story_id}/history/")
    editor.screenshot("11-history")
    # The last link compares the first version, the English draft, with the current one.
    editor.follow(editor.find_all('#content a[href*="/history/diff/"]')[-1])
    assert CHINESE["title"] in editor.find("#content").text
    editor.screenshot("12-diff")


def test_graphiql_runs_a_query_without_internet(browser, live_server):
    make_story("offline", title_en="Read without internet")
    editor = Editor(browser, live_server.url)
    editor.open("/graphql")
    editor.wait.until(
        lambda driver: driver.find_elements(editor.by.CSS_SELECTOR, ".graphiql-query-editor")
    )
    browser.execute_script(
        "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
        ".setValue(arguments[0])",
        '{ story(slug: "offline", language: "en") { title language } }',
    )
    editor.find(".graphiql-execute-button").click()
    editor.wait.until(lambda driver: "Read without internet" in editor.find(".result-window").text)
    # Nothing failed to load or was refused by the page's Content-Security-Policy.
    editor.page_is_sound()


SEED = "china-may-have-accessed-mythos"
# What an element needs in pixels beyond what it shows (0: everything fits).
OVERFLOW = "return arguments[0].scrollWidth - arguments[0].clientWidth;"
CLIPPED_BOXES = """
return [...document.querySelectorAll('.cms-rows textarea, .field-summary textarea')]
    .filter(box => box.value && box.scrollHeight > box.clientHeight + 1)
    .map(box => box.name);
"""


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_the_story_list_and_the_seed_story_fit_a_1280_pixel_screen(
    browser, live_server, django_user_model, ui
):
    from cms.demo import loader

    django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    loader.load()
    editor = Editor(browser, live_server.url)
    editor.log_in("editor")
    browser.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": ui, "path": "/"})

    editor.open("/admin/cms/story/")
    assert editor.find("html").get_attribute("lang") == ui
    results = editor.find("#changelist .results")
    assert browser.execute_script(OVERFLOW, results) <= 0, "the story list scrolls sideways"
    assert browser.execute_script(OVERFLOW, editor.find("html")) <= 0, "the page scrolls sideways"
    assert editor.find("#result_list thead .column-title_column").size["width"] >= 250
    for column in ("language_column", "tag_list"):
        header = editor.find(f"#result_list thead .column-{column}")
        assert header.location["x"] + header.size["width"] <= WINDOW[0], column
    if ui == "en":
        editor.screenshot("13-story-list")

    seed = Story.objects.get(slug=SEED)
    tab = "zh-hans" if ui == "zh-hans" else "en"
    editor.open(f"/admin/cms/story/{seed.pk}/change/?language={tab}")
    title = editor.find('[name="title"]')
    assert browser.execute_script(OVERFLOW, title) <= 0, "the title is cut off"
    analysis = editor.find('[name="analysis"]')
    if tab == seed.original_language:
        assert analysis.size["width"] >= 800
    else:
        # A translation's analysis shares its line with the original beside it.
        original = editor.find('.cms-source[data-field="analysis"]')
        assert analysis.size["width"] >= 600
        assert original.location["x"] >= analysis.location["x"] + analysis.size["width"]
        assert original.location["x"] + original.size["width"] <= WINDOW[0]
    assert browser.execute_script(CLIPPED_BOXES) == []
    browser.save_screenshot(str(ARTIFACTS / f"seed-form-{ui}.png"))
