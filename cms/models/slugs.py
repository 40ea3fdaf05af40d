"""The slugs a story had before: its old addresses, which redirect to the current one."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StorySlug(models.Model):
    """A slug a story used to have. Each old slug belongs to one story at a time, and no
    old slug is any story's current slug (cms.stories.slugs keeps both true)."""

    story = models.ForeignKey(
        "cms.Story",
        verbose_name=_("story"),
        on_delete=models.CASCADE,
        related_name="old_slugs",
    )
    slug = models.SlugField(
        _("old slug"),
        max_length=200,
        unique=True,
        help_text=_("An address the story had before; readers following it are redirected."),
    )
    retired_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("old slug")
        verbose_name_plural = _("old slugs")
        ordering = ["-retired_at", "-id"]

    def __str__(self):
        return self.slug
