"""`Story.related`: other stories readers may read next (see `cms.serving.related`).

Offered on one-story answers (`story`, `node`), where it costs a constant handful of
queries; asked for on a list of stories it is refused (BAD_USER_INPUT) rather than
costing queries for every story of the page.
"""

from django.utils.translation import gettext as _

from api.schema.errors import BadUserInput
from cms.serving import related

DEFAULT_RELATED = 5
FIRST_DESCRIPTION = f"How many related stories, 1–{related.MAX_RELATED}."


def resolve(root, info, first):
    """The related stories of `root` (a `Story` type), as the same type."""
    if not 1 <= first <= related.MAX_RELATED:
        raise BadUserInput(
            _("`first` must be between 1 and %(max)d.") % {"max": related.MAX_RELATED}
        )
    if len(root._served.batch.all_stories) > 1:
        raise BadUserInput(_("Related stories are available on one story (story or node)."))
    found = related.related(root._served, first, info.context.observe)
    info.context.counts.want(served.pk for served in found)
    return [type(root)(_served=served) for served in found]
