"""ASGI entry point: HTTP through Django, and GraphQL subscriptions over WebSocket at
`/graphql` (graphql-transport-ws, api/graphql_ws/)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")

# Django is set up before the consumer (and the schema it imports) is loaded.
http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from api.graphql_ws.consumer import LiveConsumer  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http,
        "websocket": URLRouter([path("graphql", LiveConsumer.as_asgi())]),
    }
)
