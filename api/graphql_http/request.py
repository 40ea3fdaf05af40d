"""GraphQL over HTTP: reading a request and choosing how to answer it."""

import orjson
from django.utils.translation import gettext as _

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


class RequestError(Exception):
    """A request we cannot run, answered with `status` and a GraphQL error."""

    def __init__(self, status, message, code="BAD_REQUEST", headers=None):
        super().__init__(message)
        self.status = status
        self.message = str(message)
        self.code = code
        self.headers = headers or {}


class Operation:
    """What one request asks for: document (or its hash), variables, operation, extensions."""

    def __init__(self, query, variables, operation_name, extensions):
        self.query = query
        self.variables = variables or {}
        self.operation_name = operation_name
        self.extensions = extensions or {}


def _decode_json(raw, what):
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestError(
            400, _("%(what)s is not valid JSON.") % {"what": what}, "BAD_REQUEST"
        ) from None


def parse(request):
    """Read the operation from a GET query string or a JSON POST body."""
    if request.method == "GET":
        params = request.GET
        variables = params.get("variables")
        extensions = params.get("extensions")
        payload = {
            "query": params.get("query"),
            "variables": _decode_json(variables, "`variables`") if variables else None,
            "operationName": params.get("operationName") or None,
            "extensions": _decode_json(extensions, "`extensions`") if extensions else None,
        }
    else:
        content_type = request.content_type or ""
        if content_type not in (JSON, GRAPHQL_RESPONSE):
            raise RequestError(
                415,
                _("Send GraphQL requests as %(type)s.") % {"type": JSON},
                "UNSUPPORTED_MEDIA_TYPE",
            )
        payload = _decode_json(request.body, _("The request body"))
        if not isinstance(payload, dict):
            raise RequestError(400, _("The request body must be a JSON object."))
    return _operation(payload)


def contains_nul(value):
    """Whether any text in a JSON value holds a NUL character (no database stores those)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(item) for item in value)
    return False


def _operation(payload):
    checks = (
        ("query", str, _("`query` must be a string.")),
        ("variables", dict, _("`variables` must be an object.")),
        ("operationName", str, _("`operationName` must be a string.")),
        ("extensions", dict, _("`extensions` must be an object.")),
    )
    for key, kind, message in checks:
        value = payload.get(key)
        if value is not None and not isinstance(value, kind):
            raise RequestError(400, message)
    if contains_nul(payload.get("variables")) or contains_nul(payload.get("operationName")):
        raise RequestError(400, _("Text in `variables` may not contain NUL characters."))
    return Operation(
        payload.get("query"),
        payload.get("variables"),
        payload.get("operationName"),
        payload.get("extensions"),
    )


def media_type(request):
    """The response media type: graphql-response+json when the client accepts it."""
    accept = request.headers.get("Accept", "")
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
