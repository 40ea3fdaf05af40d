"""The errors answered before execution: a request we cannot run, or a document that
cannot run, each answered with one GraphQL error and an HTTP status.

At the bottom of `api.graphql_http`: reading a request, persisted queries, limits and keys
all refuse with these, and the view answers them in one place.
"""

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


class RequestError(Exception):
    """A request we cannot run, answered with `status` and one GraphQL error.

    Every error answered outside execution is one of these, handled in one place
    (`api.graphql_http.view`, `responses.error_for`).
    """

    def __init__(self, status, message, code="BAD_REQUEST", headers=None):
        super().__init__(message)
        self.status = status
        self.message = str(message)
        self.code = code
        self.headers = headers or {}

    def status_for(self, media_type):
        """The HTTP status under `media_type` (see `DocumentError`)."""
        return self.status


class DocumentError(RequestError):
    """A document that cannot run (parse, validation, limits): 400 under
    application/graphql-response+json, 200 under application/json, as the
    GraphQL-over-HTTP specification asks."""

    def __init__(self, message, code):
        super().__init__(400, message, code)

    def status_for(self, media_type):
        return 200 if media_type == JSON else 400
