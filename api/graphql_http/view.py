"""The GraphQL endpoint: limits, persisted queries, the response cache and HTTP caching."""

import logging
import uuid

import orjson
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponseNotAllowed
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from graphql import GraphQLSyntaxError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from api import db_router
from api.caching import counted
from api.caching import reads as cache_reads
from api.caching import responses as cache
from api.caching import stories as story_cache
from api.graphql_http import auth, limits, persisted, ratelimit, responses
from api.graphql_http.refusals import GRAPHQL_RESPONSE, JSON, DocumentError, RequestError
from api.graphql_http.request import READING, Incoming, media_type
from api.graphql_http.security import graphiql_response
from api.ops import clients, metrics
from api.schema import schema
from api.schema.context import Context
from api.schema.errors import format_error, is_unavailable
from cms.stories import preview as previews

logger = logging.getLogger("api.views")
QUERY_ONLY = frozenset({OperationType.QUERY})
ANY_OPERATION = frozenset({OperationType.QUERY, OperationType.MUTATION})


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(View):
    """Answers GraphQL over HTTP; public reads are cached and carry HTTP caching headers."""

    # OPTIONS: its Allow header (a CORS preflight is answered by django-cors-headers first).
    http_method_names = ["get", "post", "head", "options"]

    def dispatch(self, request, *args, **kwargs):
        request.request_id = uuid.uuid4().hex
        answer_type = media_type(request.headers.get("Accept", "")) or JSON
        try:
            response = super().dispatch(request, *args, **kwargs)
        except RequestError as error:
            response = responses.error_for(error, answer_type)
        except (OperationalError, InterfaceError):
            logger.warning("Database unavailable (request %s)", request.request_id)
            response = responses.error_for(unavailable(), answer_type)
        except Exception:
            logger.exception("Unexpected error in request %s", request.request_id)
            response = responses.error(
                500,
                _("Internal server error. Quote request id %(request_id)s when reporting it.")
                % {"request_id": request.request_id},
                "INTERNAL_SERVER_ERROR",
                answer_type,
                extensions={"requestId": request.request_id},
            )
        response["X-Request-ID"] = request.request_id
        return response

    def get(self, request):
        if "text/html" in request.headers.get("Accept", "") and not request.GET:
            return graphiql_response()
        return self.answer(request)

    def head(self, request):
        """As GET, without the body (its length and headers stay)."""
        response = self.get(request)
        length = len(response.content)
        response.content = b""
        if response.status_code != 304:
            response["Content-Length"] = str(length)
        return response

    def post(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > settings.CMS_MAX_BODY_BYTES:
            raise RequestError(
                413,
                _("The request body is larger than %(max)s bytes.")
                % {"max": settings.CMS_MAX_BODY_BYTES},
                "PAYLOAD_TOO_LARGE",
            )
        return self.answer(request)

    def http_method_not_allowed(self, request, *args, **kwargs):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST", "OPTIONS"])

    def answer(self, request):
        # What the WSGI fast path read and looked up, when it did not answer.
        reading = request.META.get(READING)
        incoming = reading.incoming if reading is not None else Incoming.of(request)
        digest = incoming.digest
        api_key, allowance = None, None
        if "Authorization" in request.headers:
            api_key = auth.authenticate(request)
            allowance = auth.take_quota(api_key)
        preview = read_preview(request)
        # A preview shows what others may not see: its answers are never cached, nor read
        # from the cache (where the story is still hidden).
        key = None
        if preview is None:
            key = incoming.cache_key("public" if api_key is None else f"key:{api_key.pk}")
        # A client asking for a fresh answer (Cache-Control: no-cache) skips the lookup.
        fresh = "no-cache" in request.headers.get("Cache-Control", "")
        if key is not None and not fresh:
            entry = cached(key, reading)
            metrics.response_cache_lookup(hit=entry is not None)
            if entry is not None and persisted.allowed(digest):
                response = responses.from_entry(request, entry, private=api_key is not None)
                return with_headers(response, allowance)
        document = persisted.resolve(incoming.operation, digest)
        persisted.check_allowed(digest)
        if api_key is None:
            allowance = ratelimit.take(f"ip:{clients.client_group(request)}")
        if allowance.exceeded:
            raise RequestError(
                429,
                _("Too many requests; try again in %(seconds)s seconds.")
                % {"seconds": allowance.reset},
                "RATE_LIMITED",
                allowance.headers(),
            )
        operation, registered = incoming.operation, digest in persisted.registered()
        try:
            analysis = limits.check(
                document, operation.operation_name, operation.variables, registered
            )
        except GraphQLSyntaxError:
            analysis = None  # Execution reports the syntax error, located.
        context = Context(request, api_key, preview, incoming.language)
        response = self.execute(request, incoming, document, key, analysis, context, fresh)
        response["Content-Language"] = context.content_language
        return with_headers(response, allowance)

    def execute(self, request, incoming, document, key, analysis, context, fresh=False):
        """Run the document and answer it: stored in the response cache when it may be."""
        if analysis is not None and not analysis.is_query:
            key = None  # A mutation's answer is never stored.
        reads, started = prepare_caches(key, context)
        result = run(request, incoming.operation, document, analysis, context)
        if context.story_cache is not None:
            context.story_cache.flush()
        body, status = encode_result(request, result, analysis, incoming.media_type)
        if key is None or "errors" in body or analysis is None or context.no_store:
            return uncached(body, status, incoming.media_type, key, context, fresh)
        return stored(
            request, body, status, incoming.media_type, key, context, reads, started, fresh
        )


def prepare_caches(key, context):
    """The answer's shared-cache reads and the change counter read before it runs (both
    None when it is not to be stored); the served-story cache for its stories."""
    if not key:
        return None, None
    # The answer's shared-cache reads, made with the change counter's where it can.
    reads = cache_reads.Reads(key)
    started = reads.generation()
    context.reads = reads
    context.counts.read_many = reads.get_many
    if started is not None and settings.CMS_SERVED_STORY_CACHE:
        context.story_cache = story_cache.StoryCache(started, reads)
    return reads, started


def run(request, operation, document, analysis, context):
    """Execute the document (queries only, unless POSTed); a document naming no operation
    to run, or a mutation sent with GET, is refused."""
    # Anonymous queries may read a replica (api/db_router.py); the rest read the primary.
    public = context.key is None and context.preview is None and analysis is not None
    public = public and analysis.is_query

    def execute():
        return schema.execute_sync(
            document,
            variable_values=operation.variables,
            context_value=context,
            operation_name=operation.operation_name,
            allowed_operation_types=ANY_OPERATION if request.method == "POST" else QUERY_ONLY,
        )

    try:
        with db_router.public_reads(public) as replica:
            result = execute()
        if replica and any(is_unavailable(error) for error in result.errors or []):
            # The replica went away under this query: the primary answers it (a query only
            # reads, so running it again is safe) and the others skip the replica.
            db_router.mark_down(replica)
            result = execute()
        return result
    except CannotGetOperationTypeError:
        raise DocumentError(unknown_operation(operation), "GRAPHQL_VALIDATION_FAILED") from None
    except InvalidOperationTypeError as refused:
        if refused.operation_type == OperationType.SUBSCRIPTION:
            raise RequestError(
                400,
                _(
                    "Subscriptions are served at /graphql over WebSocket (the "
                    "graphql-transport-ws protocol) or as an event stream (the graphql-sse "
                    "protocol: send `Accept: text/event-stream`), not as a JSON answer."
                ),
                "BAD_REQUEST",
            ) from None
        raise RequestError(
            405, _("Mutations must be sent with POST."), "METHOD_NOT_ALLOWED", {"Allow": "POST"}
        ) from None


def encode_result(request, result, analysis, media):
    """(body, status) of an execution result: its data, its errors as callers see them
    and the document's cost; a 503 if the database could not be reached."""
    errors = result.errors or []
    if any(is_unavailable(error) for error in errors):
        raise unavailable()
    request_failed = result.data is None and all(e.path is None for e in errors)
    body = {} if request_failed else {"data": result.data}
    if errors:
        body["errors"] = [format_error(error, request.request_id) for error in errors]
    if analysis is not None:
        body["extensions"] = {
            "cost": {"requested": analysis.cost, "maximum": settings.GRAPHQL_MAX_COST}
        }
    status = 400 if request_failed and media == GRAPHQL_RESPONSE else 200
    return body, status


def uncached(body, status, media, key, context, fresh):
    """The answer to a preview or a mutation (bypass), or one with errors: not stored."""
    response = responses.respond(status, orjson.dumps(body), media)
    private = context.key is not None or key is None
    response["Cache-Control"] = "private, no-store" if private else "no-store"
    detail = "bypass" if key is None else "request" if fresh else "miss"
    response["Cache-Status"] = responses.cache_status(f"fwd={detail}")
    return response


def stored(request, body, status, media, key, context, reads, started, fresh):
    """The answer, stored in the response cache (unless what it showed changed meanwhile)
    with a place for each count it shows, filled in afresh on every hit."""
    shown = counted.encode(body, context.counts_shown, context.counts.values)
    encoded = orjson.dumps(body) if shown is None else shown.body
    entry = cache.make_entry(encoded, status, media, shown, context.content_language, reads)
    cache.store(key, entry, sorted(context.dependencies), started, reads)
    reads.finish()
    return responses.from_entry(
        request, entry, private=context.key is not None, stored="request" if fresh else "miss"
    )


def cached(key, reading):
    """The response cache's entry for `key`: as the fast path found it, if it looked
    it up (completed with counts from the database), else looked up now."""
    if reading is not None and reading.looked_up and reading.key == key:
        return cache.finish(reading.found)
    return cache.lookup(key)


def read_preview(request):
    """The request's preview token, read; a bad one is a 403."""
    try:
        return previews.from_request(request)
    except previews.PreviewError as error:
        raise RequestError(403, error.message, error.code) from None


def unknown_operation(operation):
    if operation.operation_name:
        return _("Unknown operation named “%(name)s”.") % {"name": operation.operation_name}
    return _(
        "The document holds several operations (or none); name the one to run in `operationName`."
    )


def with_headers(response, allowance):
    """Add the rate-limit headers of a counted request."""
    for name, value in (allowance.headers() if allowance else {}).items():
        response[name] = value
    return response


def unavailable():
    return RequestError(
        503,
        _("The service is briefly unavailable; try again shortly."),
        "SERVICE_UNAVAILABLE",
        {"Retry-After": "5"},
    )


graphql_view = GraphQLView.as_view()
