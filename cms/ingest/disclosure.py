"""AI disclosure in ingestion: the grade each language version gets from the pipeline's
input, its record, and the review rule when the pipeline publishes.

The pipeline states the grade (`ai_involvement`), or the older flags say it
(`ai_generated` for the story, `origin` per language); a language version the input gives
no word on keeps its grade. Incoming `AIGC` metadata (per language, or for the whole story)
is kept on the version, so that its producer and content id travel on.
"""

from django.utils.translation import gettext as _

from cms.disclosure import rules as disclosure


def grade(story, data, fields):
    """The language version's input `fields`, with the grade (and `aigc`) it gets."""
    if not isinstance(fields, dict):
        return fields
    fields = dict(fields)
    if "aigc" not in fields and data.get("aigc") is not None:
        fields["aigc"] = data["aigc"]
    if fields.get("ai_involvement"):
        return fields
    if "ai_generated" not in data and "origin" not in fields:
        return fields
    ai_generated = data.get("ai_generated", story.ai_generated)
    fields["ai_involvement"] = disclosure.grade_from_flags(
        bool(ai_generated), fields.get("origin") == "machine"
    ).value
    return fields


def record(story, row, before):
    """Keep the pipeline's change of a version's grade on record."""
    if before != row.ai_involvement and not (
        {before, row.ai_involvement} <= {"ai_generated", "ai_reviewed"}
    ):
        disclosure.record_grade_change(
            story, row.language_code, before, row.ai_involvement, reason=_("Story pipeline")
        )


def review_errors(story):
    """The field error refusing a story that is (or will be) in front of readers with
    AI-generated text no person reviewed, when the setting asks for a review."""
    if not disclosure.review_required():
        return []
    if story.status != story.Status.PUBLISHED:
        return []
    waiting = disclosure.unreviewed_languages(story)
    if not waiting:
        return []
    return [("publish", disclosure.publish_refusal(waiting))]
