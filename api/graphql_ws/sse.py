"""Subscriptions over Server-Sent Events at `/graphql`: the graphql-sse protocol's "distinct
connections mode" (github.com/enisdenjo/graphql-sse, PROTOCOL.md), for clients behind
proxies that drop WebSockets.

A request that accepts `text/event-stream` (a POST with a JSON body, or a GET with the
parameters in its query string, as GraphQL over HTTP sends them) is answered with an event
stream: a `next` event per result, `complete` when the subscription ends; the client ends
it by closing the connection. The key is the `Authorization` header's, as on HTTP. The
subscription runs exactly as over WebSocket (`access.OnlySubscriptions`, the schema's
`liveEntries`, events from the channel layer); this module is only the transport.

Errors: a request that is not a GraphQL request (unreadable body, no `query`) is answered
400 in JSON; everything after that (a bad key, a parse or validation error, a query that is
not a subscription, a limit) arrives as a `next` event holding the errors, then `complete`,
as the protocol asks, so even a browser's `EventSource` sees why.

A comment line is sent every `CMS_SUBSCRIPTION_PING_SECONDS` so proxies keep the stream
open and a vanished client is noticed; a client that stops reading is dropped once
`CMS_SUBSCRIPTION_MAX_PENDING_BYTES` wait for it (`outbox.py`).
"""

import asyncio
import contextlib
import json
import urllib.parse

import orjson
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import translation
from graphql import GraphQLError
from strawberry.channels.handlers.base import ChannelsConsumer
from strawberry.types.execution import PreExecutionError

from api.graphql_http.refusals import RequestError
from api.graphql_ws import access
from api.graphql_ws.outbox import Outbox
from api.schema import schema
from cms.core import languages

EVENT_STREAM = "text/event-stream"
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-store"),
    # Proxies that buffer responses (nginx) pass this one through as it comes.
    (b"x-accel-buffering", b"no"),
]
KEEPALIVE = b":\n\n"
COMPLETE = b"event: complete\ndata:\n\n"


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


class EventStream(ChannelsConsumer):
    """One graphql-sse request: reads it, then streams its subscription's results."""

    def __init__(self):
        super().__init__()
        self.schema = access.OnlySubscriptions(schema)

    async def __call__(self, scope, receive, send):
        self.scope = scope
        header_language = languages.from_accept_language(_header(scope, b"accept-language"))
        with translation.override(header_language):
            try:
                params = _params(scope, await _body(receive))
            except BadRequest as bad:
                await _refuse(send, bad)
                return
            except Disconnected:
                return
            await self._stream(scope, receive, send, params)

    async def _stream(self, scope, receive, send, params):
        self.channel_layer = get_channel_layer()
        self.channel_name = await self.channel_layer.new_channel()
        context = access.context_for(self, scope)
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        outbox = Outbox(send, settings.CMS_SUBSCRIPTION_MAX_PENDING_BYTES)
        outbox.put(KEEPALIVE)  # Headers reach clients (and proxies) now, not at the first event.
        tasks = [
            asyncio.ensure_future(self._run(context, params, outbox)),
            asyncio.ensure_future(_disconnected(receive)),
            asyncio.ensure_future(outbox.overflowed.wait()),
            asyncio.ensure_future(outbox.deliver()),
            asyncio.ensure_future(self._relay_channel()),
            asyncio.ensure_future(_keep_alive(outbox)),
        ]
        running, gone, overflowed = tasks[:3]
        try:
            await asyncio.wait([running, gone, overflowed], return_when=asyncio.FIRST_COMPLETED)
            if running.done() and not gone.done() and not overflowed.done():
                # The subscription ended: what it sent last still goes out first.
                await asyncio.wait(
                    [asyncio.ensure_future(outbox.drained()), gone, overflowed],
                    timeout=settings.CMS_SUBSCRIPTION_PING_SECONDS,
                    return_when=asyncio.FIRST_COMPLETED,
                )
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            dropped = overflowed.done() and not overflowed.cancelled()
            outbox.close(abort=dropped)
            if not dropped and not (gone.done() and not gone.cancelled()):
                with contextlib.suppress(Exception):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _run(self, context, params, outbox):
        """The subscription, its results put in the outbox as `next` events."""
        try:
            context.key = await database_sync_to_async(access.key_of)(params["authorization"])
            results = await self.schema.stream(
                params["query"],
                operation_name=params["operationName"],
                variable_values=params["variables"],
                context_value=context,
            )
        except RequestError as refused:
            error = GraphQLError(refused.message, extensions={"code": refused.code})
            outbox.put(_next({"errors": [error.formatted]}))
            outbox.put(COMPLETE)
            return
        async with contextlib.aclosing(results):
            async for result in results:
                outbox.put(_next(_payload(result)))
                if isinstance(result, PreExecutionError):
                    break
        outbox.put(COMPLETE)

    async def _relay_channel(self):
        """Channel-layer messages to the subscription (`listen_to_channel`'s queues)."""
        while True:
            await self.dispatch(await self.channel_layer.receive(self.channel_name))


class Disconnected(Exception):
    pass


async def _body(receive):
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


def _params(scope, body):
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
        media_type = _header(scope, b"content-type").split(";")[0].strip().lower()
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
    return {
        "query": query,
        "variables": variables,
        "operationName": operation,
        "authorization": authorization,
    }


def _payload(result):
    payload = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if getattr(result, "extensions", None):
        payload["extensions"] = result.extensions
    return payload


def _next(payload):
    return b"event: next\ndata: " + orjson.dumps(payload) + b"\n\n"


async def _refuse(send, bad):
    error = {"message": bad.message, "extensions": {"code": "BAD_REQUEST"}}
    body = orjson.dumps({"errors": [error]})
    headers = [(b"content-type", b"application/json"), *bad.headers]
    await send({"type": "http.response.start", "status": bad.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _disconnected(receive):
    while (await receive())["type"] != "http.disconnect":
        pass


async def _keep_alive(outbox):
    while True:
        await asyncio.sleep(settings.CMS_SUBSCRIPTION_PING_SECONDS)
        outbox.put(KEEPALIVE)


def _header(scope, name):
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin1")
    return ""


async def application(scope, receive, send):
    await EventStream()(scope, receive, send)
