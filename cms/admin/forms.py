"""The story form editors and translators fill in, one language tab at a time."""

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.forms import TranslatableModelForm, TranslatedField

from cms.models import Story

from .concurrency import ConcurrencyFormMixin
from .disclosure import DisclosureFormMixin, reason_field, reviewed_field
from .figures import PlacementFormMixin
from .media import CorrectionFormMixin
from .widgets import Column, RowsField
from .workflow import WorkflowFormMixin

TLDR_COLUMNS = [Column("text", _("Bullet"), multiline=True)]
KEY_DATA_COLUMNS = [
    Column("entity", _("Entity"), multiline=True, width="25%"),
    Column("detail", _("Detail"), multiline=True),
    Column("metric", _("Metric"), multiline=True, width="25%"),
]
INSIGHT_COLUMNS = [
    Column("title", _("Title"), multiline=True, width="30%"),
    Column("body", _("Body"), multiline=True),
]
FAQ_COLUMNS = [
    Column("question", _("Question"), multiline=True, width="35%"),
    Column("answer", _("Answer"), multiline=True),
]


def formfield(db_field, **kwargs):
    """Model fields' form fields, with web addresses assumed to be https."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


def language_choices_field():
    """Pick languages by ticking boxes; none ticked means every language."""
    return forms.MultipleChoiceField(
        label=_("languages"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Empty: every language."),
    )


class StoryForm(
    PlacementFormMixin,
    CorrectionFormMixin,
    DisclosureFormMixin,
    WorkflowFormMixin,
    ConcurrencyFormMixin,
    TranslatableModelForm,
):
    tldr = TranslatedField(form_class=RowsField, columns=TLDR_COLUMNS)
    key_data = TranslatedField(form_class=RowsField, columns=KEY_DATA_COLUMNS)
    insights = TranslatedField(form_class=RowsField, columns=INSIGHT_COLUMNS)
    faq = TranslatedField(form_class=RowsField, columns=FAQ_COLUMNS)
    minor_edit = forms.BooleanField(
        label=_("Minor edit"),
        required=False,
        help_text=_("A typo fix or the like: readers are not told the story was updated."),
    )
    hot_estimate = forms.IntegerField(
        label=_("estimated hot score"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=_(
            "How much attention you expect the story to get, 0–100: the hot ranking starts "
            "from it, and readers' views and shares move it from there."
        ),
    )
    ai_involvement_reason = reason_field()
    mark_reviewed = reviewed_field()

    class Meta:
        model = Story
        fields = "__all__"
        formfield_callback = formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "hot_estimate" in self.fields:
            self.fields["hot_estimate"].initial = self.instance.hot_prior
