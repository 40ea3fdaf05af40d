"""What both subscription transports share, so WebSocket (`consumer.py`) and Server-Sent
Events (`sse.py`) admit a subscription the same way: the caller's key and language, only
subscriptions, the document limits of HTTP, one request of the key's (or the address's)
quota per subscription, and a bound on the subscriptions a key or an address holds open at
once, counted across every process (`slots.py`).
"""

from types import SimpleNamespace

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation
from graphql import GraphQLError, OperationType, parse
from graphql.error import GraphQLSyntaxError
from graphql.utilities import get_operation_ast
from strawberry.types.execution import PreExecutionError

from api.graphql_http import auth, limits, ratelimit
from api.graphql_http.refusals import RequestError
from api.graphql_ws import slots
from api.ops.clients import address_group, forwarded_address
from api.schema.errors import BadUserInput
from cms.core import languages
from cms.serving.audience import Audience


class SubscriptionContext:
    """What a subscription's resolvers share: the transport, the caller's key, address and
    language. `ws` is the transport: it listens to the channel layer
    (`listen_to_channel`, Strawberry's Channels consumer's)."""

    def __init__(self, transport, header_language, address):
        self.ws = transport
        self.request = transport
        self.key = None
        self.address = address
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


def context_for(transport, scope):
    """The context of a connection or a request, from its ASGI scope (no key yet)."""
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin1")
    return SubscriptionContext(
        transport, languages.from_accept_language(accept), client_address(scope)
    )


def client_address(scope):
    """The caller's address group, as `api.ops.clients` reads it from a Django request."""
    headers = dict(scope.get("headers") or [])
    forwarded_for = headers.get(b"x-forwarded-for", b"").decode("latin1")
    client = scope.get("client") or ("unknown", 0)
    return address_group(forwarded_address(forwarded_for, str(client[0])))


def key_of(authorization):
    """The usable key an `Authorization` value (`Bearer <key>`) presents, None without one;
    RequestError (401, 403) with the HTTP path's own message if it is refused."""
    if authorization is None:
        return None
    if not isinstance(authorization, str):
        authorization = ""
    return auth.authenticate(SimpleNamespace(headers={"Authorization": authorization}))


class OnlySubscriptions:
    """The schema, answering subscriptions only, each admitted by `admit`: anything else,
    or a subscription over a limit, is refused with one clear GraphQL error."""

    def __init__(self, wrapped):
        self._wrapped = wrapped

    def __getattr__(self, name):
        return getattr(self._wrapped, name)

    async def stream(self, query, operation_name=None, **kwargs):
        context = kwargs.get("context_value")
        try:
            only_a_subscription(query, operation_name, kwargs.get("variable_values"))
            await database_sync_to_async(take_quota)(context)
            slot = await slots.take(subject(context), limit(context))
            if slot is None:
                raise RequestError(
                    429,
                    translation.gettext(
                        "Too many subscriptions are open for this caller (at most %(max)s at "
                        "once): close one before opening another."
                    )
                    % {"max": limit(context)},
                    "TOO_MANY_SUBSCRIPTIONS",
                )
        except RequestError as refused:
            return _refused(GraphQLError(refused.message, extensions={"code": refused.code}))
        except GraphQLSyntaxError as error:
            parse_failed = {"code": "GRAPHQL_PARSE_FAILED"}
            return _refused(GraphQLError(error.message, extensions=parse_failed))
        try:
            stream = await self._wrapped.stream(query, operation_name=operation_name, **kwargs)
        except BaseException:
            await slot.release()
            raise
        return _holding(stream, slot)


def only_a_subscription(query, operation_name, variables):
    """Refuse what HTTP's limits refuse (size, tokens, depth, aliases, cost, an unknown or
    unnamed operation), and any operation but a subscription."""
    if not isinstance(query, str):
        raise RequestError(400, translation.gettext("`query` must be a string."))
    limits.check(query, operation_name, variables if isinstance(variables, dict) else {})
    operation = get_operation_ast(parse(query), operation_name)
    if operation is not None and operation.operation != OperationType.SUBSCRIPTION:
        raise RequestError(
            400,
            translation.gettext(
                "Only subscriptions are served here: send queries and mutations over HTTP "
                "to /graphql."
            ),
        )


def take_quota(context):
    """One request of the key's quotas, or of the address's rate limit without a key."""
    if context.key is not None:
        auth.take_quota(context.key)
        return
    allowance = ratelimit.take(f"ip:{context.address}")
    if allowance.exceeded:
        raise RequestError(
            429,
            translation.gettext("Too many requests; try again in %(seconds)s seconds.")
            % {"seconds": allowance.reset},
            "RATE_LIMITED",
        )


def subject(context):
    """Whose open subscriptions a new one counts among: the key's, else the address's."""
    return f"key:{context.key.pk}" if context.key is not None else f"ip:{context.address}"


def limit(context):
    """How many subscriptions the key (`CMS_SUBSCRIPTIONS_PER_KEY`) or the address
    (`CMS_SUBSCRIPTIONS_PER_ADDRESS`) may hold open at once."""
    if context.key is not None:
        return settings.CMS_SUBSCRIPTIONS_PER_KEY
    return settings.CMS_SUBSCRIPTIONS_PER_ADDRESS


async def _refused(error):
    yield PreExecutionError(data=None, errors=[error])


async def _holding(stream, slot):
    """The subscription's results, holding its slot until it ends however it ends."""
    try:
        async for result in stream:
            yield result
    finally:
        await slot.release()
        await stream.aclose()
