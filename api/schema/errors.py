"""GraphQL errors callers can act on: every one carries a stable `extensions.code`.

Caller mistakes keep their message; anything unexpected is masked, logged with the
request id, and answered with that id, never a traceback, SQL or path.
"""

import logging
import re

from django.conf import settings
from django.db import DatabaseError, DataError, InterfaceError, OperationalError
from django.utils.translation import gettext as _
from graphql import GraphQLError, GraphQLSyntaxError

logger = logging.getLogger("api.errors")
SUGGESTION = re.compile(r"\s*Did you mean .*\?\s*$")


class ApiError(GraphQLError):
    """An error meant for the caller; its message is safe to show."""

    code = "BAD_REQUEST"

    def __init__(self, message):
        super().__init__(str(message), extensions={"code": self.code})


class BadUserInput(ApiError):
    code = "BAD_USER_INPUT"


class NotFound(ApiError):
    code = "NOT_FOUND"


class Gone(ApiError):
    """A story that was killed: its address answers as gone (HTTP's 410), with the notice."""

    code = "GONE"

    def __init__(self, message, notice):
        super().__init__(message)
        self.extensions["notice"] = notice


def is_unavailable(error):
    """Whether an error comes from the database being out of reach."""
    return isinstance(error.original_error, (OperationalError, InterfaceError))


def classify(error):
    """The `extensions.code` of a GraphQL error."""
    original = error.original_error
    if isinstance(original, ApiError):
        return original.code
    if isinstance(error, ApiError):
        return error.code
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if original is None:
        if error.message.startswith("Variable '$"):
            return "BAD_USER_INPUT"
        return "GRAPHQL_VALIDATION_FAILED"
    if is_unavailable(error):
        return "SERVICE_UNAVAILABLE"
    if isinstance(original, DataError):
        return "BAD_USER_INPUT"  # A value the database cannot hold, e.g. a NUL character.
    if isinstance(original, GraphQLError) or (
        isinstance(original, ValueError) and not isinstance(original, DatabaseError)
    ):
        # Input the schema could not coerce (a malformed global id, an out-of-range Int).
        return "BAD_USER_INPUT"
    return "INTERNAL_SERVER_ERROR"


def format_error(error, request_id):
    """The error as the response shows it."""
    code = classify(error)
    formatted = error.formatted
    if code == "INTERNAL_SERVER_ERROR":
        logger.error(
            "Unexpected error in request %s at %s",
            request_id,
            error.path,
            exc_info=error.original_error,
        )
        formatted["message"] = _(
            "Internal server error. Quote request id %(request_id)s when reporting it."
        ) % {"request_id": request_id}
    elif code == "BAD_USER_INPUT" and isinstance(error.original_error, DataError):
        formatted["message"] = _(
            "A value in the request cannot be stored or compared (it may hold a NUL character)."
        )
    elif code == "SERVICE_UNAVAILABLE":
        formatted["message"] = _("The service is briefly unavailable; try again shortly.")
    elif not settings.DEBUG:
        formatted["message"] = SUGGESTION.sub("", formatted["message"])
    extensions = dict(formatted.get("extensions") or {})
    extensions["code"] = code
    if code == "INTERNAL_SERVER_ERROR":
        extensions["requestId"] = request_id
    formatted["extensions"] = extensions
    return formatted
