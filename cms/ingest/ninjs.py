"""IPTC ninjs news items into the story pipeline: an agency's text item becomes a story.

A ninjs document (2.x in lower case, or 3.x in camelCase) is read into the pipeline's
input (`cms.ingest.pipeline.upsert`), so it is validated, written and kept in history like
any other ingested story, and its problems come back per field, named as the document
names them (`headlines`, `bodies`, `language`, …):

- `uri` is the external id: importing the same item again updates the same story;
- `language` (BCP 47: `en-GB` is `en`; `zh`, `zh-CN`, `zh-Hans` are `zh-hans`) picks the
  version written, else the caller's default; a language this site does not publish in,
  or Traditional Chinese, is refused, and so is Traditional text under a bare `zh`, field
  by field (`cms/ingest/script.py`: Traditional Chinese is derived from the Simplified
  text, never imported);
- the `main` headline (else the first) is the title; the `summary` description (else the
  first other) the summary and a `tldr` one the TL;DR bullets, a line each;
- the HTML body (else the plain-text one, as paragraphs) is the analysis, sanitised with
  nh3 as every analysis is rendered;
- subjects name tags: by this publication's topic URIs, else by a slug (`literal`) or a
  name that is an existing tag's slug; other vocabularies' subjects are left out;
- the byline: people with the `author` relation, else `by` as one name;
- `firstcreated` (else `versioncreated`) is the publish time of a new story; `embargoed`
  in the future schedules it no earlier; `expires` is its expiry time;
- `digitalsourcetype` (and this publication's `aigc:grade` and `aigc:AIGC`) say how much
  AI wrote it; an item that does not say is AI-generated text (the model's default, the
  safe reading), which an editor reviews before it may be published; a type outside IPTC's
  vocabulary is refused, never read as a person's work;
- `pubstatus` `withheld` keeps it unpublished; `canceled` unpublishes a story imported
  before (and a new canceled item is refused: there is nothing to import).

Pictures, audio, video and events are refused (`type`): only text becomes a story.
"""

import html
import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.core import languages, richtext
from cms.disclosure import rules as disclosure
from cms.ingest import ninjs_reading as reading
from cms.ingest import pipeline
from cms.models import Involvement, Story, Tag
from cms.serving import ninjs as ninjs_out

TEXT_TYPES = ("text", "composite")
# The longest cited address a story keeps (`Story.source_url`).
MAX_URL = 200
# IPTC digital source types (the last part of their URI) to the grade of the text.
SOURCE_GRADES = {
    "trainedAlgorithmicMedia": Involvement.AI_GENERATED,
    "algorithmicMedia": Involvement.AI_GENERATED,
    "compositeSynthetic": Involvement.AI_ASSISTED,
    "compositeWithTrainedAlgorithmicMedia": Involvement.AI_ASSISTED,
    "algorithmicallyEnhanced": Involvement.AI_ASSISTED,
    # What a person made: captured, edited, drawn or programmed without a trained model.
    **dict.fromkeys(
        (
            "digitalCapture",
            "computationalCapture",
            "negativeFilm",
            "positiveFilm",
            "print",
            "humanEdits",
            "minorHumanEdits",
            "compositeCapture",
            "dataDrivenMedia",
            "digitalArt",
            "digitalCreation",
            "virtualRecording",
            "screenCapture",
        ),
        Involvement.HUMAN,
    ),
}
# Where a pipeline field's problem lies in the ninjs document.
FIELDS = {
    "external_id": "uri",
    "title": "headlines",
    "summary": "descriptions",
    "tldr": "descriptions",
    "analysis": "bodies",
    "ai_involvement": "digitalsourcetype",
    "aigc": ninjs_out.AIGC,
    "published_at": "versioncreated",
    "expires_at": "expires",
    "tags": "subjects",
    "source_url": "infosources",
    "authors": "by",
    "slug": "headlines",
}


def upsert(document, may_publish=False, publish=False, language=None):
    """Import the ninjs `document`; return (story, created), or raise `pipeline.IngestError`
    with (field, message) pairs naming the document's fields."""
    data = story_data(document, publish=publish, language=language)
    try:
        return pipeline.upsert(data, may_publish=may_publish)
    except pipeline.IngestError as error:
        named = [(field_of(field), message) for field, message in error.errors]
        raise pipeline.IngestError(named) from None


def field_of(field):
    """The document's name for a pipeline field (`translations.en.title` is `headlines`)."""
    parts = field.split(".")
    if parts[0] == "translations":
        return "language" if len(parts) < 3 else FIELDS.get(parts[2], parts[2])
    return FIELDS.get(parts[0], field)


def story_data(document, publish=False, language=None):
    """The pipeline's input for a ninjs `document` (see the module's description)."""
    reading.check_shape(document)
    item = reading.Reader(document)
    errors = []
    uri = item.text("uri", errors)
    if not uri:
        errors.append(("uri", _("Give the item's uri: it identifies the story.")))
    kind = item.text("type", errors)
    if kind and kind not in TEXT_TYPES:
        errors.append(
            ("type", _("Only text items become stories; this one is “%(type)s”.") % {"type": kind})
        )
    code = _language(item.text("language", errors) or language, errors)
    fields = {"title": _headline(item, errors)}
    fields.update(_descriptions(item, errors))
    analysis = _body(item, errors)
    if analysis is not None:
        fields["analysis"] = analysis
    fields.update(_disclosure(item, errors))
    status = item.text("pubstatus", errors) or "usable"
    existing = Story.objects.filter(external_id=uri).exists() if uri else False
    if status == "canceled" and not existing:
        errors.append(("pubstatus", _("This item is canceled: there is nothing to import.")))
    if errors:
        raise pipeline.IngestError(errors)
    data = {"external_id": uri, "translations": {code: fields}}
    data.update(_times(item, existing, errors))
    if status != "usable":
        data["publish"] = False
    elif publish:
        data["publish"] = True
    tags = _tags(item, errors)
    if tags is not None:
        data["tags"] = tags
    names = _byline(item, errors)
    if names:
        data["authors"] = names
    cited = _cited(item, uri)
    if cited:
        data["source_url"] = cited
    if errors:
        raise pipeline.IngestError(errors)
    return data


def _language(tag, errors):
    if not tag:
        errors.append(("language", _("Give the item's language.")))
        return ""
    code = reading.language_code(tag)
    if code is None:
        errors.append(
            (
                "language",
                _("This site publishes in %(known)s, not in “%(language)s”.")
                % {"known": ", ".join(languages.codes()), "language": tag[:50]},
            )
        )
    return code or ""


def _headline(item, errors):
    headlines = [entry for entry in item.objects("headlines", errors) if entry.get("value")]
    main = next((entry for entry in headlines if entry.get("role") == "main"), None)
    chosen = main or (headlines[0] if headlines else None)
    if chosen is None:
        errors.append(("headlines", _("Give a headline: it is the story's title.")))
        return ""
    return " ".join(reading.plain(chosen).split())


def _descriptions(item, errors):
    found = [entry for entry in item.objects("descriptions", errors) if entry.get("value")]
    fields = {}
    tldr = next((entry for entry in found if entry.get("role") == "tldr"), None)
    if tldr is not None:
        fields["tldr"] = [line.strip() for line in reading.plain(tldr).split("\n") if line.strip()]
    summary = next((entry for entry in found if entry.get("role") == "summary"), None)
    summary = summary or next((entry for entry in found if entry is not tldr), None)
    if summary is not None:
        fields["summary"] = reading.plain(summary)
    return fields


def _body(item, errors):
    """The analysis: the HTML body sanitised, else the plain-text one as paragraphs."""
    bodies = [entry for entry in item.objects("bodies", errors) if entry.get("value")]
    marked = next(
        (entry for entry in bodies if reading.content_type(entry) in reading.HTML_TYPES), None
    )
    if marked is not None:
        return richtext.sanitize(marked["value"]).strip()
    plain = next(
        (entry for entry in bodies if reading.content_type(entry) in ("", "text/plain")), None
    )
    if plain is None:
        return None
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n|\n", plain["value"])]
    return "\n".join(f"<p>{html.escape(part)}</p>" for part in paragraphs if part)


def _disclosure(item, errors):
    fields = {}
    source_type = item.get("digitalsourcetype")
    grade = Involvement.HUMAN
    if source_type is not None:
        if not isinstance(source_type, dict):
            errors.append(("digitalsourcetype", _("Give an object with a uri.")))
            return fields
        code = source_type.get("uri") or source_type.get("literal") or ""
        code = code.rsplit("/", 1)[-1] if isinstance(code, str) else ""
        if code not in SOURCE_GRADES:
            # An unknown type is never read as a person's work: that would hide AI.
            errors.append(
                (
                    "digitalsourcetype",
                    _(
                        "Give a type from IPTC's Digital Source Type vocabulary (such as "
                        "%(example)s); “%(type)s” is not one."
                    )
                    % {"example": "trainedAlgorithmicMedia", "type": code[:60]},
                )
            )
            return fields
        grade = SOURCE_GRADES[code]
    stated = item.get(ninjs_out.GRADE)
    if stated is not None:
        if not isinstance(stated, str) or stated not in {grade.value for grade in Involvement}:
            errors.append(
                (
                    ninjs_out.GRADE,
                    _("Unknown AI involvement “%(grade)s”.") % {"grade": str(stated)[:40]},
                )
            )
            return fields
        # A review is this publication's to record: reviewed text arrives as AI-generated.
        grade = (
            Involvement.AI_GENERATED if stated == Involvement.AI_REVIEWED else Involvement(stated)
        )
    if source_type is not None or stated is not None:
        fields["ai_involvement"] = grade.value
    aigc = item.get(ninjs_out.AIGC)
    if aigc is not None:
        kept, problem = disclosure.read_incoming_aigc(aigc)
        if problem:
            errors.append((ninjs_out.AIGC, problem))
        elif kept:
            fields["aigc"] = kept
    return fields


def _times(item, existing, errors):
    found = {}
    embargo = reading.moment(item, "embargoed", errors)
    first = reading.moment(item, "firstcreated", errors) or reading.moment(
        item, "versioncreated", errors
    )
    if embargo is not None and embargo > timezone.now():
        found["published_at"] = embargo.isoformat()
    elif first is not None and not existing:
        found["published_at"] = first.isoformat()
    expires = reading.moment(item, "expires", errors)
    if expires is not None:
        found["expires_at"] = expires.isoformat()
    return found


def _tags(item, errors):
    subjects = item.get("subjects")
    if subjects is None:
        return None
    if not isinstance(subjects, list) or not all(isinstance(entry, dict) for entry in subjects):
        errors.append(("subjects", _("Give a list of objects.")))
        return None
    prefix = ninjs_out.topic_prefix()
    wanted = []
    for entry in subjects:
        uri, literal, name = (str(entry.get(key) or "") for key in ("uri", "literal", "name"))
        if uri.startswith(prefix):
            wanted.append(uri.removeprefix(prefix))
        else:
            wanted += [literal, name.strip().lower()]
    known = set(
        Tag.objects.filter(slug__in=[slug for slug in wanted if slug]).values_list(
            "slug", flat=True
        )
    )
    return [slug for slug in dict.fromkeys(wanted) if slug in known]


def _byline(item, errors):
    people = item.get("people")
    if isinstance(people, list):
        authors = [
            entry["name"].strip()
            for entry in people
            if isinstance(entry, dict)
            and entry.get("rel") == "author"
            and isinstance(entry.get("name"), str)
            and entry["name"].strip()
        ]
        if authors:
            return authors
    by = item.text("by", errors)
    return [by] if by else []


def _cited(item, uri):
    """The cited address: the first info source with a web address, else the item's own."""
    sources = item.get("infosources")
    for entry in sources if isinstance(sources, list) else []:
        if isinstance(entry, dict) and str(entry.get("uri") or "").startswith(
            ("http://", "https://")
        ):
            return entry["uri"] if len(entry["uri"]) <= MAX_URL else ""
    # The item's own uri is an identifier first: cited only when it is a web address a
    # story can keep (an error on a field the item never gave would mislead the sender).
    if not uri.startswith(("http://", "https://")) or len(uri) > MAX_URL:
        return ""
    try:
        URLValidator(schemes=("http", "https"))(uri)
    except ValidationError:
        return ""
    return uri
