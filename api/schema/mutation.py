"""Counting what readers do: views and shares, atomically."""

import strawberry
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from api.graphql_http.errors import BadUserInput, NotFound
from cms import sharing
from cms.models import Story as StoryModel
from cms.models import StoryActivity

from .ingest import UpsertStoryPayload, upsert_story


@strawberry.type(description="The story's view count after this view.")
class RecordViewPayload:
    slug: str = strawberry.field(description="The story viewed.")
    view_count: int = strawberry.field(description="Views counted so far, this one included.")


@strawberry.type(description="The story's share count after this share.")
class RecordSharePayload:
    slug: str = strawberry.field(description="The story shared.")
    network: str = strawberry.field(description="Where it was shared.")
    share_count: int = strawberry.field(description="Shares counted so far, this one included.")


# The day's activity (for the hot ranking and the dashboard) counted with each counter.
ACTIVITY = {"view_count": "views", "share_count": "shares"}


def increment(slug, counter):
    """Add one to a published story's counter and to today's activity; return the new count."""
    with transaction.atomic():
        updated = (
            StoryModel.objects.published().filter(slug=slug).update(**{counter: F(counter) + 1})
        )
        if not updated:
            raise NotFound(_("No published story has the slug “%(slug)s”.") % {"slug": slug})
        # The row stays locked by our update until commit, so this reads our own increment.
        story_id, value = StoryModel.objects.filter(slug=slug).values_list("pk", counter).get()
        StoryActivity.record(story_id, **{ACTIVITY[counter]: 1})
        return value


@strawberry.type
class Mutation:
    upsert_story: UpsertStoryPayload = strawberry.mutation(
        resolver=upsert_story,
        description="Create or update a story from the pipeline (API keys with `ingest`).",
    )

    @strawberry.mutation(description="Count one view of a published story.")
    def record_view(self, slug: str) -> RecordViewPayload:
        return RecordViewPayload(slug=slug, view_count=increment(slug, "view_count"))

    @strawberry.mutation(description="Count one share of a published story on a network.")
    def record_share(self, slug: str, network: str) -> RecordSharePayload:
        code = network.strip().lower()
        if code not in sharing.NETWORKS:
            raise BadUserInput(
                _("Unknown network “%(network)s”. Known networks: %(known)s.")
                % {"network": network, "known": ", ".join(sharing.NETWORKS)}
            )
        return RecordSharePayload(
            slug=slug, network=code, share_count=increment(slug, "share_count")
        )
