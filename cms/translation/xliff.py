"""XLIFF 2.0 documents: written from translation units, read back as hostile input.

Only the core namespace is written and read: plain-text sources and targets (a story's
Markdown travels as text, so a CAT tool shows it as the translator must keep it), notes for
context, one `<file>` per story. Reading refuses what a file cannot mean for us before any
of it is used: a document type declaration or entity (no expansion, no external fetch:
`defusedxml`), more than `MAX_BYTES`, anything the OASIS schema refuses, and inline markup
(codes, annotations) in a target, which would not survive the trip back into a story.
"""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeTree
from django.conf import settings
from django.utils.translation import gettext as _
from lxml import etree

NS = "urn:oasis:names:tc:xliff:document:2.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# Larger files are refused unread: a story's units are a few hundred kilobytes at most.
MAX_BYTES = 8 * 1024 * 1024
MAX_UNITS = 20_000
SCHEMA = Path(settings.BASE_DIR) / "vendor" / "oasis-xliff-2.0" / "xliff_core_2.0.xsd"


@dataclass
class Unit:
    """One piece of text to translate: a field, or one cell of a list field's row."""

    id: str
    source: str
    target: str | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class File:
    """One story's units, with notes on the story as a whole."""

    id: str
    original: str
    units: list[Unit]
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Document:
    source_language: str
    target_language: str
    files: list[File]


class XliffError(Exception):
    """A file that cannot be read at all (not XLIFF 2.0, unsafe, too large)."""


def _q(name):
    return f"{{{NS}}}{name}"


def _notes(parent, notes):
    if notes:
        holder = etree.SubElement(parent, _q("notes"))
        for category, text in notes:
            etree.SubElement(holder, _q("note"), category=category).text = text


def write(document):
    """The document as UTF-8 XLIFF 2.0 bytes."""
    root = etree.Element(
        _q("xliff"),
        nsmap={None: NS},
        version="2.0",
        srcLang=document.source_language,
        trgLang=document.target_language,
    )
    for story in document.files:
        node = etree.SubElement(root, _q("file"), id=story.id, original=story.original)
        _notes(node, story.notes)
        for unit in story.units:
            element = etree.SubElement(node, _q("unit"), id=unit.id)
            _notes(element, unit.notes)
            segment = etree.SubElement(
                element, _q("segment"), state="initial" if unit.target is None else "translated"
            )
            source = etree.SubElement(segment, _q("source"))
            source.set(f"{{{XML_NS}}}space", "preserve")
            source.text = unit.source
            if unit.target is not None:
                target = etree.SubElement(segment, _q("target"))
                target.set(f"{{{XML_NS}}}space", "preserve")
                target.text = unit.target
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


@cache
def schema():
    """The OASIS XLIFF 2.0 core schema, read from the vendored copy (never the network)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(SCHEMA), parser))


def schema_errors(data):
    """What the OASIS schema says is wrong with `data`, as readable lines (none: valid)."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=False)
    try:
        tree = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        return [str(error)]
    validator = schema()
    if validator.validate(tree):
        return []
    return [f"line {entry.line}: {entry.message}" for entry in validator.error_log]


def _text_of(element, where):
    """An element's text, refusing any child element (inline codes, annotations)."""
    if element is None:
        return None
    children = list(element)
    if children:
        name = children[0].tag.rsplit("}", 1)[-1]
        raise UnitMarkup(
            where,
            _(
                "The translation holds inline markup (<%(name)s>), which a story cannot "
                "carry back: write the text plainly, as the source gives it."
            )
            % {"name": name},
        )
    return element.text or ""


class UnitMarkup(Exception):
    """A target (or source) with inline elements: refused for its unit, not the file."""

    def __init__(self, where, message):
        super().__init__(message)
        self.where = where
        self.message = message


def _notes_of(parent):
    holder = parent.find(_q("notes"))
    if holder is None:
        return []
    return [(note.get("category", ""), note.text or "") for note in holder.findall(_q("note"))]


def read(data):
    """Parse XLIFF 2.0 bytes into a Document and a list of (unit, message) problems.

    Raises XliffError for a file that cannot be read at all; problems of single units
    (markup in a target) come back beside the document so that all of them are reported.
    """
    if len(data) > MAX_BYTES:
        raise XliffError(
            _("The file is larger than %(size)d MB.") % {"size": MAX_BYTES // (1024 * 1024)}
        )
    try:
        root = SafeTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise XliffError(
            _("The file declares a document type or entities, which XLIFF files never need.")
        ) from None
    except SafeTree.ParseError as error:
        raise XliffError(
            _("The file is not well-formed XML: %(error)s") % {"error": error}
        ) from None
    if root.tag != _q("xliff") or root.get("version") != "2.0":
        raise XliffError(
            _('This is not an XLIFF 2.0 file (the root must be <xliff version="2.0">).')
        )
    errors = schema_errors(data)
    if errors:
        raise XliffError(
            _("The file does not follow the XLIFF 2.0 schema: %(errors)s")
            % {"errors": "; ".join(errors[:5])}
        )
    problems = []
    files = []
    count = 0
    for node in root.findall(_q("file")):
        units = []
        for element in node.iter(_q("unit")):
            count += 1
            if count > MAX_UNITS:
                raise XliffError(
                    _("The file holds more than %(count)d units.") % {"count": MAX_UNITS}
                )
            read_unit = _unit(node.get("id"), element, problems)
            if read_unit is not None:
                units.append(read_unit)
        files.append(File(node.get("id"), node.get("original", ""), units, _notes_of(node)))
    document = Document(root.get("srcLang", ""), root.get("trgLang") or "", files)
    return document, problems


def _unit(file_id, element, problems):
    unit_id = element.get("id")
    where = (file_id, unit_id)
    sources, targets, translated = [], [], False
    try:
        # A CAT tool may split a unit into segments, with the spaces between them kept in
        # <ignorable>; in document order they are the unit's text again.
        for part in element:
            if part.tag not in (_q("segment"), _q("ignorable")):
                continue
            source = _text_of(part.find(_q("source")), where)
            target = _text_of(part.find(_q("target")), where)
            sources.append(source)
            if part.tag == _q("ignorable"):
                target = source if target is None else target
            else:
                translated = translated or target is not None
            targets.append(target)
    except UnitMarkup as markup:
        problems.append((markup.where, markup.message))
        return None
    target = "".join(t or "" for t in targets) if translated else None
    return Unit(unit_id, "".join(sources), target, _notes_of(element))
