"""The GraphQL operation a request ran, as a metric label of bounded cardinality.

Only the operation names of registered documents (GRAPHQL_DOCUMENT_DIRS) become labels:
that set is fixed by the deployment. Any other named operation is `other`, an unnamed one
`anonymous`. Documents clients persist themselves (automatic persisted queries) are not
registered: any client can add those, so their names could grow without bound.
"""

import orjson
from django.conf import settings
from graphql import GraphQLError, OperationDefinitionNode, parse

from api.ops import documents

ANONYMOUS = "anonymous"
OTHER = "other"

# Operation names of registered documents, by digest. A digest names its text, so an
# entry never goes stale; only registered digests are kept, so this stays bounded.
_names = {}


def registered_names(digest):
    """The operation names of the registered document with this digest, or None."""
    if digest in _names:
        return _names[digest]
    text = documents.registered().get(digest)
    if text is None:
        return None
    try:
        definitions = parse(text).definitions
    except GraphQLError:
        definitions = ()
    names = tuple(
        node.name.value if node.name else ""
        for node in definitions
        if isinstance(node, OperationDefinitionNode)
    )
    _names[digest] = names
    return names


def label(query, operation_name, extensions):
    """The label for a request's document (or its hash), operation name and extensions."""
    persisted_query = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    digest = None
    if isinstance(persisted_query, dict) and isinstance(persisted_query.get("sha256Hash"), str):
        digest = persisted_query["sha256Hash"].lower()
    elif isinstance(query, str):
        digest = documents.sha256(query)
    if not isinstance(operation_name, str) or not operation_name:
        operation_name = None
    names = registered_names(digest) if digest else None
    if names is None:
        return OTHER if operation_name else ANONYMOUS
    if operation_name:
        return operation_name if operation_name in names else OTHER
    if len(names) == 1 and names[0]:
        return names[0]
    return ANONYMOUS


def _json(value):
    if not isinstance(value, str):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return None


def of_request(request):
    """The label of the operation a Django request to /graphql asked for."""
    if request.method == "GET":
        params = request.GET
        return label(
            params.get("query"), params.get("operationName"), _json(params.get("extensions"))
        )
    length = request.META.get("CONTENT_LENGTH") or "0"
    # The view refused a larger body without reading it; reading it here would cost as much.
    if not length.isdigit() or int(length) > settings.CMS_MAX_BODY_BYTES:
        return OTHER
    try:
        payload = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        return OTHER
    if not isinstance(payload, dict):
        return OTHER
    return label(payload.get("query"), payload.get("operationName"), payload.get("extensions"))
