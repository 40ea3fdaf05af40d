"""Cache hits served before Django's request handling: the price of a hit is one cache read.

Only a public GET that the full view would answer from the response cache is served here,
with the same bytes and headers; anything else (no entry, a private, preview or no-cache request,
HTTPS redirects, a host not allowed) falls through to Django unchanged.
"""

import uuid
from urllib.parse import parse_qs

import orjson
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from api.caching import responses as cache
from api.graphql_http import persisted
from api.graphql_http import request as http
from api.ops import metrics
from api.schema.context import header_language

REASONS = {200: "200 OK", 304: "304 Not Modified", 400: "400 Bad Request"}


class Headers(dict):
    """Request headers under their HTTP names, as the view's helpers read them."""

    @classmethod
    def of(cls, environ):
        return cls(
            {
                "Accept": environ.get("HTTP_ACCEPT", ""),
                "Accept-Language": environ.get("HTTP_ACCEPT_LANGUAGE", ""),
                "If-None-Match": environ.get("HTTP_IF_NONE_MATCH", ""),
            }
        )


class _Request:
    method = "GET"

    def __init__(self, headers):
        self.headers = headers


def cached_answer(environ):
    """(status, headers, body) for a cache hit, or None to let Django answer."""
    if (
        environ.get("REQUEST_METHOD") != "GET"
        or environ.get("PATH_INFO") != "/graphql"
        or "HTTP_AUTHORIZATION" in environ
        or "HTTP_PREVIEW_TOKEN" in environ
        or "no-cache" in environ.get("HTTP_CACHE_CONTROL", "")
        or (settings.SECURE_SSL_REDIRECT and environ.get("wsgi.url_scheme") != "https")
    ):
        return None
    host, _port = split_domain_port(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""))
    if not host or not validate_host(host, settings.ALLOWED_HOSTS):
        return None
    params = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    try:
        variables = orjson.loads(params["variables"][0]) if "variables" in params else None
        extensions = orjson.loads(params["extensions"][0]) if "extensions" in params else None
    except orjson.JSONDecodeError:
        return None
    if not isinstance(variables, dict | None) or not isinstance(extensions, dict | None):
        return None
    operation = http.Operation(
        params.get("query", [None])[0],
        variables,
        params.get("operationName", [None])[0] or None,
        extensions,
    )
    request = _Request(Headers.of(environ))
    media_type = http.media_type(request)
    if media_type is None:
        return None
    try:
        digest = persisted.digest(operation)
    except http.RequestError:
        return None
    if not persisted.allowed(digest):
        return None
    key = cache.response_key(
        digest,
        operation.variables,
        operation.operation_name,
        header_language(request),
        "public",
        media_type,
    )
    entry = cache.lookup(key)
    if entry is None:
        return None
    return entry, request


def security_headers(environ):
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", settings.SECURE_REFERRER_POLICY),
        ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY),
        ("X-Frame-Options", settings.X_FRAME_OPTIONS),
    ]
    if settings.SECURE_HSTS_SECONDS and environ.get("wsgi.url_scheme") == "https":
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        headers.append(("Strict-Transport-Security", value))
    return headers


class FastPath:
    """WSGI middleware: answers response-cache hits, hands everything else to Django."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        found = cached_answer(environ)
        if found is None:
            return self.application(environ, start_response)
        entry, request = found
        from api.graphql_http.responses import from_entry

        response = from_entry(request, entry)
        metrics.fast_path_hit(environ, response.status_code)
        headers = [(name, value) for name, value in response.items()]
        headers += security_headers(environ)
        # As LocaleMiddleware would say for the language the headers asked for.
        headers.append(("Content-Language", header_language(request)))
        headers.append(("X-Request-ID", uuid.uuid4().hex))
        body = response.content
        if response.status_code != 304:
            headers.append(("Content-Length", str(len(body))))
        start_response(REASONS.get(response.status_code, f"{response.status_code} "), headers)
        return [body]
