"""The sync hears what readers see change, and logs it in the same transaction."""

from cms.core.events import (
    story_changed_while_live,
    story_killed,
    story_left_public,
    story_went_live,
)

from . import log


def _changed(sender, story, **kwargs):
    log.record(story.pk)


def connect():
    for signal, name in (
        (story_went_live, "went-live"),
        (story_changed_while_live, "changed"),
        (story_left_public, "left-public"),
        (story_killed, "killed"),
    ):
        signal.connect(_changed, dispatch_uid=f"sync-{name}")
