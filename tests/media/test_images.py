"""Lead images: uploads checked in the admin, renditions made once, and every output."""

import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PillowImage

from cms.media import images
from cms.models import Image, Story
from tests.factories import make_story
from tests.media_factories import gps_exif, make_image, picture_bytes

pytestmark = pytest.mark.django_db

MEDIA = "http://127.0.0.1:8000/media/"
IMAGE_QUERY = """query($slug: String!, $l: String) { story(slug: $slug, language: $l) {
  image { url width height alt caption credit decorative rights
    renditions(format: WEBP, ratio: WIDE) { url width height format }
    jpeg: renditions { width height format }
    square: renditions(ratio: SQUARE, widths: [320, 640]) { url width height } }
  openGraph { image imageWidth imageHeight imageAlt }
  twitterCard { card image imageAlt }
  structuredData } }"""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def editor(admin_client):
    return admin_client


@pytest.fixture
def illustrated():
    image = make_image(
        focal=(0.8, 0.5),
        alt_en="A robot folds a towel",
        alt_zh_hans="机器人在叠毛巾",
        caption_en="The robot at work.",
        caption_zh_hans="工作中的机器人。",
        credit_en="Photo: Lab",
        credit_zh_hans="图片：实验室",
    )
    return make_story("robots-fold", image=image)


def upload(editor, content, name="photo.jpg", **fields):
    data = {
        "file": SimpleUploadedFile(name, content, content_type="image/jpeg"),
        "alt": "A robot",
        "caption": "",
        "credit": "",
        "focal_x": "0.5",
        "focal_y": "0.5",
        "rights": "CC BY 4.0",
        "source_url": "",
        **fields,
    }
    return editor.post("/admin/cms/image/add/?language=en", data, follow=True)


def form_errors(response):
    return response.context["adminform"].form.errors if response.context.get("adminform") else {}


def test_an_editor_uploads_an_image_and_its_gps_position_is_removed_with_a_message(editor):
    response = upload(editor, picture_bytes(800, 600, exif=gps_exif()))
    assert response.status_code == 200
    image = Image.objects.get()
    assert (image.width, image.height) == (800, 600)
    with image.file.open("rb") as stored, PillowImage.open(stored) as picture:
        exif = picture.getexif()
        assert 0x8825 not in exif and not exif.get_ifd(0x8825)
    shown = [str(message) for message in response.context["messages"]]
    assert any("GPS" in message for message in shown), shown


def test_an_image_without_location_data_gets_no_warning(editor):
    response = upload(editor, picture_bytes(800, 600))
    assert Image.objects.count() == 1
    assert not any("GPS" in str(m) for m in response.context["messages"])


def test_a_text_file_renamed_jpg_is_refused_with_a_clear_error(editor):
    response = upload(editor, b"This is not a picture at all.\n" * 20, name="notes.jpg")
    assert response.status_code == 200
    assert Image.objects.count() == 0
    assert "not an image" in str(form_errors(response)["file"])


def test_an_image_over_the_byte_limit_is_refused(editor, settings):
    settings.CMS_IMAGE_MAX_BYTES = 1000
    response = upload(editor, picture_bytes(800, 600))
    assert Image.objects.count() == 0
    assert "at most" in str(form_errors(response)["file"])


def test_an_image_over_the_pixel_limit_is_refused(editor, settings):
    settings.CMS_IMAGE_MAX_PIXELS = 10_000
    response = upload(editor, picture_bytes(200, 100))
    assert Image.objects.count() == 0
    assert "million pixels" in str(form_errors(response)["file"])


def test_a_decompression_bomb_is_refused_not_answered_with_a_500(editor):
    # 100 million one-bit pixels: a few kilobytes of PNG that would take 300 MB as RGB.
    bomb = io.BytesIO()
    PillowImage.new("1", (10_000, 10_000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 2_000_000
    response = upload(editor, bomb.getvalue(), name="bomb.png")
    assert response.status_code == 200
    assert Image.objects.count() == 0
    assert "million pixels" in str(form_errors(response)["file"])


def test_alt_text_is_required_unless_the_image_is_decorative(editor):
    response = upload(editor, picture_bytes(400, 300), alt="")
    assert Image.objects.count() == 0
    assert "decorative" in str(form_errors(response)["alt"])
    upload(editor, picture_bytes(400, 300), alt="", decorative="on")
    assert Image.objects.get().decorative


def test_the_upload_form_speaks_chinese(editor):
    editor.post("/i18n/setlang/", {"language": "zh-hans"})
    response = upload(editor, b"not an image", name="x.jpg")
    assert "不是图片" in str(form_errors(response)["file"])


def test_crops_keep_the_focal_point_in_view_and_stay_inside_the_picture():
    assert images.crop_box(1600, 900, "1x1", 0.8, 0.5) == (700, 0, 1600, 900)
    assert images.crop_box(1600, 900, "1x1", 0.5, 0.5) == (350, 0, 1250, 900)
    left, top, right, bottom = images.crop_box(1600, 900, "1x1", 0.8, 0.5)
    assert (right - left, bottom - top) == (900, 900) and right <= 1600
    assert left <= 0.8 * 1600 <= right
    assert images.crop_box(1600, 900, "4x3", 0.0, 0.5) == (0, 0, 1200, 900)
    assert images.crop_box(900, 1600, "16x9", 0.5, 0.1) == (0, 0, 900, 506)


@pytest.mark.parametrize(
    ("language", "alt", "caption", "credit"),
    [
        ("en", "A robot folds a towel", "The robot at work.", "Photo: Lab"),
        ("zh-hans", "机器人在叠毛巾", "工作中的机器人。", "图片：实验室"),
    ],
)
def test_the_api_serves_the_image_with_its_texts_and_renditions(
    gql, illustrated, language, alt, caption, credit
):
    story = gql(IMAGE_QUERY, {"slug": "robots-fold", "l": language})["data"]["story"]
    image = story["image"]
    assert image["url"].startswith(MEDIA + "images/")
    assert (image["width"], image["height"]) == (1600, 900)
    assert (image["alt"], image["caption"], image["credit"]) == (alt, caption, credit)
    assert image["rights"] == "CC BY 4.0" and image["decorative"] is False
    wide = image["renditions"]
    assert [r["width"] for r in wide] == [320, 640, 960, 1280]
    assert all(r["format"] == "WEBP" and r["url"].endswith(".webp") for r in wide)
    assert all(abs(r["height"] - r["width"] * 9 / 16) <= 1 for r in wide)
    assert [(r["width"], r["height"]) for r in image["jpeg"]][-1] == (1280, 720)
    assert [(r["width"], r["height"]) for r in image["square"]] == [(320, 320), (640, 640)]
    assert story["openGraph"]["image"] == wide[-1]["url"].replace(".webp", ".jpeg")
    assert (story["openGraph"]["imageWidth"], story["openGraph"]["imageHeight"]) == (1280, 720)
    assert story["openGraph"]["imageAlt"] == alt
    assert story["twitterCard"]["card"] == "summary_large_image"
    assert story["twitterCard"]["image"] == story["openGraph"]["image"]
    article = story["structuredData"][0]
    assert all(entry["width"]["unitCode"] == "E37" for entry in article["image"])
    ratios = [(entry["width"]["value"], entry["height"]["value"]) for entry in article["image"]]
    assert ratios == [(1280, 720), (960, 720), (640, 640)]
    assert all(entry["url"].startswith(MEDIA + "renditions/") for entry in article["image"])
    assert article["image"][0]["caption"] == caption


def test_a_story_without_an_image_keeps_a_summary_card(gql):
    make_story("plain")
    story = gql(IMAGE_QUERY, {"slug": "plain"})["data"]["story"]
    assert story["image"] is None
    assert story["twitterCard"] == {"card": "summary", "image": None, "imageAlt": None}
    assert story["openGraph"]["image"] is None
    assert "image" not in story["structuredData"][0]


def test_a_decorative_image_has_empty_alt_text(gql):
    make_story("deco", image=make_image(decorative=True, caption_en="Pattern"))
    image = gql(IMAGE_QUERY, {"slug": "deco"})["data"]["story"]["image"]
    assert image["decorative"] is True and image["alt"] == ""


def test_widths_not_configured_are_bad_user_input(gql, illustrated):
    query = """{ story(slug: "robots-fold") { image { renditions(widths: [333]) { url } } } }"""
    result = gql(query)
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "320" in result["errors"][0]["message"]


def test_a_rendition_is_made_on_first_request_then_served_from_storage(
    client, gql, illustrated, media_root
):
    query = """{ story(slug: "robots-fold") { image { url
      renditions(format: WEBP, ratio: SQUARE, widths: [640]) { url width height } } } }"""
    image = gql(query)["data"]["story"]["image"]
    (rendition,) = image["renditions"]
    path = rendition["url"].removeprefix("http://127.0.0.1:8000")
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert "immutable" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    with PillowImage.open(io.BytesIO(body)) as picture:
        assert (picture.format, picture.size) == ("WEBP", (640, 640))
    name = path.removeprefix("/media/")
    stored = default_storage.path(name)
    made = default_storage.get_modified_time(name)
    assert client.get(path).status_code == 200
    assert default_storage.get_modified_time(name) == made and stored
    original = client.get(image["url"].removeprefix("http://127.0.0.1:8000"))
    assert original.status_code == 200 and original["Content-Type"] == "image/jpeg"


def test_avif_renditions_exist_where_pillow_writes_avif(gql, illustrated):
    from PIL import features

    query = """{ story(slug: "robots-fold") { image { renditions(format: AVIF) { url } } } }"""
    found = gql(query)["data"]["story"]["image"]["renditions"]
    assert bool(found) == features.check("avif")


@pytest.mark.parametrize(
    "path",
    [
        "/media/renditions/999/abc/1x1-640.webp",
        "/media/renditions/1/0000/1x1-640.webp",
        "/media/renditions/1/x/1x1-641.gif",
        "/media/../../etc/passwd",
        "/media/other/file.txt",
    ],
)
def test_unknown_media_addresses_are_not_found(client, illustrated, path):
    assert client.get(path).status_code == 404


def test_a_new_focal_point_gives_new_rendition_addresses(gql, illustrated):
    query = """{ story(slug: "robots-fold") { image { renditions(ratio: SQUARE) { url } } } }"""
    before = gql(query)["data"]["story"]["image"]["renditions"][0]["url"]
    image = Story.objects.get(slug="robots-fold").image
    image.focal_x = 0.1
    image.save()
    after = gql(query)["data"]["story"]["image"]["renditions"][0]["url"]
    assert before != after


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_feeds_carry_the_lead_image(client, illustrated, language):
    rss = ET.fromstring(client.get(f"/feeds/{language}/rss.xml").content)
    media = rss.find(".//item/{http://search.yahoo.com/mrss/}content")
    assert media.get("medium") == "image" and media.get("url").endswith("/16x9-1280.jpeg")
    assert (media.get("width"), media.get("height")) == ("1280", "720")
    expected_alt = "A robot folds a towel" if language == "en" else "机器人在叠毛巾"
    assert media.find("{http://search.yahoo.com/mrss/}description").text == expected_alt
    atom = ET.fromstring(client.get(f"/feeds/{language}/atom.xml").content)
    links = atom.findall(".//{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}link")
    enclosures = [link for link in links if link.get("rel") == "enclosure"]
    assert [link.get("href") for link in enclosures] == [media.get("url")]
    feed = json.loads(client.get(f"/feeds/{language}/feed.json").content)
    assert feed["items"][0]["image"] == media.get("url")


@pytest.mark.parametrize(
    ("language", "alt"), [("en", "A robot folds a towel"), ("zh-hans", "机器人在叠毛巾")]
)
def test_the_admin_preview_shows_the_image_with_srcset(admin_client, illustrated, language, alt):
    response = admin_client.get(f"/admin/cms/story/{illustrated.pk}/preview/?language={language}")
    page = response.content.decode()
    assert f'alt="{alt}"' in page
    assert "640w" in page and 'type="image/webp"' in page


def test_the_image_list_and_change_form_open(admin_client, illustrated):
    assert admin_client.get("/admin/cms/image/").status_code == 200
    page = admin_client.get(f"/admin/cms/image/{illustrated.image_id}/change/?language=zh-hans")
    assert page.status_code == 200
    assert b"cms-focal" in page.content


def test_editing_a_live_story_s_image_changes_the_cached_answer(gql, illustrated):
    query = """{ story(slug: "robots-fold") { image { alt } } }"""
    assert gql(query)["data"]["story"]["image"]["alt"] == "A robot folds a towel"
    assert gql(query)["data"]["story"]["image"]["alt"] == "A robot folds a towel"  # cached
    image = Image.objects.get(pk=illustrated.image_id)
    image.set_current_language("en")
    image.alt = "A robot folds two towels"
    image.save()
    assert gql(query)["data"]["story"]["image"]["alt"] == "A robot folds two towels"
