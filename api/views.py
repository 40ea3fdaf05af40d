"""The GraphQL endpoint."""

import orjson
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from strawberry.django.views import GraphQLView as StrawberryView

from api.schema import schema
from api.schema.context import Context


@method_decorator(csrf_exempt, name="dispatch")
class GraphQLView(StrawberryView):
    """Strawberry's Django view, with our context and a faster JSON encoder."""

    def get_context(self, request, response):
        return Context(request=request, response=response)

    def encode_json(self, data):
        return orjson.dumps(data)


graphql_view = GraphQLView.as_view(schema=schema)
