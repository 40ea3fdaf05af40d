"""Persisted queries, as Apollo Client's persisted-query link speaks them.

A client sends `extensions.persistedQuery.sha256Hash` alone; an unknown hash answers
PersistedQueryNotFound, and the client resends the document with its hash, which we
check and remember in the shared cache. Optionally only registered documents may run.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from api.graphql_http.refusals import RequestError
from api.ops.documents import registered, sha256

STORE_TIMEOUT = 60 * 60 * 24 * 30


def _key(digest):
    return f"apq:{digest}"


def digest(operation):
    """The SHA-256 of the operation's document: sent, or computed from the document."""
    persisted = operation.extensions.get("persistedQuery")
    if persisted is None:
        if operation.query is None:
            raise RequestError(400, _("No GraphQL document in the request (`query`)."))
        return sha256(operation.query)
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise RequestError(
            400, _("Only version 1 of persisted queries is supported."), "PERSISTED_QUERY_INVALID"
        )
    sent = persisted.get("sha256Hash")
    if not isinstance(sent, str) or len(sent) != 64:
        raise RequestError(
            400, _("`sha256Hash` must be a SHA-256 hex digest."), "PERSISTED_QUERY_INVALID"
        )
    sent = sent.lower()
    if operation.query is not None and sha256(operation.query) != sent:
        raise RequestError(
            400,
            _("The document does not match its `sha256Hash`."),
            "PERSISTED_QUERY_HASH_MISMATCH",
        )
    return sent


def resolve(operation, digest):
    """The document to run: the one sent (remembered if it came with a hash), or the stored one."""
    if operation.query is not None:
        if not operation.query.strip():
            raise RequestError(400, _("`query` is empty: send a GraphQL document."))
        if "persistedQuery" in operation.extensions:
            cache.set(_key(digest), operation.query, timeout=STORE_TIMEOUT)
        return operation.query
    document = known(digest)
    if document is None:
        raise RequestError(200, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
    return document


def known(digest):
    """The document with this digest, registered or stored by a client; None if unknown."""
    return registered().get(digest) or cache.get(_key(digest))


def allowed(digest):
    return not settings.GRAPHQL_PERSISTED_ONLY or digest in registered()


def check_allowed(digest):
    """In allow-list mode, refuse documents that are not registered."""
    if not allowed(digest):
        raise RequestError(
            403,
            _("Only registered documents may run here; send a known `sha256Hash`."),
            "PERSISTED_QUERY_REQUIRED",
        )
