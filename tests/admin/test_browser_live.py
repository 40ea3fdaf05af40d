"""Live coverage in the browser, as the Publisher who runs it, in both UI languages: start
coverage, a publish refused (coverage ended in another tab) that keeps every word typed,
publish an entry without saving the story form, correct it and withdraw it."""

import pytest
from django.conf import settings

from cms.models import LiveEntry, Story
from cms.stories import live
from tests.admin.test_browser import PASSWORD, Editor, browser, chromium  # noqa: F401  (fixtures)
from tests.factories import make_story, make_user
from tests.media_factories import make_author

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REFUSED = {
    "en": "Live coverage of this story has ended",
    "zh-hans": "本报道的直播已结束",
}
ENTRY = "The committee **opens** the hearing; the CEO is sworn in.\n\n- first question: safety"


def person(role, ui, driver, live_server):
    user = make_user(role.lower(), role)
    user.set_password(PASSWORD)
    user.save()
    editor = Editor(driver, live_server.url)
    editor.log_in(user.username)
    driver.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": ui, "path": "/"})
    return editor, user


def refused_once(editor, status):
    """The console holds the refused request (as browsers log any 4xx) and nothing else."""
    severe = []

    def logged(driver):
        # Reading the console empties it; the browser may log the request a moment later.
        severe.extend(e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE")
        return severe

    editor.wait.until(logged)
    assert len(severe) == 1 and "/live/" in severe[0] and f"status of {status}" in severe[0], severe


def message(editor):
    return editor.wait.until(lambda _driver: editor.find("#cms-live-message").text.strip() or None)


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_publisher_runs_live_coverage_from_the_story_page(
    browser,  # noqa: F811  (the browser test's fixture, imported above)
    live_server,
    ui,
):
    story = make_story("senate-hearing")
    story.author_links.create(author=make_author("jane", "Jane Doe"))
    publisher, user = person("Publisher", ui, browser, live_server)
    publisher.open(f"/admin/cms/story/{story.pk}/change/?language=en")
    assert publisher.find("html").get_attribute("lang") == ui
    version = Story.objects.get(pk=story.pk).edit_version

    publisher.find("#cms-live-start").click()
    publisher.visible("#cms-live-end")

    # Typed, then refused: someone ended the coverage in another tab meanwhile.
    publisher.find("#cms-live-text").send_keys(ENTRY)
    publisher.find("#cms-live-key-event").click()
    live.end(story.pk, user)
    publisher.find("#cms-live-publish").click()
    assert REFUSED[ui] in message(publisher)
    assert publisher.find("#cms-live-text").get_attribute("value") == ENTRY
    assert publisher.find("#cms-live-key-event").is_selected()
    assert not LiveEntry.objects.exists()
    refused_once(publisher, 409)

    # Coverage again, and the same words published.
    live.start(story.pk, user)
    publisher.find("#cms-live-author").send_keys("Jane Doe")
    publisher.find("#cms-live-publish").click()
    publisher.wait.until(lambda _driver: publisher.find_all("#cms-live-entries .cms-live-entry"))
    assert publisher.find("#cms-live-text").get_attribute("value") == ""
    entry = LiveEntry.objects.get()
    assert (entry.key_event, entry.author.name, entry.language_code) == (True, "Jane Doe", "en")
    shown = publisher.find("#cms-live-entries .cms-live-entry-text")
    assert shown.find_element(publisher.by.CSS_SELECTOR, "strong").text == "opens"
    # The story form was not saved, and the page was not left.
    assert Story.objects.get(pk=story.pk).edit_version == version
    publisher.screenshot(f"publisher-live-entry-{ui}", scroll_to="#cms-live")

    # A correction without a note is refused and keeps the corrected text; with one, shown.
    publisher.find(".cms-live-tools .button").click()
    area = publisher.visible(".cms-live-correction textarea")
    area.clear()
    area.send_keys("The committee opens the hearing.")
    publisher.find(".cms-live-correction .button").click()
    assert message(publisher)
    assert area.get_attribute("value") == "The committee opens the hearing."
    refused_once(publisher, 400)
    publisher.find(".cms-live-correction input").send_keys("Removed the oath.")
    publisher.find(".cms-live-correction .button").click()
    publisher.wait.until(lambda _driver: publisher.find_all(".cms-live-corrected"))
    assert "Removed the oath." in publisher.find(".cms-live-corrected").text
    entry.refresh_from_db()
    assert entry.correction_note == "Removed the oath."

    # Withdrawn, after the question.
    publisher.find_all(".cms-live-tools .button")[1].click()
    publisher.wait.until(lambda driver: driver.switch_to.alert).accept()
    publisher.wait.until(lambda _driver: not publisher.find_all(".cms-live-entry"))
    entry.refresh_from_db()
    assert entry.withdrawn_at is not None
    publisher.page_is_sound()
