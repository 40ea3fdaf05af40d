"""A story's view and share counts, put in its answer without a resolver call each.

Counts are the fields a story taken from the served-story cache (api/schema/execution.py)
still resolves on every answer: twenty on a front page. Strawberry's resolver chain (the
`Info` object, argument conversion, extension wrappers) cost several times the count's
own read, so a plain count is put in here as `Story.viewCount` / `Story.shareCount`
would: `Context.show_count` records where it is shown and reads it with the answer's
other counts, and the value is an `Int` as graphql-core would serialize it. Anything
else takes the normal path: an alias is fine, but a schema extension that wraps
resolvers (tracing) would miss these calls, and a count beyond `Int`'s range must
fail as there.
"""

from cms.counting import counters

FIELDS = {"viewCount": counters.VIEWS, "shareCount": counters.SHARES}
_INT_RANGE = range(-(2**31), 2**31)


def plain(execution):
    """Whether counts may skip the resolvers: no extension wraps resolvers."""
    manager = execution.middleware_manager
    return manager is None or not manager.middlewares


def put_in(context, served, path, grouped):
    """The counts of `grouped` (response key to field details) for `served`, and the
    fields that must be resolved normally."""
    values, others = {}, {}
    for response_key, details in grouped.items():
        counter = FIELDS.get(details[0].node.name.value)
        if counter is None:
            others[response_key] = details
            continue
        value = context.counts.value(served.pk, counter)
        if type(value) is not int or value not in _INT_RANGE:
            others[response_key] = details
            continue
        shown_at = (*path.as_list(), response_key)
        values[response_key] = context.show_count_at(shown_at, served.pk, counter)
    return values, others
