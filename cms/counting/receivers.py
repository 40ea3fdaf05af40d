"""What keeps counts, counters and the hot ranking in step with stories."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from cms.core.events import story_changed_while_live, story_left_public, story_went_live
from cms.models import Story, StoryTag, StoryTranslation

from . import counters, counts, ranking


def connect():
    # Maintained counts: where each live story is counted, by language and tag.
    story_went_live.connect(counts._story_changed, dispatch_uid="counts-went-live")
    story_changed_while_live.connect(counts._story_changed, dispatch_uid="counts-changed")
    story_left_public.connect(counts._story_left, dispatch_uid="counts-left-public")
    post_save.connect(counts._story_saved, sender=Story, dispatch_uid="counts-story-saved")
    pre_delete.connect(counts._story_deleted, sender=Story, dispatch_uid="counts-story-deleted")
    for signal, uid in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(
            counts._tag_link_changed, sender=StoryTag, dispatch_uid=f"counts-tag-link-{uid}"
        )
        signal.connect(
            counts._version_changed, sender=StoryTranslation, dispatch_uid=f"counts-version-{uid}"
        )
    m2m_changed.connect(
        counts._tags_changed, sender=Story.tags.through, dispatch_uid="counts-tags-changed"
    )
    # Views and shares in the shared cache.
    counters.connect()
    # A story that goes live is ranked at once, not at the next round.
    story_went_live.connect(ranking._rank_when_live, dispatch_uid="ranking-went-live")
