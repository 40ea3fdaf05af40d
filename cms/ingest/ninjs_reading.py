"""Reading an IPTC ninjs document safely: its size and depth bounded before anything walks
it, its properties found by their 2.x (lower case) or 3.x (camelCase) names with their
types checked, its languages, texts and times read as the story pipeline needs them.
Problems are (field, message) pairs, the document's own field names."""

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cms.core import languages, richtext
from cms.core import text as text_rule
from cms.ingest import pipeline
from cms.serving import ninjs as ninjs_out

# Bounds on a document before anything reads it: how deep it nests, how many values it
# holds, and how much text (an agency's longest story is far below each).
MAX_DEPTH = 16
MAX_VALUES = 20_000
MAX_TEXT = 2_000_000
HTML_TYPES = ("text/html", "application/xhtml+xml")


class Reader:
    """Reads a document's properties by their 2.x or 3.x names, checking their types."""

    def __init__(self, document):
        self.document = document

    def get(self, name):
        value = self.document.get(name)
        if value is None and name in ninjs_out.CAMEL:
            value = self.document.get(ninjs_out.CAMEL[name])
        return value

    def text(self, name, errors):
        value = self.get(name)
        if value is None or isinstance(value, str):
            return (value or "").strip()
        errors.append((name, _("Give text.")))
        return ""

    def objects(self, name, errors):
        """A list of objects; each object's `value` (when it has one) must be text."""
        value = self.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
            errors.append((name, _("Give a list of objects.")))
            return []
        for entry in value:
            if not isinstance(entry.get("value", ""), str):
                errors.append((name, _("Each entry's value is text.")))
                return []
        return value


def content_type(entry):
    return str(entry.get("contenttype") or entry.get("contentType") or "").split(";")[0].lower()


def check_shape(document):
    if not isinstance(document, dict):
        raise pipeline.IngestError([("", _("Expected a ninjs object."))])
    values, text, pending = 0, 0, [(document, 1)]
    while pending:
        value, depth = pending.pop()
        values += 1
        if depth > MAX_DEPTH:
            raise pipeline.IngestError(
                [("", _("The document nests more than %(max)s levels deep.") % {"max": MAX_DEPTH})]
            )
        if isinstance(value, dict):
            text += sum(len(str(name)) for name in value)
            pending.extend((child, depth + 1) for child in value.values())
        elif isinstance(value, list):
            pending.extend((child, depth + 1) for child in value)
        elif isinstance(value, str):
            text += len(value)
        if values > MAX_VALUES or text > MAX_TEXT:
            raise pipeline.IngestError(
                [
                    (
                        "",
                        _("The document is too large: at most %(values)s values and "
                          "%(text)s characters of text.")
                        % {"values": MAX_VALUES, "text": MAX_TEXT},
                    )
                ]
            )  # fmt: skip
    # The one rule for stored text (cms.core.text), before any value is looked up: a NUL
    # byte would not even reach PostgreSQL.
    found = text_rule.first_unfit(document)
    if found is not None:
        character, position, path = found
        message = text_rule.unfit_error(character, position).messages[0]
        raise pipeline.IngestError([(path.split(".")[0], message)])


def language_code(tag):
    """The site's language code for a BCP 47 tag, or None."""
    known = languages.normalize(tag)
    if known is not None:
        return known
    parts = tag.strip().lower().replace("_", "-").split("-")
    if parts[0] == "zh":
        traditional = {"hant", "tw", "hk", "mo"} & set(parts[1:])
        return None if traditional else languages.normalize("zh-hans")
    return languages.normalize(parts[0])


def plain(entry):
    value = entry.get("value", "")
    if content_type(entry) in HTML_TYPES:
        return richtext.to_text(richtext.sanitize(value))
    return value.strip()


def moment(item, name, errors):
    value = item.text(name, errors)
    if not value:
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        errors.append((name, _("Give a time with a time zone, e.g. 2026-01-31T08:00:00Z.")))
        return None
    return moment
