"""The GraphQL endpoint."""

import orjson
from cross_web import HTTPException
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView as StrawberryView
from strawberry.schema.exceptions import InvalidOperationTypeError

from api.schema import schema
from api.schema.context import Context


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(StrawberryView):
    """Strawberry's Django view, with our context and a faster JSON encoder."""

    def get_context(self, request, response):
        return Context(request=request, response=response)

    def encode_json(self, data):
        return orjson.dumps(data)

    def execute_single(self, request, request_adapter, *args, **kwargs):
        try:
            return super().execute_single(request, request_adapter, *args, **kwargs)
        except HTTPException as error:
            # A mutation over GET is the wrong method, not a malformed request.
            if isinstance(error.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, error.reason) from error
            raise


graphql_view = GraphQLView.as_view(schema=schema)
