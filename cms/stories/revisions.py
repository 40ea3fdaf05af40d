"""Story history: every save keeps a version, with who saved it, when and why.

A version is a django-reversion revision holding the story, each of its language versions
and its tag links. `Story.edit_version` counts saves, so that a form opened at one count can
tell that the story was saved since (cms/admin/concurrency.py). Versions are turned into
snapshots (plain values with human labels) to compare two of them, or a version with the
story as it is now, and a story can be reverted to a version.
"""

import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import reversion
from django.contrib.admin.models import LogEntry
from django.db import models
from django.db.models import F
from django.db.models.signals import pre_save
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from reversion.errors import RevertError
from reversion.models import Version

from cms.models import Story, StoryTag, StoryTranslation, Tag
from cms.stories import publishing
from cms.stories.snapshots import (
    comparable,
    diff,
    graph_of_version,
    language_name,
    snapshot_of_story,
    snapshot_of_version,
    story_fields,
    translation_fields,
)

# Kinds of revision comment this module writes; rendered in the reader's language (`describe`).
INGESTED = "ingested"
REVERTED = "reverted"
UNRECORDED = "unrecorded"
TRANSLATION_DELETED = "translation_deleted"
TRANSLATION_APPROVED = "translation_approved"
LIST_CHANGE = "list_change"
WORKFLOW = "workflow"

# A revert leaves the workflow state alone: putting a story in front of readers or taking
# it away is a workflow step with its own permission, not a side effect of restoring text.
KEPT_ON_REVERT = frozenset({"status", "published_at", "updated_at", "killed_at", "kill_notice"})


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


def _describe_workflow(values):
    from cms.models import State
    from cms.stories import workflow

    transition = workflow.TRANSITIONS.get(values.get("step"))
    if transition is not None:
        step = transition.label
    else:
        step = workflow.KILL_LABEL if values.get("step") == "kill" else values.get("step") or "?"
    if values.get("state") in State.values:
        return _("“%(step)s”: the story became “%(state)s”.") % {
            "step": step,
            "state": State(values["state"]).label,
        }
    return _("“%(step)s” from the story list.") % {"step": step}


_DESCRIBERS = {
    WORKFLOW: _describe_workflow,
    INGESTED: lambda values: _("Ingested from the story pipeline."),
    REVERTED: _describe_revert,
    UNRECORDED: lambda values: _("Saved outside the admin; recorded as it was when next opened."),
    LIST_CHANGE: lambda values: _("Changed from the story list."),
    TRANSLATION_DELETED: lambda values: (
        _("Deleted the %(language)s version.") % {"language": language_name(values.get("language"))}
    ),
    TRANSLATION_APPROVED: lambda values: (
        _("Approved the %(language)s version proposed by %(user)s.")
        % {"language": language_name(values.get("language")), "user": values.get("user") or "?"}
    ),
}


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


def revert(story_pk, version, user=None, keep=(), keep_languages=()):
    """Restore the story's fields, languages and tags as `version` has them; return warnings.

    Fields named in `keep` (those the reverting user may not change) stay as they are, and
    so do the language versions in `keep_languages` (those the user may not delete) when
    `version` lacks them.
    """
    # Recorded as a new version by `user`. The workflow state stays (KEPT_ON_REVERT), and
    # the save counts like any other, so forms opened before it notice. The warnings say
    # what could not be restored: a tag or source deleted since, a slug taken since.
    graph = graph_of_version(version)
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
        change = publishing.Change(story)
        before = snapshot_of_story(story)
        _restore_story_fields(story, graph.story, warnings, KEPT_ON_REVERT | set(keep))
        _restore_translations(story, graph.translations, user, keep_languages, warnings)
        _restore_tags(story, graph.tags, warnings)
        if any(
            change.field not in KEPT_ON_REVERT for change in diff(before, snapshot_of_story(story))
        ):
            story.mark_updated()
        story.save()
        change.finish()
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


def _restore_translations(story, wanted, user, kept, warnings):
    current = {row.language_code: row for row in StoryTranslation.objects.filter(master=story)}
    for code, row in current.items():
        if code in wanted:
            continue
        if code in kept:
            warnings.append(
                _(
                    "That version had no %(language)s version; the current one is kept, since "
                    "you may not delete this story's language versions."
                )
                % {"language": language_name(code)}
            )
            continue
        row.delete()
    for code, values in wanted.items():
        row = current.get(code) or StoryTranslation(master=story, language_code=code)
        changed = row.pk is None
        for field in translation_fields():
            if field.attname not in values:
                continue
            if comparable(getattr(row, field.attname)) != comparable(values[field.attname]):
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
