"""Stories to XLIFF units and back: what a translation agency receives and what its work
becomes here.

Export gives one unit per text field and one per cell of each list row (TL;DR bullets,
Key Data cells, insights, FAQ), with notes saying which field it is, its limits and how
much AI wrote the original; the target holds the translation where one exists.

Import is all or nothing. Every unit is checked first (a story or unit the file invents, a
language pair that does not fit, a source text that changed since the export, markup that
would not survive, a text a field refuses); if anything is wrong, the translator reads each
problem by unit and nothing is written. Otherwise each story whose translation differs
becomes a translator's proposal (`cms.stories.approvals`), which an editor approves or
rejects as any other; a file that changes nothing changes nothing.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cms.core import languages
from cms.core.text import fit
from cms.media.figures import EXACT as IMAGE_LINE
from cms.models import PendingTranslation, Story, StoryTranslation, assigned_languages
from cms.models.disclosure import Involvement
from cms.models.story import FAQ_FIELDS, INSIGHT_FIELDS, KEY_DATA_FIELDS
from cms.stories import approvals, workflow

from . import xliff

TEXTS = ("title", "summary", "analysis")
# List fields and the cells of their rows (None: a row is one text).
LISTS = {"tldr": None, "key_data": KEY_DATA_FIELDS, "insights": INSIGHT_FIELDS, "faq": FAQ_FIELDS}
FIELDS = (*TEXTS, *LISTS)
LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")
UNIT_ID = re.compile(r"^(?P<field>[a-z_]+)(?:-(?P<row>[1-9][0-9]{0,3})(?:-(?P<cell>[a-z]+))?)?$")


def bcp47(code):
    """Our language code as XLIFF writes it (BCP 47 casing: zh-hans is zh-Hans)."""
    head, _sep, rest = code.partition("-")
    if not rest:
        return head
    return f"{head}-{rest.title()}" if len(rest) == 4 else f"{head}-{rest.upper()}"


def _plain(text, unit_id=None):
    """The text as a unit compares and carries it. XML parsers turn CRLF into LF; CAT tools
    trim what surrounds a segment. In the analysis (Markdown) an indented first line is a
    code block, so only blank lines before it and spaces after the text go. A character no
    XML can carry, in a row stored before the text rule, is left out as every output does."""
    text = fit(text or "").replace("\r\n", "\n")
    if unit_id == "analysis":
        return LEADING_BLANK_LINES.sub("", text).rstrip()
    return text.strip()


def _field_label(name):
    return str(StoryTranslation._meta.get_field(name).verbose_name)


def cells(name, value):
    """(unit id, text, where) for every non-empty piece of one field's value."""
    cells = LISTS.get(name, ...)
    if cells is ...:
        if _plain(value):
            yield name, value, _field_label(name)
        return
    for number, row in enumerate(value or [], start=1):
        if cells is None:
            if _plain(row):
                yield (
                    f"{name}-{number}",
                    row,
                    _("%(field)s, row %(row)d")
                    % {
                        "field": _field_label(name),
                        "row": number,
                    },
                )
            continue
        for cell in cells:
            text = (row or {}).get(cell, "")
            if _plain(text):
                yield (
                    f"{name}-{number}-{cell}",
                    text,
                    _("%(field)s, row %(row)d, %(cell)s")
                    % {
                        "field": _field_label(name),
                        "row": number,
                        "cell": cell.replace("_", " "),
                    },
                )


def _target_text(target, unit_id):
    """The text of `unit_id` in the target version, or None when it has none."""
    if target is None:
        return None
    match = UNIT_ID.match(unit_id)
    name, row, cell = match["field"], match["row"], match["cell"]
    value = getattr(target, name)
    if row is None:
        return value if _plain(value) else None
    rows = value or []
    index = int(row) - 1
    if index >= len(rows):
        return None
    text = rows[index] if cell is None else (rows[index] or {}).get(cell, "")
    return text if _plain(text) else None


def _unit_notes(name, where):
    notes = [("field", where)]
    limit = StoryTranslation._meta.get_field(name).max_length
    if limit:
        notes.append(("limit", _("At most %(count)d characters.") % {"count": limit}))
    if name == "analysis":
        notes.append(
            (
                "format",
                _(
                    "Markdown: keep links, emphasis and list marks, and every image line "
                    "such as ![[image:12]] exactly as it is."
                ),
            )
        )
    return notes


def _grade(version):
    return str(version.get_ai_involvement_display()) if version is not None else ""


def story_file(story, source, target, proposed=None):
    """One story's units from its `source` version, with `target`'s text where it has some:
    the translation waiting for review (`proposed`) if there is one, else the live one."""
    original = story.get_translation(source)
    translated = proposed if proposed is not None else _translation(story, target)
    units = []
    for name in FIELDS:
        for unit_id, text, where in cells(name, getattr(original, name)):
            units.append(
                xliff.Unit(
                    unit_id,
                    _plain(text, unit_id),
                    _plain(_target_text(translated, unit_id), unit_id) or None,
                    _unit_notes(name, where),
                )
            )
    notes = [
        ("story", fit(original.title)),
        ("ai-grade", _("Original: %(grade)s") % {"grade": _grade(original)}),
    ]
    if translated is not None:
        notes.append(("ai-grade", _("Translation: %(grade)s") % {"grade": _grade(translated)}))
    return xliff.File(f"story-{story.pk}", story.slug, units, notes)


def _translation(story, code):
    for row in story.translations.all():
        if row.language_code == code:
            return row
    return None


def export(stories, source, target):
    """XLIFF 2.0 bytes for the stories that have a `source` version, and those that don't."""
    files, skipped = [], []
    stories = list(stories.prefetch_related("translations"))
    proposed = _pending([story.pk for story in stories], target)
    for story in stories:
        if _translation(story, source) is None:
            skipped.append(story)
        else:
            files.append(story_file(story, source, target, proposed.get(story.pk)))
    document = xliff.Document(bcp47(source), bcp47(target), files)
    return (xliff.write(document) if files else b""), skipped


@dataclass
class Outcome:
    """What an import did: proposals made, stories whose translation it left as it was."""

    proposals: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)


class ImportRefused(Exception):
    """Nothing was imported; `problems` lists (where, message) pairs for the translator."""

    def __init__(self, problems):
        super().__init__("; ".join(f"{where}: {message}" for where, message in problems))
        self.problems = problems


def may_import(user, story, code):
    """Whether `user` may propose `code`'s version of `story`: editors and writers who may
    edit it, translators in their assigned languages."""
    if user.has_perm(workflow.CHANGE) and workflow.may_edit(user, story):
        return True
    return user.has_perm(approvals.TRANSLATE) and code in assigned_languages(user)


def _where(file_id, unit_id=None):
    return f"{file_id} · {unit_id}" if unit_id else str(file_id)


def _language_pair(document, problems):
    source = languages.normalize(document.source_language)
    target = languages.normalize(document.target_language)
    if source is None or target is None or source == target:
        problems.append(
            (
                "xliff",
                _(
                    "The file translates %(source)s into %(target)s; this publication "
                    "translates between %(known)s."
                )
                % {
                    "source": document.source_language or "?",
                    "target": document.target_language or "?",
                    "known": ", ".join(bcp47(code) for code in languages.codes()),
                },
            )
        )
    elif languages.is_derived(target):
        problems.append(
            (
                "xliff",
                _(
                    "%(target)s is converted automatically from another language on this "
                    "site; translate that language instead."
                )
                % {"target": document.target_language},
            )
        )
    return source, target


def _stories(document, problems):
    wanted = {}
    for story_file in document.files:
        match = re.fullmatch(r"story-([1-9][0-9]{0,17})", story_file.id or "")
        if match is None:
            problems.append((_where(story_file.id), _("This file id names no story of ours.")))
        elif story_file.id in wanted:
            # The schema allows it; which copy's text would win is not for us to guess.
            problems.append(
                (
                    _where(story_file.id),
                    _("This story is in the file more than once: give each story once."),
                )
            )
        else:
            wanted[story_file.id] = int(match[1])
    found = Story._base_manager.prefetch_related("translations").in_bulk(list(wanted.values()))
    for file_id, pk in wanted.items():
        if pk not in found:
            problems.append((_where(file_id), _("This story no longer exists.")))
    return {file_id: found[pk] for file_id, pk in wanted.items() if pk in found}


def rebuild(name, current, targets):
    """The field's new value: the current one, with the file's targets put in their places."""
    if name in TEXTS:
        return targets.get(name, current)
    cells = LISTS[name]
    rows = [dict(row) if isinstance(row, dict) else row for row in (current or [])]
    for unit_id, text in targets.items():
        match = UNIT_ID.match(unit_id)
        index = int(match["row"]) - 1
        while len(rows) <= index:
            rows.append("" if cells is None else dict.fromkeys(cells, ""))
        if cells is None:
            rows[index] = text
        else:
            rows[index] = {**dict.fromkeys(cells, ""), **(rows[index] or {}), match["cell"]: text}
    if cells is None:
        return [row for row in rows if _plain(row)]
    return [row for row in rows if any(_plain(row.get(cell)) for cell in cells)]


def _pending(story_ids, target):
    """Story id to its translation waiting for review in `target` (one query)."""
    rows = PendingTranslation.objects.pending().filter(story_id__in=story_ids, language_code=target)
    return {row.story_id: row for row in rows}


def _check_story(story_file, story, source, target, user, problems, proposed=None):
    """The story's proposed values, or None; problems are added to `problems`.

    The file's targets go into the translation waiting for review (`proposed`) when there
    is one, so that what a translator proposed before (in the admin, or in an earlier
    file) is kept; else into the live version."""
    if not may_import(user, story, target):
        problems.append(
            (_where(story_file.id), _("You may not translate this story into this language."))
        )
        return None
    original = _translation(story, source)
    if original is None:
        problems.append(
            (_where(story_file.id), _("The story has no version in the source language."))
        )
        return None
    live = _translation(story, target)
    current = proposed if proposed is not None else live
    expected = {
        unit_id: text
        for name in FIELDS
        for unit_id, text, _w in cells(name, getattr(original, name))
    }
    targets, seen = {}, set()
    for unit in story_file.units:
        if unit.id in seen:
            problems.append(
                (
                    _where(story_file.id, unit.id),
                    _("This unit is in the file more than once: give each unit once."),
                )
            )
            continue
        seen.add(unit.id)
        if unit.id not in expected:
            problems.append((_where(story_file.id, unit.id), _("The story has no such text.")))
            continue
        if _plain(unit.source, unit.id) != _plain(expected[unit.id], unit.id):
            problems.append(
                (
                    _where(story_file.id, unit.id),
                    _("The original changed since this file was exported: export it again."),
                )
            )
            continue
        text = _plain(unit.target, unit.id)
        # A unit left untranslated, or translated as it already is (in the proposal, or as
        # readers see it: a file exported before the proposal), changes nothing.
        if text and text not in (
            _plain(_target_text(current, unit.id), unit.id),
            _plain(_target_text(live, unit.id), unit.id),
        ):
            targets.setdefault(UNIT_ID.match(unit.id)["field"], {})[unit.id] = text
    if not targets:
        return {}
    values = {}
    for name in FIELDS:
        now = (
            getattr(current, name)
            if current is not None
            else StoryTranslation._meta.get_field(name).get_default()
        )
        value = rebuild(name, now, targets.get(name, {}))
        try:
            StoryTranslation._meta.get_field(name).clean(value, None)
        except ValidationError as error:
            problems.append((_where(story_file.id, name), " ".join(error.messages)))
            continue
        values[name] = value
    _check_images(story_file, original, values, problems)
    values["ai_involvement"] = (
        _grade_of_new(original) if current is None else current.ai_involvement
    )
    return values


def _grade_of_new(original):
    """A new version's grade: its original's, never claiming a review it did not have (an
    editor's review of the original covered that text, not this translation)."""
    if original.ai_involvement == Involvement.AI_REVIEWED:
        return Involvement.AI_GENERATED
    return original.ai_involvement


def _check_images(story_file, original, values, problems):
    wanted = sorted(IMAGE_LINE.findall(original.analysis or ""))
    given = sorted(IMAGE_LINE.findall(values.get("analysis") or ""))
    if "analysis" in values and wanted != given:
        problems.append(
            (
                _where(story_file.id, "analysis"),
                _(
                    "The translation must keep the original's image lines (%(images)s) "
                    "exactly as they are."
                )
                % {"images": ", ".join(f"![[image:{n}]]" for n in wanted) or "—"},
            )
        )


def _same(current, values):
    if current is None:
        return False
    return all(getattr(current, name) == value for name, value in values.items())


def import_xliff(data, user):
    """Check the whole file, then propose each changed story's translation; see module."""
    document, problems = xliff.read(data)
    problems = [(_where(*where), message) for where, message in problems]
    source, target = _language_pair(document, problems)
    if source is None or target is None or source == target:
        raise ImportRefused(problems)
    stories = _stories(document, problems)
    proposed = _pending([story.pk for story in stories.values()], target)
    checked, unchanged = {}, []
    for story_file in document.files:
        if story_file.id in stories:
            story = stories[story_file.id]
            values = _check_story(
                story_file, story, source, target, user, problems, proposed.get(story.pk)
            )
            if values:
                checked[story_file.id] = values
            elif values is not None:
                unchanged.append(stories[story_file.id])
    if problems:
        raise ImportRefused(problems)
    outcome = Outcome(unchanged=unchanged)
    with transaction.atomic():
        for file_id, values in checked.items():
            story = Story._base_manager.select_for_update().get(pk=stories[file_id].pk)
            current = (
                PendingTranslation.objects.pending()
                .filter(story=story, language_code=target)
                .first()
                or StoryTranslation.objects.filter(master=story, language_code=target).first()
            )
            if _same(current, values):
                outcome.unchanged.append(story)
                continue
            proposal = approvals.propose(story, target, values, user)
            (outcome.proposals if proposal is not None else outcome.unchanged).append(
                proposal or story
            )
    return outcome
