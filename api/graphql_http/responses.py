"""Building GraphQL HTTP responses: media types, status codes and caching headers."""

import math
import time

import orjson
from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from api.caching import edge

# The response cache's name in `Cache-Status` headers.
CACHE_NAME = "ainews-origin"
# Preview-Token too: a shared cache must not answer a preview with the public answer;
# Origin, since CORS headers name the origin allowed (django-cors-headers adds it too).
VARY = ("Accept", "Accept-Language", "Authorization", "Origin", "Preview-Token")


def respond(status, encoded, media_type, headers=None):
    response = HttpResponse(encoded, status=status, content_type=media_type)
    patch_vary_headers(response, VARY)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def error(status, message, code, media_type, headers=None, extensions=None):
    """A response holding one error, never stored by any cache."""
    error_body = {"message": str(message), "extensions": {"code": code, **(extensions or {})}}
    response = respond(status, orjson.dumps({"errors": [error_body]}), media_type, headers)
    response["Cache-Control"] = "no-store"
    return response


def error_for(failure, media_type):
    """The response for a `RequestError`: the one place such errors become answers."""
    return error(
        failure.status_for(media_type), failure.message, failure.code, media_type, failure.headers
    )


def client_has(request, etag):
    """Whether If-None-Match names `etag`, compared weakly (RFC 9110 13.1.2), or is `*`.

    CDNs that compress an answer turn its strong ETag weak (`W/"…"`); it is still ours.
    """
    header = request.headers.get("If-None-Match", "")
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def cache_status(detail):
    """A `Cache-Status` value (RFC 9211) naming this origin's response cache."""
    return f"{CACHE_NAME}; {detail}"


# What Django's HttpResponse says of a 304 (it has no body, but the header was always
# there); the fast path must say the same.
NOT_MODIFIED_TYPE = f"text/html; charset={settings.DEFAULT_CHARSET}"
_VARY = ", ".join(VARY)


def entry_headers(request, entry, private=False, stored=None):
    """(status, headers) of the response for a cached entry: 304 when the client has it,
    else the entry's status, whose body is `entry.body`.

    `stored` says why an entry was just computed and stored (`miss`, or `request` when
    the client asked for a fresh answer); None for an entry found in the cache.
    Answers to a partner's key are cached here, per key, but never by browsers or CDNs.
    Built as a list, not an HttpResponse: the fast path sends them as they are.
    """
    remaining = max(0, math.ceil(entry.expires_at - time.time()))
    if request.method in ("GET", "HEAD") and client_has(request, entry.etag):
        status, content_type = 304, NOT_MODIFIED_TYPE
    else:
        status, content_type = entry.status, entry.content_type
    headers = [("Content-Type", content_type), ("Vary", _VARY), ("ETag", entry.etag)]
    if entry.content_language:
        headers.append(("Content-Language", entry.content_language))
    headers.append(
        (
            "Cache-Status",
            cache_status(f"hit; ttl={remaining}" if stored is None else f"fwd={stored}; stored"),
        )
    )
    if private:
        headers.append(("Cache-Control", "private, no-store"))
        return status, headers
    control = edge.public_control(
        min(entry.max_age, remaining), min(entry.shared_max_age, remaining)
    )
    headers.append(("Cache-Control", control))
    headers += edge.headers(request, entry, remaining)
    return status, headers


def from_entry(request, entry, private=False, stored=None):
    """The response for a cached entry: 304 when the client has it, else the bytes
    (`entry_headers`)."""
    status, headers = entry_headers(request, entry, private, stored)
    response = HttpResponse(b"" if status == 304 else entry.body, status=status)
    for name, value in headers:
        response[name] = value
    return response
