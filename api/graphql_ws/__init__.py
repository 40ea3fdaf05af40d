"""GraphQL over WebSocket (graphql-transport-ws): subscriptions, served on ASGI (api/asgi.py)."""
