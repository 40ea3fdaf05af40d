"""Reading a graphql-sse request (`sse.py`, `reservations.py`): whether it asks for an event
stream, its body within `CMS_MAX_BODY_BYTES`, and the GraphQL request of a GET's query string
or a POST's JSON body; a request that is not one is a `BadRequest` with its status."""

import json
import urllib.parse

import orjson
from django.conf import settings
from django.utils import translation

EVENT_STREAM = "text/event-stream"


def accepts_event_stream(scope):
    """Whether an HTTP request asks for an event stream (its `Accept` names it)."""
    for name, value in scope.get("headers") or ():
        if name == b"accept" and EVENT_STREAM.encode() in value.lower():
            return True
    return False


class BadRequest(Exception):
    def __init__(self, status, message, headers=()):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = list(headers)


class Disconnected(Exception):
    pass


async def read_body(receive):
    """The request body, refused past `CMS_MAX_BODY_BYTES`."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Disconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > settings.CMS_MAX_BODY_BYTES:
            raise BadRequest(
                413,
                translation.gettext("The request body is larger than %(max)s bytes.")
                % {"max": settings.CMS_MAX_BODY_BYTES},
            )
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def graphql_request(scope, body):
    """The GraphQL request of a GET's query string or a POST's JSON body."""
    method = scope["method"]
    if method == "GET":
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin1"))
        raw = {name: values[-1] for name, values in query.items()}
        for name in ("variables", "extensions"):
            if name in raw:
                try:
                    raw[name] = json.loads(raw[name])
                except ValueError:
                    raise BadRequest(
                        400,
                        translation.gettext("%(what)s is not valid JSON.") % {"what": f"`{name}`"},
                    ) from None
    elif method == "POST":
        media_type = header(scope, b"content-type").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise BadRequest(
                415,
                translation.gettext("Send GraphQL requests as %(type)s.")
                % {"type": "application/json"},
            )
        try:
            raw = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise BadRequest(
                400,
                translation.gettext("%(what)s is not valid JSON.")
                % {"what": translation.gettext("The request body")},
            ) from None
    else:
        raise BadRequest(
            405,
            translation.gettext("Subscribe with POST or GET."),
            [(b"allow", b"GET, POST")],
        )
    if not isinstance(raw, dict):
        raise BadRequest(400, translation.gettext("The request body must be a JSON object."))
    query, variables, operation = raw.get("query"), raw.get("variables"), raw.get("operationName")
    if not isinstance(query, str) or not query.strip():
        raise BadRequest(400, translation.gettext("`query` must be a string."))
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest(400, translation.gettext("`variables` must be an object."))
    if operation is not None and not isinstance(operation, str):
        raise BadRequest(400, translation.gettext("`operationName` must be a string."))
    authorization = None
    for name, value in scope.get("headers") or ():
        if name == b"authorization":
            authorization = value.decode("latin1")
    extensions = raw.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise BadRequest(400, translation.gettext("`extensions` must be an object."))
    return {
        "query": query,
        "variables": variables,
        "operationName": operation,
        "authorization": authorization,
        "extensions": extensions or {},
    }


def header(scope, name):
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin1")
    return ""
