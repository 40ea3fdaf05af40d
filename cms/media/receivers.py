"""What follows a change of an image, an author or a story's list of images.

- A saved image whose file or focal point changed has its renditions queued
  (`cms.media.renditions`), in the saving transaction.
- The analyses placing a changed image, or of a story whose list of images changed, are
  rendered again (`cms.media.figures`), so their HTML shows the image as it now is.
- The live stories showing a changed image or author are announced
  (`publishing.announce`, not material), so caches and edges drop what they hold of them.
"""

from django.db.models.signals import post_delete, post_init, post_save, pre_delete

from cms.media import figures, images, renditions
from cms.models import Image, Story, StoryImage


def _image(sender, instance, **kwargs):
    pk = getattr(instance, "master_id", None) or instance.pk
    placing = StoryImage.objects.filter(image_id=pk).values_list("story_id", flat=True)
    figures.refresh_stories(set(placing))


def _remember_version(sender, instance, **kwargs):
    # Never read a deferred field here: that would cost a query per loaded image.
    if {"file", "focal_x", "focal_y"} & instance.get_deferred_fields() or not instance.file:
        instance._rendition_version = None
    else:
        instance._rendition_version = images.version(instance)


def _queue_renditions(sender, instance, raw=False, **kwargs):
    if raw or not instance.file:
        return
    current = images.version(instance)
    if current != getattr(instance, "_rendition_version", None):
        renditions.queue(instance)
        instance._rendition_version = current


def _story_images(sender, instance, origin=None, **kwargs):
    if getattr(origin, "model", type(origin)) in (Story, Image):
        # Deleted with its story: no analysis is left to render.
        return
    figures.refresh_stories({instance.story_id})


def connect():
    post_init.connect(_remember_version, sender=Image, dispatch_uid="media-image-version")
    post_save.connect(_queue_renditions, sender=Image, dispatch_uid="media-image-renditions")
    for model in (Image, Image.translations.field.model):
        post_save.connect(_image, sender=model, dispatch_uid=f"media-{model.__name__}")
        pre_delete.connect(_image, sender=model, dispatch_uid=f"media-del-{model.__name__}")
    post_save.connect(_story_images, sender=StoryImage, dispatch_uid="media-story-images")
    post_delete.connect(_story_images, sender=StoryImage, dispatch_uid="media-del-story-images")
