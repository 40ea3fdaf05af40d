"""Executing answers with the served-story cache (api/caching/stories.py), and subscription
events answered once for the subscribers that read them alike.

graphql-core completes each `Story` of an answer by resolving its selected fields one by
one: on a front page, nine in ten of the resolvers an answer runs. Here a story's fields
that do not move between edits are taken from the served-story cache when an earlier
answer computed them for the same selection, story and audience; the fields that do move
(counts, a searched list's snippets) are always resolved. What the cached fields showed is
replayed into the answer's dependencies, so the response cache and the edge see the same
dependencies whether a story came from the cache or not.
"""

import asyncio
import hashlib

import orjson
from graphql import ExecutionResult, OperationType, print_ast
from graphql.language import visit
from graphql.language.visitor import Visitor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.caching import stories
from api.schema import shown_counts
from cms.serving import stories as serving

STORY_TYPE = "Story"
# Fields whose value moves without the story changing: resolved on every answer.
VOLATILE = frozenset({"viewCount", "shareCount", "searchSnippet"})
_SELECTIONS_MAX = 2048


class _Walk(Visitor):
    """What a selection refers to: fragments (with the depth each is spread at), variables,
    and volatile fields below the story's own fields."""

    def __init__(self):
        super().__init__()
        self.spreads, self.variables = set(), set()
        self.volatile_inside = False
        self.depth = 0

    def enter_field(self, node, *_args):
        if self.depth > 1 and node.name.value in VOLATILE:
            self.volatile_inside = True
        self.depth += 1

    def leave_field(self, node, *_args):
        self.depth -= 1

    def enter_fragment_spread(self, node, *_args):
        self.spreads.add((node.name.value, self.depth))

    def enter_variable(self, node, *_args):
        self.variables.add(node.name.value)


class Selection:
    """A story selection of one document: its text (fragments inlined) and variables."""

    def __init__(self, nodes, fragments):
        walk = _Walk()
        texts = []
        for node in nodes:
            visit(node, walk)
            texts.append(print_ast(node))
        # A fragment's fields sit as deep as it is spread, wherever that is.
        walked, printed = set(), set()
        while pending := sorted(walk.spreads - walked):
            for name, depth in pending:
                walked.add((name, depth))
                if name not in fragments:
                    continue
                walk.depth = depth
                visit(fragments[name], walk)
                if name not in printed:
                    printed.add(name)
                    texts.append(print_ast(fragments[name]))
        self.text = "\n".join(texts)
        self.variables = sorted(walk.variables)
        # A volatile field below the story's own fields (in a nested list) would be kept
        # with the rest: such selections are not cached.
        self.cacheable = not walk.volatile_inside


# One document's selections, parsed once per process. The operation node is kept with
# its entry, so the node ids in the key cannot be reused while the entry lives.
_selections = {}


def _selection_of(context, field_details_list):
    memo_key = (id(context.operation), tuple(id(d.node) for d in field_details_list))
    found = _selections.get(memo_key)
    if found is not None and found[0] is context.operation:
        return found[1]
    if len(_selections) >= _SELECTIONS_MAX:
        _selections.clear()
    selection = Selection([d.node for d in field_details_list], context.fragment_definitions)
    _selections[memo_key] = (context.operation, selection)
    return selection


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution, with stories' stable fields read from the served-story cache."""

    def execute_operation(self, serially=None):
        """A subscription event shared by the subscribers of one audience (it carries
        `shared_answers`: api/schema/subscription.py) is answered once per document and
        variables: a thousand readers of a live story cost one execution, not a thousand.
        Its fields read only the event, which was read for that audience."""
        answers = getattr(self.root_value, "shared_answers", None)
        if answers is None or self.operation.operation != OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        key = (id(self.operation), orjson.dumps(self.variable_values.coerced, default=repr))
        found = answers.get(key)
        # The operation is kept with its answer, so its id cannot name another meanwhile.
        if found is None or found[0] is not self.operation:
            result = super().execute_operation(serially)
            if self.is_awaitable(result):
                result = asyncio.ensure_future(result)
            found = answers[key] = (self.operation, result)
        return _copy(found[1])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (batch id, selection id) to (batch, selection, story id to part key).
        self._page_keys = {}
        # The same to the list kinds any story of that page showed: page-wide loaders
        # (tag counts) tell only the first story, yet every story of the page shows them.
        self._page_lists = {}

    def collect_and_execute_subfields(
        self, return_type, field_details_list, path, result, position_context
    ):
        cache = getattr(self.context_value, "story_cache", None)
        if (
            cache is None
            or return_type.name != STORY_TYPE
            or any(d.fragment_variable_values is not None for d in field_details_list)
        ):
            return super().collect_and_execute_subfields(
                return_type, field_details_list, path, result, position_context
            )
        grouped, defer_usages, _forbidden = self.collect_subfields(return_type, field_details_list)
        selection = _selection_of(self, field_details_list)
        if defer_usages or not selection.cacheable:
            return self.execute_fields(return_type, result, path, grouped, position_context)
        return self._story_fields(
            cache, return_type, grouped, selection, path, result, position_context
        )

    def _part_key(self, selection, served):
        values = {name: self.variable_values.coerced.get(name) for name in selection.variables}
        material = orjson.dumps([selection.text, values], default=repr)
        digest = hashlib.sha256(material).hexdigest()
        return stories.key(digest, served.pk, served.batch.audience)

    def _story_fields(self, cache, return_type, grouped, selection, path, result, position):
        served = result._served
        batch = served.batch
        # The batch and selection are kept with their keys, so their ids stay theirs.
        batch_then, selection_then, part_keys = self._page_keys.get(
            (id(batch), id(selection)), (None, None, None)
        )
        if batch_then is not batch or selection_then is not selection:
            # The page's stories share this selection: read them all at once.
            part_keys = {s.pk: self._part_key(selection, s) for s in batch.served or [served]}
            self._page_keys[(id(batch), id(selection))] = (batch, selection, part_keys)
            self._page_lists[(id(batch), id(selection))] = set()
            cache.prefetch(list(part_keys.values()))
            batch.narrow([pk for pk, k in part_keys.items() if cache.get(k) is None])
        part_key = part_keys.get(served.pk) or self._part_key(selection, served)
        stable = {k: v for k, v in grouped.items() if v[0].node.name.value not in VOLATILE}
        moving = {k: v for k, v in grouped.items() if k not in stable}
        context = self.context_value
        part = cache.get(part_key)
        if part is not None:
            for kind, ids in part.observed:
                context.observe(kind, ids)
            computed = part.data
        else:
            errors_before = len(self.collected_errors.errors)
            with context.capturing() as observed:
                computed = self.execute_fields(return_type, result, path, stable, position)
            lists = self._page_lists.setdefault((id(batch), id(selection)), set())
            lists.update(kind for kind, _ids in observed if kind in serving.LISTS)
            if len(self.collected_errors.errors) == errors_before:
                shown = observed + served.relations() + [(kind, []) for kind in sorted(lists)]
                cache.add(part_key, computed, shown, context.dependencies_of(shown, served.pk))
        answer, unresolved = {}, moving
        if moving and shown_counts.plain(self):
            answer, unresolved = shown_counts.put_in(context, served, path, moving)
        if unresolved:
            answer.update(self.execute_fields(return_type, result, path, unresolved, position))
        return {k: answer[k] if k in moving else computed[k] for k in grouped}


def _copy(answer):
    """A subscriber's own ExecutionResult of a shared answer (or of its future)."""
    if isinstance(answer, asyncio.Future):

        async def awaited():
            return _copy(await asyncio.shield(answer))

        return awaited()
    return ExecutionResult(answer.data, answer.errors, answer.extensions)
