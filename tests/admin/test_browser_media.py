"""The editor's guide's image, byline and correction steps in a real browser (the browser
test's Chromium, `tests/admin/test_browser.py`), with their screenshots."""

import pytest
from selenium.webdriver.common.action_chains import ActionChains

from cms.models import Correction, Image, Story
from tests.admin.test_browser import PASSWORD, Editor, browser, chromium  # noqa: F401  (fixtures)
from tests.factories import make_story
from tests.media_factories import gps_exif, make_author, make_image, picture_bytes, set_authors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_adds_an_image_signs_a_story_and_corrects_it(
    browser,  # noqa: F811  (the browser test's fixture, imported above)
    live_server,
    django_user_model,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CMS_MEDIA_URL = live_server.url + "/media/"
    django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    photo = tmp_path / "robot.jpg"
    photo.write_bytes(picture_bytes(1600, 900, exif=gps_exif()))
    story = make_story("robots-fold", hours_ago=3, title_en="Robots learn to fold laundry")
    editor = Editor(browser, live_server.url)
    editor.log_in("editor")

    # Upload: the GPS position is removed, and the page says so.
    editor.open("/admin/cms/image/add/?language=en")
    editor.find('input[name="file"]').send_keys(str(photo))
    editor.type("alt", "A robot arm folds a white towel")
    editor.type("caption", "The lab's robot at work.")
    editor.type("credit", "Photo: Robotics Lab")
    editor.type("rights", "CC BY 4.0")
    editor.submit(editor.find('[name="_continue"]'))
    assert "GPS" in editor.find(".messagelist").text
    image = Image.objects.get()

    # The focal point: a click on the subject, right of centre.
    picture = editor.visible(".cms-focal img")
    ActionChains(browser).move_to_element_with_offset(
        picture, picture.size["width"] // 4, 0
    ).click().perform()
    assert float(editor.find("#id_focal_x").get_attribute("value")) > 0.7
    editor.screenshot("14-image-form", scroll_to=".field-file")
    editor.submit(editor.find('[name="_continue"]'))
    image.refresh_from_db()
    assert image.focal_x > 0.7

    # The Chinese texts, on the Chinese tab.
    editor.open(f"/admin/cms/image/{image.pk}/change/?language=zh-hans")
    editor.type("alt", "机械臂正在叠一条白毛巾")
    editor.type("caption", "实验室的机器人在工作。")
    editor.type("credit", "图片：机器人实验室")
    editor.submit(editor.find('[name="_continue"]'))

    # The story gets the image and its byline; then a correction on the English tab.
    Story.objects.filter(pk=story.pk).update(image=image)
    set_authors(story, [make_author("jane", "Jane Doe", profile_url="https://example.com/jane")])
    editor.open(f"/admin/cms/story/{story.pk}/change/?language=en")
    editor.type("summary", "A lab shows a robot that folds twelve towels an hour.")
    editor.type("correction_note", "An earlier version said twenty towels an hour.")
    editor.screenshot("15-correction-note", scroll_to=".field-correction_note")
    editor.submit(editor.find('[name="_continue"]'))
    assert Correction.objects.get().text == "An earlier version said twenty towels an hour."

    editor.open(f"/admin/cms/story/{story.pk}/preview/?language=en")
    shown = editor.visible(".reader-image img")
    editor.wait.until(lambda _driver: shown.get_attribute("naturalWidth") not in (None, "0"))
    assert "Jane Doe" in editor.find(".reader-byline").text
    assert "twenty towels" in editor.find(".reader-corrections").text
    editor.screenshot("16-preview-image-byline")
    editor.open(f"/admin/cms/story/{story.pk}/preview/?language=zh-hans")
    assert editor.find(".reader-image img").get_attribute("alt") == "机械臂正在叠一条白毛巾"


def test_an_editor_places_an_image_in_the_analysis(
    browser,  # noqa: F811  (the browser test's fixture, imported above)
    live_server,
    django_user_model,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CMS_MEDIA_URL = live_server.url + "/media/"
    django_user_model.objects.create_superuser("editor", "editor@example.com", PASSWORD)
    chart = make_image(
        alt_en="A chart of towels folded per hour",
        alt_zh_hans="每小时叠毛巾数量的图表",
        caption_en="Towels folded per hour, 2025–2026.",
        caption_zh_hans="每小时叠毛巾数量，2025–2026 年。",
        credit_en="Chart: Robotics Lab",
        credit_zh_hans="图表：机器人实验室",
    )
    story = make_story(
        "robots-fold",
        status=Story.Status.DRAFT,
        hours_ago=None,
        title_en="Robots learn to fold laundry",
        title_zh_hans="机器人学会叠衣服",
    )
    editor = Editor(browser, live_server.url)
    editor.log_in("editor")

    # The story's images: pick the chart in the list, save, and read its line.
    editor.open(f"/admin/cms/story/{story.pk}/change/?language=en")
    select = editor.find("#id_image_links-0-image")
    box = select.find_element(
        editor.by.XPATH, "following-sibling::span[contains(@class, 'select2')]"
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
    box.find_element(editor.by.CSS_SELECTOR, ".select2-selection").click()
    editor.visible(".select2-container--open .select2-search__field").send_keys("chart")
    editor.wait.until(
        editor.until.element_to_be_clickable(
            (
                editor.by.XPATH,
                "//li[contains(@class, 'select2-results__option')][contains(., 'chart')]",
            )
        )
    ).click()
    editor.wait.until(lambda _driver: select.get_attribute("value") == str(chart.pk))
    editor.submit(editor.find('[name="_continue"]'))
    line = f"![[image:{chart.pk}]]"
    assert line in editor.find("#image_links-group").text

    # On each tab, the line goes where the image belongs in the analysis.
    english = (
        f"The lab's robot folds a towel in five seconds.\n\n{line}\n\nLast year's needed a minute."
    )
    editor.type("analysis", english)
    editor.screenshot("17-analysis-image", scroll_to="#image_links-group")
    editor.screenshot("19-analysis-line", scroll_to=".field-analysis")
    editor.submit(editor.find('[name="_continue"]'))
    editor.open(f"/admin/cms/story/{story.pk}/change/?language=zh-hans")
    editor.type("analysis", f"实验室的机器人五秒叠好一条毛巾。\n\n{line}\n\n去年的型号需要一分钟。")
    editor.submit(editor.find('[name="_continue"]'))

    editor.open(f"/admin/cms/story/{story.pk}/preview/?language=en")
    shown = editor.visible(".reader-analysis-body figure img")
    editor.wait.until(lambda _driver: shown.get_attribute("naturalWidth") not in (None, "0"))
    assert shown.get_attribute("alt") == "A chart of towels folded per hour"
    assert "Chart: Robotics Lab" in editor.find(".reader-analysis-body figcaption").text
    editor.screenshot("18-preview-analysis-image", scroll_to=".reader-analysis")
    editor.open(f"/admin/cms/story/{story.pk}/preview/?language=zh-hans")
    shown = editor.visible(".reader-analysis-body figure img")
    assert shown.get_attribute("alt") == "每小时叠毛巾数量的图表"
    assert "图表：机器人实验室" in editor.find(".reader-analysis-body figcaption").text
