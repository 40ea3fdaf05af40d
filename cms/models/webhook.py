"""Partners' webhook endpoints and every delivery made to them."""

import base64
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from cms.core.netguard import validate_endpoint_url


class Event(models.TextChoices):
    PUBLISHED = "story.published", _("A story was published")
    UPDATED = "story.updated", _("A published story was updated")
    UNPUBLISHED = "story.unpublished", _("A story was unpublished")
    LIVE_ENTRY_PUBLISHED = "live.entry_published", _("A live entry was published")
    LIVE_ENTRY_CORRECTED = "live.entry_corrected", _("A live entry was corrected")
    LIVE_ENDED = "live.ended", _("A story's live coverage ended")
    KILLED = "story.killed", _("A story was killed (taken down everywhere, with a notice)")


def new_secret():
    """A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEndpoint(models.Model):
    """Where a partner wants to hear about stories, filtered by event, language and tag."""

    partner = models.ForeignKey(
        "cms.Partner", verbose_name=_("partner"), on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(
        _("URL"),
        max_length=500,
        validators=[validate_endpoint_url],
        help_text=_(
            "A public http or https address; this machine, private networks and cloud "
            "metadata addresses are refused."
        ),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=new_secret,
        editable=False,
        help_text=_("Give this to the partner to verify signatures."),
    )
    events = models.JSONField(_("events"), default=list, help_text=_("Empty: every event."))
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_("Empty: every language.")
    )
    tags = models.ManyToManyField(
        "cms.Tag", verbose_name=_("tags"), blank=True, help_text=_("Empty: every tag.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.url

    def wants(self, event, story_languages):
        """Whether this endpoint subscribes to `event` for a story in these languages."""
        if not self.active or (self.events and event not in self.events):
            return False
        return not self.languages or bool(set(self.languages) & set(story_languages))

    def wants_tags(self, story_tag_ids):
        """Whether the story's tags are among those this endpoint follows (none: all)."""
        wanted = {tag.pk for tag in self.tags.all()}
        return not wanted or bool(wanted & set(story_tag_ids))


class WebhookDelivery(models.Model):
    """One event for one endpoint, with its attempts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed for good")
        CANCELLED = "cancelled", _("Not sent: no longer applies")

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    message_id = models.CharField(_("message id"), max_length=40, unique=True)
    event = models.CharField(_("event"), max_length=40, choices=Event.choices)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last response"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"
