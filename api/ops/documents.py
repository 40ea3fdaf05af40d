"""The registered GraphQL documents: the `.graphql` files of GRAPHQL_DOCUMENT_DIRS, by hash.

The set is fixed by the deployment. Persisted queries take it as their allow-list
(`api.graphql_http.persisted`), and metrics label requests with its operation names
(`api.ops.operations`); it lives here, under both, so that operations never depend on
the HTTP layer.
"""

import hashlib
from functools import cache as memoize
from pathlib import Path

from django.conf import settings


def sha256(document):
    """The hex SHA-256 of a document's text, as persisted queries name it."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


@memoize
def registered():
    """Documents from the configured folders, by hash: the allow-list."""
    documents = {}
    for folder in settings.GRAPHQL_DOCUMENT_DIRS:
        for path in sorted(Path(folder).glob("*.graphql")):
            text = path.read_text(encoding="utf-8")
            documents[sha256(text)] = text
    return documents
