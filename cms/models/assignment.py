from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LanguageAssignment(models.Model):
    """A language a translator may edit; translators edit only the languages assigned here."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="language_assignments",
    )
    language = models.CharField(_("language"), max_length=15, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("language assignment")
        verbose_name_plural = _("language assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "language"], name="assignment_once"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_language_display()}"


def assigned_languages(user):
    """The language codes `user` may translate (cached on the user for the request)."""
    if not hasattr(user, "_assigned_languages"):
        user._assigned_languages = set(
            LanguageAssignment.objects.filter(user_id=user.pk).values_list("language", flat=True)
        )
    return user._assigned_languages
