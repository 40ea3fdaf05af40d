"""ASGI entry point: HTTP through Django; GraphQL subscriptions at `/graphql` over WebSocket
(graphql-transport-ws) and over Server-Sent Events (graphql-sse, a request that accepts
`text/event-stream`), both in api/graphql_ws/."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")

# Django is set up before the consumers (and the schema they import) are loaded.
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from api.graphql_ws import reservations, sse  # noqa: E402
from api.graphql_ws.consumer import LiveConsumer  # noqa: E402


async def http(scope, receive, send):
    """graphql-sse's requests for `/graphql` (an event stream, or a reservation's PUT, DELETE
    or operation) to api/graphql_ws/sse.py; every other one to Django."""
    if scope["path"] == "/graphql" and (
        sse.accepts_event_stream(scope)
        or scope["method"] in ("PUT", "DELETE")
        or reservations.token_of(scope) is not None
    ):
        return await sse.application(scope, receive, send)
    return await django_http(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http,
        "websocket": URLRouter([path("graphql", LiveConsumer.as_asgi())]),
    }
)
