"""The GraphQL endpoint: persisted queries, the response cache and HTTP caching."""

import math
import time

import orjson
from django.conf import settings
from django.core.cache import cache as shared_cache
from django.http import HttpResponse, HttpResponseNotAllowed
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from api import cache, http, persisted
from api.schema import schema
from api.schema.context import Context, header_language
from cms.models import Story

VARY = ("Accept", "Accept-Language", "Authorization")
QUERY_ONLY = frozenset({OperationType.QUERY})
ANY_OPERATION = frozenset({OperationType.QUERY, OperationType.MUTATION})


def error_body(message, code):
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(View):
    """Answers GraphQL over HTTP; public reads are cached and carry HTTP caching headers."""

    http_method_names = ["get", "post", "options"]

    def get(self, request):
        if "text/html" in request.headers.get("Accept", "") and not request.GET:
            return HttpResponse(get_graphql_ide_html("graphiql"))
        return self.answer(request)

    def post(self, request):
        return self.answer(request)

    def http_method_not_allowed(self, request, *args, **kwargs):
        return HttpResponseNotAllowed(["GET", "POST"])

    def answer(self, request):
        media_type = http.media_type(request)
        if media_type is None:
            return self.encode(
                406,
                error_body(
                    _("Accept application/json or application/graphql-response+json."),
                    "NOT_ACCEPTABLE",
                ),
                http.JSON,
            )
        try:
            operation = http.parse(request)
            document, digest = persisted.resolve(operation)
            persisted.check_allowed(digest)
        except http.RequestError as error:
            return self.encode(
                error.status, error_body(error.message, error.code), media_type, error.headers
            )
        public = "Authorization" not in request.headers
        key = None
        if public:
            key = cache.response_key(
                digest,
                operation.variables,
                operation.operation_name,
                header_language(request),
                "public",
                media_type,
            )
            # A client asking for a fresh answer (Cache-Control: no-cache) skips the lookup.
            if "no-cache" not in request.headers.get("Cache-Control", ""):
                entry = cache.lookup(key)
                if entry is not None:
                    return self.from_entry(request, entry)
        return self.execute(request, operation, document, media_type, key)

    def execute(self, request, operation, document, media_type, key):
        started = cache.generation() if key else None
        context = Context(request)
        allowed = QUERY_ONLY if request.method == "GET" else ANY_OPERATION
        try:
            result = schema.execute_sync(
                document,
                variable_values=operation.variables,
                context_value=context,
                operation_name=operation.operation_name,
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError:
            response = self.encode(
                405,
                error_body(_("Mutations must be sent with POST."), "METHOD_NOT_ALLOWED"),
                media_type,
            )
            response["Allow"] = "POST"
            return response
        request_failed = result.data is None and all(e.path is None for e in result.errors or [])
        body = {} if request_failed else {"data": result.data}
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        if result.extensions:
            body["extensions"] = result.extensions
        status = 400 if request_failed and media_type == http.GRAPHQL_RESPONSE else 200
        encoded = orjson.dumps(body)
        if key is None or result.errors or not self.is_query(document, operation.operation_name):
            response = self.respond(status, encoded, media_type)
            response["Cache-Control"] = "private, no-store" if key is None else "no-store"
            return response
        entry = self.make_entry(encoded, status, media_type, context)
        cache.store(key, entry, sorted(context.dependencies), started)
        return self.from_entry(request, entry)

    def make_entry(self, encoded, status, media_type, context):
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
        )

    def from_entry(self, request, entry):
        remaining = max(0, math.ceil(entry.expires_at - time.time()))
        max_age = min(entry.max_age, remaining)
        shared = min(entry.shared_max_age, remaining)
        if request.method == "GET" and entry.etag in if_none_match(request):
            response = HttpResponse(status=304)
        else:
            response = self.respond(entry.status, entry.body, entry.content_type)
        response["ETag"] = entry.etag
        response["Cache-Control"] = (
            f"public, max-age={max_age}, s-maxage={shared}, "
            f"stale-while-revalidate={settings.CMS_HTTP_STALE_WHILE_REVALIDATE}"
        )
        return response

    def respond(self, status, encoded, media_type):
        response = HttpResponse(encoded, status=status, content_type=media_type)
        patch_vary_headers(response, VARY)
        return response

    def encode(self, status, body, media_type, headers=None):
        response = self.respond(status, orjson.dumps(body), media_type)
        response["Cache-Control"] = "no-store"
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    @staticmethod
    def is_query(document, operation_name):
        """Whether the operation that ran is a query (only queries are cached)."""
        from graphql import OperationDefinitionNode, OperationType, parse

        for definition in parse(document).definitions:
            if isinstance(definition, OperationDefinitionNode) and (
                operation_name is None
                or (definition.name and definition.name.value == operation_name)
            ):
                return definition.operation == OperationType.QUERY
        return False


def if_none_match(request):
    header = request.headers.get("If-None-Match", "")
    return {tag.strip() for tag in header.split(",") if tag.strip()}


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
