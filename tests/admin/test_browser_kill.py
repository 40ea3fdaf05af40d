"""Killing a story in the browser, as a Publisher (the role that holds the permission), in
both UI languages: a refused kill keeps every word typed and changes nothing; an Editor is
offered no kill and is refused the page. The Publisher's steps are photographed for the
editors' guide (`make screenshots` writes them to docs/editors-guide/)."""

import pytest
from django.conf import settings

from cms.models import Story
from tests.admin.test_browser import PASSWORD, Editor, browser, chromium  # noqa: F401  (fixtures)
from tests.admin.test_browser_guide import Person
from tests.factories import make_story, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
KILL_LINK = {"en": "kill…", "zh-hans": "撤稿…"}
TOOL = ".object-tools a[href$='/kill/']"
REFUSED = {
    "en": "Say why the story is killed, in every language it has",
    "zh-hans": "请用报道的每种语言说明撤稿原因",
}
DONE = {"en": "The story was killed", "zh-hans": "报道已撤稿"}


def person(role, ui, driver, live_server):
    user = make_user(role.lower(), role)
    user.set_password(PASSWORD)
    user.save()
    editor = Person(driver, live_server.url, ui)
    editor.log_in(user.username)
    driver.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": ui, "path": "/"})
    return editor


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_publisher_kills_a_live_story_after_a_refused_kill_lost_nothing(
    browser,  # noqa: F811  (the browser test's fixture, imported above)
    live_server,
    ui,
):
    story = make_story("leaked-memo")
    publisher = person("Publisher", ui, browser, live_server)
    publisher.open(f"/admin/cms/story/{story.pk}/change/")
    assert publisher.find("html").get_attribute("lang") == ui
    link = publisher.find(TOOL)
    assert link.text.lower() == KILL_LINK[ui]  # the admin shows tools in capitals
    publisher.follow(link)
    publisher.shoot("11-publisher-kill-page")
    publisher.type("notice_en", "A court ordered its removal.")
    publisher.follow(publisher.find('[name="_kill"]'))
    assert REFUSED[ui] in publisher.find(".errornote").text
    assert publisher.find('[name="notice_en"]').get_attribute("value") == (
        "A court ordered its removal."
    )
    publisher.shoot("12-publisher-kill-refused")
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED
    publisher.type("notice_zh-hans", "法院下令删除。")
    publisher.follow(publisher.find('[name="_kill"]'))
    assert DONE[ui] in publisher.find(".messagelist").text
    publisher.shoot("13-publisher-killed")
    story.refresh_from_db()
    assert story.status == Story.Status.KILLED
    assert story.kill_notice == {"en": "A court ordered its removal.", "zh-hans": "法院下令删除。"}
    # Once killed, there is nothing left to kill.
    assert not publisher.find_all(TOOL)


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_an_editor_is_offered_no_kill_and_is_refused_the_page(
    browser,  # noqa: F811
    live_server,
    ui,
):
    story = make_story("leaked-memo")
    editor = person("Editor", ui, browser, live_server)
    editor.open(f"/admin/cms/story/{story.pk}/change/")
    assert not editor.find_all(TOOL)
    editor.driver.get(f"{live_server.url}/admin/cms/story/{story.pk}/kill/")
    assert editor.find("html").get_attribute("lang") == ui
    story.refresh_from_db()
    assert story.status == Story.Status.PUBLISHED
    assert not editor.find_all('[name="_kill"]')
