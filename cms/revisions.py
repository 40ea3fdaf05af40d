"""Story history: every save keeps a version, with who saved it, when and why.

A version is a django-reversion revision holding the story, each of its language versions
and its tag links. `Story.edit_version` counts saves, so that a form opened at one count can
tell that the story was saved since (cms/admin/concurrency.py). Versions are turned into
snapshots (plain values with human labels) to compare two of them, or a version with the
story as it is now, and a story can be reverted to a version.
"""

import difflib
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import reversion
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F
from django.db.models.signals import pre_save
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from reversion.errors import RevertError
from reversion.models import Version

from cms.models import Source, Story, StoryTag, StoryTranslation, Tag
from cms.models.story import FAQ_FIELDS, INSIGHT_FIELDS, KEY_DATA_FIELDS

# Kinds of revision comment this module writes; rendered in the reader's language (`describe`).
INGESTED = "ingested"
REVERTED = "reverted"
UNRECORDED = "unrecorded"
TRANSLATION_DELETED = "translation_deleted"
LIST_CHANGE = "list_change"

# A revert leaves the workflow state alone: putting a story in front of readers or taking
# it away is a workflow step with its own permission, not a side effect of restoring text.
KEPT_ON_REVERT = frozenset({"status", "published_at", "updated_at"})

ROW_KEYS = {"key_data": KEY_DATA_FIELDS, "insights": INSIGHT_FIELDS, "faq": FAQ_FIELDS}
# Unchanged lines kept around each change in a line diff; longer runs are elided.
CONTEXT_LINES = 2


def register():
    """Put stories, their language versions and tag links under version control."""
    if not reversion.is_registered(Story):
        reversion.register(StoryTranslation)
        reversion.register(StoryTag)
        reversion.register(Story, follow=("translations", "tag_links"))
    pre_save.connect(_count_save, sender=Story, dispatch_uid="revisions-count-save")


def _count_save(sender, instance, raw, using, update_fields=None, **kwargs):
    """Every save of a story counts, so that a form opened before it can tell (no lost edits)."""
    # Read from the row, not the instance, which may be stale; the admin holds the row's
    # lock while it checks and saves, so two editors' saves cannot both pass there.
    # Fixtures (raw saves) keep the count they were given.
    if raw or instance.pk is None:
        return
    rows = Story._base_manager.using(using).filter(pk=instance.pk)
    current = rows.values_list("edit_version", flat=True).first()
    if current is None:
        return
    instance.edit_version = current + 1
    if update_fields is not None and "edit_version" not in update_fields:
        rows.update(edit_version=F("edit_version") + 1)


def count_save(story_pk):
    """Count a change made without saving the story (a deleted language version) and record it."""
    Story._base_manager.filter(pk=story_pk).update(edit_version=F("edit_version") + 1)
    if reversion.is_active():
        reversion.add_to_revision(Story._base_manager.get(pk=story_pk))


def comment(kind, **values):
    """A revision comment of one of this module's kinds, stored language-neutrally."""
    return json.dumps([{kind: values}])


@contextmanager
def recorded(user=None, note=None):
    """Make what is saved inside the block one version, by `user`, with comment `note`."""
    with reversion.create_revision():
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        if note is not None:
            reversion.set_comment(note)
        yield


def set_comment_if_recording(text):
    """Give the revision being recorded its comment, if one is."""
    if reversion.is_active():
        reversion.set_comment(text)


def format_time(moment):
    """A moment as the reader's locale writes it, in the site's time zone."""
    return formats.localize(timezone.localtime(moment))


def versions_of(story_pk):
    """The story's versions, newest first, with their revision and its user."""
    return (
        Version.objects.get_for_object_reference(Story, str(story_pk))
        .select_related("revision__user")
        .order_by("-pk")
    )


def edit_version_of(version):
    """The story's save count in `version`, or None if the version cannot be read."""
    try:
        return version.field_dict.get("edit_version")
    except RevertError:
        return None


def version_at(story_pk, edit_version):
    """The newest version of the story saved at that count, or None."""
    for version in versions_of(story_pk).iterator(chunk_size=20):
        if edit_version_of(version) == edit_version:
            return version
    return None


def record_if_unrecorded(story_pk):
    """Record the story as it is when its last save left no version (a save outside the admin)."""
    # Called when a form or the history opens, so that a save based on what the editor
    # saw can always be compared with it.
    story = Story._base_manager.filter(pk=story_pk).first()
    if story is None:
        return
    latest = versions_of(story_pk).first()
    if latest is not None and edit_version_of(latest) == story.edit_version:
        return
    with recorded(note=comment(UNRECORDED)):
        reversion.add_to_revision(story)


def author(revision):
    """Who made a revision, as people are named in the newsroom."""
    if revision.user is not None:
        return revision.user.get_full_name() or revision.user.get_username()
    if _kinds(revision.comment) & {INGESTED}:
        return _("the story pipeline")
    return _("someone")


def describe(revision):
    """The revision's comment, in the reader's language."""
    items = _comment_items(revision.comment)
    if items is None:
        return revision.comment
    parts, admin_items = [], []
    for item in items:
        kind = next(iter(item)) if isinstance(item, dict) and len(item) == 1 else None
        if kind in _DESCRIBERS:
            values = item[kind] if isinstance(item[kind], dict) else {}
            parts.append(_DESCRIBERS[kind](values))
        else:
            admin_items.append(item)
    if admin_items:
        # The admin's own change messages ("Changed title."), as its history shows them.
        parts.insert(0, LogEntry(change_message=json.dumps(admin_items)).get_change_message())
    return " ".join(parts)


def _comment_items(text):
    if not text.startswith("["):
        return None
    try:
        items = json.loads(text)
    except ValueError:
        return None
    return items if isinstance(items, list) else None


def _kinds(text):
    items = _comment_items(text) or []
    return {key for item in items if isinstance(item, dict) for key in item}


def _when(value):
    moment = parse_datetime(value) if isinstance(value, str) else None
    return format_time(moment) if moment else "?"


def _describe_revert(values):
    if values.get("user"):
        return _("Reverted to the version of %(date)s by %(user)s.") % {
            "date": _when(values.get("date")),
            "user": values["user"],
        }
    return _("Reverted to the version of %(date)s.") % {"date": _when(values.get("date"))}


_DESCRIBERS = {
    INGESTED: lambda values: _("Ingested from the story pipeline."),
    REVERTED: _describe_revert,
    UNRECORDED: lambda values: _("Saved outside the admin; recorded as it was when next opened."),
    LIST_CHANGE: lambda values: _("Changed from the story list."),
    TRANSLATION_DELETED: lambda values: (
        _("Deleted the %(language)s version.") % {"language": language_name(values.get("language"))}
    ),
}


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
class _Graph:
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
    return _snapshot(_graph_of_version(version))


def snapshot_of_story(story):
    """What the story says now: its fields as on `story`, its languages and tags as stored."""
    return _snapshot(_graph_of_story(story))


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


def _graph_of_version(version):
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
    return _Graph(story, translations, [tag_id for *_, tag_id in sorted(links)])


def _graph_of_story(story):
    values = {f.attname: getattr(story, f.attname) for f in Story._meta.concrete_fields}
    translations = {
        row.language_code: {f.attname: getattr(row, f.attname) for f in translation_fields()}
        for row in StoryTranslation.objects.filter(master_id=story.pk)
    }
    tags = StoryTag.objects.filter(story_id=story.pk).order_by("position", "pk")
    return _Graph(values, translations, list(tags.values_list("tag_id", flat=True)))


def _snapshot(graph):
    sources = _names(Source, [graph.story.get("source_id")])
    tag_names = _names(Tag, graph.tags)
    shared = {
        f.name: _entry(f, graph.story.get(f.attname), sources)
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
        value=_comparable(value),
        text=_text(field, value, related or {}),
        long=isinstance(field, (models.TextField, models.JSONField)),
    )


def _comparable(value):
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, datetime):
        # Editors see and type times to the second (versions store milliseconds).
        return value.replace(microsecond=0)
    return value


def _text(field, value, related):
    if _comparable(value) is None:
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


# What changed since a form was opened.


@dataclass(frozen=True)
class Since:
    """Saves after a given count: who made them, when the last was, what they changed."""

    authors: list
    saved_at: datetime | None
    changes: list | None  # None when the version the count stands for is not recorded.


def since(story_pk, edit_version):
    """What happened to the story since it was at `edit_version` (as stored now)."""
    story = Story._base_manager.get(pk=story_pk)
    base = version_at(story_pk, edit_version)
    if base is None:
        # Which versions came after is unknown too: name no one rather than the wrong one.
        return Since([], story.modified_at, None)
    authors = []
    for version in reversed(list(versions_of(story_pk).filter(pk__gt=base.pk)[:50])):
        name = author(version.revision)
        if name not in authors:
            authors.append(name)
    try:
        changes = diff(snapshot_of_version(base), snapshot_of_story(story))
    except RevertError:
        changes = None
    return Since(authors, story.modified_at, changes)


# Reverting.


def revert(story_pk, version, user=None, keep=()):
    """Restore the story's fields, languages and tags as `version` has them; return warnings.

    Fields named in `keep` (those the reverting user may not change) stay as they are.
    """
    # Recorded as a new version by `user`. The workflow state stays (KEPT_ON_REVERT), and
    # the save counts like any other, so forms opened before it notice. The warnings say
    # what could not be restored: a tag or source deleted since, a slug taken since.
    graph = _graph_of_version(version)
    if not graph.translations:
        raise RevertError(_("This version holds no language version of the story."))
    note = comment(
        REVERTED,
        date=version.revision.date_created.isoformat(),
        user=author(version.revision) if version.revision.user else "",
        version=version.pk,
    )
    warnings = []
    with recorded(user, note):
        story = Story._base_manager.select_for_update().get(pk=story_pk)
        before = snapshot_of_story(story)
        _restore_story_fields(story, graph.story, warnings, KEPT_ON_REVERT | set(keep))
        _restore_translations(story, graph.translations, user)
        _restore_tags(story, graph.tags, warnings)
        if any(
            change.field not in KEPT_ON_REVERT for change in diff(before, snapshot_of_story(story))
        ):
            story.mark_updated()
        story.save()
    return warnings


def _restore_story_fields(story, values, warnings, kept):
    for field in story_fields():
        if field.name in kept or field.attname not in values:
            continue
        value = values[field.attname]
        if (
            field.name == "slug"
            and Story._base_manager.filter(slug=value).exclude(pk=story.pk).exists()
        ):
            warnings.append(
                _("The address “%(slug)s” is now another story's; the current one is kept.")
                % {"slug": value}
            )
            continue
        related = field.related_model if isinstance(field, models.ForeignKey) else None
        if related and value is not None and not related._base_manager.filter(pk=value).exists():
            warnings.append(
                _("The %(field)s of that version no longer exists; the current one is kept.")
                % {"field": field.verbose_name}
            )
            continue
        setattr(story, field.attname, value)


def _restore_translations(story, wanted, user):
    current = {row.language_code: row for row in StoryTranslation.objects.filter(master=story)}
    for code, row in current.items():
        if code not in wanted:
            row.delete()
    for code, values in wanted.items():
        row = current.get(code) or StoryTranslation(master=story, language_code=code)
        changed = row.pk is None
        for field in translation_fields():
            if field.attname not in values:
                continue
            if _comparable(getattr(row, field.attname)) != _comparable(values[field.attname]):
                setattr(row, field.attname, values[field.attname])
                changed = True
        if changed:
            if user is not None and user.is_authenticated:
                row.edited_by = user
            row.save()


def _restore_tags(story, wanted, warnings):
    existing = set(Tag._base_manager.filter(pk__in=wanted).values_list("pk", flat=True))
    kept = [tag_id for tag_id in wanted if tag_id in existing]
    if len(kept) < len(wanted):
        warnings.append(_("Tags deleted since that version could not be restored."))
    links = StoryTag.objects.filter(story=story).order_by("position", "pk")
    if list(links.values_list("tag_id", flat=True)) == kept:
        return
    links.delete()
    for position, tag_id in enumerate(kept):
        StoryTag.objects.create(story=story, tag_id=tag_id, position=position)
