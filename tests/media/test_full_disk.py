"""Uploads on a disk that is really full: a small tmpfs mounted as MEDIA_ROOT, filled to its
last page by another file, the upload made by a writer in the admin in either language.
No fault is simulated here: the kernel refuses the bytes (ENOSPC) wherever the storage
happens to write them. Mounting needs root (CI runs as root); elsewhere the test says so
and skips."""

import os
import subprocess
import uuid

import pytest
from django.test import Client
from PIL import Image as PillowImage

from cms.models import Image
from tests.factories import make_user
from tests.media.test_images import form_errors, upload
from tests.media.test_upload_faults import files_under
from tests.media_factories import picture_bytes

pytestmark = pytest.mark.django_db

DISK_BYTES = 256 * 1024
PAGE = 4096


@pytest.fixture
def small_disk(tmp_path, settings):
    """A 256 KiB tmpfs as MEDIA_ROOT, unmounted afterwards."""
    mount_point = tmp_path / "media"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES},mode=0755", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    settings.MEDIA_ROOT = str(mount_point)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def free_bytes(path):
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def fill(disk, leave):
    """Another file takes all but `leave` bytes of the disk."""
    filler = disk / "filler.bin"
    with open(filler, "wb") as out:
        out.write(b"\0" * (free_bytes(disk) - leave))
    assert free_bytes(disk) <= leave
    return filler


@pytest.fixture
def writer():
    client = Client()
    client.force_login(make_user(f"writer-{uuid.uuid4().hex[:6]}", "Writer"))
    return client


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "could not be stored"), ("zh-hans", "无法保存")],
)
def test_an_upload_to_a_full_disk_is_refused_on_the_form_and_leaves_nothing(
    writer, small_disk, language, said
):
    writer.post("/i18n/setlang/", {"language": language})
    picture = picture_bytes(1600, 900)
    assert len(picture) > 2 * PAGE
    filler = fill(small_disk, leave=PAGE)
    response = upload(writer, picture, alt="A robot at work")
    assert response.status_code == 200
    assert said in str(form_errors(response)["file"])
    # What was typed is still there to save again.
    assert response.context["adminform"].form["alt"].value() == "A robot at work"
    assert not Image.objects.exists()
    # Not a byte of it left behind: no partial file, and the free space is what it was.
    assert files_under(small_disk) == ["filler.bin"]
    assert free_bytes(small_disk) <= PAGE
    filler.unlink()
    # With room again, the same upload goes through whole.
    upload(writer, picture)
    image = Image.objects.get()
    assert files_under(small_disk) == [image.file.name]
    with image.file.open("rb") as stored, PillowImage.open(stored) as stored_picture:
        stored_picture.load()
        assert stored_picture.size == (1600, 900)
