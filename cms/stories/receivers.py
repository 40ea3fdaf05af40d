"""The stories' receivers: derived fields, slug history, version control, and announcing
live stories whose images or authors changed (so caches and edges drop what they hold)."""

from django.db.models import Q
from django.db.models.signals import post_save, pre_delete, pre_save

from cms.models import Author, Image, Story, live_q

from . import derive, derived, publishing, revisions, slugs


def _announce(stories):
    for story in stories.filter(live_q()).distinct():
        publishing.announce(story, material=False, schedule=False)


def _image_changed(sender, instance, **kwargs):
    pk = getattr(instance, "master_id", None) or instance.pk
    _announce(Story.objects.showing_image(pk))


def _author_changed(sender, instance, **kwargs):
    pk = getattr(instance, "master_id", None) or instance.pk
    _announce(Story.objects.filter(Q(editor_id=pk) | Q(author_links__author_id=pk)))


def connect_derived():
    """First of all: other receivers of a version's save see its derived fields, and a
    derived language's version is written as its source is."""
    derive.connect()
    derived.connect()


def connect():
    pre_save.connect(slugs._remember_stored_slug, sender=Story, dispatch_uid="slugs-before-save")
    post_save.connect(slugs._record_slug_change, sender=Story, dispatch_uid="slugs-after-save")
    revisions.register()
    for model, handler in (
        (Image, _image_changed),
        (Image.translations.field.model, _image_changed),
        (Author, _author_changed),
        (Author.translations.field.model, _author_changed),
    ):
        post_save.connect(handler, sender=model, dispatch_uid=f"announce-{model.__name__}")
        pre_delete.connect(handler, sender=model, dispatch_uid=f"announce-del-{model.__name__}")
