"""Counting what readers do: views and shares, in the shared cache (`cms.counting.counters`)."""

from typing import Annotated

import strawberry
from django.utils.translation import gettext as _

from api.schema.errors import BadUserInput, NotFound
from cms.core import sharing
from cms.counting import counters

from .ingest import UpsertStoryPayload, import_ninjs, upsert_story


@strawberry.type(description="The story's view count after this view.")
class RecordViewPayload:
    slug: str = strawberry.field(description="The story viewed.")
    view_count: int = strawberry.field(description="Views counted so far, this one included.")


@strawberry.type(description="The story's share count after this share.")
class RecordSharePayload:
    slug: str = strawberry.field(description="The story shared.")
    network: str = strawberry.field(description="Where it was shared.")
    share_count: int = strawberry.field(description="Shares counted so far, this one included.")


def increment(info, slug, counter):
    """Count once per request and story (aliases of one field count one), and once per
    client within the counting window (`cms.counting.counters.count_once`)."""
    context = info.context
    counted = context.__dict__.setdefault("counted", {})
    try:
        if (slug, counter) not in counted:
            counted[slug, counter] = counters.count_once(slug, counter, context.counting_client)
        return counted[slug, counter]
    except counters.NotPublished:
        raise NotFound(_("No published story has the slug “%(slug)s”.") % {"slug": slug}) from None


@strawberry.type(
    description="What callers change: readers' views and shares, the pipeline's stories."
)
class Mutation:
    upsert_story: UpsertStoryPayload = strawberry.mutation(
        resolver=upsert_story,
        description="Create or update a story from the pipeline (API keys with `ingest`).",
    )
    import_ninjs: UpsertStoryPayload = strawberry.mutation(
        resolver=import_ninjs,
        description="Create or update a story from an IPTC ninjs text item (API keys with "
        "`ingest`): the item's uri is its id, so importing it again updates the same story. "
        "Problems come back per field, named as the item names them (`headlines`, `bodies`).",
    )

    @strawberry.mutation(
        description="Count one view of a published story. A client is counted once per "
        "story in a request and within the counting window (by address, IPv6 by its /64, "
        "or the reader site's `X-Reader-Id` where trusted); a repeat answers the count."
    )
    def record_view(
        self,
        info: strawberry.Info,
        slug: Annotated[str, strawberry.argument(description="The story's slug.")],
    ) -> RecordViewPayload:
        return RecordViewPayload(slug=slug, view_count=increment(info, slug, counters.VIEWS))

    @strawberry.mutation(
        description="Count one share of a published story on a network, once per client "
        "and story in a request and within the counting window, as `recordView`."
    )
    def record_share(
        self,
        info: strawberry.Info,
        slug: Annotated[str, strawberry.argument(description="The story's slug.")],
        network: Annotated[
            str,
            strawberry.argument(
                description="Network code, as `shareLinks` gives it: "
                + ", ".join(sharing.NETWORKS)
                + "."
            ),
        ],
    ) -> RecordSharePayload:
        code = network.strip().lower()
        if code not in sharing.NETWORKS:
            raise BadUserInput(
                _("Unknown network “%(network)s”. Known networks: %(known)s.")
                % {"network": network, "known": ", ".join(sharing.NETWORKS)}
            )
        return RecordSharePayload(
            slug=slug, network=code, share_count=increment(info, slug, counters.SHARES)
        )
