"""Where each language version of a story stands: present, complete, outdated, by whom."""

from dataclasses import dataclass
from datetime import datetime

from cms.core import languages
from cms.models import StoryTranslation

FIELDS = ("master_id", "language_code", "complete", "origin", "content_changed_at")


@dataclass(frozen=True)
class LanguageState:
    language: str
    available: bool
    complete: bool = False
    outdated: bool = False
    origin: str | None = None
    changed_at: datetime | None = None


def states(original_language, rows, codes=None):
    """One state per language of `codes` (default: all), from a story's translation rows."""
    by_code = {row["language_code"]: row for row in rows}
    original = by_code.get(original_language)
    original_changed = original["content_changed_at"] if original else None
    result = []
    for code in languages.codes() if codes is None else codes:
        row = by_code.get(code)
        if row is None:
            result.append(LanguageState(code, available=False))
            continue
        outdated = bool(
            code != original_language
            and original_changed
            and row["content_changed_at"]
            and row["content_changed_at"] < original_changed
        )
        result.append(
            LanguageState(
                code,
                available=True,
                complete=row["complete"],
                outdated=outdated,
                origin=row["origin"],
                changed_at=row["content_changed_at"],
            )
        )
    return result


def rows_for(story_ids):
    """Story id to its translations' state rows, in one query."""
    found = {}
    for row in StoryTranslation.objects.filter(master_id__in=story_ids).values(*FIELDS):
        found.setdefault(row["master_id"], []).append(row)
    return found


def story_states(story):
    """The state of each language of one story."""
    return states(story.original_language, rows_for([story.pk]).get(story.pk, []))
