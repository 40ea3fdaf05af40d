"""The WebSocket endpoint `/graphql`: Strawberry's graphql-transport-ws consumer on Django
Channels, carrying subscriptions only (queries and mutations go over HTTP, through its
cache, limits and rate limits).

A partner sends its key in the `connection_init` payload (`{"authorization": "Bearer
<key>"}`, as browsers cannot set headers on a WebSocket): a bad one closes the connection
(4403); a good one's languages and tags then hold for every event. Each subscription is
admitted as on Server-Sent Events (`access.py`: one request of the quota, a bound on open
subscriptions). The language is the subscription's `language` argument, else the
handshake's `Accept-Language`, else the default.

The server pings every `CMS_SUBSCRIPTION_PING_SECONDS`; a client that has not answered the
previous ping by then is idle or no longer reading and is closed (4408), and so is one that
has left more than `CMS_SUBSCRIPTION_MAX_PENDING_BYTES` unacknowledged (4413): what was sent
since the last ping it answered is what may still be queued on its way, so nothing is held
for a client that stopped reading beyond that bound.
"""

import asyncio
import contextlib
import json
from datetime import timedelta

from channels.db import database_sync_to_async
from django.conf import settings
from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from api.graphql_http.refusals import RequestError
from api.graphql_ws import access
from api.schema import schema

# A connection that sends no `connection_init` within this time is closed (4408).
INIT_TIMEOUT = timedelta(seconds=10)
MAX_SUBSCRIPTIONS = 20
PING = json.dumps({"type": "ping"})
IDLE = (4408, "No pong: the connection is idle")
SLOW = (4413, "Too much unread: the client is not reading")


class PongHandler(BaseGraphQLTransportWSHandler):
    """Strawberry's protocol handler, telling the consumer of each pong."""

    async def handle_pong(self, message):
        self.view.ponged()


class LiveConsumer(GraphQLWSConsumer):
    """graphql-transport-ws subscriptions, with the caller's key and language, dropping a
    client that stops answering pings or reading."""

    graphql_transport_ws_handler_class = PongHandler

    def __init__(self):
        super().__init__(
            schema=access.OnlySubscriptions(schema),
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=INIT_TIMEOUT,
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS,
        )
        self._sent = 0  # Bytes sent on this connection.
        self._acknowledged = 0  # Bytes sent before the last ping the client answered.
        self._ping_mark = None  # Bytes sent up to the ping awaiting its pong.
        self._pinging = None
        self._closing = False

    async def get_context(self, request, response):
        return access.context_for(self, self.scope)

    async def on_ws_connect(self, context):
        params = context.connection_params or {}
        value = params.get("authorization", params.get("Authorization"))
        try:
            context.key = await database_sync_to_async(access.key_of)(value)
        except RequestError as refused:
            raise ConnectionRejectionError() from refused
        self._pinging = asyncio.ensure_future(self._ping_regularly())
        return None

    async def send(self, text_data=None, bytes_data=None, close=False):
        await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        if text_data is None or self._closing:
            return
        self._sent += len(text_data.encode())
        pending = self._sent - self._acknowledged
        if pending > settings.CMS_SUBSCRIPTION_MAX_PENDING_BYTES:
            await self._drop(*SLOW)
        elif pending * 2 > settings.CMS_SUBSCRIPTION_MAX_PENDING_BYTES and self._ping_mark is None:
            await self._ping()

    async def _ping(self):
        await super().send(text_data=PING)
        self._sent += len(PING)
        self._ping_mark = self._sent

    def ponged(self):
        if self._ping_mark is not None:
            self._acknowledged = self._ping_mark
            self._ping_mark = None

    async def _ping_regularly(self):
        while True:
            await asyncio.sleep(settings.CMS_SUBSCRIPTION_PING_SECONDS)
            if self._ping_mark is not None:
                await self._drop(*IDLE)
                return
            await self._ping()

    async def _drop(self, code, reason):
        self._closing = True
        await self.close(code=code, reason=reason)
        # Its subscriptions end now, not when the client gets round to closing.
        self.message_queue.put_nowait({"message": None, "disconnected": True})

    async def websocket_disconnect(self, message):
        if self._pinging is not None:
            self._pinging.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pinging
        await super().websocket_disconnect(message)
