"""The admin of images, authors and corrections, and what the preview shows of them.

Uploads go through `cms.media.images.clean_upload`: a file that is no image, too large or a
decompression bomb is refused with the reason on the form; location data is removed, and
the editor is told.
"""

import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from parler.admin import TranslatableAdmin
from parler.forms import TranslatableModelForm

from cms.media import images
from cms.models import Author, Correction, Image, Story, StoryAuthor, assigned_languages
from cms.stories import workflow

from .languages import KnownLanguagesMixin


class UploadedImageField(forms.ImageField):
    """An image upload checked and cleaned by `cms.media.images` (not Django's bare check, which
    calls a decompression bomb "not an image")."""

    def to_python(self, data):
        uploaded = forms.FileField.to_python(self, data)
        if uploaded is None:
            return None
        upload = images.clean_upload(uploaded)
        upload.file.removed_location = upload.removed_location
        return upload.file


def https_formfield(db_field, **kwargs):
    """Model fields' form fields, with web addresses assumed to be https."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ImageForm(TranslatableModelForm):
    file = UploadedImageField(
        label=capfirst(Image._meta.get_field("file").verbose_name),
        help_text=Image._meta.get_field("file").help_text,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/avif"}
        ),
    )

    class Meta:
        model = Image
        fields = "__all__"
        formfield_callback = https_formfield

    def _post_clean(self):
        super()._post_clean()
        self.store_upload()

    def store_upload(self):
        """Write a new upload to storage now, while the form can still say it failed.

        A failing disk (full, read-only) becomes an error on the file field, in the admin's
        language, with nothing stored and no row saved; the row's save then finds the file
        stored and does not write it again.
        """
        upload = self.cleaned_data.get("file") if not self.errors else None
        if upload is None or getattr(self.instance.file, "_committed", True):
            return
        try:
            self.instance.file.save(upload.name, upload, save=False)
        except OSError as error:
            self.instance.file = None
            self.add_error(
                "file",
                _(
                    "The image could not be stored (%(reason)s). Nothing was saved: try again "
                    "later, or tell an administrator that the media storage is failing."
                )
                % {"reason": error.strerror or error.__class__.__name__},
            )

    def clean(self):
        cleaned = super().clean()
        # A translator's form has no "decorative" box: the stored one counts.
        decorative = cleaned.get("decorative", self.instance.decorative)
        if not decorative and not (cleaned.get("alt") or "").strip():
            self.add_error(
                "alt",
                _("Describe the image for readers who cannot see it, or tick “decorative”."),
            )
        return cleaned


def stored_url(name):
    """The address of a stored file on this server (the admin may run on any host)."""
    return reverse("media", args=[name])


def on_this_server(text):
    """`text` (HTML, a `srcset`, an address) with image addresses under `CMS_MEDIA_URL`
    pointed at this server's `/media/`: the preview runs on the admin's host, whose staff
    session shows unpublished stories' images, which a CDN in front would not."""
    prefix = re.escape(settings.CMS_MEDIA_URL.rstrip("/") + "/")
    return re.sub(rf"{prefix}([^\s\"'<>,?]+)", lambda m: stored_url(m.group(1)), text or "")


@admin.register(Image)
class ImageAdmin(KnownLanguagesMixin, TranslatableAdmin):
    form = ImageForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("thumbnail", "placement", "alt_column", "size", "rights", "language_column")
    search_fields = ("translations__alt", "translations__caption", "rights", "file")
    readonly_fields = ("focal_preview", "size", "placement")
    fieldsets = (
        (None, {"fields": ("alt", "caption", "credit")}),
        (
            _("Image · shared by all languages"),
            {
                "fields": (
                    "file",
                    "focal_preview",
                    "size",
                    "placement",
                    ("focal_x", "focal_y"),
                    "decorative",
                    "rights",
                    "source_url",
                )
            },
        ),
    )

    class Media:
        css = {"all": ("cms/admin.css",)}
        js = ("cms/focal_point.js",)

    # Who may change what, as on stories: writers images no live story shows, editors and
    # publishers every image, translators the alt text, caption and credit of their
    # languages only.

    def is_translator_only(self, request):
        user = request.user
        return not user.has_perm(workflow.CHANGE) and user.has_perm("cms.translate_story")

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or obj.pk is None:
            return True
        if self.is_translator_only(request):
            return self.get_form_language(request, obj) in assigned_languages(request.user)
        if request.user.has_perm(workflow.REVIEW):
            return True
        # A writer edits images only while every story showing them (as lead, placed or
        # avatar) is one they may edit too: a draft or a story in review.
        editable = (Story.Status.DRAFT, Story.Status.REVIEW)
        return not Story.objects.showing_image(obj.pk).exclude(status__in=editable).exists()

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self.is_translator_only(request):
            readonly += [
                field
                for field in ("file", "focal_x", "focal_y", "decorative", "rights", "source_url")
                if field not in readonly
            ]
        return readonly

    @admin.display(description=_("image"))
    def thumbnail(self, obj):
        if not obj.file:
            return "–"
        return format_html(
            '<img src="{}" alt="" style="max-width:8rem;max-height:5rem">',
            stored_url(obj.file.name),
        )

    @admin.display(description=_("in an analysis"), ordering="pk")
    def placement(self, obj):
        """The line that places the image in an analysis of a story it is attached to."""
        if obj is None or obj.pk is None:
            return "–"
        return format_html("<code>![[image:{}]]</code>", obj.pk)

    @admin.display(description=_("alt text"))
    def alt_column(self, obj):
        if obj.decorative:
            return gettext("(decorative)")
        return obj.safe_translation_getter("alt", any_language=True) or "–"

    @admin.display(description=_("size"))
    def size(self, obj):
        return f"{obj.width} × {obj.height}" if obj.width else "–"

    @admin.display(description=_("focal point"))
    def focal_preview(self, obj):
        # An unsaved image (a refused upload) has no stored file to show yet.
        if obj is None or obj.pk is None or not obj.file:
            return gettext("Upload the image and save: then click it here to set the focal point.")
        return format_html(
            '<div class="cms-focal" data-x="{}" data-y="{}">'
            '<img src="{}" alt="" style="max-width:32rem;cursor:crosshair">'
            '<span class="cms-focal-mark" aria-hidden="true"></span></div>'
            '<p class="help">{}</p>',
            obj.focal_x,
            obj.focal_y,
            stored_url(obj.file.name),
            gettext("Click the picture to set the focal point: crops keep it in view."),
        )

    def save_model(self, request, obj, form, change):
        try:
            super().save_model(request, obj, form, change)
        except Exception:
            # The row was not saved: neither is the file stored for it (no file without a row).
            if "file" in form.changed_data and obj.file.name:
                obj.file.storage.delete(obj.file.name)
            raise
        uploaded = form.cleaned_data.get("file")
        if getattr(uploaded, "removed_location", False):
            self.message_user(
                request,
                gettext("The image held location data (GPS); it was removed before saving."),
                messages.WARNING,
            )


@admin.register(Author)
class AuthorAdmin(KnownLanguagesMixin, TranslatableAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "kind", "profile_url", "language_column")
    search_fields = ("name", "slug")
    autocomplete_fields = ("avatar",)
    fields = ("name", "slug", "kind", "profile_url", "avatar", "bio")

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ("name",)}


class StoryAuthorInline(admin.TabularInline):
    model = StoryAuthor
    fields = ("author", "position")
    autocomplete_fields = ("author",)
    extra = 1
    verbose_name_plural = _("Byline · shared by all languages")


class CorrectionFormMixin(forms.Form):
    """The story form's correction note: a non-minor change to a live story may say what
    it corrected; readers are shown it with its time (`record_correction`)."""

    correction_note = forms.CharField(
        label=_("Correction note (shown to readers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Say what this change corrects, in this tab's language: readers see it under the "
            "story with the time. Leave empty for changes that correct nothing."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        note = (cleaned.get("correction_note") or "").strip()
        if note and cleaned.get("minor_edit"):
            self.add_error(
                "correction_note",
                _("A minor edit writes no correction: untick “Minor edit” or empty the note."),
            )
        elif note and not (self.instance.pk and self.instance.is_live()):
            self.add_error(
                "correction_note",
                _("Only a live story gets corrections: readers have not seen this one yet."),
            )
        return cleaned


def record_correction(story, form, language, user):
    """Write the form's correction note, if any, at the story's new "Updated" time."""
    note = (form.cleaned_data.get("correction_note") or "").strip()
    if not note or form.cleaned_data.get("minor_edit") or not story.is_live():
        return None
    story.mark_updated()
    return Correction.objects.create(
        story=story,
        language_code=language,
        text=note,
        corrected_at=story.updated_at,
        written_by=user,
    )


def media_preview(served):
    """The preview page's image, byline and corrections for a `ServedStory`."""
    image = served.image
    context = {
        "image": image,
        "authors": served.authors,
        "editor": served.editor,
        "corrections": served.corrections,
    }
    if image is not None:
        jpeg = image.renditions("jpeg")
        webp = image.renditions("webp")
        context.update(
            image_src=on_this_server(jpeg[-1].url) if jpeg else None,
            image_size=jpeg[-1] if jpeg else None,
            image_srcset=on_this_server(", ".join(f"{r.url} {r.width}w" for r in jpeg)),
            image_webp=on_this_server(", ".join(f"{r.url} {r.width}w" for r in webp)),
        )
    return context
