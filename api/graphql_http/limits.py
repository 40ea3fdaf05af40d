"""Limits checked before a document runs: size, tokens, depth, aliases and cost.

Cost counts the items a query could return, multiplying through nested lists: a page of
`first: 100` stories, each with up to 10 tags, costs about a thousand. Fields selected
through fragments (inline or named, on any type) count as if written in place; a page size
given by a variable counts as the variable's value or, without one, its default. Every
`search` argument adds `GRAPHQL_SEARCH_COST` per term it searches for (counted as the
search engine normalizes it), so many aliases of long searches are refused before any SQL.
Introspection fields are exempt from depth and cost: they are bounded by the schema, and
tokens bound them.
"""

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext as _
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    parse,
    value_from_ast,
    value_from_ast_untyped,
)

from api.graphql_http.refusals import DocumentError
from api.schema import schema
from cms.core import languages
from cms.search import engine as search_engine

# How many items a list field may hold, where its size is not an argument.
LIST_SIZES = {
    ("Query", "tags"): 50,
    ("StoryConnection", "edges"): 1,  # `first` on `stories` already counts them.
    ("LiveEntryConnection", "edges"): 1,  # `first` on `liveEntries` likewise.
    ("Story", "shareLinks"): 9,
}
DEFAULT_LIST_SIZE = 10
DEFAULT_PAGE_SIZE = 20


def list_size(parent, name):
    """How many items the list field `name` of type `parent` may hold."""
    if (parent, name) == ("SyncPage", "items"):
        # `first` on `sync` already counts the stories; each gives an item per language.
        return len(languages.codes())
    return LIST_SIZES.get((parent, name), DEFAULT_LIST_SIZE)


class LimitExceeded(DocumentError):
    """A document over one of the limits; its message says which and by how much."""

    def __init__(self, message, code="QUERY_TOO_COMPLEX"):
        super().__init__(message, code)

    def status_for(self, media_type):
        # Too large is a property of the request body, whatever the media type.
        return 413 if self.code == "QUERY_TOO_LARGE" else super().status_for(media_type)


@dataclass
class Analysis:
    depth: int = 0
    aliases: int = 0
    cost: int = 0
    is_query: bool = True
    chosen: int = 1


@lru_cache(maxsize=1024)
def parse_document(document, max_tokens):
    """Parse once per process and document; raises GraphQLSyntaxError."""
    return parse(document, max_tokens=max_tokens, no_location=False)


def check(document, operation_name, variables, registered=False):
    """Parse and measure a document; raise LimitExceeded or GraphQLSyntaxError."""
    if not registered and len(document.encode("utf-8")) > settings.GRAPHQL_MAX_DOCUMENT_BYTES:
        raise LimitExceeded(
            _("The document is larger than %(max)s bytes; register it as a persisted query.")
            % {"max": settings.GRAPHQL_MAX_DOCUMENT_BYTES},
            "QUERY_TOO_LARGE",
        )
    try:
        ast = parse_document(document, settings.GRAPHQL_MAX_TOKENS)
    except GraphQLSyntaxError as error:
        if "tokens" in error.message and "Parsing aborted" in error.message:
            raise LimitExceeded(
                _("The document has more than %(max)s tokens.")
                % {"max": settings.GRAPHQL_MAX_TOKENS}
            ) from None
        raise
    analysis = measure(ast, operation_name, variables)
    if analysis.chosen != 1:
        if operation_name:
            message = _("Unknown operation named “%(name)s”.") % {"name": operation_name}
        else:
            message = _(
                "The document holds several operations (or none); "
                "name the one to run in `operationName`."
            )
        raise LimitExceeded(message, "GRAPHQL_VALIDATION_FAILED")
    if analysis.depth > settings.GRAPHQL_MAX_DEPTH:
        raise LimitExceeded(
            _("The document nests %(depth)s levels deep; at most %(max)s are allowed.")
            % {"depth": analysis.depth, "max": settings.GRAPHQL_MAX_DEPTH}
        )
    if analysis.aliases > settings.GRAPHQL_MAX_ALIASES:
        raise LimitExceeded(
            _("The document uses %(count)s aliases; at most %(max)s are allowed.")
            % {"count": analysis.aliases, "max": settings.GRAPHQL_MAX_ALIASES}
        )
    if analysis.cost > settings.GRAPHQL_MAX_COST:
        raise LimitExceeded(
            _(
                "The query could return %(cost)s items; at most %(max)s are allowed. "
                "Ask for fewer items (`first`) or fewer nested lists."
            )
            % {"cost": analysis.cost, "max": settings.GRAPHQL_MAX_COST}
        )
    return analysis


def measure(ast, operation_name, variables):
    """Depth, aliases and cost of the operation that would run."""
    fragments = {d.name.value: d for d in ast.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        op
        for op in operations
        if operation_name is None or (op.name is not None and op.name.value == operation_name)
    ]
    analysis = Analysis(chosen=len(chosen))
    if len(chosen) != 1:
        return analysis
    operation = chosen[0]
    analysis.is_query = operation.operation == OperationType.QUERY
    graphql_schema = schema._schema
    root = {
        OperationType.QUERY: graphql_schema.query_type,
        OperationType.MUTATION: graphql_schema.mutation_type,
    }.get(operation.operation)
    given = variables if isinstance(variables, dict) else {}
    walker = _Walker(graphql_schema, fragments, {**defaults(operation), **given}, analysis)
    analysis.cost = walker.selections(operation.selection_set, root, 1, frozenset())
    return analysis


def defaults(operation):
    """The operation's variables that have a default value, with that value."""
    found = {}
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None:
            found[definition.variable.name.value] = value_from_ast_untyped(definition.default_value)
    return found


def search_words(text):
    """How many terms a search looks for, normalized as the search engine does it
    (cms.search.engine: case folded, stemmed, Chinese segmented, each term once), at most
    `CMS_SEARCH_MAX_WORDS`."""
    if not isinstance(text, str):
        return 0
    terms = set(search_engine.analyze(text, mode="default"))
    return min(len(terms), settings.CMS_SEARCH_MAX_WORDS)


class _Walker:
    def __init__(self, graphql_schema, fragments, variables, analysis):
        self.schema = graphql_schema
        self.fragments = fragments
        self.variables = variables
        self.analysis = analysis

    def selections(self, selection_set, parent, depth, spread):
        cost = 0
        for selection in (selection_set.selections or ()) if selection_set else ():
            if isinstance(selection, FieldNode):
                cost += self.field(selection, parent, depth, spread)
            elif isinstance(selection, InlineFragmentNode):
                on = self._condition(selection.type_condition, parent)
                cost += self.selections(selection.selection_set, on, depth, spread)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in spread:
                    on = self._condition(fragment.type_condition, parent)
                    cost += self.selections(fragment.selection_set, on, depth, spread | {name})
        return cost

    def _condition(self, type_condition, parent):
        """The type a fragment's fields belong to: its condition's, else the parent's."""
        if type_condition is None:
            return parent
        return self.schema.get_type(type_condition.name.value) or parent

    def field(self, node, parent, depth, spread):
        if node.alias is not None:
            self.analysis.aliases += 1
        name = node.name.value
        if name.startswith("__"):
            return 0
        self.analysis.depth = max(self.analysis.depth, depth)
        fields = getattr(parent, "fields", None) or {}
        definition = fields.get(name)
        field_type = definition.type if definition is not None else None
        if isinstance(field_type, GraphQLNonNull):
            field_type = field_type.of_type
        searching = self._search_cost(node, definition)
        if node.selection_set is None:
            return 1 + searching
        # Unknown fields are still walked: depth must not hide behind a typo.
        named = get_named_type(field_type) if field_type is not None else None
        multiplier = 1
        if definition is not None and "first" in definition.args:
            multiplier = self._first(node)
        elif (
            isinstance(field_type, GraphQLList)
            or (getattr(parent, "name", None), name) in LIST_SIZES
        ):
            multiplier = list_size(parent.name, name)
        children = self.selections(node.selection_set, named, depth + 1, spread)
        return 1 + searching + multiplier * children

    def _search_cost(self, node, definition):
        if definition is None or "search" not in definition.args:
            return 0
        for argument in node.arguments or ():
            if argument.name.value == "search":
                text = value_from_ast_untyped(argument.value, self.variables)
                return settings.GRAPHQL_SEARCH_COST * search_words(text)
        return 0

    def _first(self, node):
        for argument in node.arguments or ():
            if argument.name.value == "first":
                value = value_from_ast(argument.value, GraphQLInt, self.variables)
                if isinstance(value, int) and value > 0:
                    return value
                return DEFAULT_PAGE_SIZE
        return DEFAULT_PAGE_SIZE
