"""What feeds carry of a live story (`api.feeds` calls these).

A live story stays one feed item: its newest entries are written into its content under
"Live updates", newest first, each with its time, whether it is a key event, its
correction and its own AI label, and the item's updated time moves with the newest entry.
Feed readers show an item's content as it is and refresh an item whose updated time
changed, so a reader sees the latest entries where the story already is, instead of a
stream of short items pushing every other story out of a fifty-item feed. Entry texts go
where the story's body goes: to readers and to keys with the full_text right.
"""

from django.utils.html import escape
from django.utils.translation import gettext as _

from api import feed_disclosure

# The newest entries a live story's feed item shows.
FEED_ENTRIES = 10


def entries(item):
    """The served entries the item shows (none for a story without coverage)."""
    if not item.story.live_status:
        return []
    found, _more = item.live_entries(FEED_ENTRIES)
    return [entry for entry in found if entry.text_served]


def updated(item):
    """The item's updated time: the story's, or its newest entry's if later."""
    moments = [item.updated_at]
    for entry in entries(item):
        moments.append(entry.entry.corrected_at or entry.published_at)
    return max(moments)


def html(item):
    """The live section of the item's content (called in the served language)."""
    shown = entries(item)
    if not shown:
        return []
    story = item.story
    parts = [f"<h2>{escape(_('Live updates'))}</h2>"]
    if story.coverage_ended_at:
        parts.append(f"<p><em>{escape(_('Live coverage has ended.'))}</em></p>")
    for served in shown:
        entry = served.entry
        moment = entry.published_at
        heading = f'<time datetime="{moment.isoformat()}">{moment:%Y-%m-%d %H:%M} UTC</time>'
        if entry.key_event:
            heading += f" · {escape(_('Key event'))}"
        parts.append(f"<p><strong>{heading}</strong></p>")
        if served.disclosure.has_label:
            parts.append(feed_disclosure.label_html(served.disclosure))
        parts.append(entry.text_html)
        if entry.correction_note:
            label = escape(_("Corrected:"))
            parts.append(f"<p><em>{label} {escape(entry.correction_note)}</em></p>")
    return parts
