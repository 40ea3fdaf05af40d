"""The WebSocket endpoint `/graphql`: Strawberry's graphql-transport-ws consumer on Django
Channels, carrying subscriptions only (queries and mutations go over HTTP, through its
cache, limits and rate limits).

A partner sends its key in the `connection_init` payload (`{"authorization": "Bearer
<key>"}`, as browsers cannot set headers on a WebSocket): it is checked as on HTTP, takes
one request of the key's quota, and its languages and tags then hold for every event. The
language is the subscription's `language` argument, else the handshake's
`Accept-Language`, else the default.
"""

from datetime import timedelta

from channels.db import database_sync_to_async
from django.utils import translation
from graphql import GraphQLError, OperationType, parse
from graphql.error import GraphQLSyntaxError
from graphql.utilities import get_operation_ast
from strawberry.channels import GraphQLWSConsumer
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.execution import PreExecutionError

from api.graphql_http import auth
from api.graphql_http.refusals import RequestError
from api.schema import schema
from api.schema.errors import BadUserInput
from cms.core import languages
from cms.models import ApiKey, Scope
from cms.serving.audience import Audience

# A connection that sends no `connection_init` within this time is closed (4408).
INIT_TIMEOUT = timedelta(seconds=10)
MAX_SUBSCRIPTIONS = 20


class SubscriptionContext:
    """What a subscription's resolvers share: the consumer, the caller's key and language."""

    def __init__(self, consumer, header_language):
        self.ws = consumer
        self.request = consumer
        self.key = None
        self.header_language = header_language
        self.connection_params = None

    def audience_for(self, requested):
        """The caller reading in `requested` (a `language` argument), else the header's."""
        audience = Audience.of(self.header_language, self.key)
        if requested is None:
            return audience
        code = languages.normalize(requested)
        if code is None:
            raise BadUserInput(
                translation.gettext(
                    "Unsupported language “%(code)s”. Supported languages: %(supported)s."
                )
                % {"code": requested, "supported": ", ".join(audience.languages)}
            )
        return audience.reading(code)


class OnlySubscriptions:
    """The schema, answering subscriptions only: anything else is refused with a clear error."""

    def __init__(self, wrapped):
        self._wrapped = wrapped

    def __getattr__(self, name):
        return getattr(self._wrapped, name)

    async def stream(self, query, operation_name=None, **kwargs):
        refusal = _refusal(query, operation_name)
        if refusal is not None:
            return _refused(refusal)
        return await self._wrapped.stream(query, operation_name=operation_name, **kwargs)


def _refusal(query, operation_name):
    try:
        operation = get_operation_ast(parse(query), operation_name)
    except GraphQLSyntaxError:
        return None  # The schema reports the syntax error itself.
    if operation is not None and operation.operation != OperationType.SUBSCRIPTION:
        return GraphQLError(
            translation.gettext(
                "Only subscriptions are served over WebSocket: send queries and mutations "
                "over HTTP to /graphql."
            )
        )
    return None


async def _refused(error):
    yield PreExecutionError(data=None, errors=[error])


def _key_of(params):
    """The usable key `connection_init` presents, None without one; RequestError if refused."""
    value = params.get("authorization") or params.get("Authorization")
    if value is None:
        return None
    if not isinstance(value, str):
        raise RequestError(401, "", "UNAUTHENTICATED")
    scheme, _sep, secret = value.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise RequestError(401, "", "UNAUTHENTICATED")
    key = ApiKey.authenticate(secret.strip())
    if key is None or not key.has_scope(Scope.READ):
        raise RequestError(401, "", "UNAUTHENTICATED")
    auth.take_quota(key)
    return key


class LiveConsumer(GraphQLWSConsumer):
    """graphql-transport-ws subscriptions, with the caller's key and language."""

    def __init__(self):
        super().__init__(
            schema=OnlySubscriptions(schema),
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=INIT_TIMEOUT,
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS,
        )

    async def get_context(self, request, response):
        headers = dict(self.scope.get("headers") or [])
        accept = headers.get(b"accept-language", b"").decode("latin1")
        return SubscriptionContext(self, languages.from_accept_language(accept))

    async def on_ws_connect(self, context):
        params = context.connection_params or {}
        try:
            context.key = await database_sync_to_async(_key_of)(params)
        except RequestError as refused:
            raise ConnectionRejectionError() from refused
        return None
