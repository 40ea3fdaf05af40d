"""What an event stream has yet to send its client, bounded: a client that stops reading is
dropped once `limit` bytes wait for it, instead of being queued for without end.

The bytes are handed to the ASGI server one message at a time. A server that applies
backpressure (its `send` waits while the client is not reading: uvicorn, hypercorn) holds
them here. daphne's `send` never waits; it writes into Twisted, whose transport asks its
producer to pause once its own buffer is full (`IPushProducer`). So under daphne the outbox
registers itself as the response's producer, stops handing bytes over while paused, and
aborts the connection when it overflows, which frees Twisted's buffer too.
"""

import asyncio
import collections
import contextlib


class Overflow(Exception):
    """More than the bound waits for a client that is not reading."""


class Outbox:
    def __init__(self, send, limit):
        self._send = send
        self._limit = limit
        self._pending = collections.deque()
        self._size = 0
        self._ready = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._drained = asyncio.Event()
        self._drained.set()
        self.overflowed = asyncio.Event()
        self._request = _twisted_request(send)
        if self._request is not None:
            self._request.registerProducer(self, True)

    def put(self, data):
        """Queue `data`; mark the outbox overflowed past its bound."""
        self._pending.append(data)
        self._size += len(data)
        self._drained.clear()
        if self._size > self._limit:
            self.overflowed.set()
        self._ready.set()

    async def deliver(self):
        """Hand queued bytes to the server as it can take them; run until cancelled."""
        while True:
            await self._ready.wait()
            await self._writable.wait()
            if not self._pending:
                self._ready.clear()
                self._drained.set()
                continue
            data = self._pending.popleft()
            self._size -= len(data)
            await self._send({"type": "http.response.body", "body": data, "more_body": True})

    async def drained(self):
        """Wait until everything queued has been handed to the server."""
        await self._drained.wait()

    def close(self, abort=False):
        """Stop being the response's producer; `abort` drops the connection at once."""
        if self._request is None:
            return
        with contextlib.suppress(Exception):
            self._request.unregisterProducer()
        if abort:
            transport = getattr(getattr(self._request, "channel", None), "transport", None)
            if transport is not None:
                transport.abortConnection()
        self._request = None

    # Twisted's IPushProducer: the transport's buffer is full, or has drained.
    def pauseProducing(self):
        self._writable.clear()

    def resumeProducing(self):
        self._writable.set()

    def stopProducing(self):
        self._writable.clear()


def _twisted_request(send):
    """daphne's request (a Twisted `Request`) behind an ASGI `send`, or None: daphne hands
    the application `functools.partial(server.handle_reply, request)`."""
    request = next(iter(getattr(send, "args", ())), None)
    if hasattr(request, "registerProducer") and hasattr(request, "channel"):
        return request
    return None
