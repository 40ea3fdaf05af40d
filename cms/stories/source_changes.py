"""What the original changed since a translation was last written, for the translator.

A translation is outdated when its original changed after it (translation_state.py). The
story's history (django-reversion, revisions.py) holds every save with every language
version, so the original as the translator last saw it is the original in the oldest
saved version where the translation already read as it does now. Compared with the
original now, it says what to bring over: text word by word (character by character in
Chinese), lists row by row.
"""

import difflib
import json
import re
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from reversion.models import Version

from cms.models import StoryTranslation
from cms.models.story import CONTENT_FIELDS

from .revisions import versions_of

# Versions read back at most: older translations say "see the history" instead.
HISTORY_LIMIT = 100
# Words of spaced scripts and numbers as one token, any other character on its own: a
# Chinese (Japanese, Korean) character is a word, since those scripts put no spaces.
CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
TOKENS = re.compile(rf"(?:(?![{CJK}])[^\W_])+|\s+|.", re.S)


@dataclass(frozen=True)
class SourceThen:
    """The original's content fields when the translation got its current content."""

    values: dict
    saved_at: object  # when that version was saved


def source_then(story, language):
    """The original as it was when `language` was last translated, or None if unknown."""
    source = story.original_language
    if language == source:
        return None
    rows = {
        row["language_code"]: row
        for row in StoryTranslation.objects.filter(
            master_id=story.pk, language_code__in=(source, language)
        ).values("pk", "language_code", "content_hash")
    }
    if source not in rows or language not in rows:
        return None
    revision_ids = list(versions_of(story.pk).values_list("revision_id", flat=True)[:HISTORY_LIMIT])
    kind = ContentType.objects.get_for_model(StoryTranslation)
    wanted = {str(rows[source]["pk"]): source, str(rows[language]["pk"]): language}
    stored = {}
    for version in Version.objects.filter(
        revision_id__in=revision_ids, content_type=kind, object_id__in=wanted
    ).select_related("revision"):
        fields = _fields(version)
        if fields is not None:
            stored.setdefault(version.revision_id, {})[wanted[version.object_id]] = (
                fields,
                version.revision.date_created,
            )
    found = None
    for revision_id in revision_ids:  # newest first
        both = stored.get(revision_id, {})
        translation = both.get(language)
        if (
            translation is None
            or translation[0].get("content_hash") != rows[language]["content_hash"]
        ):
            break
        if source in both:
            found = both[source]
    if found is None:
        return None
    fields, saved_at = found
    return SourceThen({name: fields.get(name) for name in CONTENT_FIELDS}, saved_at)


def _fields(version):
    try:
        return json.loads(version.serialized_data)[0]["fields"]
    except (ValueError, LookupError, TypeError):
        return None


# Differences, as data for the admin to show.


# Beyond this many token pairs, a changed stretch is shown as removed and added whole: a word
# diff costs their product, and an analysis rewritten throughout would take seconds.
WORD_DIFF_LIMIT = 250_000


def text_diff(old, new):
    """`old` to `new` as ("same" | "removed" | "added", text) runs; [] when equal.

    Lines are matched first, and only the lines that changed are compared word by word, so
    the cost follows what changed rather than the length of the text.
    """
    old, new = str(old or ""), str(new or "")
    if old == new:
        return []
    runs = []
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _add(runs, "same", "".join(a[i1:i2]))
        else:
            _word_diff(runs, "".join(a[i1:i2]), "".join(b[j1:j2]))
    return runs


def _word_diff(runs, old, new):
    a, b = TOKENS.findall(old), TOKENS.findall(new)
    if len(a) * len(b) > WORD_DIFF_LIMIT:
        _add(runs, "removed", old)
        _add(runs, "added", new)
        return
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _add(runs, "same", "".join(a[i1:i2]))
        else:
            _add(runs, "removed", "".join(a[i1:i2]))
            _add(runs, "added", "".join(b[j1:j2]))


def _add(runs, kind, text):
    if not text:
        return
    if runs and runs[-1][0] == kind:
        runs[-1] = (kind, runs[-1][1] + text)
    else:
        runs.append((kind, text))


@dataclass(frozen=True)
class RowChange:
    """One row of a list diff: "same", "added", "removed" or "changed", cell by cell."""

    kind: str
    cells: list  # per column key: text (same/added/removed) or text_diff runs (changed)


def rows_diff(old, new, keys):
    """Rows of `old` to rows of `new` (lists of dicts of `keys`, or of texts); [] when equal."""
    a, b = [_row(row, keys) for row in old or []], [_row(row, keys) for row in new or []]
    if a == b:
        return []
    result = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result += [RowChange("same", list(row)) for row in a[i1:i2]]
            continue
        olds, news = a[i1:i2], b[j1:j2]
        paired = min(len(olds), len(news)) if tag == "replace" else 0
        for before, after in zip(olds[:paired], news[:paired], strict=True):
            cells = [text_diff(x, y) or [("same", y)] for x, y in zip(before, after, strict=True)]
            result.append(RowChange("changed", cells))
        result += [RowChange("removed", list(row)) for row in olds[paired:]]
        result += [RowChange("added", list(row)) for row in news[paired:]]
    return result


def _row(row, keys):
    if isinstance(row, dict):
        return tuple(str(row.get(key) or "") for key in keys)
    return (str(row or ""),)
