"""A changed image or author changes the live stories showing it: they are announced
(`publishing.announce`, not material), so caches and edges drop what they hold of them."""

from django.db.models import Q
from django.db.models.signals import post_save, pre_delete

from cms import publishing
from cms.models import Author, Image, Story, live_q


def _announce(stories):
    for story in stories.filter(live_q()).distinct():
        publishing.announce(story, material=False, schedule=False)


def _image(sender, instance, **kwargs):
    pk = getattr(instance, "master_id", None) or instance.pk
    _announce(
        Story.objects.filter(
            Q(image_id=pk) | Q(editor__avatar_id=pk) | Q(author_links__author__avatar_id=pk)
        )
    )


def _author(sender, instance, **kwargs):
    pk = getattr(instance, "master_id", None) or instance.pk
    _announce(Story.objects.filter(Q(editor_id=pk) | Q(author_links__author_id=pk)))


def connect():
    for model, handler in (
        (Image, _image),
        (Image.translations.field.model, _image),
        (Author, _author),
        (Author.translations.field.model, _author),
    ):
        post_save.connect(handler, sender=model, dispatch_uid=f"media-{model.__name__}")
        pre_delete.connect(handler, sender=model, dispatch_uid=f"media-del-{model.__name__}")
