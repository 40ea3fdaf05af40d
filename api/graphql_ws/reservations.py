"""graphql-sse's "single connection mode": one event stream carries every subscription of a
client (browsers allow only six HTTP/1 connections per site), and plain requests drive it.

- `PUT /graphql` reserves a stream: `201` with a token (text/plain).
- `GET /graphql` (or POST) accepting `text/event-stream`, with the token in the
  `X-GraphQL-Event-Stream-Token` header or `?token=`, opens it: one stream per token.
- `POST /graphql` with the token and a GraphQL request whose `extensions.operationId` names
  it starts a subscription on that stream (`202`); its events carry the id.
- `DELETE /graphql?operationId=…` with the token stops it (`200`).

The reservation and the channel of the process holding its stream live in the shared cache,
so the requests may reach any process: each start or stop is sent to the stream's process on
the channel layer (Redis between processes). The stream's process runs the subscription,
admitted as any other (`access.py`, with the key of the request that started it).
"""

import asyncio
import secrets
import urllib.parse

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.utils import translation

from api.graphql_http.refusals import RequestError
from api.graphql_ws import access
from api.graphql_ws.sse_requests import BadRequest, accepts_event_stream, graphql_request, header

START = "sse.operation.start"
STOP = "sse.operation.stop"
TOKEN_HEADER = b"x-graphql-event-stream-token"
# A reservation not connected within a minute lapses; a connected one is renewed.
LEASE_SECONDS = 90
RENEW_SECONDS = 30
PENDING = "pending"
FORWARDED = ("query", "variables", "operationName", "authorization")


def _reservation(token):
    return f"sse-reservation:{token}"


def _stream(token):
    return f"sse-stream:{token}"


def token_of(scope):
    """The reservation token a request presents (header, else `?token=`), or None."""
    for name, value in scope.get("headers") or ():
        if name == TOKEN_HEADER and value:
            return value.decode("latin1")
    query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin1"))
    return (query.get("token") or [None])[-1] or None


async def answer(scope, body, token, send):
    """Answer a request of the single connection mode; False when it opens the stream (the
    caller then streams), True when it was answered here. BadRequest for what is refused."""
    method = scope["method"]
    if method == "PUT":
        await _check_key(header(scope, b"authorization") or None, BadRequest)
        token = secrets.token_urlsafe(24)
        await cache.aset(_reservation(token), "1", LEASE_SECONDS)
        await _respond(send, 201, token.encode(), b"text/plain; charset=utf-8")
        return True
    if token is None or await cache.aget(_reservation(token)) is None:
        raise BadRequest(
            404,
            translation.gettext(
                "No event stream is reserved under this token: reserve one with PUT."
            ),
        )
    if accepts_event_stream(scope):
        if method not in ("GET", "POST"):
            raise BadRequest(405, translation.gettext("Subscribe with POST or GET."))
        if not await cache.aadd(_stream(token), PENDING, LEASE_SECONDS):
            raise BadRequest(409, translation.gettext("This event stream is already open."))
        return False
    if method == "DELETE":
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin1"))
        operation_id = (query.get("operationId") or [""])[-1]
        if not operation_id:
            raise BadRequest(400, _missing_id())
        channel = await _channel(token)
        if channel is not None:
            await get_channel_layer().send(channel, {"type": STOP, "id": operation_id})
        await _respond(send, 200, b"", b"text/plain; charset=utf-8")
        return True
    if method != "POST":
        raise BadRequest(
            405,
            translation.gettext("Subscribe with POST or GET."),
            [(b"allow", b"GET, POST, PUT, DELETE")],
        )
    params = graphql_request(scope, body)
    operation_id = params["extensions"].get("operationId")
    if not isinstance(operation_id, str) or not operation_id:
        raise BadRequest(400, _missing_id())
    await _check_key(params["authorization"], BadRequest)
    try:
        access.only_a_subscription(params["query"], params["operationName"], params["variables"])
    except RequestError as refused:
        raise BadRequest(refused.status, refused.message) from None
    except Exception as error:  # A syntax error: graphql-core's message says where.
        raise BadRequest(400, str(getattr(error, "message", error))) from None
    channel = await _channel(token, wait=True)
    if channel is None:
        raise BadRequest(
            409, translation.gettext("Open the reserved event stream before subscribing on it.")
        )
    await get_channel_layer().send(
        channel,
        {
            "type": START,
            "id": operation_id,
            "params": {
                k: params[k] for k in ("query", "variables", "operationName", "authorization")
            },
            "scope": {"headers": list(scope.get("headers") or ()), "client": scope.get("client")},
        },
    )
    await _respond(send, 202, b"", b"text/plain; charset=utf-8")
    return True


async def connected(token, channel):
    await cache.aset(_stream(token), channel, LEASE_SECONDS)
    await cache.aset(_reservation(token), "1", LEASE_SECONDS)


async def renew(token, channel):
    await connected(token, channel)


async def disconnected(token, channel):
    """The stream closed: its reservation ends with it."""
    if await cache.aget(_stream(token)) == channel:
        await cache.adelete_many([_stream(token), _reservation(token)])


async def _channel(token, wait=False):
    """The channel of the process holding the token's stream; None if it is not open."""
    for _ in range(40 if wait else 1):
        channel = await cache.aget(_stream(token))
        if channel is not None and channel != PENDING:
            return channel
        if channel is None:
            return None
        await asyncio.sleep(0.05)
    return None


async def _check_key(authorization, refusal):
    try:
        await database_sync_to_async(access.key_of)(authorization)
    except RequestError as refused:
        raise refusal(refused.status, refused.message) from None


def _missing_id():
    return translation.gettext("Name the operation in `extensions.operationId`.")


async def _respond(send, status, body, media_type):
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", media_type)],
        }
    )
    await send({"type": "http.response.body", "body": body})
