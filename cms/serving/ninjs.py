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
from django.utils.html import escape
from django.utils.translation import gettext as _

from cms.disclosure import rules as disclosure
from cms.models import Involvement
from cms.serving import audience as audiences
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
# The renditions of an image a news item lists: each ratio's widest JPEG.
RATIOS = ("original", "16x9", "4x3", "1x1")


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
    """The ninjs news item of `story`'s version in `language` (or its fallback), as the
    public reads it (full text). The caller decides whether it may see the story: this
    says `withheld` for a story readers cannot see, and never looks it up itself."""
    served = serving.serve([story], audiences.Audience.of(language))[0]
    if served.translation is None:
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
            "version": str(story.edit_version),
            # The "Updated" time readers see; a story nobody reads yet was last saved then.
            "versioncreated": timestamp(served.updated_at or story.modified_at),
            "pubstatus": "usable" if story.is_live() else "withheld",
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
        item["descriptions"] = descriptions(row)
        if served.analysis_served:
            item["bodies"] = bodies(row)
        item.update(byline(served.authors))
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
        pictures = associations(served)
        if pictures:
            item["associations"] = pictures
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


def descriptions(row):
    found = []
    if row.summary:
        found.append({"role": "summary", "contenttype": "text/plain", "value": row.summary})
    if row.tldr:
        found.append({"role": "tldr", "contenttype": "text/plain", "value": "\n".join(row.tldr)})
    return found


def bodies(row):
    """The analysis with the Key Data table, the insights and the FAQ after it, as HTML
    (the analysis as readers get it, sanitised) and as plain text."""
    html, text = (
        [row.analysis_html] if row.analysis_html else [],
        [row.analysis_text] if row.analysis_text else [],
    )
    if row.key_data:
        cells = "".join(
            "<tr>"
            + "".join(
                f"<td>{escape(entry.get(name, ''))}</td>" for name in ("entity", "detail", "metric")
            )
            + "</tr>"
            for entry in row.key_data
        )
        html.append(f"<h2>{escape(_('Key Data'))}</h2><table><tbody>{cells}</tbody></table>")
        text.append(
            _("Key Data")
            + "\n"
            + "\n".join(
                " | ".join(
                    entry.get(name, "")
                    for name in ("entity", "detail", "metric")
                    if entry.get(name)
                )
                for entry in row.key_data
            )
        )
    if row.insights:
        items = "".join(
            "<li><strong>{}</strong> {}</li>".format(
                escape(entry.get("title", "")), escape(entry.get("body", ""))
            )
            for entry in row.insights
        )
        html.append(f"<h2>{escape(_('Industry Insights'))}</h2><ol>{items}</ol>")
        text.append(
            _("Industry Insights")
            + "\n"
            + "\n".join(
                f"{number}. {entry.get('title', '')} {entry.get('body', '')}".rstrip()
                for number, entry in enumerate(row.insights, start=1)
            )
        )
    if row.faq:
        entries = "".join(
            f"<h3>{escape(entry.get('question', ''))}</h3><p>{escape(entry.get('answer', ''))}</p>"
            for entry in row.faq
        )
        html.append(f"<h2>{escape(_('FAQ'))}</h2>{entries}")
        text.append(
            _("FAQ")
            + "\n"
            + "\n\n".join(
                f"{entry.get('question', '')}\n{entry.get('answer', '')}" for entry in row.faq
            )
        )
    found = []
    if html:
        found.append({"role": "html", "contenttype": "text/html", "value": "\n".join(html)})
    if text:
        joined = "\n\n".join(text)
        found.append(
            {"role": "text", "contenttype": "text/plain", "value": joined, "charcount": len(joined)}
        )
    return found


def byline(authors):
    """`by`, and the byline's people (and the publication, for a story nobody signed)."""
    people, organisations = [], []
    for author in authors:
        entry = {"name": author.name, "rel": "author"}
        if author.url:
            entry["uri"] = author.url
        (people if author.schema_type == "Person" else organisations).append(entry)
    found = {"by": ", ".join(author.name for author in authors)}
    if people:
        found["people"] = people
    if organisations:
        found["organisations"] = organisations
    return found


def associations(served):
    """The lead image and the images placed in the analysis, as picture items with their
    renditions (each ratio's widest JPEG, at the served media address)."""
    shown = [("lead", served.image)] if served.image is not None else []
    if served.analysis_served:
        shown += [
            (f"figure{number}", image)
            for number, image in enumerate(served.analysis_images, start=1)
        ]
    found = []
    for name, image in shown:
        renditions = [
            {
                "name": ratio,
                "href": rendition.url,
                "contenttype": "image/jpeg",
                "width": rendition.width,
                "height": rendition.height,
            }
            for ratio in RATIOS
            if (rendition := image.largest(ratio)) is not None
        ]
        picture = {"name": name, "uri": image_uri(image.image.pk), "type": "picture"}
        if image.alt:
            picture["headlines"] = [{"role": "alt", "value": image.alt}]
        if image.caption:
            picture["descriptions"] = [{"role": "caption", "value": image.caption}]
        if image.credit:
            picture["by"] = image.credit
        if image.rights:
            picture["copyrightnotice"] = image.rights
        if renditions:
            picture["renditions"] = renditions
        found.append(picture)
    return found


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
