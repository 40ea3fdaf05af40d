"""The public GraphQL schema."""

import strawberry
from graphql import GraphQLError

from api.errors import ApiError

from .mutation import Mutation
from .query import Query
from .types import Story


class Schema(strawberry.Schema):
    """Strawberry's schema, logging only the errors that are ours to fix."""

    def process_errors(self, errors, execution_context=None):
        unexpected = [error for error in errors if not _is_expected(error)]
        super().process_errors(unexpected, execution_context)


def _is_expected(error):
    # Caller mistakes (bad arguments, validation) are answered, not logged as failures.
    original = error.original_error
    return original is None or isinstance(original, (ApiError, GraphQLError))


schema = Schema(query=Query, mutation=Mutation, types=[Story])
