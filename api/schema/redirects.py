"""The `redirect` query: where an old reader-site address of a story lives now.

A headless frontend asks before answering 404 for a story page: an address with an old
slug (see `cms.serving.redirects`) gets the story's current canonical address and 301.
"""

from typing import Annotated

import strawberry
from django.utils.translation import gettext as _
from strawberry.types import Info

from api.schema.errors import BadUserInput
from cms.serving import redirects

MAX_PATH_LENGTH = 2000


@strawberry.type(description="Where an old address now lives: answer with this redirect.")
class Redirect:
    location: str = strawberry.field(
        description="The story's current canonical address on the reader site, with the "
        "old address's query string kept."
    )
    status_code: int = strawberry.field(
        description="The HTTP status to answer with: 301, moved permanently."
    )


def resolve_redirect(
    info: Info,
    path: Annotated[
        str,
        strawberry.argument(
            description="A path on the reader site (or a whole address), e.g. "
            "`/en/stories/old-slug`, as `CMS_STORY_URL` builds story addresses."
        ),
    ],
    language: Annotated[
        str | None,
        strawberry.argument(
            description="The address's language, when story addresses do not carry it "
            "in their path (a host per language); else the path's applies."
        ),
    ] = None,
) -> Redirect | None:
    if len(path) > MAX_PATH_LENGTH or "\x00" in path:
        raise BadUserInput(
            _("Give a path of at most %(count)d characters.") % {"count": MAX_PATH_LENGTH}
        )
    audience = info.context.audience_for(language)
    location = redirects.resolve(path, audience, info.context.observe)
    if location is None:
        return None
    return Redirect(location=location, status_code=redirects.MOVED_PERMANENTLY)
