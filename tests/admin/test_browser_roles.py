"""The guide's image and byline steps in the browser as the roles that take them, in both
UI languages: a Writer uploads the lead image, picks it and signs the story; a Translator
writes the image's Chinese alt text and caption. Each walk includes a refused save, after
which everything typed and picked is still on the page."""

import pytest
from django.conf import settings

from cms.models import Image, Story, StoryAuthor
from tests.admin.test_browser import PASSWORD, Editor, browser, chromium  # noqa: F401  (fixtures)
from tests.factories import make_story, make_user
from tests.media_factories import make_author, make_image, picture_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
UI = ["en", "zh-hans"]
REFUSED = {"en": "Please correct the error", "zh-hans": "请更正以下错误"}


class Counted(Editor):
    """An editor whose page loads and clicks are counted (for the guide's figures)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.pages = self.clicks = 0

    def open(self, path):
        self.pages += 1
        super().open(path)

    def follow(self, element):
        self.pages += 1
        self.clicks += 1
        super().follow(element)

    def refused(self, button, ui):
        """Press a submit button whose save must be refused, with the reason shown."""
        Editor.follow(self, button)
        self.pages += 1
        self.clicks += 1
        assert REFUSED[ui] in self.find(".errornote").text

    def pick(self, select_id, search, text):
        """Choose in an autocomplete box: open it, type, click the match."""
        select = self.find(f"#{select_id}")
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
                    f"[contains(normalize-space(), '{text}')]",
                )
            )
        ).click()
        self.clicks += 2
        self.wait.until(lambda _driver: select.get_attribute("value"))
        return select.get_attribute("value")


def person(role, ui, driver, live_server, **options):
    user = make_user(role.lower(), role, **options)
    user.set_password(PASSWORD)
    user.save()
    editor = Counted(driver, live_server.url)
    editor.log_in(user.username)
    driver.add_cookie({"name": settings.LANGUAGE_COOKIE_NAME, "value": ui, "path": "/"})
    editor.pages = editor.clicks = 0
    return editor


def value(editor, name):
    return editor.find(f'[name="{name}"]').get_attribute("value")


@pytest.fixture
def media(settings, tmp_path, live_server):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CMS_MEDIA_URL = live_server.url + "/media/"
    return tmp_path


@pytest.mark.parametrize("ui", UI)
def test_a_writer_uploads_the_lead_image_and_signs_the_story(
    browser,  # noqa: F811  (the browser test's fixture, imported above)
    live_server,
    media,
    ui,
):
    photo = media / "robot.jpg"
    photo.write_bytes(picture_bytes(1600, 900))
    story = make_story("robots-fold", status=Story.Status.DRAFT, hours_ago=None)
    make_author("jane", "Jane Doe")
    writer = person("Writer", ui, browser, live_server)

    # 3a: the image, refused once (no rights given); what was typed stays.
    writer.open("/admin/cms/image/add/?language=en")
    assert writer.find("html").get_attribute("lang") == ui
    writer.find('input[name="file"]').send_keys(str(photo))
    writer.type("alt", "A robot arm folds a white towel")
    writer.type("caption", "The lab's robot at work.")
    writer.refused(writer.find('[name="_save"]'), ui)
    assert (value(writer, "alt"), writer.find('[name="caption"]').get_attribute("value")) == (
        "A robot arm folds a white towel",
        "The lab's robot at work.",
    )
    writer.find('input[name="file"]').send_keys(str(photo))  # Browsers never keep a file.
    writer.type("rights", "CC BY 4.0")
    writer.submit(writer.find('[name="_save"]'))
    image = Image.objects.get()

    # The lead image and the byline, picked on the story; a refused save keeps both.
    writer.open(f"/admin/cms/story/{story.pk}/change/?language=en")
    assert writer.pick("id_image", "robot arm", "A robot arm") == str(image.pk)
    author = writer.pick("id_author_links-0-author", "Jane", "Jane Doe")
    writer.type("summary", "A lab shows a robot that folds towels.")
    writer.type("title", "")
    writer.refused(writer.find('[name="_continue"]'), ui)
    assert value(writer, "image") == str(image.pk)
    assert value(writer, "author_links-0-author") == author
    assert writer.find('[name="summary"]').get_attribute("value") == (
        "A lab shows a robot that folds towels."
    )
    writer.type("title", "Robots learn to fold laundry")
    writer.submit(writer.find('[name="_continue"]'))
    story.refresh_from_db()
    assert story.image_id == image.pk
    assert list(StoryAuthor.objects.filter(story=story).values_list("author__name", flat=True)) == [
        "Jane Doe"
    ]
    writer.screenshot(f"writer-image-byline-{ui}", scroll_to="#author_links-group")
    print(f"\nWriter, image and byline ({ui}): {writer.pages} page loads, {writer.clicks} clicks")


@pytest.mark.parametrize("ui", UI)
def test_a_translator_writes_the_chinese_alt_text_and_caption(
    browser,  # noqa: F811  (the browser test's fixture, imported above)
    live_server,
    media,
    ui,
):
    image = make_image(alt_en="A robot arm folds a white towel")
    translator = person("Translator", ui, browser, live_server, languages=["zh-hans"])
    translator.open(f"/admin/cms/image/{image.pk}/change/?language=zh-hans")
    assert not translator.find_all('input[name="rights"]')  # Shared: not the translator's.
    translator.type("caption", "实验室的机器人在工作。")
    translator.type("credit", "图片：机器人实验室")
    # No alt text on a picture that is not decorative: refused, and nothing typed is lost.
    translator.refused(translator.find('[name="_continue"]'), ui)
    assert value(translator, "caption") == "实验室的机器人在工作。"
    assert value(translator, "credit") == "图片：机器人实验室"
    translator.type("alt", "机械臂正在叠一条白毛巾")
    translator.submit(translator.find('[name="_continue"]'))
    image = Image.objects.get(pk=image.pk)
    image.set_current_language("zh-hans")
    assert (image.alt, image.caption, image.rights) == (
        "机械臂正在叠一条白毛巾",
        "实验室的机器人在工作。",
        "CC BY 4.0",
    )
    # The English tab is not theirs: the admin's page says who may.
    translator.open(f"/admin/cms/image/{image.pk}/change/?language=en")
    assert translator.find("#site-name")
