"""Partners hear what readers see change: webhook deliveries recorded with the change."""

from cms.core.events import (
    live_coverage_ended,
    live_entry_changed,
    story_changed_while_live,
    story_killed,
    story_left_public,
    story_went_live,
)

from . import webhooks


def connect():
    story_went_live.connect(webhooks._went_live, dispatch_uid="webhooks-went-live")
    story_changed_while_live.connect(webhooks._changed, dispatch_uid="webhooks-changed")
    story_left_public.connect(webhooks._left_public, dispatch_uid="webhooks-left-public")
    live_entry_changed.connect(webhooks._live_entry, dispatch_uid="webhooks-live-entry")
    live_coverage_ended.connect(webhooks._live_ended, dispatch_uid="webhooks-live-ended")
    story_killed.connect(webhooks._killed, dispatch_uid="webhooks-killed")
