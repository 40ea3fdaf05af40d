"""What keeps the search index right besides a version's own save (`cms.stories.derive`)."""

from django.db.models.signals import post_delete, post_save

from cms.models import SearchSynonym, StoryTranslation

from . import engine, index


def _translation_deleted(sender, instance, **kwargs):
    # The story's other versions may now be served where the deleted one was.
    index.refresh_scope(instance.master_id)


def connect():
    post_delete.connect(
        _translation_deleted, sender=StoryTranslation, dispatch_uid="search-scope-on-delete"
    )
    post_save.connect(engine.synonyms_changed, sender=SearchSynonym, dispatch_uid="synonyms-saved")
    post_delete.connect(
        engine.synonyms_changed, sender=SearchSynonym, dispatch_uid="synonyms-deleted"
    )
