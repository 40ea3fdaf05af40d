"""GraphQL errors callers can act on: each carries a stable `extensions.code`."""

from graphql import GraphQLError


class ApiError(GraphQLError):
    """An error meant for the caller; its message is safe to show."""

    code = "BAD_REQUEST"

    def __init__(self, message):
        super().__init__(str(message), extensions={"code": self.code})


class BadUserInput(ApiError):
    code = "BAD_USER_INPUT"


class NotFound(ApiError):
    code = "NOT_FOUND"
