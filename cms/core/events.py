"""What readers see change, announced by the one workflow transition (`cms.stories.publishing`).

Each is sent inside the change's transaction, with `story`: listeners that record work
(webhook deliveries, edge purges) record it in the same transaction, so a rolled-back
change announces nothing and a committed one loses nothing.
"""

from django.dispatch import Signal

# The story became visible to readers: published now, or a scheduled story's time came.
story_went_live = Signal()
# A live story changed. `material` is whether readers are told it was updated (its
# "Updated" time moved); a minor edit, a deleted language version or a score is not.
story_changed_while_live = Signal()
# Readers can no longer see a story they could see: unpublished, archived, moved to a
# later time, or deleted (then `story` is the instance about to be deleted).
story_left_public = Signal()

# A story was killed (taken down for legal or factual reasons, with a notice for partners):
# sent besides `story_left_public` (when readers could see it), whatever it was before.
story_killed = Signal()

# Sent with `story_ids` after the ranking changed the hot scores readers see (bulk
# updates send no model signals).
scores_changed = Signal()

# An entry of a live story readers can see was published, corrected or withdrawn: sent
# with `story`, `entry` (a `LiveEntry`) and `kind` ("published", "corrected", "withdrawn").
live_entry_changed = Signal()
# The live coverage of a story readers can see ended (`story`).
live_coverage_ended = Signal()
