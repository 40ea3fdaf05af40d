"""Making an image's renditions once: all of them when it is saved, by the task worker; any
one still missing when it is first asked for (`ensure`, from `/media/`).

Saving an image's file or focal point (the admin, ingestion, a shell) queues `make_all` on
the task queue in the same transaction (`cms.media.receivers`): a rolled-back upload queues
nothing, and a committed one is rendered even if the process that saved it dies. Every
rendition is made under the image's row lock, checked for again once the lock is held, so
two processes (the worker and a reader's first request, or two readers) never both make
it, and a reader waits for a rendition being made rather than making another.
"""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django_tasks import task

from cms.media import images
from cms.models import Image

logger = logging.getLogger(__name__)


class Busy(Exception):
    """Another process holds the image's lock for longer than a request may wait, or the
    media storage refused the rendition (disk full, read-only): try again shortly."""


class Failed(Exception):
    """The rendition could not be made; that is recorded on the image, and it is not tried
    again (a new file or focal point gives new renditions, tried afresh)."""


def ensure(image, rendition):
    """Store `rendition` of `image` unless it is stored already; True if this call made it."""
    if rendition.name in (image.failed_renditions or ()):
        raise Failed(rendition.name)
    if default_storage.exists(rendition.name):
        return False
    try:
        with transaction.atomic():
            # On PostgreSQL a row lock; on SQLite the write lock its IMMEDIATE
            # transactions take. Either way, one maker at a time per image.
            locked = Image.objects.select_for_update().filter(pk=image.pk)
            failed = locked.values_list("failed_renditions", flat=True).first()
            if failed is None:
                return False
            if rendition.name in failed:
                raise Failed(rendition.name)
            if default_storage.exists(rendition.name):
                return False
            try:
                made = images.render(image, rendition)
            except Exception as error:
                # Pillow fails in many ways on files it accepted (an encoder's limits): the
                # failure is kept (committed with this block), so no request decodes the
                # original again for nothing.
                logger.warning("Rendition %s failed: %r", rendition.name, error)
                image.failed_renditions = [*failed, rendition.name]
                locked.update(failed_renditions=image.failed_renditions)
                made = None
            if made is not None:
                default_storage.save(rendition.name, ContentFile(made))
    except DatabaseError as error:
        # The lock was not had within the statement timeout: someone is making it.
        raise Busy(str(error)) from error
    except OSError as error:
        # The media disk refused the rendition (full, read-only): nothing half-written is
        # left (cms/core/storage.py), and the caller is told to try again later.
        raise Busy(str(error)) from error
    if made is None:
        raise Failed(rendition.name)
    return True


def queue(image):
    """Queue the making of every rendition of `image`, in the current transaction."""
    make_all.enqueue(image.pk, images.version(image))


@task()
def make_all(image_id, version):
    """Make every rendition of an image (each format, ratio and width) not yet stored.

    Does nothing if the image was deleted, or its file or focal point changed since it
    was queued: that change queued its own run.
    """
    image = Image.objects.filter(pk=image_id).first()
    if image is None or not image.file or images.version(image) != version:
        return 0
    made = 0
    for rendition in images.every_rendition(image):
        try:
            made += ensure(image, rendition)
        except Failed:
            continue  # Recorded; the other renditions are still made.
    return made
