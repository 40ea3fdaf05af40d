"""Preview tokens: signed, short-lived passes that show one unpublished story to their holder.

A token names one story and the staff member who issued it; it is signed with the
project's secret under its own salt, so no other signed value passes for one, and it
stops working after `CMS_PREVIEW_MAX_AGE` seconds or once its issuer may no longer
view stories. Nothing is stored: a token is checked by its signature alone.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.utils.translation import gettext as _

SALT = "cms.preview"
# The HTTP header a frontend sends the token in.
HEADER = "Preview-Token"
# Longer values are refused before any cryptography (a real token is about 80 characters).
MAX_LENGTH = 500


class PreviewError(Exception):
    """A token that cannot be used, with a message for the caller and a stable code."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = str(message)
        self.code = code


@dataclass(frozen=True)
class Preview:
    """What a valid token grants: a look at one story, until `expires_at`."""

    story_id: int
    issued_by: int
    issued_at: datetime

    @property
    def expires_at(self):
        return self.issued_at + timedelta(seconds=settings.CMS_PREVIEW_MAX_AGE)


def _signer():
    return signing.TimestampSigner(salt=SALT)


def issue(story, user):
    """A new token showing `story` to whoever holds it, issued by `user`."""
    return _signer().sign_object({"story": story.pk, "by": user.pk})


def read(token):
    """The preview a token grants; PreviewError when it is malformed, tampered or expired."""
    invalid = PreviewError(
        _("This preview token is not valid: it is mistyped or was changed."),
        "PREVIEW_TOKEN_INVALID",
    )
    if not isinstance(token, str) or not token or len(token) > MAX_LENGTH:
        raise invalid
    try:
        payload = _signer().unsign_object(token, max_age=settings.CMS_PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        raise PreviewError(
            _(
                "This preview token has expired; "
                "open the story's preview in the admin for a new one."
            ),
            "PREVIEW_TOKEN_EXPIRED",
        ) from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise invalid from None
    story_id = payload.get("story") if isinstance(payload, dict) else None
    issuer_id = payload.get("by") if isinstance(payload, dict) else None
    if not all(type(value) is int for value in (story_id, issuer_id)):
        raise invalid
    # The signature is good, so the timestamp between its separators is ours.
    issued_at = datetime.fromtimestamp(signing.b62_decode(token.rsplit(":", 2)[1]), tz=UTC)
    return Preview(story_id=story_id, issued_by=issuer_id, issued_at=issued_at)


def may_issue(user):
    """Whether `user` may show unpublished stories: active staff who may view stories."""
    return (
        user.is_active
        and user.is_staff
        and (user.has_perm("cms.view_story") or user.has_perm("cms.change_story"))
    )


def check_issuer(preview):
    """Refuse a token whose issuer has since lost the right to view stories."""
    issuer = get_user_model().objects.filter(pk=preview.issued_by).first()
    if issuer is None or not may_issue(issuer):
        raise PreviewError(
            _(
                "This preview token is no longer valid: "
                "whoever issued it may no longer view stories."
            ),
            "PREVIEW_TOKEN_REVOKED",
        )
    return preview


# Image addresses in a preview carry a token of their own: one that `/media/` takes and
# GraphQL does not, so an image address copied out of a draft (a shared screenshot link,
# a referrer header, a proxy log) never opens the draft itself.
MEDIA_SALT = "cms.preview.media"


def media_token(preview):
    """The media-only token of `preview`: the same story and issuer, expiring with it."""
    return signing.Signer(salt=MEDIA_SALT).sign_object(
        {
            "story": preview.story_id,
            "by": preview.issued_by,
            "at": int(preview.issued_at.timestamp()),
        }
    )


def read_media(token):
    """The preview a media-only token grants (for `/media/` alone); PreviewError when it is
    malformed, tampered or expired with its preview."""
    invalid = PreviewError(
        _("This preview token is not valid: it is mistyped or was changed."),
        "PREVIEW_TOKEN_INVALID",
    )
    if not isinstance(token, str) or not token or len(token) > MAX_LENGTH:
        raise invalid
    try:
        payload = signing.Signer(salt=MEDIA_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeError):
        raise invalid from None
    values = (
        [payload.get(name) for name in ("story", "by", "at")] if isinstance(payload, dict) else []
    )
    if len(values) != 3 or not all(type(value) is int for value in values):
        raise invalid
    story_id, issuer_id, at = values
    preview = Preview(
        story_id=story_id, issued_by=issuer_id, issued_at=datetime.fromtimestamp(at, tz=UTC)
    )
    if preview.expires_at <= datetime.now(tz=UTC):
        raise invalid
    return preview


def from_request(request):
    """The preview the request's `Preview-Token` header grants, None without one."""
    token = request.headers.get(HEADER, "").strip()
    if not token:
        return None
    return check_issuer(read(token))
