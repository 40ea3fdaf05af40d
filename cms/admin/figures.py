"""The story form's images in the analysis: the list of the story's images, and the checks
of what each language's analysis places (`cms.media.figures`).

The analysis of the tab's language is checked on the form: every placement must name an
image that exists, is in the list as it is being saved (or as stored, for a translator,
who cannot change the list), and has alt text in that language or is decorative. The list
is checked on its formset: an image cannot leave it while another language's analysis
still places it. Either way the editor sees why, and nothing is saved.
"""

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cms.media import figures
from cms.models import StoryImage

# The inline formset's prefix, as Django derives it from `StoryImage.story`'s related name.
PREFIX = "image_links"
# No form has more rows than this (Django's own formset limit).
MAX_ROWS = 1000


def attached_in_post(data):
    """The image ids the posted list keeps, or None when the form has no list (translators)."""
    total = data.get(f"{PREFIX}-TOTAL_FORMS")
    if total is None:
        return None
    try:
        rows = min(int(total), MAX_ROWS)
    except (TypeError, ValueError):
        return set()
    kept = set()
    for row in range(max(rows, 0)):
        value = str(data.get(f"{PREFIX}-{row}-image") or "")
        if value.isdigit() and not data.get(f"{PREFIX}-{row}-DELETE"):
            kept.add(int(value))
    return kept


class PlacementFormMixin(forms.Form):
    """Checks the images the tab's analysis places (a story form's half)."""

    # Whether this form comes with the image list (the admin sets it per request): a
    # posted list is believed only from someone who may change it.
    edits_image_list = False

    def clean(self):
        cleaned = super().clean()
        lead = cleaned.get("image") if "image" in self.fields else None
        changed = lead is not None and lead.pk != getattr(self.instance, "image_id", None)
        if changed and not figures.may_lead(lead.pk, self.instance.pk):
            self.add_error(
                "image",
                gettext(
                    "This image belongs to another story that readers cannot see yet; "
                    "choose one of this story's images or one from the library."
                ),
            )
        if "analysis" in self.fields and cleaned.get("analysis") is not None:
            attached = attached_in_post(self.data) if self.edits_image_list else None
            if attached is None:
                attached = set(
                    StoryImage.objects.filter(story_id=self.instance.pk).values_list(
                        "image_id", flat=True
                    )
                    if self.instance.pk
                    else ()
                )
            language = self.language_code or self.instance.get_current_language()
            for message in figures.problems(cleaned["analysis"], language, attached):
                self.add_error("analysis", message)
        return cleaned


class StoryImageFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        kept, removed = set(), set()
        for form in self.forms:
            # The row's image as stored (the instance already holds the posted one).
            stored = form.initial.get("image") if form.instance.pk else None
            image = (getattr(form, "cleaned_data", None) or {}).get("image")
            if self._should_delete_form(form):
                removed.add(stored)
            elif image is not None:
                kept.add(image.pk)
                if stored is not None and stored != image.pk:
                    removed.add(stored)
        removed -= kept | {None}
        # The tab's own analysis is checked, as it is being saved, by the story form.
        current = self.instance.get_current_language()
        messages = figures.placed_in_other_versions(self.instance.pk, removed, [current])
        if messages:
            raise forms.ValidationError(messages)


class StoryImageInline(admin.TabularInline):
    model = StoryImage
    formset = StoryImageFormSet
    fields = ("image", "thumbnail", "placement")
    readonly_fields = ("thumbnail", "placement")
    autocomplete_fields = ("image",)
    extra = 1
    verbose_name_plural = _("Images in the analysis · shared by all languages")

    def get_queryset(self, request):
        # Each row shows its image and names it (alt text): loaded with the rows.
        rows = super().get_queryset(request).select_related("image")
        return rows.prefetch_related("image__translations")

    @admin.display(description=_("preview"))
    def thumbnail(self, obj):
        if obj is None or obj.image_id is None or not obj.image.file:
            return "–"
        return format_html(
            '<img src="{}" alt="" style="max-width:8rem;max-height:5rem">',
            reverse("media", args=[obj.image.file.name]),
        )

    @admin.display(description=_("to place it, write on a line of its own"))
    def placement(self, obj):
        if obj is None or obj.image_id is None:
            return gettext("Save to see the line to write.")
        return format_html("<code>![[image:{}]]</code>", obj.image_id)
