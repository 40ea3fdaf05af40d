"""Only images every rendition can be made of: sides and aspect ratio are limited at upload
with a clear message in the editor's language; a rendition that fails anyway is recorded,
not tried again per request, not listed, and does not stop the others."""

from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.test import override_settings

from cms.media import images, renditions
from cms.models import Image
from tests.factories import make_story
from tests.media.test_images import form_errors, upload
from tests.media_factories import make_image, picture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CMS_IMAGE_WIDTHS = [160, 320]


@pytest.mark.parametrize(
    ("width", "height", "language", "expected"),
    [
        (20, 17_000, "en", "each side may be at most 16383 pixels"),
        (100, 7_000, "en", "its long side may be at most 10 times its short side"),
        (7_000, 100, "zh-hans", "长边最多为短边的 10 倍"),
    ],
)
def test_an_image_no_rendition_could_hold_is_refused_at_upload(
    admin_client, width, height, language, expected
):
    admin_client.cookies["django_language"] = language
    response = upload(admin_client, picture_bytes(width, height, kind="PNG", mode="L"))
    assert Image.objects.count() == 0
    assert expected in str(form_errors(response)["file"])


def test_a_long_but_usable_image_is_accepted(admin_client):
    upload(admin_client, picture_bytes(100, 1_000))
    assert Image.objects.count() == 1


@override_settings(CMS_IMAGE_MAX_ASPECT=1000)
def test_a_failed_rendition_is_recorded_not_retried_not_listed_and_the_others_are_made(client):
    image = make_image(400, 300, alt_en="A robot")
    make_story("live", image=image)
    (broken,) = images.renditions(image, "webp", "1x1", [160])
    real_render = images.render

    def render(image, rendition):
        if rendition.name == broken.name:
            raise OSError("encoder error -2")
        return real_render(image, rendition)

    with mock.patch.object(images, "render", side_effect=render) as rendering:
        made = renditions.make_all.call(image.pk, images.version(image))
        answers = [client.get(f"/media/{broken.name}").status_code for _ in range(3)]
    image.refresh_from_db()
    assert image.failed_renditions == [broken.name]
    # The worker went on past the failure; every other rendition is stored.
    others = [r for r in images.every_rendition(image) if r.name != broken.name]
    assert made == len(others) and all(default_storage.exists(r.name) for r in others)
    # Requests answer 404 without decoding the original again.
    assert answers == [404, 404, 404]
    assert [c.args[1].name for c in rendering.call_args_list].count(broken.name) == 1
    assert broken.name not in [r.name for r in images.every_rendition(image)]
    assert images.renditions(image, "webp", "1x1") == []
