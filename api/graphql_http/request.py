"""GraphQL over HTTP: reading a request.

`Incoming` is the one reading of a request's GraphQL parameters and of what its answer is
keyed by in the response cache. The WSGI fast path reads a GET with it and, when it does
not answer, hands that reading (and its cache lookup) to the view as a `Reading`; the
view reads a request itself only when the fast path did not.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from urllib.parse import parse_qs

import orjson
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from graphql import GraphQLError, parse

from api.caching import keys
from api.graphql_http import persisted
from api.graphql_http.refusals import GRAPHQL_RESPONSE, JSON, RequestError
from cms.core import languages

PARAMETERS = ("query", "variables", "operationName", "extensions")


class Operation:
    """What one request asks for: document (or its hash), variables, operation, extensions."""

    def __init__(self, query, variables, operation_name, extensions):
        self.query = query
        self.variables = variables or {}
        self.operation_name = operation_name
        self.extensions = extensions or {}


class Incoming:
    """One GraphQL request as read from HTTP: its operation, media type and language."""

    def __init__(self, operation, media_type, language):
        self.operation = operation
        self.media_type = media_type
        self.language = language

    @classmethod
    def read(cls, method, query_string, headers, body=b"", content_type=""):
        """Read a GET's query string or a POST's JSON body; RequestError if malformed."""
        media = media_type(headers.get("Accept", ""))
        if media is None:
            raise RequestError(
                406,
                _("Accept application/json or application/graphql-response+json."),
                "NOT_ACCEPTABLE",
            )
        if method in ("GET", "HEAD"):
            operation = parse_query_string(query_string)
        else:
            operation = parse_body(body, content_type)
        language = languages.from_accept_language(headers.get("Accept-Language", ""))
        return cls(operation, media, language)

    @classmethod
    def of(cls, request):
        return cls.read(
            request.method,
            request.META.get("QUERY_STRING", ""),
            request.headers,
            request.body if request.method == "POST" else b"",
            request.content_type or "",
        )

    @cached_property
    def digest(self):
        """The document's SHA-256 (sent as a persisted-query hash, or computed)."""
        return persisted.digest(self.operation)

    @property
    def keys_settled(self):
        """Whether this request's cache keys will stay what they are now: not so for a
        document sent by a hash this process could not find yet (`declared_variables`)."""
        operation = self.operation
        return (
            operation.query is not None
            or not isinstance(operation.variables, dict)
            or not operation.variables
            or self.digest in _persisted_names
        )

    def cache_key(self, scope):
        """The response-cache key of this request's answer for `scope` ("public", a key)."""
        operation = self.operation
        return keys.answer(
            self.digest,
            declared_variables(operation, self.digest),
            operation.operation_name,
            self.language,
            scope,
            self.media_type,
        )


# The WSGI environ key under which the fast path hands its `Reading` to the view.
READING = "api.graphql_http.reading"


@dataclass(frozen=True)
class Reading:
    """What the WSGI fast path read of a request it did not answer, handed to the view
    (`environ[READING]`), so that a request is read once and the response cache looked
    up once: the request read (`incoming`) and, with `looked_up`, its public cache key and
    what `responses.lookup` found under it."""

    incoming: Incoming
    key: str | None = None
    looked_up: bool = False
    found: object = None


def declared_variables(operation, digest=None):
    """The operation's variables that its document declares: execution ignores the others,
    so a cache key that counted them would store one answer under endless keys.

    A document sent by its hash alone (`digest`) is the persisted one; while this process
    cannot find it (a hash nobody sent the document of), every variable given counts.
    """
    given = operation.variables
    if not isinstance(given, dict) or not given:
        return given
    names = declared_names(operation, digest)
    if names is None:
        return given
    return {name: value for name, value in given.items() if name in names}


def declared_names(operation, digest=None):
    """Every variable the operation's document declares; None when the document does not
    parse, or is sent by a hash whose document is not known."""
    if isinstance(operation.query, str):
        return _variable_names(operation.query)
    if digest is None:
        return None
    with _persisted_lock:
        names = _persisted_names.get(digest)
        if names is not None:
            _persisted_names.move_to_end(digest)
            return names
    document = persisted.known(digest)
    names = None if document is None else _variable_names(document)
    if names is not None:
        # A digest names its document's text, so what it declares never changes.
        with _persisted_lock:
            _persisted_names[digest] = names
            if len(_persisted_names) > _PERSISTED_NAMES_MAX:
                _persisted_names.popitem(last=False)
    return names


# The variables each persisted document declares, by digest, the most recently used
# kept: a hash-only request is keyed without fetching and parsing its document again.
_persisted_names = OrderedDict()
_PERSISTED_NAMES_MAX = 1024
_persisted_lock = threading.Lock()


@lru_cache(maxsize=1024)
def _variable_names(document):
    """Every variable any operation of `document` declares; None when it does not parse."""
    try:
        ast = parse(document, no_location=True, max_tokens=settings.GRAPHQL_MAX_TOKENS)
    except (GraphQLError, RecursionError):
        return None
    return frozenset(
        definition.variable.name.value
        for node in ast.definitions
        for definition in getattr(node, "variable_definitions", None) or ()
    )


def _decode_json(raw, what):
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestError(
            400, _("%(what)s is not valid JSON.") % {"what": what}, "BAD_REQUEST"
        ) from None


def parse_query_string(query_string):
    """The operation of a GET; each GraphQL parameter may be given once only."""
    try:
        params = parse_qs(
            query_string,
            keep_blank_values=True,
            max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        )
    except ValueError:
        raise RequestError(400, _("The query string has too many parameters.")) from None
    for name in PARAMETERS:
        if len(params.get(name, ())) > 1:
            raise RequestError(
                400, _("`%(name)s` is given more than once.") % {"name": name}, "BAD_REQUEST"
            )
    first = {name: params[name][0] for name in PARAMETERS if name in params}
    variables, extensions = first.get("variables"), first.get("extensions")
    payload = {
        "query": first.get("query"),
        "variables": _decode_json(variables, "`variables`") if variables else None,
        "operationName": first.get("operationName") or None,
        "extensions": _decode_json(extensions, "`extensions`") if extensions else None,
    }
    return _operation(payload)


def parse_body(body, content_type):
    """The operation of a POST, whose body must be one JSON object."""
    if content_type not in (JSON, GRAPHQL_RESPONSE):
        raise RequestError(
            415, _("Send GraphQL requests as %(type)s.") % {"type": JSON}, "UNSUPPORTED_MEDIA_TYPE"
        )
    payload = _decode_json(body, _("The request body"))
    if not isinstance(payload, dict):
        raise RequestError(400, _("The request body must be a JSON object."))
    return _operation(payload)


def check_values(value, what):
    """Refuse JSON too deep, too large, or holding a NUL character, before any work.

    Walked without recursion, so no nesting can exhaust the stack.
    """
    max_depth = settings.GRAPHQL_MAX_VARIABLES_DEPTH
    max_values = settings.GRAPHQL_MAX_VARIABLES_VALUES
    stack = [(value, 1)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > max_values:
            raise RequestError(
                400,
                _("%(what)s holds more than %(max)s values.") % {"what": what, "max": max_values},
            )
        if isinstance(item, str):
            if "\x00" in item:
                raise RequestError(
                    400, _("Text in %(what)s may not contain NUL characters.") % {"what": what}
                )
            continue
        if not isinstance(item, dict | list):
            continue
        if depth > max_depth:
            raise RequestError(
                400,
                _("%(what)s is nested deeper than %(max)s levels.")
                % {"what": what, "max": max_depth},
            )
        children = item.items() if isinstance(item, dict) else ((None, v) for v in item)
        for name, child in children:
            if name is not None:
                stack.append((name, depth + 1))
            stack.append((child, depth + 1))


# Translated only when refused: a gettext per parameter was a cost on every request.
_KINDS = (
    ("query", str, gettext_lazy("`query` must be a string.")),
    ("variables", dict, gettext_lazy("`variables` must be an object.")),
    ("operationName", str, gettext_lazy("`operationName` must be a string.")),
    ("extensions", dict, gettext_lazy("`extensions` must be an object.")),
)


def _operation(payload):
    for key, kind, message in _KINDS:
        value = payload.get(key)
        if value is not None and not isinstance(value, kind):
            raise RequestError(400, message)
    check_values(payload.get("variables"), "`variables`")
    check_values(payload.get("extensions"), "`extensions`")
    check_values(payload.get("operationName"), "`operationName`")
    return Operation(
        payload.get("query"),
        payload.get("variables"),
        payload.get("operationName"),
        payload.get("extensions"),
    )


def media_type(accept):
    """The response media type for an Accept header: graphql-response+json when accepted."""
    if not accept:
        return JSON
    ranked = []
    for part in accept.split(","):
        fields = part.strip().split(";")
        kind = fields[0].strip().lower()
        quality = 1.0
        for parameter in fields[1:]:
            name, _sep, value = parameter.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((quality, kind))
    ranked.sort(key=lambda item: -item[0])
    for quality, kind in ranked:
        if quality <= 0:
            continue
        if kind == GRAPHQL_RESPONSE:
            return GRAPHQL_RESPONSE
        if kind in (JSON, "application/*", "*/*"):
            return JSON
    return None
