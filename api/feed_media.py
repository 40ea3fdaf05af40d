"""What feeds carry of a story's lead image, bylines and corrections (`api.feeds` calls these).

RSS: `media:content` (Media RSS) for the image and `dc:creator` per author; Atom: a
`link rel="enclosure"` and an `author` per author; JSON Feed: `image` and `authors`.
Corrections are paragraphs at the end of every format's content.
"""

from django.utils import formats
from django.utils.html import escape
from django.utils.translation import gettext as _

MEDIA_RSS = "http://search.yahoo.com/mrss/"
DUBLIN_CORE = "http://purl.org/dc/elements/1.1/"
# The widest 16:9 crop: what feed readers show as the entry's picture.
FEED_RATIO = "16x9"


def item_fields(served):
    """The feed item's extra fields for `served` (a `ServedStory`)."""
    image, rendition = served.image, None
    if image is not None:
        rendition = image.largest(FEED_RATIO)
    return {
        "image": None
        if rendition is None
        else {
            "url": rendition.url,
            "width": rendition.width,
            "height": rendition.height,
            "alt": image.alt,
            "credit": image.credit,
        },
        "authors": [{"name": a.name, "url": a.url} for a in served.authors],
    }


def rss_namespaces():
    return {"xmlns:media": MEDIA_RSS, "xmlns:dc": DUBLIN_CORE}


def rss_elements(handler, item):
    for author in item.get("authors", []):
        handler.addQuickElement("dc:creator", author["name"])
    image = item.get("image")
    if image:
        attributes = {
            "url": image["url"],
            "medium": "image",
            "type": "image/jpeg",
            "width": str(image["width"]),
            "height": str(image["height"]),
        }
        handler.startElement("media:content", attributes)
        if image["alt"]:
            handler.addQuickElement("media:description", image["alt"])
        if image["credit"]:
            handler.addQuickElement("media:credit", image["credit"])
        handler.endElement("media:content")


def atom_elements(handler, item):
    for author in item.get("authors", []):
        handler.startElement("author", {})
        handler.addQuickElement("name", author["name"])
        if author["url"]:
            handler.addQuickElement("uri", author["url"])
        handler.endElement("author")
    image = item.get("image")
    if image:
        handler.addQuickElement(
            "link", "", {"rel": "enclosure", "type": "image/jpeg", "href": image["url"]}
        )


def json_fields(item):
    fields = {}
    if item.get("image"):
        fields["image"] = item["image"]["url"]
    if item.get("authors"):
        fields["authors"] = [
            {"name": a["name"], **({"url": a["url"]} if a["url"] else {})} for a in item["authors"]
        ]
    return fields


def corrections_html(served):
    """The served language's corrections as paragraphs (called in the served language)."""
    return [
        "<p><strong>{}</strong> {}</p>".format(
            escape(
                _("Correction (%(date)s):")
                % {"date": formats.date_format(correction.corrected_at, "DATE_FORMAT")}
            ),
            escape(correction.text),
        )
        for correction in served.corrections
    ]
