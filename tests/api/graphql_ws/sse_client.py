"""A graphql-sse client speaking ASGI to the application in this process: it sends one
request and reads the event stream as it comes."""

import asyncio
import json
import urllib.parse

from channels.layers import get_channel_layer

from api.asgi import application
from api.schema.subscription import group

WAIT = 10


class EventStream:
    def __init__(
        self,
        payload=None,
        method="POST",
        body=None,
        headers=(),
        client=("127.0.0.1", 50000),
        blocked=False,
        accept="text/event-stream",
        query_string=b"",
    ):
        self.inbox = asyncio.Queue()
        self.sent = asyncio.Queue()
        self.buffer = b""
        self.status = None
        self.headers = {}
        # A client that stops reading: the server's `send` of body bytes waits for good.
        self.blocked = blocked
        if not any(name.lower() == "content-type" for name, _value in headers):
            headers = [("Content-Type", "application/json"), *headers]
        if method == "GET" and payload is not None:
            query_string = urllib.parse.urlencode(
                {k: json.dumps(v) if isinstance(v, dict) else v for k, v in payload.items()}
            ).encode()
        elif body is None and payload is not None:
            body = json.dumps(payload).encode()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": query_string,
            "headers": [
                (b"host", b"127.0.0.1"),
                (b"accept", accept.encode()),
                *[(name.lower().encode(), value.encode()) for name, value in headers],
            ],
            "client": client,
            "server": ("127.0.0.1", 80),
        }
        self.inbox.put_nowait({"type": "http.request", "body": body or b"", "more_body": False})
        self.task = asyncio.ensure_future(application(scope, self.inbox.get, self._send))

    async def _send(self, message):
        if self.blocked and message["type"] == "http.response.body":
            await asyncio.Event().wait()
        await self.sent.put(message)

    async def start(self):
        """The response's status, headers known."""
        message = await asyncio.wait_for(self.sent.get(), WAIT)
        assert message["type"] == "http.response.start"
        self.status = message["status"]
        self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        return self.status

    async def body(self):
        """The whole body of a response that is not a stream."""
        chunks = []
        while True:
            message = await asyncio.wait_for(self.sent.get(), WAIT)
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                return b"".join(chunks)

    async def event(self, timeout=WAIT):
        """The next event as (name, data parsed), skipping comments; None at the end."""
        while True:
            if b"\n\n" in self.buffer:
                block, self.buffer = self.buffer.split(b"\n\n", 1)
                fields = {}
                for line in block.decode().split("\n"):
                    if line.startswith(":") or not line:
                        continue
                    name, _sep, value = line.partition(":")
                    fields[name] = value[1:] if value.startswith(" ") else value
                if not fields:
                    continue
                data = fields.get("data", "")
                return fields.get("event"), json.loads(data) if data else None
            message = await asyncio.wait_for(self.sent.get(), timeout)
            self.buffer += message.get("body", b"")
            if not message.get("more_body") and b"\n\n" not in self.buffer:
                return None

    async def next(self):
        name, data = await self.event()
        assert name == "next", (name, data)
        return data

    async def nothing_more(self, seconds=0.5):
        try:
            event = await self.event(timeout=seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected {event}")

    async def close(self):
        await self.inbox.put({"type": "http.disconnect"})
        await asyncio.wait_for(self.task, WAIT)


async def joined(story_id, members=1, exactly=False):
    """Wait until `members` subscribers in this process listen to the story's group (the
    layer's own record of its groups; without one, give the subscription a moment)."""
    layer = get_channel_layer()
    groups = getattr(layer, "groups", None)
    if groups is None:
        await asyncio.sleep(0.5)
        return
    # Redis's layer names a group's channel with its prefix.
    name = getattr(layer, "_get_group_channel_name", lambda name: name)(group(story_id))
    for _ in range(WAIT * 20):
        count = len(groups.get(name, ()))
        if count == members or (count > members and not exactly):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the subscription never joined its story's group")
