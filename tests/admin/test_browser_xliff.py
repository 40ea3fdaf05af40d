"""The agency round trip in the browser as a Translator, in both UI languages: export the
story for translation from the list, give back a file with a mistake (refused, each problem
named, nothing imported), then the corrected file, which waits as a proposal."""

import pytest
from django.conf import settings
from translate.storage.xliff2 import Xliff2File

from cms.models import PendingTranslation, Story
from tests.admin.test_browser import PASSWORD, Editor, browser, chromium  # noqa: F401  (fixtures)
from tests.factories import make_story, make_user
from tests.translation.deepl_server import KEY, deepl_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TITLES = {"en": "Import translations (XLIFF)", "zh-hans": "导入译文（XLIFF）"}
DRAFTED = {
    "en": "1 machine translation drafted; it waits for review.",
    "zh-hans": "已起草 1 份机器翻译，等待审核。",
}


def translator(ui, driver, live_server):
    user = make_user("translator", "Translator", languages=["zh-hans"])
    user.set_password(PASSWORD)
    user.save()
    person = Editor(driver, live_server.url)
    person.log_in(user.username)
    driver.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": ui, "path": "/"})
    return person


def export_through_the_page(person, story):
    """Tick the story, run the list's export action, and send its form as the page would
    (the answer is a download, read here instead of saved)."""
    person.open("/admin/cms/story/")
    person.find(f'input[name="_selected_action"][value="{story.pk}"]').click()
    person.find('select[name="action"] option[value="export_xliff"]').click()
    person.follow(person.find('button[name="index"]'))
    assert person.find("#xliff-pair option[value='en:zh-hans']")
    return person.driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const form = document.querySelector('#choose-languages');
        fetch(location.href, {method: 'POST', body: new FormData(form)})
          .then((answer) => answer.text()).then(done);"""
    )


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_translator_exports_gets_a_refusal_per_unit_then_imports_a_proposal(
    browser,  # noqa: F811  (the browser test's fixture, imported above)
    live_server,
    tmp_path,
    ui,
):
    story = make_story("agency", status=Story.Status.PUBLISHED)
    person = translator(ui, browser, live_server)
    text = export_through_the_page(person, story)
    store = Xliff2File.parsestring(text.encode("utf-8"))
    for unit in store.units:
        unit.target = f"译：{unit.source}"
    good = bytes(store)
    bad = tmp_path / "bad.xlf"
    bad.write_bytes(good.replace(b'id="summary"', b'id="abstract"'))

    person.open("/admin/cms/story/")
    person.follow(person.find("a.import-xliff"))
    assert person.find("html").get_attribute("lang") == ui
    assert TITLES[ui] in person.find("#content h1, #content-main").text or TITLES[ui] in (
        person.driver.title
    )
    person.find('input[name="file"]').send_keys(str(bad))
    person.follow(person.find('#xliff-import [type="submit"]'))
    problems = person.find("#xliff-problems").text
    assert f"story-{story.pk} · abstract" in problems and "bad.xlf" in problems
    assert not PendingTranslation.objects.exists()

    fixed = tmp_path / "fixed.xlf"
    fixed.write_bytes(good)
    person.find('input[name="file"]').send_keys(str(fixed))
    person.follow(person.find('#xliff-import [type="submit"]'))
    assert "/admin/cms/pendingtranslation/" in person.driver.current_url
    proposal = PendingTranslation.objects.get()
    assert proposal.title == "译：agency en title"
    assert proposal.summary == "译：agency en summary"


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_translator_drafts_a_machine_translation_that_waits_for_review(
    browser,  # noqa: F811  (the browser test's fixture, imported above)
    live_server,
    settings,
    ui,
):
    story = make_story("machine", languages=("en",))
    person = translator(ui, browser, live_server)
    with deepl_server() as server:
        settings.CMS_DEEPL_AUTH_KEY, settings.CMS_DEEPL_URL = KEY, server.url
        person.open("/admin/cms/story/")
        person.find(f'input[name="_selected_action"][value="{story.pk}"]').click()
        person.find('select[name="action"] option[value="machine_translate"]').click()
        person.follow(person.find('button[name="index"]'))
        person.find("#xliff-pair option[value='en:zh-hans']").click()
        person.follow(person.find('#choose-languages [type="submit"]'))
    assert DRAFTED[ui] in person.find(".messagelist").text
    proposal = PendingTranslation.objects.get()
    assert (proposal.title, proposal.ai_involvement) == (
        "[ZH-HANS] machine en title",
        "machine_from_ai",
    )
