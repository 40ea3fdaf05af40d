"""How much AI wrote a language version, and the record of reviews and grade changes.

The vocabulary itself (IPTC and schema.org codes, labels, the AIGC fields) is in
`cms.disclosure.rules`; this module holds only what is stored.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Involvement(models.TextChoices):
    """AI's part in one language version, from none to all of it."""

    HUMAN = "human", _("Written by a person")
    AI_ASSISTED = "ai_assisted", _("Written by a person with AI assistance")
    AI_REVIEWED = "ai_reviewed", _("AI-generated, reviewed by the editors")
    AI_GENERATED = "ai_generated", _("AI-generated, not reviewed by a person")
    MACHINE_FROM_HUMAN = "machine_from_human", _("Machine-translated from a person's original")
    MACHINE_FROM_AI = "machine_from_ai", _("Machine-translated from an AI-generated original")


class DisclosureRecord(models.Model):
    """One review of a language version, or one change of its grade, as it happened."""

    class Kind(models.TextChoices):
        REVIEW = "review", _("Human review")
        GRADE = "grade", _("Grade change")

    story = models.ForeignKey(
        "cms.Story",
        verbose_name=_("story"),
        on_delete=models.CASCADE,
        related_name="disclosure_records",
    )
    language_code = models.CharField(_("language"), max_length=15, choices=settings.LANGUAGES)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=40, blank=True)
    edit_version = models.PositiveIntegerField(_("edit version"))
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True)
    from_grade = models.CharField(_("from"), max_length=20, choices=Involvement.choices, blank=True)
    to_grade = models.CharField(_("to"), max_length=20, choices=Involvement.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("disclosure record")
        verbose_name_plural = _("disclosure records")
        ordering = ["-at", "-pk"]
        default_permissions = ()
        indexes = [models.Index(fields=["story", "-at"], name="disclosure_story_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.language_code} {self.at:%Y-%m-%d %H:%M}"
