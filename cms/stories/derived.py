"""Languages derived from another language's text (CMS_DERIVED_LANGUAGES): Traditional
Chinese generated from the Chinese desk's Simplified text with OpenCC.

A derived version is a real language version (a `StoryTranslation` row), so every reader
path (ids, lists, feeds, sitemaps, hreflang, search, partners' sync) serves it as it serves
a written one. This module is the one place that writes it, reacting to its source's row:

- the source version saved (a draft edit, an import, an approved proposal, a revert):
  the derived version is regenerated in the same transaction, so readers never see a
  derived text before its source nor a source without its derived text. Publishing is the
  story's, shared by every version, so the derived version follows its source there too;
- the source version deleted: the derived version goes with it (it has nothing to say);
- an editor saves the derived version (its tab in the admin): each content field that
  differs from the conversion of the source is an override, recorded with a hash of the
  source field it replaced. Regeneration keeps overrides; when the source field changes
  later, the override is flagged for a look (`stale_overrides`) rather than overwritten. A
  field put back to the conversion is no longer an override.

List fields (TL;DR, key data, insights, FAQ) are converted row by row and overridden as a
whole field. Tags' and sources' names are converted as well when named in the source
language, unless an editor named them by hand in the derived one. The grade is the
source's (a script conversion adds no authorship), and so is a review of the source's text
while no field is overridden.
"""

import hashlib
import json

from django.db.models.signals import post_delete, post_save, pre_save

from cms.core import chinese, languages
from cms.models import StoryTranslation
from cms.models.story import CONTENT_FIELDS


def field_hash(value):
    """A short hash of a field's value, to notice when a source field changes."""
    raw = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def conversion_of(code):
    """(source language, conversion) of derived language `code`, or None."""
    return languages.derived().get(code)


def converted(source_row, conversion):
    """The content fields of `source_row` converted: {field: value}."""
    return {
        name: chinese.convert_value(getattr(source_row, name), conversion)
        for name in CONTENT_FIELDS
    }


def stale_overrides(row, source_row):
    """The overridden fields of derived version `row` whose source field changed since."""
    if source_row is None:
        return []
    return [
        name
        for name, hashed in (row.overrides or {}).items()
        if name in CONTENT_FIELDS and field_hash(getattr(source_row, name)) != hashed
    ]


def _source_row(row):
    origin = conversion_of(row.language_code)
    if origin is None or row.master_id is None:
        return None
    return StoryTranslation.objects.filter(master_id=row.master_id, language_code=origin[0]).first()


def _regenerate(source_row, code, conversion):
    """Write derived version `code` of `source_row`'s story from the source's text."""
    row = StoryTranslation.objects.filter(
        master_id=source_row.master_id, language_code=code
    ).first()
    if row is None:
        row = StoryTranslation(master_id=source_row.master_id, language_code=code)
        row.overrides = {}
    elif not row.derived_from:
        # Written by hand before there was a source to convert: every field it has is the
        # writer's, kept, and flagged for a look against the source that now exists.
        row.overrides = {
            name: "" for name in CONTENT_FIELDS if getattr(row, name) not in ("", [], None)
        }
    if "master" in source_row._state.fields_cache:
        row.master = source_row.master  # Its content time: versions saved together.
    values = converted(source_row, conversion)
    overrides = row.overrides or {}
    for name, value in values.items():
        if name not in overrides:
            setattr(row, name, value)
    row.derived_from = source_row.language_code
    row.overrides_stale = bool(stale_overrides(row, source_row))
    row.ai_involvement = source_row.ai_involvement
    row.aigc = source_row.aigc
    row._regenerating = True
    # The source's review covers this text while every field is the source's, converted.
    source_reviewed = source_row.reviewed_hash and source_row.reviewed_hash == (
        source_row.content_hash
    )
    if source_reviewed and not overrides:
        row.reviewed_hash = row.content_fingerprint()
        row.reviewed_at = source_row.reviewed_at
        row.reviewed_role = source_row.reviewed_role
        row.reviewed_edit_version = source_row.reviewed_edit_version
    row.save()


def regenerate(source_row):
    """Regenerate every language derived from `source_row`'s language."""
    for code, conversion in languages.derived_of(source_row.language_code):
        _regenerate(source_row, code, conversion)


def _record_overrides(sender, instance, raw=False, **kwargs):
    """Before an editor's save of a derived version: which fields are theirs."""
    if raw or getattr(instance, "_regenerating", False):
        return
    origin = conversion_of(instance.language_code)
    if origin is None:
        return
    source = _source_row(instance)
    if source is None:
        return  # Nothing to derive from: the version is written by hand.
    instance.derived_from = source.language_code
    stored = (
        StoryTranslation.objects.filter(pk=instance.pk).values(*CONTENT_FIELDS).first()
        if instance.pk
        else None
    ) or {}
    values = converted(source, origin[1])
    overrides = dict(instance.overrides or {})
    for name in CONTENT_FIELDS:
        value = getattr(instance, name)
        if value == values[name]:
            overrides.pop(name, None)
        elif name not in overrides or stored.get(name) != value:
            # A new override, or an override edited again (seen against today's source).
            overrides[name] = field_hash(getattr(source, name))
    instance.overrides = overrides
    instance.overrides_stale = bool(stale_overrides(instance, source))


def _source_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    instance.__dict__.pop("_regenerating", None)
    regenerate(instance)


def _source_deleted(sender, instance, **kwargs):
    codes = [code for code, _conversion in languages.derived_of(instance.language_code)]
    if codes:
        StoryTranslation.objects.filter(
            master_id=instance.master_id, language_code__in=codes
        ).delete()


def regenerate_story(story_id):
    """Regenerate the derived versions of one story (after a bulk write that skipped save)."""
    sources = {source for source, _conversion in languages.derived().values()}
    for row in StoryTranslation.objects.filter(master_id=story_id, language_code__in=sources):
        regenerate(row)


# Names of what stories are filed under and cite: a derived language names them too.
NAMED = ("Tag", "Source")


def _remember_name(sender, instance, raw=False, **kwargs):
    """Before a name is saved in a source language: the name it replaces."""
    if raw or not languages.derived_of(instance.language_code) or instance.pk is None:
        return
    instance._name_before = (
        sender.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
    )


def _name_saved(sender, instance, raw=False, **kwargs):
    """A name saved in a source language: its derived languages' names follow, unless an
    editor wrote one by hand (it is not the conversion of the name it was derived from)."""
    if raw:
        return
    before = getattr(instance, "_name_before", None)
    for code, conversion in languages.derived_of(instance.language_code):
        name = chinese.convert(instance.name, conversion)
        row = sender.objects.filter(master_id=instance.master_id, language_code=code).first()
        if row is None:
            sender.objects.create(master_id=instance.master_id, language_code=code, name=name)
        elif before is not None and row.name == chinese.convert(before, conversion) != name:
            row.name = name
            row.save(update_fields=["name"])


def connect():
    from cms import models

    for model_name in NAMED:
        translations = getattr(models, model_name).translations.field.model
        uid = f"derived-names-{model_name}"
        pre_save.connect(_remember_name, sender=translations, dispatch_uid=f"{uid}-before")
        post_save.connect(_name_saved, sender=translations, dispatch_uid=uid)
    pre_save.connect(_record_overrides, sender=StoryTranslation, dispatch_uid="derived-overrides")
    post_save.connect(_source_saved, sender=StoryTranslation, dispatch_uid="derived-regenerate")
    post_delete.connect(_source_deleted, sender=StoryTranslation, dispatch_uid="derived-delete")
