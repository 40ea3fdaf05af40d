"""Creating or updating a story with all its languages from the story pipeline.

Shared by the `upsertStory` mutation and `manage.py import_stories`: a story is written
whole or not at all, idempotently by its external id, and as a draft unless the caller
may publish. Every problem is reported against the field it concerns.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cms import languages, revisions
from cms import values as bounds
from cms.models import Source, Story, StoryTranslation, Tag, set_tags

TRANSLATED = ("title", "summary", "tldr", "key_data", "analysis", "insights", "faq", "origin")
SCORES = ("hot", "quality", "impact")
# A story is an object of translations of lists of rows: a few levels. Deeper input is
# refused before anything walks it recursively.
MAX_NESTING = 8


class IngestError(Exception):
    """The story was not written; `errors` lists (field, message) pairs."""

    def __init__(self, errors):
        super().__init__(
            "; ".join(f"{field}: {message}" if field else message for field, message in errors)
        )
        self.errors = errors


def upsert(data, may_publish=False):
    """Create or update the story `data` describes; return (story, created)."""
    errors = []
    if not isinstance(data, dict):
        raise IngestError([("", _("Expected an object."))])
    if _nesting(data) > MAX_NESTING:
        raise IngestError(
            [("", _("The story nests more than %(max)s levels deep.") % {"max": MAX_NESTING})]
        )
    nul = _nul_path(data)
    if nul is not None:
        raise IngestError([(nul, _("Text may not contain NUL characters."))])
    errors.extend(value_problems(data))
    external_id = data.get("external_id")
    if not isinstance(external_id, str) or not external_id.strip() or len(external_id) > 200:
        errors.append(("external_id", _("Give the pipeline's id: text of 1 to 200 characters.")))
    translations = data.get("translations")
    if not isinstance(translations, dict) or not translations:
        errors.append(("translations", _("Give at least one language version.")))
        translations = {}
    for code in translations:
        if languages.normalize(code) is None:
            errors.append(
                (f"translations.{code}", _("Unsupported language “%(code)s”.") % {"code": code})
            )
    publish = data.get("publish", False)
    if publish and not may_publish:
        errors.append(("publish", _("This caller may not publish; leave `publish` false.")))
    tags = _existing(Tag, data.get("tags") or [], "tags", errors)
    source = None
    if data.get("source"):
        found = _existing(Source, [data["source"]], "source", errors)
        source = found[0] if found else None
    if errors:
        raise IngestError(errors)
    story = Story.objects.filter(external_id=external_id).first()
    created = story is None
    if not created and story.status == Story.Status.PUBLISHED and not may_publish:
        raise IngestError(
            [
                (
                    "external_id",
                    _("This story is published; only a caller that may publish may change it."),
                )
            ]
        )
    # One version of the story per ingestion, by no one: the pipeline wrote it.
    with revisions.recorded(note=revisions.comment(revisions.INGESTED)), transaction.atomic():
        story = story or Story(external_id=external_id)
        _apply(story, data, source, publish, created, errors)
        if errors:
            raise IngestError(errors)
        story.save()
        story.content_time = timezone.now()
        for code, fields in translations.items():
            _translation(story, languages.normalize(code), fields, errors)
        if errors:
            transaction.set_rollback(True)
            raise IngestError(errors)
        if "tags" in data:
            set_tags(story, tags)
    return story, created


def value_problems(data):
    """(field, message) for each of the story's own values of the wrong type or range.

    Checked before anything is built from them: a score of 1e309 or a time past year 9999
    in UTC would otherwise fail inside Django's field conversion or the database driver.
    """
    problems = []
    for score in SCORES:
        value = data.get(score)
        if value is not None and not (bounds.integer_fits(value) and 0 <= value <= 100):
            problems.append((score, _("Give a whole number from 0 to 100.")))
    for flag in ("ai_generated", "publish"):
        value = data.get(flag)
        if value is not None and not isinstance(value, bool):
            problems.append((flag, _("Give true or false.")))
    for text in ("slug", "source_url", "original_language"):
        value = data.get(text)
        if value is not None and not isinstance(value, str):
            problems.append((text, _("Give text.")))
    published_at = data.get("published_at")
    if published_at is not None:
        if isinstance(published_at, str):
            try:
                published_at = datetime.fromisoformat(published_at)
            except ValueError:
                published_at = None
        if not isinstance(published_at, datetime) or published_at.tzinfo is None:
            problems.append(
                ("published_at", _("Give a time with a time zone, e.g. 2026-01-31T08:00:00Z."))
            )
        elif not bounds.time_fits(published_at):
            problems.append(("published_at", _("Give a time between the years 1 and 9999 UTC.")))
    return problems


def _nesting(value):
    """How many levels of lists and objects `value` nests (without recursing)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if level <= MAX_NESTING:
                pending.extend((child, level + 1) for child in children)
    return deepest


def _nul_path(value, path=""):
    """The path of the first text holding a NUL character, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        found = _nul_path(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def _existing(model, slugs, field, errors):
    if not isinstance(slugs, list) or not all(isinstance(slug, str) for slug in slugs):
        errors.append((field, _("Give a list of slugs.")))
        return []
    found = {obj.slug: obj for obj in model.objects.filter(slug__in=slugs)}
    for slug in slugs:
        if slug not in found:
            errors.append((field, _("Unknown slug “%(slug)s”.") % {"slug": slug}))
    return [found[slug] for slug in slugs if slug in found]


def _apply(story, data, source, publish, created, errors):
    """Set the story's own fields from `data`, validating them."""
    for score in SCORES:
        if score in data:
            setattr(story, score, data[score])
    if "ai_generated" in data:
        story.ai_generated = data["ai_generated"]
    if "source" in data:
        story.source = source
    if "source_url" in data:
        story.source_url = data["source_url"] or ""
    if "original_language" in data:
        code = languages.normalize(data["original_language"] or "")
        if code is None:
            errors.append(
                (
                    "original_language",
                    _("Unsupported language “%(code)s”.") % {"code": data["original_language"]},
                )
            )
        else:
            story.original_language = code
    if data.get("published_at") is not None:
        value = data["published_at"]  # Checked by value_problems().
        value = datetime.fromisoformat(value) if isinstance(value, str) else value
        story.published_at = bounds.in_utc(value)
    if publish:
        story.status = Story.Status.PUBLISHED
    elif created or ("publish" in data and story.status == Story.Status.PUBLISHED):
        story.status = Story.Status.DRAFT
    if created or data.get("slug"):
        story.slug = data.get("slug") or _free_slug(data)
    try:
        story.full_clean(exclude=["external_id"])
    except ValidationError as error:
        errors.extend(_flatten(error, prefix=""))


def _free_slug(data):
    translations = data.get("translations") or {}
    title = (translations.get("en") or next(iter(translations.values()), {})).get("title", "")
    base = slugify(title)[:180] or slugify(data["external_id"])[:180] or "story"
    slug, number = base, 1
    while Story.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def _translation(story, code, fields, errors):
    prefix = f"translations.{code}."
    if not isinstance(fields, dict):
        errors.append((prefix[:-1], _("Expected an object.")))
        return
    translation = StoryTranslation.objects.filter(master=story, language_code=code).first()
    translation = translation or StoryTranslation(master=story, language_code=code)
    for field in TRANSLATED:
        if field in fields:
            setattr(translation, field, fields[field])
    try:
        translation.full_clean(exclude=["master"])
    except ValidationError as error:
        errors.extend(_flatten(error, prefix))
        return
    translation.save()


def _flatten(error, prefix):
    if hasattr(error, "error_dict"):
        return [
            (f"{prefix}{field}", message)
            for field, problems in error.message_dict.items()
            for message in problems
        ]
    return [(prefix.rstrip("."), message) for message in error.messages]
