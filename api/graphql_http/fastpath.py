"""Cache hits served before Django's request handling: the price of a hit is one cache read.

Only a public GET, HEAD or POST that the full view would answer from the response cache is
served here, with the same bytes and headers; anything else (no entry, a private, preview or
no-cache request, HTTPS redirects, a host not allowed, a body this cannot read) falls through
to Django unchanged, a POST's body put back for it to read.
"""

import io
import logging
import uuid

from corsheaders.middleware import CorsMiddleware
from corsheaders.signals import check_request_enabled
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.http.request import split_domain_port, validate_host
from django.utils.http import parse_header_parameters

from api.caching import responses as cache
from api.graphql_http import persisted
from api.graphql_http.refusals import RequestError
from api.graphql_http.request import READING, Incoming, Reading
from api.graphql_http.responses import entry_headers
from api.ops import metrics

logger = logging.getLogger("api.graphql_http")

REASONS = {200: "200 OK", 304: "304 Not Modified", 400: "400 Bad Request"}


class _Headers:
    """The request headers the fast path reads (`get` only), straight from the environ:
    building Django's HttpHeaders of every header cost more than the few reads."""

    def __init__(self, environ):
        self.environ = environ

    def get(self, name, default=None):
        return self.environ.get("HTTP_" + name.upper().replace("-", "_"), default)


class _Request:
    """What `responses.entry_headers` and django-cors-headers read of a request: its
    method, headers and path."""

    path_info = "/graphql"

    def __init__(self, method, headers):
        self.method = method
        self.headers = headers


# django-cors-headers' own decision, so that a hit carries the CORS headers Django's
# middleware would add (only its header logic is used: it wraps no application).
_cors = CorsMiddleware(lambda request: None)


# The CORS headers of each recent (origin, method): django-cors-headers' answer depends on
# nothing else while no `check_request_enabled` receiver is connected (none is here), and
# asking it costs more than the rest of a hit. Forgotten when full and when a setting changes.
_cors_answers = {}
_CORS_ANSWERS_MAX = 1000


def cors_headers(request):
    """The `Access-Control-*` headers of an answer to `request` (none without an Origin,
    or for an origin not allowed). Decided per request, never stored with the entry:
    a hit for one origin never carries another's. `Vary` already names Origin."""
    origin = request.headers.get("Origin")
    if origin is None:
        return []
    remembered = (origin, request.method)
    found = _cors_answers.get(remembered)
    if found is None:
        response = HttpResponse()
        _cors.add_response_headers(request, response)
        found = [
            (name, value)
            for name, value in response.items()
            if name.lower().startswith("access-control-")
        ]
        if check_request_enabled.has_listeners():
            return found
        if len(_cors_answers) >= _CORS_ANSWERS_MAX:
            _cors_answers.clear()
        _cors_answers[remembered] = found
    return found


# The reading of each query string (or POST body) recently asked for, with the headers it
# depends on: (`Incoming`, response-cache key). A pure function of them and of the
# settings, so remembering it only saves parsing, hashing and keying the same front-page
# request on every hit; forgotten when full, and when a setting changes (tests). Bodies
# longer than _REMEMBERED_BODY_MAX are read every time, so that what is kept stays small.
_readings = {}
_READINGS_MAX = 1000
_REMEMBERED_BODY_MAX = 16384


def _read(method, query_string, headers, body=None, content_type=""):
    """(`Incoming`, public cache key) of a GET or HEAD, or of a POST's `body` sent as
    `content_type` (the header); RequestError if malformed, ValueError if the header is."""
    remembered = (headers.get("Accept", ""), headers.get("Accept-Language", ""))
    if body is None:
        remembered += (query_string,)
    elif len(body) <= _REMEMBERED_BODY_MAX:
        remembered += (query_string, body, content_type)
    else:
        remembered = None
    reading = _readings.get(remembered) if remembered is not None else None
    if reading is None:
        if body is not None:
            # As Django reads it for the view (`HttpRequest.content_type`).
            content_type = parse_header_parameters(content_type)[0]
        # The view reads no request the fast path read: it is handed this reading.
        incoming = Incoming.read(method, query_string, headers, body or b"", content_type)
        reading = (incoming, incoming.cache_key("public"))
        if remembered is not None and incoming.keys_settled:
            if len(_readings) >= _READINGS_MAX:
                _readings.clear()
            _readings[remembered] = reading
    return reading


# What the fast path works out from the settings alone, for a request's host or scheme:
# whether the host is allowed, the security headers. Worked out once rather than on every
# hit (each read of a setting costs about a microsecond); forgotten when full, and when a
# setting changes (tests).
_derived = {}
_DERIVED_MAX = 1000


def _derive(key, compute, *args):
    value = _derived.get(key)
    if value is None:
        value = compute(*args)
        if len(_derived) >= _DERIVED_MAX:
            _derived.clear()
        _derived[key] = value
    return value


def _host_allowed(http_host):
    host, _port = split_domain_port(http_host)
    return bool(host) and validate_host(host, settings.ALLOWED_HOSTS)


def _forget_readings(**kwargs):
    _readings.clear()
    _cors_answers.clear()
    _derived.clear()


def connect():
    # Tests that override settings must not be answered from readings made before.
    setting_changed.connect(_forget_readings, dispatch_uid="fastpath-readings")


def _body(environ):
    """A POST's body, read from `wsgi.input` and put back for Django (which reads it
    again only if the fast path does not answer); None, and nothing read, when the view
    would refuse it unread (no length, or too long) or the client sent less than it said."""
    length = environ.get("CONTENT_LENGTH") or ""
    if not length.isdigit() or int(length) > settings.CMS_MAX_BODY_BYTES:
        return None
    body = environ["wsgi.input"].read(int(length))
    environ["wsgi.input"] = io.BytesIO(body)
    return body if len(body) == int(length) else None


def cached_answer(environ):
    """(entry, request, incoming) for a cache hit, or None to let Django answer.

    A request it read and did not answer leaves its reading, and the cache lookup's
    result, in `environ[READING]` for the view.
    """
    method = environ.get("REQUEST_METHOD")
    if (
        method not in ("GET", "HEAD", "POST")
        or environ.get("PATH_INFO") != "/graphql"
        or "HTTP_AUTHORIZATION" in environ
        or "HTTP_PREVIEW_TOKEN" in environ
        or "no-cache" in environ.get("HTTP_CACHE_CONTROL", "")
        or (environ.get("wsgi.url_scheme") != "https" and _derive("ssl", _ssl_redirect))
    ):
        return None
    http_host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    if not _derive(("host", http_host), _host_allowed, http_host):
        return None
    headers = _Headers(environ)
    body, content_type = None, ""
    if method == "POST":
        body = _body(environ)
        if body is None:
            return None
        content_type = environ.get("CONTENT_TYPE", "")
    try:
        incoming, key = _read(method, environ.get("QUERY_STRING", ""), headers, body, content_type)
    except (RequestError, ValueError):
        # Django reads it again and answers the error, with its request id and rate
        # limit, in the language LocaleMiddleware chose (this one was not translated so).
        return None
    if not persisted.allowed(incoming.digest):
        environ[READING] = Reading(incoming)
        return None
    # Counts missing from the shared cache would need SQL: the view reads them then.
    found = cache.lookup(key, counts_from_database=False)
    if not isinstance(found, cache.Entry):
        environ[READING] = Reading(incoming, key=key, looked_up=True, found=found)
        return None
    return found, _Request(method, headers), incoming


def _ssl_redirect():
    return bool(settings.SECURE_SSL_REDIRECT)


def security_headers(environ):
    """The headers Django's security middleware adds to an answer for this scheme."""
    scheme = environ.get("wsgi.url_scheme")
    return list(_derive(("security", scheme), _security_headers, scheme))


def _security_headers(scheme):
    headers = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", settings.SECURE_REFERRER_POLICY),
        ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY),
        ("X-Frame-Options", settings.X_FRAME_OPTIONS),
    ]
    if settings.SECURE_HSTS_SECONDS and scheme == "https":
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        headers.append(("Strict-Transport-Security", value))
    return tuple(headers)


class FastPath:
    """WSGI middleware: answers response-cache hits, hands everything else to Django."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        try:
            found = cached_answer(environ)
        except Exception:
            # Redis or the database failing under the lookup: Django answers instead (a 503
            # with Retry-After if the failure is still there), never a 500 from here.
            logger.warning("The fast path could not look up the cache", exc_info=True)
            found = None
        if found is None:
            return self.application(environ, start_response)
        entry, request, incoming = found
        status, headers = entry_headers(request, entry)
        metrics.fast_path_hit(status, incoming.operation, incoming.digest)
        headers += security_headers(environ)
        headers += cors_headers(request)
        if not entry.content_language:
            # An entry stored before entries recorded their languages: as LocaleMiddleware
            # would say for the language the headers asked for.
            headers.append(("Content-Language", incoming.language))
        headers.append(("X-Request-ID", uuid.uuid4().hex))
        body = b""
        if status != 304:
            body = entry.body
            headers.append(("Content-Length", str(len(body))))
        if request.method == "HEAD":
            body = b""
        start_response(REASONS.get(status, f"{status} "), headers)
        return [body]
