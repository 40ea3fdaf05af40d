"""Which cached answers each content change invalidates.

What readers see change is announced by the workflow transition (`cms.core.events`): a story
going live (a scheduled one at its time too), changing while live, or leaving the public
changes that story's answers, every list and the tag counts. Beneath those, every write
to a story, its languages or tags, a tag, a source or a key invalidates the answers that
showed it, whatever path made it (the admin, ingestion, a shell), so no cached answer
outlives the content it showed.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from api.caching import keys
from api.caching.changes import bump
from cms.core.events import (
    scores_changed,
    story_changed_while_live,
    story_left_public,
    story_went_live,
)
from cms.models import (
    ApiKey,
    LiveEntry,
    SearchSynonym,
    Source,
    Story,
    StoryImage,
    StoryTag,
    StoryTranslation,
    Tag,
)


def _visibility_changed(sender, story, **kwargs):
    bump(keys.story(story.pk), keys.STORIES, keys.TAGS)


def _live_story_changed(sender, story, **kwargs):
    bump(keys.story(story.pk), keys.STORIES)


def _scores_changed(sender, story_ids, **kwargs):
    bump(keys.STORIES, *(keys.story(pk) for pk in story_ids))


def _story(sender, instance, **kwargs):
    bump(keys.story(instance.pk), keys.STORIES)


def _story_translation(sender, instance, **kwargs):
    bump(keys.story(instance.master_id), keys.STORIES)


def _story_tag(sender, instance, **kwargs):
    bump(keys.story(instance.story_id), keys.STORIES, keys.TAGS)


def _story_image(sender, instance, **kwargs):
    # The story's analysis was rendered again with its new list (cms.media.receivers).
    bump(keys.story(instance.story_id), keys.STORIES)


def _live_entry(sender, instance, **kwargs):
    # What the story's entries show (the announcement of a live story bumps it too).
    bump(keys.story(instance.story_id))


def _story_tags_changed(sender, instance, action, pk_set=None, **kwargs):
    if action.startswith("post_"):
        if isinstance(instance, Story):
            bump(keys.story(instance.pk), keys.STORIES, keys.TAGS)
        else:
            bump(keys.STORIES, keys.TAGS, *(keys.story(pk) for pk in pk_set or ()))


def _tag(sender, instance, **kwargs):
    bump(keys.tag(instance.pk), keys.TAGS)


def _tag_translation(sender, instance, **kwargs):
    bump(keys.tag(instance.master_id), keys.TAGS)


def _api_key(sender, instance, **kwargs):
    bump(keys.api_key(instance.pk))


def _api_key_tags(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, ApiKey):
        bump(keys.api_key(instance.pk))


def _source(sender, instance, **kwargs):
    bump(keys.source(instance.pk))


def _source_translation(sender, instance, **kwargs):
    bump(keys.source(instance.master_id))


def _synonyms(sender, instance, **kwargs):
    bump(keys.STORIES)  # Every searched list may find other stories now.


HANDLERS = [
    (Story, _story),
    (StoryTranslation, _story_translation),
    (StoryTag, _story_tag),
    (StoryImage, _story_image),
    (LiveEntry, _live_entry),
    (Tag, _tag),
    (Tag.translations.field.model, _tag_translation),
    (Source, _source),
    (ApiKey, _api_key),
    (SearchSynonym, _synonyms),
    (Source.translations.field.model, _source_translation),
]


def connect():
    story_went_live.connect(_visibility_changed, dispatch_uid="invalidate-went-live")
    story_left_public.connect(_visibility_changed, dispatch_uid="invalidate-left-public")
    story_changed_while_live.connect(_live_story_changed, dispatch_uid="invalidate-changed")
    scores_changed.connect(_scores_changed, dispatch_uid="invalidate-scores")
    for model, handler in HANDLERS:
        post_save.connect(handler, sender=model, dispatch_uid=f"invalidate-{model.__name__}")
        post_delete.connect(handler, sender=model, dispatch_uid=f"invalidate-del-{model.__name__}")
    m2m_changed.connect(
        _story_tags_changed, sender=Story.tags.through, dispatch_uid="invalidate-story-tags"
    )
    m2m_changed.connect(_api_key_tags, sender=ApiKey.tags.through, dispatch_uid="invalidate-key")
