"""The demo shows a story with a lead image drawn at load, a byline, a responsible editor
and a correction in both languages, and the publisher's logo; loading again adds nothing."""

import json

import pytest
from django.core.management import call_command

from cms.demo import media as demo_media
from cms.models import Correction, Image, Story

pytestmark = pytest.mark.django_db

QUERY = """
query ($slug: String!, $language: String!) {
  story(slug: $slug, language: $language) {
    image { url width height alt caption credit }
    authors { name kind }
    editor { name }
    corrections { text }
    structuredData
  }
}
"""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CMS_PUBLISHER_LOGO_URL = "http://127.0.0.1:18811/static/api/logo.png"


@pytest.mark.parametrize(
    ("language", "alt", "correction"),
    [
        ("en", "A yellow warehouse robot lifts a box from a blue shelf", "they run in three."),
        ("zh-hans", "一台黄色仓储机器人从蓝色货架上取下一个箱子", "实际为三个。"),
    ],
)
def test_the_demo_story_has_an_image_a_byline_a_correction_and_a_logo(
    gql, language, alt, correction
):
    call_command("load_demo", stdout=None)
    found = gql(QUERY, {"slug": demo_media.STORY, "language": language})["data"]["story"]
    assert (found["image"]["width"], found["image"]["height"]) == demo_media.SIZE
    assert found["image"]["alt"] == alt
    assert found["authors"] == [{"name": "Lin Mei", "kind": "PERSON"}]
    assert found["editor"] == {"name": "The AI News desk"}
    assert found["corrections"][0]["text"].endswith(correction)
    # As `make run` names it (Makefile): JSON-LD's publisher carries it.
    assert (
        '"logo": {"@type": "ImageObject", "url": "http://127.0.0.1:18811/static/api/logo.png"}'
        in (json.dumps(found["structuredData"]))
    )


def test_loading_the_demo_again_adds_no_second_image_or_correction():
    call_command("load_demo")
    call_command("load_demo")
    assert Image.objects.count() == 1
    assert Correction.objects.count() == 2
    story = Story.objects.get(slug=demo_media.STORY)
    assert story.author_links.count() == 1


def test_the_publishers_logo_that_make_run_names_is_a_static_file():
    from django.contrib.staticfiles import finders

    with open(finders.find("api/logo.png"), "rb") as logo:
        assert logo.read(8) == b"\x89PNG\r\n\x1a\n"


def test_the_lead_image_is_drawn_at_load():
    from io import BytesIO

    from PIL import Image as Picture

    picture = Picture.open(BytesIO(demo_media.picture()))
    assert (picture.format, picture.size) == ("JPEG", demo_media.SIZE)
