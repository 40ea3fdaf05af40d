"""Renditions are made once, when the image is saved: by the task worker, each file once
across processes; the first request still makes any one that is missing."""

import threading
import time
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from cms.media import images, renditions
from cms.models import Image
from tests.factories import make_story
from tests.media_factories import make_image, picture_bytes

pytestmark = pytest.mark.django_db

TASK = "cms.media.renditions.make_all"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Small widths keep the pictures small: the rules are the same.
    settings.CMS_IMAGE_WIDTHS = [160, 320]
    return tmp_path


def queued():
    return list(
        DBTaskResult.objects.filter(task_path=TASK)
        .order_by("enqueued_at")
        .values_list("args_kwargs", flat=True)
    )


def run_worker():
    # The worker closes its connection after tasks: tests running it commit for real.
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def stored(image):
    return [r.name for r in images.every_rendition(image) if default_storage.exists(r.name)]


@pytest.mark.django_db(transaction=True)
def test_saving_an_image_queues_every_rendition_and_the_worker_makes_them(media_root):
    image = make_image(400, 300, alt_en="A robot")
    assert queued() == [{"args": [image.pk, images.version(image)], "kwargs": {}}]
    assert stored(image) == []
    run_worker()
    every = images.every_rendition(image)
    # Each format (AVIF where Pillow writes it), each ratio, each width the crop allows.
    assert len(every) == len(images.FORMATS) * 7  # 160 and 320 wide, the square only 160
    assert stored(image) == [r.name for r in every]
    assert DBTaskResult.objects.get(task_path=TASK).status == "SUCCESSFUL"


def test_an_upload_rolled_back_queues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        make_image(400, 300, alt_en="A robot")
        raise RuntimeError("the admin's transaction failed")
    assert queued() == [] and not Image.objects.exists()


def test_texts_do_not_queue_again_a_new_focal_point_does_and_the_stale_run_does_nothing():
    image = make_image(400, 300, alt_en="A robot")
    image.set_current_language("en")
    image.alt = "A robot arm"
    image.save()
    assert len(queued()) == 1
    old = images.every_rendition(image)
    image.focal_x = 0.2
    image.save()
    assert len(queued()) == 2
    assert renditions.make_all.call(image.pk, queued()[0]["args"][1]) == 0
    assert not any(default_storage.exists(r.name) for r in old)
    assert renditions.make_all.call(image.pk, images.version(image)) == len(old)


def test_an_admin_upload_queues_the_renditions(admin_client):
    data = {
        "file": SimpleUploadedFile("photo.jpg", picture_bytes(400, 300), "image/jpeg"),
        "alt": "A robot",
        "focal_x": "0.5",
        "focal_y": "0.5",
        "rights": "CC BY 4.0",
    }
    admin_client.post("/admin/cms/image/add/?language=en", data)
    image = Image.objects.get()
    assert queued() == [{"args": [image.pk, images.version(image)], "kwargs": {}}]


@pytest.mark.django_db(transaction=True)
def test_a_rendition_the_worker_has_not_made_yet_is_made_on_its_first_request(client):
    image = make_image(400, 300, alt_en="A robot")
    make_story("live", image=image)
    (rendition,) = images.renditions(image, "webp", "1x1", [160])
    with mock.patch.object(images, "render", wraps=images.render) as render:
        assert client.get(f"/media/{rendition.name}").status_code == 200
        assert client.get(f"/media/{rendition.name}").status_code == 200
        run_worker()
    # Made by the first request; neither the second nor the worker made it again.
    assert [call.args[1].name for call in render.call_args_list].count(rendition.name) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_asking_at_once_make_a_rendition_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks across connections")
    image = make_image(400, 300, alt_en="A robot")
    (rendition,) = images.renditions(image, "jpeg", "4x3", [320])
    slow_render = images.render

    def render(*args):
        time.sleep(0.3)  # Long enough for the other one to arrive meanwhile.
        return slow_render(*args)

    results = []

    def ask():
        try:
            results.append(renditions.ensure(Image.objects.get(pk=image.pk), rendition))
        finally:
            connection.close()

    with mock.patch.object(images, "render", side_effect=render) as made:
        threads = [threading.Thread(target=ask) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(results) == [False, True] and made.call_count == 1
    assert default_storage.exists(rendition.name)


def test_a_request_that_cannot_get_the_lock_in_time_is_asked_to_come_back(client):
    image = make_image(400, 300, alt_en="A robot")
    make_story("live", image=image)
    (rendition,) = images.renditions(image, "jpeg", "1x1", [160])
    with mock.patch.object(renditions, "ensure", side_effect=renditions.Busy("lock timeout")):
        response = client.get(f"/media/{rendition.name}")
    assert response.status_code == 503
    assert response["Retry-After"] == "2" and response["Cache-Control"] == "no-store"
