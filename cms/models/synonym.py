"""Synonym groups for search: terms in any language that find each other's stories."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.core import terms as terms_of


class SearchSynonym(models.Model):
    """A group of equivalent search terms (LLM / 大模型 / 大语言模型), expanded at query time."""

    terms = models.TextField(
        _("terms"),
        help_text=_(
            "One term per line, in any language (e.g. LLM, 大模型, 大语言模型). A search for "
            "any of them finds stories with any of them. A term of several words matches "
            "when the search has those words in that order."
        ),
    )
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        help_text=_("Why these terms belong together, for other editors (optional)."),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("search synonym group")
        verbose_name_plural = _("search synonym groups")
        ordering = ["terms"]

    def __str__(self):
        return " / ".join(self.term_list())

    def term_list(self):
        """The group's terms, trimmed, without blank lines or repeats, in the editor's order."""
        return list(dict.fromkeys(line.strip() for line in self.terms.splitlines() if line.strip()))

    def clean(self):
        terms = self.term_list()
        if len(terms) < 2:
            raise ValidationError({"terms": _("Give at least two terms, one per line.")})
        for term in terms:
            if not terms_of.analyze(term, mode="default"):
                raise ValidationError(
                    {"terms": _("“%(term)s” has no word to search for.") % {"term": term}}
                )
        self.terms = "\n".join(terms)
