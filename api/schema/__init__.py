"""The public GraphQL schema."""

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from api.ops import tracing

from .execution import ExecutionContext
from .mutation import Mutation
from .query import Query
from .subscription import Subscription
from .types import Story


class Schema(strawberry.Schema):
    """Strawberry's schema; errors are logged by the view, with the request id."""

    def process_errors(self, errors, execution_context=None):
        pass


schema = Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[Story],
    execution_context_class=ExecutionContext,
    extensions=[
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        *tracing.extensions(),
    ],
)
