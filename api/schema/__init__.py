"""The public GraphQL schema."""

import strawberry

from .mutation import Mutation
from .query import Query
from .types import Story

schema = strawberry.Schema(query=Query, mutation=Mutation, types=[Story])
