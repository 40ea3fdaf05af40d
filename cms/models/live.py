"""Live coverage: a story's stream of short, timestamped entries, one language each.

A story is made live by its `live_status` (`Story.live_status`, with the coverage's start
and end); its entries are `LiveEntry` rows, written only by `cms.stories.live` (which
renders their Markdown, checks who may publish them and announces them). Who may see an
entry is the story's rule, written once here on the QuerySet: an entry reaches a reader
only when its story does, and never once withdrawn.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.core.text import FitText

from .disclosure import Involvement

# The longest entry, in characters of Markdown: a live entry is a few paragraphs at most.
MAX_ENTRY_LENGTH = 5000
MAX_NOTE_LENGTH = 500


class LiveStatus(models.TextChoices):
    """Whether a story carries live coverage, and whether it is still running."""

    LIVE = "live", _("Live")
    ENDED = "ended", _("Ended")


class LiveEntryQuerySet(models.QuerySet):
    def shown(self):
        """Entries not withdrawn, in any story state (the composer's list)."""
        return self.filter(withdrawn_at__isnull=True)

    def readable(self, audience, now=None):
        """The entries `audience` may read: not withdrawn, of a story `audience` may read
        (`StoryQuerySet.readable`: a draft, scheduled, embargoed or expired story's
        entries reach nobody), in one of the audience's languages."""
        stories = self.model.story.field.related_model.objects.readable(audience, now)
        return self.shown().filter(
            story__in=stories.values("pk"), language_code__in=list(audience.chain)
        )

    def newest_first(self):
        return self.order_by("-published_at", "-id")


class LiveEntry(models.Model):
    """One entry of a live story, in one language, as published from the composer."""

    story = models.ForeignKey(
        "cms.Story",
        verbose_name=_("story"),
        on_delete=models.CASCADE,
        related_name="live_entries",
    )
    language_code = models.CharField(_("language"), max_length=15, choices=settings.LANGUAGES)
    text = models.TextField(
        _("text"),
        validators=[FitText()],
        help_text=_("Markdown, as in the analysis: links, lists and emphasis work."),
    )
    text_html = models.TextField(editable=False, blank=True)
    text_plain = models.TextField(editable=False, blank=True)
    image = models.ForeignKey(
        "cms.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("One of the story's images, shown with the entry."),
    )
    author = models.ForeignKey(
        "cms.Author",
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    key_event = models.BooleanField(
        _("key event"),
        default=False,
        help_text=_("A turn in the story: readers can jump to key events."),
    )
    pinned = models.BooleanField(
        _("pinned"), default=False, help_text=_("Shown above the stream, whatever its time.")
    )
    ai_involvement = models.CharField(
        _("AI involvement"),
        max_length=20,
        choices=Involvement.choices,
        default=Involvement.HUMAN,
        help_text=_("How much AI wrote this entry; readers are told."),
    )
    published_at = models.DateTimeField(_("published"))
    corrected_at = models.DateTimeField(_("corrected"), null=True, blank=True)
    correction_note = models.TextField(
        _("correction note"),
        blank=True,
        validators=[FitText()],
        help_text=_("What the correction changed, shown to readers with the entry."),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = LiveEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("live entry")
        verbose_name_plural = _("live entries")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["story", "language_code", "-published_at", "-id"],
                name="live_entry_stream_idx",
            ),
        ]

    def __str__(self):
        return self.text_plain[:80] or self.text[:80]
