from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields

from cms.core.text import FitText


class Tag(TranslatableModel):
    """A topic shared by all languages, named in each ("security": Security / 安全)."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    translations = TranslatedFields(
        name=models.CharField(_("name"), max_length=100, validators=[FitText()]),
    )

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["slug"]

    def __str__(self):
        return self.safe_translation_getter("name", any_language=True) or self.slug
