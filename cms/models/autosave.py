"""Work in progress on a story form, kept on the server so that a closed browser loses nothing."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Autosave(models.Model):
    """What one person had typed in one language tab of a story form, not yet saved.

    One per person, story and language; for a story not created yet (story empty), one per
    person, language and Add page (`form_key`), so that two "Add story" tabs keep two
    drafts. The story form posts it every few seconds while typing and when its tab is
    hidden; it is offered back when the form opens again. When the form is saved the draft
    becomes a mark of that save (`saved_version`, no text): a draft typed before the save and
    arriving after it is refused rather than bringing back what the save replaced.
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
    # The Add page a new story's draft was typed on: a key made for each page load and
    # carried by its form (empty for an existing story's draft).
    form_key = models.CharField(_("form"), max_length=43, blank=True, default="")
    # The page's own mark of the post the stored text came from: a post that sends only what
    # changed since then applies only on top of it.
    revision = models.CharField(_("revision"), max_length=64, blank=True, default="")
    # Set once the form was saved: the story's save count then. No text is kept; drafts typed
    # against an older version (or, for a new story, on the same Add page) are refused.
    saved_version = models.PositiveIntegerField(_("saved at version"), null=True, blank=True)
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
                fields=["user", "language", "form_key"],
                condition=models.Q(story__isnull=True),
                name="autosave_once_per_add_page",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.story_id or 'new'} {self.language}"
