"""Snapshots of a story (as a version holds it, or as it is now) and what differs between two.

A snapshot is plain values with human labels: the story's own fields, each language's
fields and the tags in order, so that two can be compared field by field and shown to
editors (the history's diff, the message refusing a stale form).
"""

import difflib
import json
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reversion.errors import RevertError

from cms.models import Story, StoryTag, StoryTranslation, Tag
from cms.models.story import FAQ_FIELDS, INSIGHT_FIELDS, KEY_DATA_FIELDS

ROW_KEYS = {"key_data": KEY_DATA_FIELDS, "insights": INSIGHT_FIELDS, "faq": FAQ_FIELDS}
# Unchanged lines kept around each change in a line diff; longer runs are elided.
CONTEXT_LINES = 2


def language_name(code):
    """The language's name in the reader's language."""
    return str(dict(settings.LANGUAGES).get(code, code or ""))


# Snapshots: what a version (or the story now) says, as plain values with labels.


@dataclass(frozen=True)
class Entry:
    """One field's value in a snapshot: its label, a comparable value and readable text."""

    label: str
    value: object
    text: str
    long: bool = False


@dataclass(frozen=True)
class Change:
    """One field that differs between two snapshots; `lines` is a line diff for long text."""

    field: str
    label: str
    language: str | None
    old: str
    new: str
    lines: tuple = ()

    @property
    def language_name(self):
        return language_name(self.language) if self.language else ""


@dataclass(frozen=True)
class Graph:
    """A story's stored values: its own fields, each language's fields, tag ids in order."""

    story: dict
    translations: dict
    tags: list


def story_fields():
    """The story's own fields editors see, in model order."""
    return [f for f in Story._meta.concrete_fields if f.editable and not f.primary_key]


def translation_fields():
    """A language version's fields editors see, in model order."""
    return [
        f
        for f in StoryTranslation._meta.concrete_fields
        if f.editable and not f.primary_key and f.name not in ("master", "language_code")
    ]


def snapshot_of_version(version):
    """What the story said in `version` (raises RevertError if it cannot be read)."""
    return _snapshot(graph_of_version(version))


def snapshot_of_story(story):
    """What the story says now: its fields as on `story`, its languages and tags as stored."""
    return _snapshot(_graph_of_story(story))


def snapshot_with_translation(story, language, values):
    """What the story would say with `values` (field name to value) as its `language` version."""
    graph = _graph_of_story(story)
    fields = {f.name: f.attname for f in translation_fields()}
    row = {fields[name]: value for name, value in values.items() if name in fields}
    return _snapshot(Graph(graph.story, {**graph.translations, language: row}, graph.tags))


def _present(version):
    """The names of the fields the version's data holds (older versions may lack new ones)."""
    try:
        return set(json.loads(version.serialized_data)[0]["fields"])
    except (ValueError, LookupError, TypeError) as error:
        raise RevertError(_("This version cannot be read.")) from error


def _stored(version, fields):
    present = _present(version)
    data = version.field_dict
    return {f.attname: data[f.attname] for f in fields if f.name in present}


def graph_of_version(version):
    story = _stored(version, [*story_fields(), Story._meta.get_field("edit_version")])
    types = ContentType.objects.get_for_models(StoryTranslation, StoryTag)
    translations, links = {}, []
    others = version.revision.version_set.filter(content_type__in=types.values())
    for other in others:
        if other.content_type_id == types[StoryTranslation].pk:
            data = other.field_dict
            if str(data.get("master_id")) == version.object_id:
                fields = _stored(other, translation_fields())
                translations[data["language_code"]] = fields
        else:
            data = other.field_dict
            if str(data.get("story_id")) == version.object_id:
                links.append((data["position"], int(other.object_id), data["tag_id"]))
    return Graph(story, translations, [tag_id for *_, tag_id in sorted(links)])


def _graph_of_story(story):
    values = {f.attname: getattr(story, f.attname) for f in Story._meta.concrete_fields}
    translations = {
        row.language_code: {f.attname: getattr(row, f.attname) for f in translation_fields()}
        for row in StoryTranslation.objects.filter(master_id=story.pk)
    }
    tags = StoryTag.objects.filter(story_id=story.pk).order_by("position", "pk")
    return Graph(values, translations, list(tags.values_list("tag_id", flat=True)))


def _snapshot(graph):
    tag_names = _names(Tag, graph.tags)
    # Each link is shown by what it names (the lead image's alt text or file name, the
    # editor's name, the source's), never by its id.
    shared = {
        f.name: _entry(
            f,
            graph.story.get(f.attname),
            _names(f.related_model, [graph.story.get(f.attname)])
            if isinstance(f, models.ForeignKey)
            else None,
        )
        for f in story_fields()
        if f.attname in graph.story
    }
    codes = [code for code, _name in settings.LANGUAGES]
    ordered = [c for c in codes if c in graph.translations]
    ordered += sorted(c for c in graph.translations if c not in codes)
    languages = {
        code: {
            f.name: _entry(f, graph.translations[code].get(f.attname))
            for f in translation_fields()
            if f.attname in graph.translations[code]
        }
        for code in ordered
    }
    tags = Entry(
        label=capfirst(str(Story._meta.get_field("tags").verbose_name)),
        value=tuple(graph.tags),
        text="\n".join(tag_names[tag_id] for tag_id in graph.tags),
        long=True,
    )
    return {"shared": shared, "languages": languages, "tags": tags}


def _names(model, ids):
    wanted = [pk for pk in ids if pk is not None]
    objects = model._base_manager.filter(pk__in=wanted)
    if hasattr(model, "_parler_meta"):
        objects = objects.prefetch_related("translations")
    found = {obj.pk: str(obj) for obj in objects}
    return {pk: found.get(pk) or _("(deleted, #%(id)s)") % {"id": pk} for pk in wanted}


def _entry(field, value, related=None):
    return Entry(
        label=capfirst(str(field.verbose_name)),
        value=comparable(value),
        text=_text(field, value, related or {}),
        long=isinstance(field, (models.TextField, models.JSONField)),
    )


def comparable(value):
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, datetime):
        # Editors see and type times to the second (versions store milliseconds).
        return value.replace(microsecond=0)
    return value


def _text(field, value, related):
    if comparable(value) is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(field, models.ForeignKey):
        return related.get(value, str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return formats.localize(timezone.localtime(value) if timezone.is_aware(value) else value)
    if isinstance(field, models.JSONField):
        return _rows_text(field.name, value)
    return str(value)


def _rows_text(name, rows):
    """A JSON list as numbered lines, a row's cells joined: "2. Lab · Towels folded · 12"."""
    if not isinstance(rows, list):
        return json.dumps(rows, ensure_ascii=False)
    keys = ROW_KEYS.get(name, ())
    lines = []
    for number, row in enumerate(rows, 1):
        if isinstance(row, dict):
            ordered = [k for k in keys if k in row] + [k for k in row if k not in keys]
            text = " · ".join(_one_line(row[k]) for k in ordered if row[k] not in (None, ""))
        else:
            text = _one_line(row)
        lines.append(f"{number}. {text}")
    return "\n".join(lines)


def _one_line(value):
    return " ".join(str(value).split())


# Diffs.


def diff(old, new):
    """What changed from snapshot `old` (None: nothing yet) to `new`, in reading order."""
    old = old or {"shared": {}, "languages": {}, "tags": None}
    changes = []
    for name, entry in new["shared"].items():
        _compare(changes, name, None, old["shared"].get(name), entry)
    _compare(changes, "tags", None, old["tags"], new["tags"])
    codes = list(new["languages"]) + [c for c in old["languages"] if c not in new["languages"]]
    for code in codes:
        before, after = old["languages"].get(code, {}), new["languages"].get(code, {})
        for name in list(after) + [n for n in before if n not in after]:
            _compare(changes, name, code, before.get(name), after.get(name))
    return changes


def _compare(changes, name, language, before, after):
    reference = after or before
    before_value, after_value = (before.value if before else None), (after.value if after else None)
    if before_value == after_value:
        return
    old, new = (before.text if before else ""), (after.text if after else "")
    lines = _line_diff(old, new) if reference.long else ()
    changes.append(Change(name, reference.label, language, old, new, lines))


def _line_diff(old, new):
    """Lines as ("same" | "removed" | "added" | "skip", text), long unchanged runs elided."""
    a, b = old.splitlines(), new.splitlines()
    lines = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [("same", line) for line in a[i1:i2]]
        else:
            lines += [("removed", line) for line in a[i1:i2]]
            lines += [("added", line) for line in b[j1:j2]]
    changed = [i for i, (kind, _line) in enumerate(lines) if kind != "same"]
    shown, result = set(), []
    for i in changed:
        shown.update(range(i - CONTEXT_LINES, i + CONTEXT_LINES + 1))
    for i, line in enumerate(lines):
        if i in shown:
            result.append(line)
        elif not result or result[-1][0] != "skip":
            result.append(("skip", "…"))
    return tuple(result)
