"""The forms the story pipeline's input is validated with, like an editor's in the admin.

Each form has only the fields the input gives (fields left out keep their value), and
the model's own validation runs on top (scores 0–100, list shapes, unique slugs).
"""

from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from cms.core import languages
from cms.core import values as bounds
from cms.disclosure import rules as disclosure
from cms.models import TRANSLATED_FIELDS, Story, StoryTranslation

SCORES = ("hot", "quality", "impact")
STORY_FIELDS = (*SCORES, "source_url", "original_language", "published_at", "expires_at")
TIME_ZONE_NEEDED = _("Give a time with a time zone, e.g. 2026-01-31T08:00:00Z.")
OUT_OF_RANGE = _("Give a time between the years 1 and 9999 UTC.")


class AwareDateTimeField(forms.DateTimeField):
    """An ISO 8601 time that must name its time zone (the pipeline runs anywhere)."""

    def to_python(self, value):
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValidationError(TIME_ZONE_NEEDED, code="invalid") from None
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValidationError(TIME_ZONE_NEEDED, code="invalid")
        if value is not None and not isinstance(value, datetime):
            raise ValidationError(TIME_ZONE_NEEDED, code="invalid")
        if value is not None:
            # Stored in UTC: a time that leaves years 1-9999 there cannot be stored at all.
            value = bounds.in_utc(value)
            if value is None:
                raise ValidationError(OUT_OF_RANGE, code="out_of_range")
        return value


class StrictIntegerField(forms.IntegerField):
    """A whole number given as a number: no text, no booleans, no fractions or infinities."""

    def to_python(self, value):
        if isinstance(value, bool) or (value is not None and not isinstance(value, int | float)):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if isinstance(value, float) and not value.is_integer():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class RawValue(forms.Widget):
    """The value as the input gave it (a checkbox widget would turn "yes" into True)."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class StrictBooleanField(forms.BooleanField):
    """true or false given as such: "yes" or 1 is not taken for true."""

    widget = RawValue

    def to_python(self, value):
        if value is not None and not isinstance(value, bool):
            raise ValidationError(_("Give true or false."), code="invalid")
        return bool(value)


class OriginalLanguageField(forms.CharField):
    def to_python(self, value):
        code = languages.normalize(value or "")
        if code is None:
            raise ValidationError(
                _("Unsupported language “%(code)s”."), code="invalid", params={"code": value}
            )
        return code


class HttpsURLField(forms.URLField):
    """An address; without a scheme it is https, as in the admin."""

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


class StoryIngestForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "original_language" in self.fields:
            # A code in any case or spelling the site knows ("EN", "zh_Hans").
            self.fields["original_language"] = OriginalLanguageField()

    class Meta:
        model = Story
        fields = (*STORY_FIELDS, "slug", "source")
        field_classes = {
            **dict.fromkeys(SCORES, StrictIntegerField),
            "published_at": AwareDateTimeField,
            "ai_generated": StrictBooleanField,
            "expires_at": AwareDateTimeField,
            "source_url": HttpsURLField,
        }


class TranslationIngestForm(forms.ModelForm):
    class Meta:
        model = StoryTranslation
        fields = TRANSLATED_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "ai_involvement" in self.fields:
            # A review is this publication's to record, never the pipeline's to claim.
            self.fields["ai_involvement"].choices = [
                (grade.value, grade.label) for grade in disclosure.INPUT_GRADES
            ]

    def clean(self):
        cleaned = super().clean()
        # A form's JSON field reads an empty list as "nothing"; the pipeline means empty.
        for name, field in self.fields.items():
            if isinstance(field, forms.JSONField) and cleaned.get(name) is None:
                cleaned[name] = []
        return cleaned


def story_form(story, data, source, created):
    """The story's form, bound to the fields `data` gives (and a slug for a new story)."""
    given = {name: data[name] for name in STORY_FIELDS if name in data}
    for moment in ("published_at", "expires_at"):
        if given.get(moment) is None:
            given.pop(moment, None)
    if "source_url" in given:
        given["source_url"] = given["source_url"] or ""
    if "source" in data:
        given["source"] = source.pk if source else None
    if created or data.get("slug"):
        given["slug"] = data.get("slug") or free_slug(data)
    form_class = forms.modelform_factory(
        Story, form=StoryIngestForm, fields=tuple(given) or ("slug",)
    )
    bound = given or {"slug": story.slug}
    return form_class(data=bound, instance=story)


def translation_form(row, fields):
    """A language version's form, bound to the fields given."""
    given = {name: fields[name] for name in TRANSLATED_FIELDS if name in fields}
    form_class = forms.modelform_factory(
        StoryTranslation, form=TranslationIngestForm, fields=tuple(given) or ("title",)
    )
    return form_class(data=given or {"title": row.title}, instance=row)


def free_slug(data):
    """A slug from the English (or first) title that no story has yet."""
    translations = data.get("translations") or {}
    title = (translations.get("en") or next(iter(translations.values()), {})).get("title", "")
    base = slugify(title)[:180] or slugify(data["external_id"])[:180] or "story"
    slug, number = base, 1
    while Story.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug
