"""A translator of Traditional Chinese at the derived tab in a real browser (the browser
test's Chromium), in both UI languages: the converted text is there to work on, a refused
save keeps every word typed, a field typed over is kept, and it is flagged once the
Simplified text changes under it (瀏覽器中的繁體中文分頁：改寫、被拒的儲存、原文變化的標記)."""

import pytest
from django.conf import settings

from cms.models import Story, StoryTranslation
from tests.admin.test_browser import (  # noqa: F401  (fixtures)
    PASSWORD,
    Editor,
    browser,
    chromium,
)
from tests.factories import make_story, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "panel": "Converted automatically",
        "stale": "check it",
        "required": "This field is required.",
    },
    "zh-hant": {"panel": "自動轉換", "stale": "請檢查", "required": "這個欄位是必須的。"},
}


def value(someone, name):
    return someone.find(f'[name="{name}"]').get_attribute("value")


@pytest.mark.parametrize("ui", ["en", "zh-hant"])
def test_a_translator_overrides_a_converted_field_and_sees_it_flagged(browser, live_server, ui):  # noqa: F811
    words = WORDS[ui]
    user = make_user("translator", "Translator", languages=["zh-hant"])
    user.set_password(PASSWORD)
    user.save()
    story = make_story(
        "chips",
        status=Story.Status.DRAFT,
        hours_ago=None,
        title_zh_hans="芯片短缺",
        summary_zh_hans="软件公司受影响",
    )
    someone = Editor(browser, live_server.url)
    someone.log_in("translator")
    browser.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": ui, "path": "/"})
    someone.open(f"/admin/cms/story/{story.pk}/change/?language=zh-hant")
    assert words["panel"] in someone.find("body").text
    assert value(someone, "title") == "晶片短缺"
    assert value(someone, "summary") == "軟體公司受影響"

    # A refused save (the title left empty) keeps what was typed.
    someone.type("summary", "軟體業者受到衝擊")
    someone.find('[name="title"]').clear()
    someone.follow(someone.find('input[name="_continue"]'))
    assert words["required"] in someone.find(".errorlist").text
    assert value(someone, "summary") == "軟體業者受到衝擊"

    someone.type("title", "晶片供應吃緊")
    someone.submit(someone.find('input[name="_continue"]'))
    hant = StoryTranslation.objects.get(master=story, language_code="zh-hant")
    assert (hant.title, hant.summary) == ("晶片供應吃緊", "軟體業者受到衝擊")
    assert set(hant.overrides) == {"title", "summary"}
    assert not someone.find_all(".cms-override-stale")

    # The Chinese desk changes the Simplified title: the override stays, flagged.
    hans = StoryTranslation.objects.get(master=story, language_code="zh-hans")
    hans.title = "芯片严重短缺"
    hans.save()
    someone.open(f"/admin/cms/story/{story.pk}/change/?language=zh-hant")
    assert value(someone, "title") == "晶片供應吃緊"
    flagged = someone.find_all(".cms-override-stale")
    assert len(flagged) == 1 and words["stale"] in flagged[0].text
    someone.screenshot(f"traditional-override-flagged-{ui}")
