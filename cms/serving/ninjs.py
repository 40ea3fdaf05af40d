"""A served story as an IPTC ninjs news item (https://iptc.org/standards/ninjs/): 2.2, or 3.1.

One language version of one story is one news item: its `uri` is a `tag:` URI (RFC 4151)
that never changes when the slug does, `version` counts the story's saves, and the
`pubstatus` comes from the story (usable when readers see it; withheld otherwise, which
only callers allowed to see such a story, like previews, ever get). The AI disclosure is
ninjs's own `digitalsourcetype` (IPTC's Digital Source Type vocabulary) plus this
publication's `aigc:` extension properties (the explicit label, the grade and the
GB 45438-2025 `AIGC` fields), described by the extension schema `extension_schema` gives,
which takes in the whole IPTC schema; without those properties a document is plain ninjs.

ninjs 3.x spells the same properties in camelCase (`versionCreated`, `contentType`,
`embargoedUntil`): a 3.1 document is the 2.2 one with its names changed.
"""

from datetime import UTC
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone, translation

from cms.disclosure import rules as disclosure
from cms.models import Involvement, Story
from cms.serving import audience as audiences
from cms.serving import ninjs_parts as parts
from cms.serving import stories as serving

VERSIONS = ("2.2", "3.1")
IPTC_SCHEMAS = {
    version: f"http://www.iptc.org/std/ninjs/ninjs-schema_{version}.json" for version in VERSIONS
}
# The year this publication began naming its stories with tag: URIs (RFC 4151 asks for a
# date on which the authority held its name); it never changes, or every URI would.
TAG_DATE = "2026"
EXTENSION_PREFIX = "aigc:"
LABEL, GRADE, AIGC = (
    f"{EXTENSION_PREFIX}label",
    f"{EXTENSION_PREFIX}grade",
    f"{EXTENSION_PREFIX}AIGC",
)
# A live story's newest entries its item carries, as associated text items.
LIVE_ENTRIES = 50
# ninjs 3.x names of the 2.x properties this module writes (and the reader reads).
CAMEL = {
    "firstcreated": "firstCreated",
    "versioncreated": "versionCreated",
    "contentcreated": "contentCreated",
    "embargoed": "embargoedUntil",
    "pubstatus": "pubStatus",
    "copyrightholder": "copyrightHolder",
    "copyrightnotice": "copyrightNotice",
    "usageterms": "usageTerms",
    "ednote": "edNote",
    "representationtype": "representationType",
    "infosources": "infoSources",
    "altids": "altIds",
    "trustindicators": "trustIndicators",
    "rightsinfo": "rightsInfo",
    "digitalsourcetype": "digitalSourceType",
    "contenttype": "contentType",
    "charcount": "charCount",
    "wordcount": "wordCount",
    "sizeinbytes": "sizeInBytes",
    "contactinfo": "contactInfo",
}


class UnknownVersion(ValueError):
    pass


def authority():
    """The tag: URIs' authority: the reader site's host name."""
    return urlsplit(settings.CMS_SITE_URL.format(language="x")).hostname or "localhost"


def story_uri(story_id, language):
    """The news item's `uri`: one story's version in one language, whatever its slug."""
    return f"tag:{authority()},{TAG_DATE}:story/{story_id}/{language}"


def topic_prefix():
    """The scheme of the subjects a story's tags become: a tag's URI is this and its slug."""
    return f"tag:{authority()},{TAG_DATE}:topic/"


def image_uri(image_id):
    return f"tag:{authority()},{TAG_DATE}:image/{image_id}"


def bcp47(code):
    """`zh-hans` as BCP 47 writes it (`zh-Hans`): script subtags in title case."""
    parts = code.split("-")
    return "-".join(
        [parts[0].lower()]
        + [
            part.title() if len(part) == 4 else part.upper() if len(part) == 2 else part
            for part in parts[1:]
        ]
    )


def timestamp(moment):
    """An RFC 3339 time in whole seconds, in UTC."""
    moment = moment.astimezone(UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def document(story, language, version="2.2"):
    """The ninjs news item of `story`'s version in `language` (None when it has none), as
    the public reads it (full text). The caller decides whether it may see the story: this
    says `withheld` for a story readers cannot see, and never looks it up itself."""
    served = serving.serve([story], audiences.Audience.of(language))[0]
    # One language's item: a story without a version in `language` has none (no fallback).
    if served.translation is None or served.language != language:
        return None
    return of_served(served, version)


def of_served(served, version="2.2"):
    """The ninjs news item of a `ServedStory`, in ninjs `version` (`VERSIONS`)."""
    if version not in VERSIONS:
        raise UnknownVersion(version)
    story, row = served.story, served.translation
    language = served.language
    found = served.disclosure
    with translation.override(language):
        item = {
            "uri": story_uri(story.pk, language),
            "type": "text",
            "representationtype": "full" if served.analysis_served else "partial",
            # The story's saves, counted from 1: every saved change is a new version.
            "version": str(story.edit_version + 1),
            # The "Updated" time readers see; a story nobody reads yet was last saved then.
            "versioncreated": timestamp(served.updated_at or story.modified_at),
            "pubstatus": pubstatus(story),
            "language": bcp47(language),
            "slugline": story.slug,
            "headlines": [{"role": "main", "value": row.title}],
            "copyrightholder": settings.CMS_PUBLISHER_NAME,
            "standard": {
                "name": "ninjs",
                "version": version,
                "schema": extension_id(version),
            },
        }
        first = story.first_published_at or story.published_at
        if first is not None:
            item["firstcreated"] = timestamp(first)
        # When the text was first published (else written): an older story mirrored late
        # keeps its own time.
        item["contentcreated"] = timestamp(first or story.created_at)
        if story.published_at is not None and story.published_at > timezone.now():
            item["embargoed"] = timestamp(story.published_at)
        if story.expires_at is not None:
            item["expires"] = timestamp(story.expires_at)
        item["descriptions"] = parts.descriptions(row)
        if served.analysis_served:
            item["bodies"] = parts.bodies(row)
        item.update(parts.byline(served.authors))
        if served.tags:
            item["subjects"] = [
                {
                    "name": tag.name,
                    "literal": tag.slug,
                    "uri": topic_prefix() + tag.slug,
                    "rel": "about",
                }
                for tag in served.tags
            ]
        if served.source_name:
            source = {"name": served.source_name, "role": "source"}
            if story.cited_url:
                source["uri"] = story.cited_url
            item["infosources"] = [source]
        associated = parts.associations(served, image_uri)
        if story.live_status:
            associated += parts.live_entries(
                served,
                lambda pk: f"{story_uri(story.pk, language)}/entry/{pk}",
                timestamp,
                bcp47(language),
                LIVE_ENTRIES,
            )
        if associated:
            item["associations"] = associated
        item["altids"] = [{"role": "url", "value": served.url}]
        item["digitalsourcetype"] = {
            "uri": found.iptc,
            "literal": found.iptc.rsplit("/", 1)[-1],
            "name": found.label,
        }
        item[LABEL] = found.label
        item[GRADE] = found.grade
        if found.aigc is not None:
            item[AIGC] = dict(found.aigc)
    return item if version.startswith("2.") else camel_case(item)


def pubstatus(story):
    """ninjs's publishing status: usable while readers see the story, canceled once it is
    killed (partners must take it down), withheld otherwise."""
    if story.status == Story.Status.KILLED:
        return "canceled"
    return "usable" if story.is_live() else "withheld"


def canceled(story, language, notice, version="2.2"):
    """The news item a killed story's version leaves behind: who it was, that it is
    canceled and why; none of its content."""
    if version not in VERSIONS:
        raise UnknownVersion(version)
    item = {
        "uri": story_uri(story.pk, language),
        "type": "text",
        "version": str(story.edit_version + 1),
        "versioncreated": timestamp(story.modified_at),
        "pubstatus": "canceled",
        "language": bcp47(language),
        "slugline": story.slug,
        "standard": {"name": "ninjs", "version": version, "schema": extension_id(version)},
    }
    if notice:
        item["descriptions"] = [{"role": "notice", "contenttype": "text/plain", "value": notice}]
    return item if version.startswith("2.") else camel_case(item)


def camel_case(value):
    """A 2.x document (or part) with ninjs 3.x's property names."""
    if isinstance(value, dict):
        return {
            CAMEL.get(name, name): item if name == AIGC else camel_case(item)
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [camel_case(item) for item in value]
    return value


def extension_id(version):
    """The `$id` of this publication's extension schema for ninjs `version`."""
    return f"tag:{authority()},{TAG_DATE}:ninjs-aigc-extension/{version}"


def extension_schema(version):
    """The JSON Schema of ninjs `version` with this publication's `aigc:` properties: IPTC's
    news item, plus the explicit label, the grade and the `AIGC` fields, nothing else."""
    if version not in VERSIONS:
        raise UnknownVersion(version)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": extension_id(version),
        "title": f"IPTC ninjs {version} with the aigc: AI disclosure extension",
        "description": "Every property of IPTC ninjs, plus the AI disclosure of "
        f"{disclosure.namespace()}: the explicit label readers see, the grade of AI "
        "involvement, and the GB 45438-2025 implicit label (AIGC).",
        "type": "object",
        "allOf": [{"$ref": f"{IPTC_SCHEMAS[version]}#/$defs/ninjsType"}],
        "required": ["uri"],
        "properties": {
            LABEL: {"type": "string", "description": "The explicit label, in the item's language."},
            GRADE: {
                "type": "string",
                "enum": [grade.value for grade in Involvement],
                "description": "How much of the text AI wrote (docs/disclosure.md).",
            },
            AIGC: {
                "type": "object",
                "description": "GB 45438-2025 Annex E implicit label: its seven elements.",
                "properties": {name: {"type": "string"} for name in disclosure.AIGC_FIELDS}
                | {"Label": {"type": "string", "enum": list(disclosure.AIGC_LABELS)}},
                "required": list(disclosure.AIGC_FIELDS),
                "additionalProperties": False,
            },
        },
        "unevaluatedProperties": False,
    }
