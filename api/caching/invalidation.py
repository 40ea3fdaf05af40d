"""Which cached answers each content change invalidates."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from api.caching.responses import STORIES, TAGS, bump
from cms.models import ApiKey, SearchSynonym, Source, Story, StoryTag, StoryTranslation, Tag
from cms.signals import scores_changed


def _story(sender, instance, **kwargs):
    bump(f"story:{instance.pk}", STORIES)


def _story_translation(sender, instance, **kwargs):
    bump(f"story:{instance.master_id}", STORIES)


def _story_tag(sender, instance, **kwargs):
    bump(f"story:{instance.story_id}", STORIES, TAGS)


def _story_tags_changed(sender, instance, action, pk_set=None, **kwargs):
    if action.startswith("post_"):
        if isinstance(instance, Story):
            bump(f"story:{instance.pk}", STORIES, TAGS)
        else:
            bump(STORIES, TAGS, *(f"story:{pk}" for pk in pk_set or ()))


def _tag(sender, instance, **kwargs):
    bump(f"tag:{instance.pk}", TAGS)


def _tag_translation(sender, instance, **kwargs):
    bump(f"tag:{instance.master_id}", TAGS)


def _api_key(sender, instance, **kwargs):
    bump(f"apikey:{instance.pk}")


def _api_key_tags(sender, instance, action, **kwargs):
    if action.startswith("post_") and isinstance(instance, ApiKey):
        bump(f"apikey:{instance.pk}")


def _source(sender, instance, **kwargs):
    bump(f"source:{instance.pk}")


def _source_translation(sender, instance, **kwargs):
    bump(f"source:{instance.master_id}")


def _synonyms(sender, instance, **kwargs):
    bump(STORIES)  # Every searched list may find other stories now.


HANDLERS = [
    (Story, _story),
    (StoryTranslation, _story_translation),
    (StoryTag, _story_tag),
    (Tag, _tag),
    (Tag.translations.field.model, _tag_translation),
    (Source, _source),
    (ApiKey, _api_key),
    (SearchSynonym, _synonyms),
    (Source.translations.field.model, _source_translation),
]


def _scores_changed(sender, story_ids, **kwargs):
    bump(STORIES, *(f"story:{pk}" for pk in story_ids))


def connect():
    scores_changed.connect(_scores_changed, dispatch_uid="invalidate-scores")
    for model, handler in HANDLERS:
        post_save.connect(handler, sender=model, dispatch_uid=f"invalidate-{model.__name__}")
        post_delete.connect(handler, sender=model, dispatch_uid=f"invalidate-del-{model.__name__}")
    m2m_changed.connect(
        _story_tags_changed, sender=Story.tags.through, dispatch_uid="invalidate-story-tags"
    )
    m2m_changed.connect(_api_key_tags, sender=ApiKey.tags.through, dispatch_uid="invalidate-key")
