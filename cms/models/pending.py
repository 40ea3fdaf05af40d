"""A translator's proposed change to a live story's language version, waiting for an editor.

Readers keep seeing the approved version (StoryTranslation) until an editor approves the
proposal (cms/stories/approvals.py); the proposal holds the editable fields of one language version,
who proposed it, when, and what the live version was when they did.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .story import Story, StoryTranslation

# The fields of a language version a proposal carries: what a translator edits.
PROPOSED_FIELDS = (
    "title",
    "summary",
    "tldr",
    "key_data",
    "analysis",
    "insights",
    "faq",
    "ai_involvement",
)


def _proposed(name):
    """The language version's own field, so that a proposal validates like the version."""
    return StoryTranslation._meta.get_field(name).clone()


class PendingTranslationQuerySet(models.QuerySet):
    def pending(self):
        """Proposals still waiting for a decision."""
        return self.filter(status=PendingTranslation.Status.PENDING)


class PendingTranslation(models.Model):
    """A proposed language version of a live story; at most one waits per story and language."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    story = models.ForeignKey(
        Story,
        verbose_name=_("story"),
        on_delete=models.CASCADE,
        related_name="pending_translations",
    )
    language_code = models.CharField(_("language"), max_length=15, choices=settings.LANGUAGES)
    title = _proposed("title")
    summary = _proposed("summary")
    tldr = _proposed("tldr")
    key_data = _proposed("key_data")
    analysis = _proposed("analysis")
    insights = _proposed("insights")
    faq = _proposed("faq")
    ai_involvement = _proposed("ai_involvement")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed"))
    base_edit_version = models.PositiveIntegerField(
        _("based on version"),
        help_text=_("The story's save count when the proposal was last saved."),
    )
    base_content_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("The live version's content hash then; empty when it had none."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason for rejecting"), blank=True)

    objects = PendingTranslationQuerySet.as_manager()

    class Meta:
        verbose_name = _("pending translation")
        verbose_name_plural = _("pending translations")
        ordering = ["-proposed_at", "-pk"]
        # Who may see and decide proposals follows the story roles (cms/admin/approvals.py).
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["story", "language_code"],
                condition=models.Q(status="pending"),
                name="one_pending_translation_per_language",
            ),
        ]
        indexes = [models.Index(fields=["status", "-proposed_at"], name="pending_status_idx")]

    def __str__(self):
        return f"{self.title} ({self.get_language_code_display()})"

    def values(self):
        """The proposed fields, by name."""
        return {name: getattr(self, name) for name in PROPOSED_FIELDS}

    def as_translation(self):
        """An unsaved language version holding the proposal (`cms.stories.approvals.shown`
        fills in its derived fields, as a save would)."""
        return StoryTranslation(
            master=self.story, language_code=self.language_code, **self.values()
        )
