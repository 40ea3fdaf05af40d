from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields

from cms.core.text import FitText


class Source(TranslatableModel):
    """A publication a story cites, such as Semafor."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    homepage = models.URLField(_("homepage"), blank=True)
    translations = TranslatedFields(
        name=models.CharField(_("name"), max_length=200, validators=[FitText()]),
    )

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["slug"]

    def __str__(self):
        return self.safe_translation_getter("name", any_language=True) or self.slug
