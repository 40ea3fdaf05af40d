"""Counting what readers do: views and shares of published stories, atomically."""

from django.db import transaction
from django.db.models import F

from cms.models import Story, StoryActivity

VIEWS, SHARES = "view_count", "share_count"
# The day's activity (for the hot ranking and the dashboard) counted with each counter.
ACTIVITY = {VIEWS: "views", SHARES: "shares"}


class NotPublished(Exception):
    """No published story has the slug."""


def increment(slug, counter):
    """Add one to a published story's counter and to today's activity; return the new count."""
    with transaction.atomic():
        updated = Story.objects.published().filter(slug=slug).update(**{counter: F(counter) + 1})
        if not updated:
            raise NotPublished(slug)
        # The row stays locked by our update until commit, so this reads our own increment.
        story_id, value = Story.objects.filter(slug=slug).values_list("pk", counter).get()
        StoryActivity.record(story_id, **{ACTIVITY[counter]: 1})
        return value
