"""The GraphQL endpoint: limits, persisted queries, the response cache and HTTP caching."""

import logging
import time
import uuid

import orjson
from django.conf import settings
from django.core.cache import cache as shared_cache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponseNotAllowed
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from graphql import GraphQLSyntaxError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from api import auth, db_router
from api.caching import edge
from api.caching import responses as cache
from api.graphql_http import limits, persisted, ratelimit, responses
from api.graphql_http import request as http
from api.graphql_http.errors import format_error, is_unavailable
from api.graphql_http.security import graphiql_response
from api.schema import schema
from api.schema.context import Context, header_language
from cms import preview as previews
from cms.models import Story

logger = logging.getLogger("api.views")
QUERY_ONLY = frozenset({OperationType.QUERY})
ANY_OPERATION = frozenset({OperationType.QUERY, OperationType.MUTATION})


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(View):
    """Answers GraphQL over HTTP; public reads are cached and carry HTTP caching headers."""

    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
        request.request_id = uuid.uuid4().hex
        try:
            response = super().dispatch(request, *args, **kwargs)
        except (OperationalError, InterfaceError):
            logger.warning("Database unavailable (request %s)", request.request_id)
            response = unavailable(http.media_type(request) or http.JSON)
        except Exception:
            logger.exception("Unexpected error in request %s", request.request_id)
            response = responses.error(
                500,
                _("Internal server error. Quote request id %(request_id)s when reporting it.")
                % {"request_id": request.request_id},
                "INTERNAL_SERVER_ERROR",
                http.media_type(request) or http.JSON,
                extensions={"requestId": request.request_id},
            )
        response["X-Request-ID"] = request.request_id
        return response

    def get(self, request):
        if "text/html" in request.headers.get("Accept", "") and not request.GET:
            return graphiql_response()
        return self.answer(request)

    def post(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > settings.CMS_MAX_BODY_BYTES:
            return responses.error(
                413,
                _("The request body is larger than %(max)s bytes.")
                % {"max": settings.CMS_MAX_BODY_BYTES},
                "PAYLOAD_TOO_LARGE",
                http.media_type(request) or http.JSON,
            )
        return self.answer(request)

    def http_method_not_allowed(self, request, *args, **kwargs):
        return HttpResponseNotAllowed(["GET", "POST"])

    def answer(self, request):
        media_type = http.media_type(request)
        if media_type is None:
            return responses.error(
                406,
                _("Accept application/json or application/graphql-response+json."),
                "NOT_ACCEPTABLE",
                http.JSON,
            )
        try:
            operation = http.parse(request)
            digest = persisted.digest(operation)
        except http.RequestError as error:
            return responses.error(
                error.status, error.message, error.code, media_type, error.headers
            )
        api_key, allowance = None, None
        if "Authorization" in request.headers:
            try:
                api_key = auth.authenticate(request)
                allowance = auth.take_quota(api_key)
            except http.RequestError as error:
                return responses.error(
                    error.status, error.message, error.code, media_type, error.headers
                )
        try:
            preview = previews.from_request(request)
        except previews.PreviewError as error:
            return responses.error(403, error.message, error.code, media_type)
        scope = "public" if api_key is None else f"key:{api_key.pk}"
        # A preview shows what others may not see: its answers are never cached, nor read
        # from the cache (where the story is still hidden).
        key = None
        if preview is None:
            key = cache.response_key(
                digest,
                operation.variables,
                operation.operation_name,
                header_language(request),
                scope,
                media_type,
            )
        # A client asking for a fresh answer (Cache-Control: no-cache) skips the lookup.
        if key is not None and "no-cache" not in request.headers.get("Cache-Control", ""):
            entry = cache.lookup(key)
            if entry is not None and persisted.allowed(digest):
                response = responses.from_entry(request, entry, private=api_key is not None)
                return with_headers(response, allowance)
        try:
            document = persisted.resolve(operation, digest)
            persisted.check_allowed(digest)
        except http.RequestError as error:
            return responses.error(
                error.status, error.message, error.code, media_type, error.headers
            )
        if api_key is None:
            allowance = ratelimit.take(f"ip:{ratelimit.client_address(request)}")
        if allowance.exceeded:
            return responses.error(
                429,
                _("Too many requests; try again in %(seconds)s seconds.")
                % {"seconds": allowance.reset},
                "RATE_LIMITED",
                media_type,
                allowance.headers(),
            )
        registered = digest in persisted.registered()
        try:
            analysis = limits.check(
                document, operation.operation_name, operation.variables, registered
            )
        except GraphQLSyntaxError:
            analysis = None  # Execution reports the syntax error, located.
        except limits.LimitExceeded as error:
            status = 413 if error.code == "QUERY_TOO_LARGE" else 400
            if media_type == http.JSON and status == 400:
                status = 200
            return responses.error(status, error.message, error.code, media_type)
        response = self.execute(
            request, operation, document, media_type, key, analysis, api_key, preview
        )
        return with_headers(response, allowance)

    def execute(
        self, request, operation, document, media_type, key, analysis, api_key, preview=None
    ):
        if analysis is not None and not analysis.is_query:
            key = None
        started = cache.generation() if key else None
        context = Context(request, api_key, preview)
        allowed = QUERY_ONLY if request.method == "GET" else ANY_OPERATION
        # Anonymous queries may read a replica (api/db_router.py); the rest read the primary.
        public = api_key is None and preview is None and analysis is not None and analysis.is_query
        try:
            with db_router.public_reads(public):
                result = schema.execute_sync(
                    document,
                    variable_values=operation.variables,
                    context_value=context,
                    operation_name=operation.operation_name,
                    allowed_operation_types=allowed,
                )
        except CannotGetOperationTypeError:
            if operation.operation_name:
                message = _("Unknown operation named “%(name)s”.") % {
                    "name": operation.operation_name
                }
            else:
                message = _(
                    "The document holds several operations (or none); "
                    "name the one to run in `operationName`."
                )
            status = 200 if media_type == http.JSON else 400
            return responses.error(status, message, "GRAPHQL_VALIDATION_FAILED", media_type)
        except InvalidOperationTypeError:
            return responses.error(
                405,
                _("Mutations must be sent with POST."),
                "METHOD_NOT_ALLOWED",
                media_type,
                {"Allow": "POST"},
            )
        errors = result.errors or []
        if any(is_unavailable(error) for error in errors):
            return unavailable(media_type)
        request_failed = result.data is None and all(e.path is None for e in errors)
        body = {} if request_failed else {"data": result.data}
        if errors:
            body["errors"] = [format_error(error, request.request_id) for error in errors]
        if analysis is not None:
            body["extensions"] = {
                "cost": {"requested": analysis.cost, "maximum": settings.GRAPHQL_MAX_COST}
            }
        status = 400 if request_failed and media_type == http.GRAPHQL_RESPONSE else 200
        encoded = orjson.dumps(body)
        if key is None or errors or analysis is None:
            response = responses.respond(status, encoded, media_type)
            response["Cache-Control"] = (
                "private, no-store" if api_key or key is None else "no-store"
            )
            return response
        entry = make_entry(encoded, status, media_type, context)
        cache.store(key, entry, sorted(context.dependencies), started)
        return responses.from_entry(request, entry, private=api_key is not None)


def with_headers(response, allowance):
    """Add the rate-limit headers of a counted request."""
    for name, value in (allowance.headers() if allowance else {}).items():
        response[name] = value
    return response


def unavailable(media_type):
    return responses.error(
        503,
        _("The service is briefly unavailable; try again shortly."),
        "SERVICE_UNAVAILABLE",
        media_type,
        {"Retry-After": "5"},
    )


def make_entry(encoded, status, media_type, context):
    """A cache entry for a computed answer, living no longer than its content stays right."""
    now = time.time()
    max_age, shared_max_age = settings.CMS_HTTP_MAX_AGE, settings.CMS_HTTP_SHARED_MAX_AGE
    lifetime = settings.CMS_RESPONSE_CACHE_TIMEOUT
    if context.uses_counters:
        max_age = shared_max_age = lifetime = settings.CMS_COUNTERS_MAX_AGE
    next_publication = next_publication_at()
    if next_publication is not None:
        lifetime = min(lifetime, max(1, next_publication - now))
    return cache.Entry(
        body=encoded,
        status=status,
        content_type=media_type,
        etag=cache.etag_for(encoded),
        dependencies={},
        expires_at=now + lifetime,
        max_age=max_age,
        shared_max_age=shared_max_age,
        extra=edge.lifetime_note(lifetime),
    )


def next_publication_at():
    """Epoch seconds of the next scheduled publication, cached until any story changes."""
    version_key = "v:" + cache.STORIES
    found = shared_cache.get_many([cache.NEXT_PUBLISH, version_key])
    stored = found.get(cache.NEXT_PUBLISH)
    version = found.get(version_key)
    if (
        stored is not None
        and stored[0] == version
        and (stored[1] is None or stored[1] > time.time())
    ):
        return stored[1]
    moment = Story.objects.next_publication()
    value = moment.timestamp() if moment else None
    shared_cache.set(cache.NEXT_PUBLISH, (version, value), timeout=None)
    return value


graphql_view = GraphQLView.as_view()
