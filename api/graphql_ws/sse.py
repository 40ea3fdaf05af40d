"""Subscriptions over Server-Sent Events at `/graphql`, for clients behind proxies that drop
WebSockets: the graphql-sse protocol (github.com/enisdenjo/graphql-sse, PROTOCOL.md) in its
"distinct connections mode" (here) and its "single connection mode" (`reservations.py`, whose
stream this module serves too).

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

import orjson
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import translation
from graphql import GraphQLError
from strawberry.channels.handlers.base import ChannelsConsumer
from strawberry.types.execution import PreExecutionError

from api.graphql_http.refusals import RequestError
from api.graphql_ws import access, reservations
from api.graphql_ws.outbox import Outbox
from api.graphql_ws.sse_requests import (
    BadRequest,
    Disconnected,
    accepts_event_stream,
    graphql_request,
    header,
    read_body,
)
from api.schema import schema
from cms.core import languages

HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache, no-store"),
    # Proxies that buffer responses (nginx) pass this one through as it comes.
    (b"x-accel-buffering", b"no"),
]
KEEPALIVE = b":\n\n"
COMPLETE = b"event: complete\ndata:\n\n"


class EventStream(ChannelsConsumer):
    """One graphql-sse request: reads it, then streams its subscription's results."""

    def __init__(self):
        super().__init__()
        self.schema = access.OnlySubscriptions(schema)

    async def __call__(self, scope, receive, send):
        self.scope = scope
        header_language = languages.from_accept_language(header(scope, b"accept-language"))
        with translation.override(header_language):
            try:
                body = await read_body(receive)
                token = reservations.token_of(scope)
                if token is not None or not accepts_event_stream(scope):
                    # The single connection mode: a reservation, its stream, its operations.
                    answered = await reservations.answer(scope, body, token, send)
                    if answered:
                        return
                    await self._stream(scope, receive, send, self._serve(token))
                    return
                params = graphql_request(scope, body)
            except BadRequest as bad:
                await _refuse(send, bad)
                return
            except Disconnected:
                return
            context = access.context_for(self, scope)
            await self._stream(scope, receive, send, self._run(context, params))

    async def _stream(self, scope, receive, send, producing):
        """Stream what `producing` puts in the outbox until it ends, the client goes, or the
        client stops reading."""
        self.channel_layer = get_channel_layer()
        self.channel_name = await self.channel_layer.new_channel()
        self.operations = {}
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        self.outbox = outbox = Outbox(send, settings.CMS_SUBSCRIPTION_MAX_PENDING_BYTES)
        outbox.put(KEEPALIVE)  # Headers reach clients (and proxies) now, not at the first event.
        tasks = [
            asyncio.ensure_future(producing),
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
            # The reservation's operations end with it, their places given back.
            tasks += list(self.operations.values())
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

    async def _run(self, context, params, operation_id=None):
        """The subscription, its results put in the outbox as `next` events (each wrapped with
        its operation's id in the single connection mode)."""
        outbox = self.outbox
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
            outbox.put(_next({"errors": [error.formatted]}, operation_id))
            outbox.put(_complete(operation_id))
            return
        try:
            async with contextlib.aclosing(results):
                async for result in results:
                    outbox.put(_next(_payload(result), operation_id))
                    if isinstance(result, PreExecutionError):
                        break
        finally:
            outbox.put(_complete(operation_id))
            self.operations.pop(operation_id, None)

    async def _serve(self, token):
        """A reservation's stream: operations start and stop as its requests say."""
        await reservations.connected(token, self.channel_name)
        try:
            while True:
                await asyncio.sleep(reservations.RENEW_SECONDS)
                await reservations.renew(token, self.channel_name)
        finally:
            await reservations.disconnected(token, self.channel_name)

    async def _relay_channel(self):
        """Channel-layer messages: a reservation's operations started and stopped, and entry
        changes to the subscriptions (`listen_to_channel`'s queues)."""
        while True:
            message = await self.channel_layer.receive(self.channel_name)
            if message["type"] == reservations.START:
                self._start(message)
            elif message["type"] == reservations.STOP:
                operation = self.operations.pop(message["id"], None)
                if operation is not None:
                    operation.cancel()
            else:
                await self.dispatch(message)

    def _start(self, message):
        operation_id = message["id"]
        if operation_id in self.operations:
            return
        context = access.context_for(self, message["scope"])
        params = message["params"]
        self.operations[operation_id] = asyncio.ensure_future(
            self._run(context, params, operation_id)
        )


def _payload(result):
    payload = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if getattr(result, "extensions", None):
        payload["extensions"] = result.extensions
    return payload


def _next(payload, operation_id=None):
    if operation_id is not None:
        payload = {"id": operation_id, "payload": payload}
    return b"event: next\ndata: " + orjson.dumps(payload) + b"\n\n"


def _complete(operation_id=None):
    if operation_id is None:
        return COMPLETE
    return b"event: complete\ndata: " + orjson.dumps({"id": operation_id}) + b"\n\n"


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


async def application(scope, receive, send):
    await EventStream()(scope, receive, send)
