"""AI disclosure in the feeds: the explicit label in each entry's content, and the
implicit label (GB 45438-2025 `AIGC` fields, the IPTC digital source type) as elements of
this publication's namespace in RSS and Atom, and as the `_disclosure` extension of JSON
Feed items."""

from django.utils.html import escape

from cms.disclosure import rules as disclosure

PREFIX = "aigc"


def root_attributes():
    """The namespace declaration the feed's root element needs."""
    return {f"xmlns:{PREFIX}": disclosure.namespace()}


def label_html(found):
    """The explicit label, as the paragraph that opens an entry's content."""
    return f'<p class="ai-disclosure"><strong>{escape(found.label)}</strong></p>'


def write(handler, item):
    """The entry's implicit label, as namespaced elements (RSS items, Atom entries)."""
    found = item.get("disclosure")
    if found is None:
        return
    handler.addQuickElement(f"{PREFIX}:digitalSourceType", found.iptc)
    handler.addQuickElement(f"{PREFIX}:label", found.label)
    if found.aigc is None:
        return
    handler.startElement(f"{PREFIX}:AIGC", {})
    for name in disclosure.AIGC_FIELDS:
        handler.addQuickElement(f"{PREFIX}:{name}", found.aigc.get(name, ""))
    handler.endElement(f"{PREFIX}:AIGC")


def json_extension(item):
    """The JSON Feed item's `_disclosure` extension (https://jsonfeed.org/version/1.1)."""
    found = item.get("disclosure")
    if found is None:
        return None
    extension = {"about": disclosure.namespace(), **disclosure.as_json(found)}
    if found.review is not None:
        # Every time in a feed is in whole seconds.
        extension["reviewed"]["at"] = found.review.at.replace(microsecond=0).isoformat()
    return extension
