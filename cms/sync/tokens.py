"""Sync tokens: where a partner's mirror stands, opaque, signed and bound to its key.

A token is the state of the sync as JSON, signed with the project's secret
(`django.core.signing`, so it is tamper-evident and carries the time it was issued), and
it names the key it was issued to. A forged or altered token, another key's token and an
expired one are refused, each with its own code; an expired one tells the partner to
start again without a token (a full resync).
"""

from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

SALT = "cms.sync.token"

# The sync's phases, in the order a round goes through them.
WALK, LOG, PUBLISHED, EXPIRED, DONE = "walk", "log", "published", "expired", "done"
PHASES = (WALK, LOG, PUBLISHED, EXPIRED, DONE)


EXPIRED_CODE = "SYNC_TOKEN_EXPIRED"


def expired_message():
    """Said for a token too old to use: issued too long ago, or its round began before the
    change log was pruned (cms/sync/prune.py)."""
    return _(
        "This sync token has expired: start again without a token (a full resync), "
        "and replace your copy with what it returns."
    )


class TokenError(Exception):
    """A token that cannot be used, with a stable code and a message for the partner."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Position:
    """Where a sync stands.

    A round reads the log between two numbers (`after`, `upto`] and the publish and expiry
    times between two moments (`since`, `until`], judging visibility at `until`. The first
    round walks every readable story instead (`since` and `after` start at its bounds); a
    round after the key's rights changed walks the stories readable under the rights the
    mirror may hold (`walked`) and the new ones, then reads the log as usual.
    """

    key_id: int
    phase: str
    after: int
    upto: int
    since: int  # microseconds since the epoch, UTC
    until: int
    rights: dict
    walked: list = field(default_factory=list)
    cursor: list | None = None


def dumps(position):
    return signing.dumps(asdict(position), salt=SALT, compress=True)


def loads(token, key_id):
    """The Position of `token` for key `key_id`; TokenError if it cannot be used."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.CMS_SYNC_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise TokenError(EXPIRED_CODE, expired_message()) from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise TokenError(
            "SYNC_TOKEN_INVALID",
            _("This sync token is not valid: send a token exactly as a sync returned it."),
        ) from None
    try:
        position = Position(**data)
    except TypeError:
        position = None
    if position is None or position.phase not in PHASES:
        raise TokenError(
            "SYNC_TOKEN_INVALID",
            _("This sync token is not valid: send a token exactly as a sync returned it."),
        )
    if position.key_id != key_id:
        raise TokenError(
            "SYNC_TOKEN_WRONG_KEY",
            _(
                "This sync token was issued to another API key: sync with the key that "
                "received it, or start again without a token."
            ),
        )
    return position
