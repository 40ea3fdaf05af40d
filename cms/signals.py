"""Signals the newsroom sends for changes that bypass model signals (bulk updates)."""

from django.dispatch import Signal

# Sent with `story_ids` after the ranking changed the hot scores readers see.
scores_changed = Signal()
