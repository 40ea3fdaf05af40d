"""Building GraphQL HTTP responses: media types, status codes and caching headers."""

import math
import time

import orjson
from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from api.caching import edge

# Preview-Token too: a shared cache must not answer a preview with the public answer.
VARY = ("Accept", "Accept-Language", "Authorization", "Preview-Token")


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


def if_none_match(request):
    header = request.headers.get("If-None-Match", "")
    return {tag.strip() for tag in header.split(",") if tag.strip()}


def from_entry(request, entry, private=False):
    """The response for a cached entry: 304 when the client has it, else the bytes.

    Answers to a partner's key are cached here, per key, but never by browsers or CDNs.
    """
    remaining = max(0, math.ceil(entry.expires_at - time.time()))
    max_age = min(entry.max_age, remaining)
    shared = min(entry.shared_max_age, remaining)
    if request.method == "GET" and entry.etag in if_none_match(request):
        response = HttpResponse(status=304)
        patch_vary_headers(response, VARY)
    else:
        response = respond(entry.status, entry.body, entry.content_type)
    response["ETag"] = entry.etag
    if private:
        response["Cache-Control"] = "private, no-store"
        return response
    response["Cache-Control"] = (
        f"public, max-age={max_age}, s-maxage={shared}, "
        f"stale-while-revalidate={settings.CMS_HTTP_STALE_WHILE_REVALIDATE}"
    )
    return edge.apply(request, response, entry, private)
