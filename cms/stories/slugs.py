"""Slug history: a story's old slugs, so its old addresses can lead to its current one.

Whenever a story's slug changes, by any path (the admin, ingestion, a revert, a shell),
the old slug is kept (`StorySlug`); a slug a story takes now is no longer anyone's old
slug, so a slug reused by another story later is that story's, and an old slug always
points at one story. Old slugs point at the story, not at the next slug, so chains of
renames collapse into one step. Redirects read this history (`cms.serving.redirects`).
"""

from cms.models import Story, StorySlug


def _remember_stored_slug(sender, instance, **kwargs):
    instance._stored_slug = (
        Story.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
        if instance.pk is not None
        else None
    )


def _record_slug_change(sender, instance, created, **kwargs):
    before = getattr(instance, "_stored_slug", None)
    if not created and before == instance.slug:
        return
    # The slug taken now is nobody's old slug any more: the current address wins.
    StorySlug.objects.filter(slug=instance.slug).delete()
    if before and before != instance.slug:
        StorySlug.objects.update_or_create(slug=before, defaults={"story": instance})
