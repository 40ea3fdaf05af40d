"""Uploads on a failing disk: a clear error on the admin's form in its language, no image row
without its file, no file (whole or half-written) without its row; renditions likewise."""

import errno
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from cms.core import storage
from cms.media import images, renditions
from cms.models import Image
from tests.media.test_images import form_errors, upload
from tests.media_factories import make_image, picture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def files_under(root):
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _dirs, names in os.walk(root)
        for name in names
    )


def disk_full(monkeypatch):
    """The disk fills while the bytes are written: they are only partly on disk."""

    def fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(storage.os, "fsync", fsync)


def read_only(monkeypatch):
    def mkstemp(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(storage.tempfile, "mkstemp", mkstemp)


@pytest.mark.parametrize("fault", [disk_full, read_only])
@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "could not be stored"), ("zh-hans", "无法保存")],
)
def test_an_upload_on_a_failing_disk_is_refused_on_the_form_and_leaves_nothing(
    admin_client, media_root, monkeypatch, fault, language, said
):
    admin_client.post("/i18n/setlang/", {"language": language})
    fault(monkeypatch)
    response = upload(admin_client, picture_bytes(400, 300), alt="A robot at work")
    assert response.status_code == 200
    assert said in str(form_errors(response)["file"])
    # What was typed is still there to save again.
    assert response.context["adminform"].form["alt"].value() == "A robot at work"
    assert not Image.objects.exists()
    assert files_under(media_root) == []


def test_the_same_upload_succeeds_once_the_disk_is_back(admin_client, media_root, monkeypatch):
    with monkeypatch.context() as patched:
        disk_full(patched)
        upload(admin_client, picture_bytes(400, 300))
    upload(admin_client, picture_bytes(400, 300))
    image = Image.objects.get()
    assert files_under(media_root) == [image.file.name]


def test_a_row_that_fails_to_save_takes_its_stored_file_away(admin_client, media_root, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("the row could not be written")

    monkeypatch.setattr(Image, "save", refuse)
    admin_client.raise_request_exception = False
    response = upload(admin_client, picture_bytes(400, 300))
    assert response.status_code == 500
    assert files_under(media_root) == []


def test_a_rendition_on_a_full_disk_leaves_no_partial_file_and_asks_to_try_again(
    media_root, monkeypatch
):
    image = make_image()
    before = files_under(media_root)
    disk_full(monkeypatch)
    rendition = next(iter(images.every_rendition(image)))
    with pytest.raises(renditions.Busy):
        renditions.ensure(image, rendition)
    assert files_under(media_root) == before
    assert not default_storage.exists(rendition.name)


def test_the_storage_never_leaves_a_partial_file_under_its_name(media_root, monkeypatch):
    disk_full(monkeypatch)
    with pytest.raises(OSError):
        default_storage.save("x/partial.bin", ContentFile(b"x" * 100_000))
    assert files_under(media_root) == []
