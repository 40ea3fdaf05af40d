"""Arguments that must be checked against what the database can hold before they reach it.

A global id is base64 of `Story:<pk>`; the pk inside is the caller's text, and a number
past 64 bits would fail inside the database driver instead of being refused.
"""

from django.utils.translation import gettext as _

from api.graphql_http.errors import BadUserInput
from cms import values as bounds

# The most digits a 64-bit key has; longer text is refused before it is turned into a number.
MAX_PK_DIGITS = len(str(bounds.BIGINT_MAX))


def story_pk(node_id):
    """The primary key a `node(id:)` names; BAD_USER_INPUT when it cannot be a story's."""
    text = str(node_id)
    if text.isascii() and text.isdigit() and len(text) <= MAX_PK_DIGITS:
        pk = int(text)
        if bounds.integer_fits(pk):
            return pk
    raise BadUserInput(_("`id` is not the id of a story: pass an `id` the API returned."))
