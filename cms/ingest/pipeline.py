"""Creating or updating a story with all its languages from the story pipeline.

Shared by the `upsertStory` mutation and `manage.py import_stories`: a story is written
whole or not at all, idempotently by its external id, and as a draft unless the caller
may publish. Fields are validated by Django forms (`cms.ingest.forms`), so every problem
reads as it would in the admin and is reported against the field it concerns. State
changes are workflow steps taken through `cms.stories.publishing`, like an editor's.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.core import languages
from cms.core import text as text_rule
from cms.disclosure import rules as disclosure
from cms.ingest import bylines, script
from cms.ingest import disclosure as ingest_disclosure
from cms.ingest.forms import story_form, translation_form
from cms.media import figures
from cms.models import Image, Source, State, Story, StoryImage, StoryTranslation, Tag, set_tags
from cms.stories import publishing, revisions

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
    """Create or update the story `data` describes; return (story, created).

    Idempotent under concurrency too: a pipeline retrying after a timeout sends the same
    new story twice at once. Both find no story; the second to insert meets the unique
    external id (PostgreSQL makes it wait for the first to commit), and is then run again
    as the update it has become, instead of failing.
    """
    try:
        return _upsert(data, may_publish)
    except IntegrityError:
        external_id = data.get("external_id") if isinstance(data, dict) else None
        if not Story.objects.filter(external_id=external_id).exists():
            raise
        return _upsert(data, may_publish)


def _upsert(data, may_publish):
    translations, tags, source, image_ids = _check_envelope(data, may_publish)
    external_id = data["external_id"]
    publish = data.get("publish", False)
    story = Story.objects.filter(external_id=external_id).first()
    created = story is None
    if not created and story.status == Story.Status.KILLED:
        raise IngestError(
            [("external_id", _("This story was killed; it can no longer be changed."))]
        )
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
        change = publishing.Change(story)
        form = story_form(story, data, source, created)
        if not form.is_valid():
            raise IngestError(_form_errors(form, prefix=""))
        story = form.save(commit=False)
        if "hot" in data:
            story.estimate_hot(story.hot)
        for step in _steps(story, data, publish):
            publish_at = story.published_at if step in ("publish", "schedule") else None
            change.step(step, publish_at=publish_at)
        story.save()
        story.content_time = timezone.now()
        errors = []
        if image_ids is not None:
            errors += _set_images(story, image_ids, translations)
        attached = set(StoryImage.objects.filter(story=story).values_list("image_id", flat=True))
        for code, fields in translations.items():
            grade = ingest_disclosure.grade(story, data, fields)
            errors += _save_translation(story, code, grade, attached)
        errors += ingest_disclosure.review_errors(story)
        if errors:
            transaction.set_rollback(True)
            raise IngestError(errors)
        if "tags" in data:
            set_tags(story, tags)
        if data.get("authors") is not None:
            bylines.set_byline(story, data["authors"])
        change.finish()
    return story, created


def _check_envelope(data, may_publish):
    """What is checked before any field: the id, the languages, permission, tags, source."""
    if not isinstance(data, dict):
        raise IngestError([("", _("Expected an object."))])
    if _nesting(data) > MAX_NESTING:
        raise IngestError(
            [("", _("The story nests more than %(max)s levels deep.") % {"max": MAX_NESTING})]
        )
    # The one rule for stored text (cms.core.text), for every value the input gives:
    # fields, tag and source names, AIGC values, the id.
    found = text_rule.first_unfit(data)
    if found is not None:
        character, position, path = found
        raise IngestError([(path, text_rule.unfit_error(character, position).messages[0])])
    errors = []
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
    if data.get("publish") is not None and not isinstance(data["publish"], bool):
        errors.append(("publish", _("Give true or false.")))
    elif data.get("publish", False) and not may_publish:
        errors.append(("publish", _("This caller may not publish; leave `publish` false.")))
    if data.get("ai_generated") is not None and not isinstance(data["ai_generated"], bool):
        errors.append(("ai_generated", _("Give true or false.")))
    if data.get("authors") is not None and (problem := bylines.check(data["authors"])):
        errors.append(("authors", problem))
    image_ids = _images(data, errors)
    tags = _existing(Tag, data.get("tags") or [], "tags", errors)
    source = None
    if data.get("source"):
        found = _existing(Source, [data["source"]], "source", errors)
        source = found[0] if found else None
    normalized = {}
    for code, fields in translations.items():
        known = languages.normalize(code)
        if known is None:
            continue
        if known in normalized:
            # "en" and "EN" are one language: which of the two to keep is not ours to guess.
            errors.append(
                (
                    f"translations.{code}",
                    _("The language “%(code)s” is given more than once.") % {"code": known},
                )
            )
        normalized[known] = fields
        # Traditional text labelled Simplified (a bare `zh`), or a derived language's
        # version, is refused field by field (cms/ingest/script.py).
        errors += script.errors(known, fields, given_as=code)
    if errors:
        raise IngestError(errors)
    return normalized, tags, source, image_ids


# More images than this in one story's analysis is a mistake, not a story.
MAX_IMAGES = 50


def _images(data, errors):
    """The ids of the images the story may place in its analysis, or None (kept as they are)."""
    if data.get("images") is None:
        return None
    given = data["images"]
    if (
        not isinstance(given, list)
        or len(given) > MAX_IMAGES
        or not all(type(value) is int and value > 0 for value in given)
    ):
        errors.append(
            ("images", _("Give a list of at most %(max)s image numbers.") % {"max": MAX_IMAGES})
        )
        return None
    known = set(Image.objects.filter(pk__in=given).values_list("pk", flat=True))
    for value in given:
        if value not in known:
            errors.append(("images", _("There is no image %(id)s.") % {"id": value}))
    return list(dict.fromkeys(given))


def _set_images(story, image_ids, translations):
    """Make `image_ids` the story's images, unless a version kept as it is still places one
    that would leave (versions written now are checked with their new analysis)."""
    stored = set(StoryImage.objects.filter(story=story).values_list("image_id", flat=True))
    removed = stored - set(image_ids)
    problems = figures.placed_in_other_versions(story.pk, removed, list(translations))
    if problems:
        return [("images", message) for message in problems]
    StoryImage.objects.filter(story=story, image_id__in=removed).delete()
    for image_id in image_ids:
        if image_id not in stored:
            StoryImage.objects.create(story=story, image_id=image_id)
    return []


def _steps(story, data, publish):
    """The workflow steps that bring the story where the pipeline asks."""
    state = story.state if story.pk is not None else State.DRAFT
    if publish:
        if state == State.PUBLISHED:
            return []
        steps = ["restore"] if state == State.ARCHIVED else []
        ahead = story.published_at is not None and story.published_at > timezone.now()
        return [*steps, "schedule" if ahead else "publish"]
    if "publish" in data and state in (State.PUBLISHED, State.SCHEDULED):
        return ["unpublish"]
    return []


def _nesting(value):
    """How many levels of lists and objects `value` nests, counted without recursing (and
    only up to one past MAX_NESTING), so that deep input cannot exhaust the stack."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= MAX_NESTING:
                children = item.values() if isinstance(item, dict) else item
                pending.extend((child, level + 1) for child in children)
    return deepest


def _existing(model, slugs, field, errors):
    if not isinstance(slugs, list) or not all(isinstance(slug, str) for slug in slugs):
        errors.append((field, _("Give a list of slugs.")))
        return []
    found = {obj.slug: obj for obj in model.objects.filter(slug__in=slugs)}
    for slug in slugs:
        if slug not in found:
            errors.append((field, _("Unknown slug “%(slug)s”.") % {"slug": slug}))
    return [found[slug] for slug in slugs if slug in found]


def _save_translation(story, code, fields, attached):
    prefix = f"translations.{code}."
    if not isinstance(fields, dict):
        return [(prefix[:-1], _("Expected an object."))]
    row = StoryTranslation.objects.filter(master=story, language_code=code).first()
    row = row or StoryTranslation(master=story, language_code=code)
    aigc, problem = disclosure.read_incoming_aigc(fields.get("aigc"))
    if problem:
        return [(f"{prefix}aigc", problem)]
    before = row.ai_involvement if row.pk is not None else None
    form = translation_form(row, fields)
    if not form.is_valid():
        return _form_errors(form, prefix)
    # The pipeline is no editor: the grade rule of the admin holds for it too.
    refusal = disclosure.grade_change_refusal(
        before, form.cleaned_data.get("ai_involvement"), may_lower=False
    )
    if refusal is not None:
        return [(f"{prefix}ai_involvement", refusal[1])]
    if "analysis" in form.cleaned_data:
        problems = figures.problems(form.cleaned_data["analysis"], code, attached)
        if problems:
            return [(f"{prefix}analysis", message) for message in problems]
    if aigc:
        row.aigc = aigc
    form.save()
    ingest_disclosure.record(story, row, before)
    return []


def _form_errors(form, prefix):
    return [
        (f"{prefix}{field}" if field != "__all__" else prefix.rstrip("."), str(message))
        for field, messages in form.errors.items()
        for message in messages
    ]
