"""Stories as JSON Lines, with both AI labels: `manage.py export_stories` and the admin's
list action write it, `manage.py import_stories` reads it back.

One object per story, in the shape `import_stories` takes (snake_case, `translations`
keyed by language), plus what a reader of the file needs and the import leaves alone: each
language version's grade, its explicit label (as a field, and as the opening paragraph of
its analysis, so that a copy of the text keeps it), its IPTC digital source type, its
review and its GB 45438-2025 `AIGC` object, which names this publication as producer of the
text it produced, and as propagator of all of it. Re-imported elsewhere, the `AIGC` object
keeps its producer and content id, and the importer adds itself as propagator.

Stories are read in primary-key order, a chunk at a time, with a fixed number of queries per
chunk (the stories with their source, then their versions, tags and bylines), so an export
of the whole archive holds one chunk in memory.
"""

import json
from datetime import UTC

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from cms.disclosure import rules as disclosure
from cms.ingest.pipeline import IngestError
from cms.models import Involvement, Story, StoryAuthor, StoryTag, StoryTranslation

CHUNK_SIZE = 200
# Which stories an export holds, by the command's `--status`: live ones unless asked.
STATUSES = ("live", "scheduled", "draft", "review", "archived", "all")
LIST_FIELDS = ("tldr", "key_data", "insights", "faq")


def select(status="live", since=None, language=None, now=None):
    """The stories an export of `status` holds: those saved at or after `since` (if given)
    and having a version in `language` (if given)."""
    stories = Story.objects.all()
    if status == "live":
        stories = stories.published(now)
    elif status == "scheduled":
        stories = stories.scheduled(now)
    elif status != "all":
        stories = stories.filter(status=status)
    if since is not None:
        stories = stories.filter(modified_at__gte=since)
    if language is not None:
        stories = stories.in_chain([language])
    return stories


def lines(stories, language=None, chunk_size=CHUNK_SIZE, left_out=None):
    """Each story of the queryset `stories` as an export object, in primary-key order
    (only its `language` version, if given).

    A version whose grade the vocabulary does not know cannot be labelled, so it is left
    out rather than exported unlabelled; (slug, language, grade) of each is appended to
    the list `left_out`, if given (the disclosure report lists them too).
    """
    versions = StoryTranslation.objects.order_by("language_code")
    if language is not None:
        versions = versions.filter(language_code=language)
    chunks = (
        stories.order_by("pk")
        .select_related("source")
        .prefetch_related(
            Prefetch("translations", versions, to_attr="exported_versions"),
            Prefetch("tag_links", StoryTag.objects.select_related("tag"), to_attr="exported_tags"),
            Prefetch(
                "author_links",
                StoryAuthor.objects.select_related("author"),
                to_attr="exported_bylines",
            ),
        )
    )
    last = 0
    while True:
        chunk = list(chunks.filter(pk__gt=last)[:chunk_size])
        for story in chunk:
            yield line(story, left_out)
        if len(chunk) < chunk_size:
            return
        last = chunk[-1].pk


def jsonl(objects):
    """Export objects as the lines of a JSON Lines file (UTF-8 text, Chinese as it is)."""
    for data in objects:
        yield json.dumps(data, ensure_ascii=False) + "\n"


def line(story, left_out=None):
    """One story as an export object (its versions, tags and bylines prefetched)."""
    versions = {}
    for row in story.exported_versions:
        if row.ai_involvement in Involvement.values:
            versions[row.language_code] = version(story.pk, row)
        elif left_out is not None:
            left_out.append((story.slug, row.language_code, row.ai_involvement))
    return {
        "external_id": export_id(story),
        "slug": story.slug,
        # What the import does not take (a story arrives as a draft), the file still says.
        "state": story.state.value,
        "published_at": _time(story.published_at),
        "updated_at": _time(story.updated_at),
        "expires_at": _time(story.expires_at),
        "original_language": story.original_language,
        "hot": story.hot,
        "quality": story.quality,
        "impact": story.impact,
        "source": story.source.slug if story.source_id is not None else None,
        "source_url": story.source_url,
        "tags": [link.tag.slug for link in story.exported_tags],
        "bylines": [
            {"slug": link.author.slug, "name": link.author.name, "kind": link.author.kind}
            for link in story.exported_bylines
        ],
        "ai_generated": story.ai_generated,
        "translations": versions,
    }


def export_id(story):
    """The story's id in an export: the pipeline's, else one naming this story here."""
    return story.external_id or f"urn:ainews:story:{story.pk}"


def version(story_id, row):
    """One language version as an export object: its content, its grade, and both labels."""
    found = disclosure.of(story_id, row)
    review = found.review
    return {
        "title": row.title,
        "summary": row.summary,
        **{name: getattr(row, name) or [] for name in LIST_FIELDS},
        "analysis": labelled(row.analysis, found.label),
        # The grade an importer records: a review is a publication's own, so the text a
        # review made `ai_reviewed` here arrives as AI-generated, to be reviewed there.
        "ai_involvement": (
            Involvement.AI_GENERATED.value
            if found.grade == Involvement.AI_REVIEWED
            else found.grade
        ),
        "grade": found.grade,
        "label": found.label,
        "digital_source_type": found.iptc,
        "reviewed": {"role": review.role, "at": _time(review.at)} if review else None,
        "AIGC": found.aigc,
    }


def labelled(analysis, label):
    """The analysis (Markdown) opened by the explicit label as a paragraph of its own."""
    return f"{label}\n\n{analysis}" if analysis else label


def importable(data):
    """An export object as `cms.ingest.pipeline.upsert` takes it: each version's analysis without
    the label paragraph `labelled` put there (the importer shows its own label), and its
    `AIGC` object as the incoming `aigc`. Anything else is passed on as it is, for the
    ingestion to check."""
    if not isinstance(data, dict) or not isinstance(data.get("translations"), dict):
        return data
    translations = {}
    for code, fields in data["translations"].items():
        if isinstance(fields, dict):
            fields = dict(fields)
            label, analysis = fields.get("label"), fields.get("analysis")
            if isinstance(label, str) and isinstance(analysis, str):
                fields["analysis"] = _unlabelled(analysis, label)
            if "AIGC" in fields:
                if fields.get("aigc") not in (None, fields["AIGC"]):
                    raise IngestError(
                        [(f"translations.{code}.AIGC", _("Give the AIGC fields once."))]
                    )
                fields["aigc"] = fields.pop("AIGC")
        translations[code] = fields
    return {**data, "translations": translations}


def _unlabelled(analysis, label):
    if analysis == label:
        return ""
    return analysis.removeprefix(f"{label}\n\n")


def _time(moment):
    return moment.astimezone(UTC).isoformat() if moment else None
