"""Partners who syndicate our stories, and the API keys they call with."""

import hashlib
import hmac
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_PREFIX = "ank"
# Feed tokens go in feed URLs (`?token=`), which feed readers store and logs may keep: a
# token of its own per key, revocable without touching the key, that reads feeds only.
FEED_TOKEN_PREFIX = "ankf"


class Scope(models.TextChoices):
    READ = "read", _("Read published stories")
    FULL_TEXT = "full_text", _("Full text (deep analysis) in the API and feeds")
    INGEST = "ingest", _("Create and update stories as drafts")
    PUBLISH = "publish", _("Publish the stories it ingests")


class Partner(models.Model):
    """A publication or app that republishes our stories."""

    name = models.CharField(_("name"), max_length=200)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self):
        return self.name


def digest(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Keys that authenticate now: not revoked, not expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKey(models.Model):
    """A partner's key: shown once, stored hashed, scoped, restricted and rate-limited."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="keys"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What the key is for."))
    prefix = models.CharField(_("prefix"), max_length=24, unique=True, editable=False)
    hashed_secret = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_("Empty: every language.")
    )
    tags = models.ManyToManyField(
        "cms.Tag", verbose_name=_("tags"), blank=True, help_text=_("Empty: every tag.")
    )
    per_minute = models.PositiveIntegerField(_("requests per minute"), default=120)
    per_day = models.PositiveIntegerField(_("requests per day"), default=50000)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    feed_token_prefix = models.CharField(
        _("feed token prefix"),
        max_length=24,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Feeds take the feed token as ?token=; empty when none is issued."),
    )
    hashed_feed_token = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def set_new_secret(self):
        """Give the key a fresh secret and return it: only its hash is kept."""
        self.prefix = f"{KEY_PREFIX}_{secrets.token_hex(4)}"
        secret = f"{self.prefix}_{secrets.token_urlsafe(32)}"
        self.hashed_secret = digest(secret)
        return secret

    @classmethod
    def issue(cls, **fields):
        """Create a key; return it with its secret, which is never stored and never shown again."""
        key = cls(**fields)
        secret = key.set_new_secret()
        key.save()
        return key, secret

    @classmethod
    def authenticate(cls, secret):
        """The usable key for a presented secret, or None (constant time in the secret)."""
        parts = secret.split("_")
        if len(parts) < 3 or parts[0] != KEY_PREFIX or not parts[1].isalnum():
            return None
        prefix = f"{parts[0]}_{parts[1]}"
        key = cls.objects.usable().select_related("partner").filter(prefix=prefix).first()
        if key is None or not hmac.compare_digest(key.hashed_secret, digest(secret)):
            return None
        return key

    def issue_feed_token(self):
        """Give the key a new feed token (the old one stops working) and return it, once."""
        self.feed_token_prefix = f"{FEED_TOKEN_PREFIX}_{secrets.token_hex(4)}"
        token = f"{self.feed_token_prefix}_{secrets.token_urlsafe(32)}"
        self.hashed_feed_token = digest(token)
        self.save(update_fields=["feed_token_prefix", "hashed_feed_token"])
        return token

    def revoke_feed_token(self):
        self.feed_token_prefix = None
        self.hashed_feed_token = ""
        self.save(update_fields=["feed_token_prefix", "hashed_feed_token"])

    @classmethod
    def authenticate_feed_token(cls, token):
        """The usable key a feed token belongs to, or None (constant time in the token)."""
        parts = token.split("_")
        # Prefixes are letters and digits: anything else (a NUL byte, which PostgreSQL
        # cannot even compare) names no key.
        if len(parts) < 3 or parts[0] != FEED_TOKEN_PREFIX or not parts[1].isalnum():
            return None
        prefix = f"{parts[0]}_{parts[1]}"
        key = cls.objects.usable().select_related("partner").filter(feed_token_prefix=prefix)
        key = key.first()
        if key is None or not hmac.compare_digest(key.hashed_feed_token, digest(token)):
            return None
        return key

    def has_scope(self, scope):
        return scope in self.scopes

    @property
    def allowed_languages(self):
        """The languages the key may be served in, or None for every language."""
        return list(self.languages) or None

    @property
    def is_usable(self):
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def revoke(self):
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])

    def rotate(self):
        """A new key with the same settings; this one is revoked. Returns (key, secret)."""
        fields = {
            "partner": self.partner,
            "name": self.name,
            "scopes": list(self.scopes),
            "languages": list(self.languages),
            "per_minute": self.per_minute,
            "per_day": self.per_day,
            "expires_at": self.expires_at,
        }
        new, secret = ApiKey.issue(**fields)
        new.tags.set(self.tags.all())
        self.revoke()
        return new, secret


class ApiKeyUsage(models.Model):
    """Requests one key made on one day (UTC)."""

    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField(_("day"))
    requests = models.PositiveIntegerField(_("requests"), default=0)

    class Meta:
        verbose_name = _("API key usage")
        verbose_name_plural = _("API key usage")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["key", "day"], name="usage_once_a_day")]

    def __str__(self):
        return f"{self.key} {self.day}: {self.requests}"

    @classmethod
    def record(cls, key, day=None):
        """Count one request, atomically (no lost increments)."""
        day = day or timezone.now().date()
        updated = cls.objects.filter(key=key, day=day).update(requests=models.F("requests") + 1)
        if not updated:
            _row, created = cls.objects.get_or_create(key=key, day=day, defaults={"requests": 1})
            if not created:
                cls.objects.filter(key=key, day=day).update(requests=models.F("requests") + 1)
