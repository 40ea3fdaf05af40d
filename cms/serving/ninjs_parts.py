"""The parts of a ninjs news item that carry a story's content (`cms.serving.ninjs`): its
descriptions, its bodies (the analysis with the Key Data, insights and FAQ after it), its
byline, and its pictures with their renditions."""

from django.utils.html import escape
from django.utils.translation import gettext as _

# The renditions of an image a news item lists: each ratio's widest JPEG.
RATIOS = ("original", "16x9", "4x3", "1x1")


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


def associations(served, image_uri_of):
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
        picture = {"name": name, "uri": image_uri_of(image.image.pk), "type": "picture"}
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


def live_entries(served, entry_uri, timestamp, language_tag, first):
    """A live story's newest `first` entries as associated `text` items, newest first:
    ninjs lets an item carry associated news objects with every ninjs property, so each
    entry keeps its own uri, times, body (for audiences that read it), correction and AI
    disclosure (`digitalsourcetype`: an entry's grade is its own)."""
    entries, _more = served.live_entries(first)
    found = []
    for served_entry in entries:
        entry = served_entry.entry
        item = {
            "name": _("Live entry %(number)s") % {"number": entry.pk},
            "uri": entry_uri(entry.pk),
            "type": "text",
            "representationtype": "full" if served_entry.text_served else "partial",
            # Its saves, as the story's: published, then each correction.
            "version": "2" if entry.corrected_at else "1",
            "firstcreated": timestamp(entry.published_at),
            "versioncreated": timestamp(entry.corrected_at or entry.published_at),
            "language": language_tag,
        }
        if served_entry.text_served:
            item["bodies"] = [
                {"role": "main", "contenttype": "text/html", "value": entry.text_html},
                {"role": "main", "contenttype": "text/plain", "value": entry.text_plain},
            ]
        if entry.correction_note:
            item["descriptions"] = [
                {"role": "correction", "contenttype": "text/plain", "value": entry.correction_note}
            ]
        if served_entry.author is not None:
            item.update(byline([served_entry.author]))
        found_disclosure = served_entry.disclosure
        item["digitalsourcetype"] = {
            "uri": found_disclosure.iptc,
            "literal": found_disclosure.iptc.rsplit("/", 1)[-1],
            "name": found_disclosure.label,
        }
        found.append(item)
    return found
