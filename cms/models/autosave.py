"""Work in progress on a story form, kept on the server so that a closed browser loses nothing."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Autosave(models.Model):
    """What one person had typed in one language tab of a story form, not yet saved.

    One per person, story and language (a story not created yet: story empty). The story
    form posts it every few seconds while typing and when its tab is hidden; it is offered
    back when the form opens again and removed when the form is saved.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    story = models.ForeignKey(
        "cms.Story",
        verbose_name=_("story"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=15)
    # The form's field names to what was typed (a list for a field sent several times).
    data = models.JSONField(_("typed values"), default=dict)
    # The story's save count the form was opened at: a restored draft keeps it, so that a
    # save over someone else's later save is refused as any stale form is.
    base_version = models.PositiveIntegerField(_("version opened"), null=True, blank=True)
    saved_at = models.DateTimeField(_("saved"), auto_now=True)

    class Meta:
        verbose_name = _("autosaved draft")
        verbose_name_plural = _("autosaved drafts")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["user", "story", "language"],
                condition=models.Q(story__isnull=False),
                name="autosave_once_per_story",
            ),
            models.UniqueConstraint(
                fields=["user", "language"],
                condition=models.Q(story__isnull=True),
                name="autosave_once_per_new_story",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.story_id or 'new'} {self.language}"
