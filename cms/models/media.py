"""What a story shows besides its text: its images, its bylines and its corrections.

An `Image` is the uploaded original (kept through Django's storage API, with location
metadata removed on upload: `cms.media.images`) with the editor's focal point; its alt text,
caption and credit are per language. A story's lead image is `Story.image`; the images
its analysis may place (`![[image:12]]`, `cms.media.figures`) are its `StoryImage`s. An
`Author` is a person (translated bio, avatar, profile page) or the publication itself; a
story's authors are ordered (`StoryAuthor`).
A `Correction` is one language's public note of what a non-minor change corrected.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.models import TranslatableModel, TranslatedFields

from cms.core.text import FitText

FOCAL_VALIDATORS = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class Image(TranslatableModel):
    """An uploaded image: the original file, its size, focal point, rights and source."""

    file = models.ImageField(
        _("image file"),
        upload_to="images/%Y/%m/",
        # `/media/` finds an original by its name (api/media.py).
        db_index=True,
        width_field="width",
        height_field="height",
        max_length=300,
        help_text=_(
            "A JPEG, PNG, WebP or AVIF picture. Location data (GPS) in it is removed on upload."
        ),
    )
    width = models.PositiveIntegerField(_("width"), default=0, editable=False)
    height = models.PositiveIntegerField(_("height"), default=0, editable=False)
    focal_x = models.FloatField(
        _("focal point, across"),
        default=0.5,
        validators=FOCAL_VALIDATORS,
        help_text=_("0 is the left edge, 1 the right: crops keep this point in view."),
    )
    focal_y = models.FloatField(
        _("focal point, down"),
        default=0.5,
        validators=FOCAL_VALIDATORS,
        help_text=_("0 is the top edge, 1 the bottom: crops keep this point in view."),
    )
    decorative = models.BooleanField(
        _("decorative"),
        default=False,
        help_text=_(
            "Tick when the image adds nothing a text could say: screen readers skip it, and "
            "no alt text is needed."
        ),
    )
    rights = models.CharField(
        _("rights or licence"),
        max_length=200,
        validators=[FitText()],
        help_text=_("Who may use the image and how, e.g. “CC BY 4.0” or “© Reuters, licensed”."),
    )
    source_url = models.URLField(
        _("image source"),
        max_length=1000,
        blank=True,
        help_text=_("Where the image comes from (its page at the agency or archive)."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Renditions whose making failed (by stored name, which names the file's version):
    # never tried again, never listed (cms.media.renditions).
    failed_renditions = models.JSONField(default=list, blank=True, editable=False)
    translations = TranslatedFields(
        alt=models.CharField(
            _("alt text"),
            max_length=300,
            blank=True,
            validators=[FitText()],
            help_text=_(
                "What the image shows, for readers who cannot see it. Required unless the "
                "image is decorative."
            ),
        ),
        caption=models.CharField(_("caption"), max_length=500, blank=True, validators=[FitText()]),
        credit=models.CharField(
            _("credit"),
            max_length=200,
            blank=True,
            validators=[FitText()],
            help_text=_("Shown with the image, e.g. “Photo: Jane Doe / Reuters”."),
        ),
    )

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="image_focal_point_0_1",
            ),
        ]

    def __str__(self):
        return (
            self.safe_translation_getter("alt", any_language=True)
            or self.file.name.rsplit("/", 1)[-1]
        )


class StoryImage(models.Model):
    """An image a story's analysis may place, in any language (`![[image:<image id>]]`).

    An image placed in an analysis cannot be deleted while it is attached (PROTECT): the
    rendered analysis would lose it without anyone deciding so.
    """

    story = models.ForeignKey("cms.Story", on_delete=models.CASCADE, related_name="image_links")
    image = models.ForeignKey(
        Image, verbose_name=_("image"), on_delete=models.PROTECT, related_name="story_links"
    )

    class Meta:
        verbose_name = _("image in the analysis")
        verbose_name_plural = _("images in the analysis")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["story", "image"], name="story_image_once"),
        ]

    def __str__(self):
        return str(self.image)


class Author(TranslatableModel):
    """Who a byline names: a person, or the publication itself (for automated stories)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("A person")
        ORGANIZATION = "organization", _("The publication")

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200, validators=[FitText()])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PERSON)
    profile_url = models.URLField(
        _("profile page"),
        max_length=1000,
        blank=True,
        help_text=_("The author's page on the reader site; search engines link bylines to it."),
    )
    avatar = models.ForeignKey(
        Image,
        verbose_name=_("avatar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    translations = TranslatedFields(
        bio=models.TextField(_("bio"), blank=True, validators=[FitText()]),
    )

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        ordering = ["name"]

    def __str__(self):
        return self.name


class StoryAuthor(models.Model):
    """An author in a story's byline, at the position the editor put them."""

    story = models.ForeignKey("cms.Story", on_delete=models.CASCADE, related_name="author_links")
    author = models.ForeignKey(
        Author, verbose_name=_("author"), on_delete=models.PROTECT, related_name="story_links"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["story", "author"], name="story_author_once"),
        ]

    def __str__(self):
        return str(self.author)


class Correction(models.Model):
    """A correction readers are shown: what one language's non-minor change corrected."""

    story = models.ForeignKey("cms.Story", on_delete=models.CASCADE, related_name="corrections")
    language_code = models.CharField(_("language"), max_length=15, choices=settings.LANGUAGES)
    text = models.TextField(_("correction note"), validators=[FitText()])
    corrected_at = models.DateTimeField(_("corrected"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["corrected_at", "id"]
        indexes = [models.Index(fields=["story", "language_code", "corrected_at"])]

    def __str__(self):
        return self.text[:80]
