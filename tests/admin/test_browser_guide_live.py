"""The editors' guide's live-coverage step, walked in a real browser by the Publisher (the
role that publishes entries), in both UI languages: start coverage, a publish refused
(no text yet) that keeps every choice made, then the entry typed and published without
saving the story form, and readers' GraphQL reading it with its own AI disclosure. Each
screen is photographed for the guide (`make screenshots` writes them to docs/editors-guide/).
"""

import json

import pytest
from django.test import Client
from selenium.webdriver.support.select import Select

from cms.models import LiveEntry, Story
from tests.admin.test_browser import PASSWORD, browser, chromium  # noqa: F401  (fixtures)
from tests.admin.test_browser_guide import SIZES, Person
from tests.admin.test_browser_live import refused_once
from tests.factories import make_story, make_user
from tests.media_factories import make_author

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_TEXT = {"en": "Write the entry before publishing it.", "zh-hans": "请先写好条目再发布。"}
ENTRY = "The committee **opens** the hearing; the CEO is sworn in."
READ = """{ story(slug: "senate-hearing", language: "en") {
  liveStatus liveEntries { edges { node { text { text } keyEvent disclosure { grade } } } } } }"""


def message(person):
    return person.wait.until(lambda _driver: person.find("#cms-live-message").text.strip() or None)


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_the_publisher_runs_live_coverage_as_the_guide_shows(
    browser,  # noqa: F811  (the browser test's fixture, imported above)
    live_server,
    ui,
):
    story = make_story("senate-hearing")
    story.author_links.create(author=make_author("jane", "Jane Doe"))
    user = make_user("publisher", "Publisher")
    user.set_password(PASSWORD)
    user.save()
    person = Person(browser, live_server.url, ui)
    person.log_in_as("publisher")
    person.size(*SIZES[0])
    person.open(f"/admin/cms/story/{story.pk}/change/?language=en")
    version = Story.objects.get(pk=story.pk).edit_version

    person.find("#cms-live-start").click()
    person.visible("#cms-live-end")

    # Every choice made, the text forgotten: refused, and every choice is still there.
    Select(person.find("#cms-live-author")).select_by_visible_text("Jane Doe")
    Select(person.find("#cms-live-grade")).select_by_value("ai_assisted")
    person.find("#cms-live-key-event").click()
    person.find("#cms-live-publish").click()
    assert NO_TEXT[ui] in message(person)
    assert Select(person.find("#cms-live-author")).first_selected_option.text == "Jane Doe"
    assert person.find("#cms-live-grade").get_attribute("value") == "ai_assisted"
    assert person.find("#cms-live-key-event").is_selected()
    assert not LiveEntry.objects.exists()
    refused_once(person, 400)
    person.shoot("11-publisher-live-refused", scroll_to="#cms-live")

    # The entry typed and published: the story form is neither saved nor left.
    person.find("#cms-live-text").send_keys(ENTRY)
    person.find("#cms-live-publish").click()
    person.wait.until(lambda _driver: person.find_all("#cms-live-entries .cms-live-entry"))
    assert person.find("#cms-live-text").get_attribute("value") == ""
    entry = LiveEntry.objects.get()
    assert (entry.key_event, entry.author.name, entry.ai_involvement, entry.language_code) == (
        True,
        "Jane Doe",
        "ai_assisted",
        "en",
    )
    assert Story.objects.get(pk=story.pk).edit_version == version
    person.shoot("12-publisher-live-entry", scroll_to="#cms-live")
    person.page_is_sound()

    # Readers read it at once, with the entry's own AI disclosure.
    answer = (
        Client()
        .post("/graphql", json.dumps({"query": READ}), content_type="application/json")
        .json()
    )
    read = answer["data"]["story"]
    assert read["liveStatus"] == "LIVE"
    assert read["liveEntries"]["edges"] == [
        {
            "node": {
                "text": {"text": "The committee opens the hearing; the CEO is sworn in."},
                "keyEvent": True,
                "disclosure": {"grade": "AI_ASSISTED"},
            }
        }
    ]
