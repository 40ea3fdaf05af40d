"""A temporary failure is a 503 with Retry-After on every path, never a 500.

The database gone, a statement ended by its timeout (a lock held too long, a slow
database), Redis out of reach: the caller should try again shortly, and caches and the
edge should not keep the answer. GraphQL's view answers these itself; everything else
(feeds, sitemaps, media, the admin, anything a middleware reached) comes here, from
`UnavailableMiddleware` for a view's exception and from the project's handler500 for one
raised anywhere else in the stack.
"""

import logging
import sys

import orjson
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views import defaults
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("api.ops")

RETRY_AFTER = "5"
TEMPORARY = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


def is_temporary(error):
    """Whether `error`, or what it was raised from, is a failure that passes by itself."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, TEMPORARY):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def response(request):
    """The 503 for `request`, in the kind of body its path answers."""
    message = _("The service is briefly unavailable; try again shortly.")
    path = request.path_info if request is not None else ""
    if path.startswith("/graphql"):
        body = orjson.dumps(
            {"errors": [{"message": message, "extensions": {"code": "SERVICE_UNAVAILABLE"}}]}
        )
        answer = HttpResponse(body, status=503, content_type="application/json")
    elif path.startswith("/admin"):
        answer = HttpResponse(
            f"<!doctype html><title>503</title><h1>503</h1><p>{message}</p>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    else:
        answer = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    answer["Retry-After"] = RETRY_AFTER
    answer["Cache-Control"] = "no-store"
    return answer


class UnavailableMiddleware:
    """Last in MIDDLEWARE, so a view's temporary failure is answered before any other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_temporary(exception):
            return None
        logger.warning("Temporarily unavailable (%s): %r", request.path_info, exception)
        return response(request)


def server_error(request):
    """handler500: a 503 when what went wrong is temporary, else Django's 500 page."""
    error = sys.exc_info()[1]
    if is_temporary(error):
        return response(request)
    return defaults.server_error(request)
