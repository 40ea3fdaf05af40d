"""Editors write Markdown; readers get sanitized HTML and plain text.

Whole lines may be replaced by trusted HTML blocks (the images an editor places,
`cms.media.figures`): they are swapped for placeholders nobody can type (a fresh random word
per rendering), the rest is rendered and sanitized, then the placeholders' paragraphs
become the blocks. The plain text leaves such blocks out.
"""

import html as html_escaping
import re
import secrets
from html.parser import HTMLParser

import markdown
import nh3

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "i", "li",
        "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
        "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"align"}, "th": {"align"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
MARKDOWN_EXTENSIONS = ["extra", "sane_lists"]
BLOCK_TAGS = frozenset(
    {"blockquote", "h2", "h3", "h4", "hr", "li", "ol", "p", "pre", "table", "tr", "ul"}
)


def sanitize(html):
    """Keep only the allow-listed tags, attributes and URL schemes of `html`."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
    )


def render(source, blocks=None):
    """Render Markdown `source` to sanitized HTML.

    `blocks` maps line numbers (0-based) of `source` to trusted HTML that replaces the
    whole line ("" removes it); such a line becomes a block of its own. A line that
    Markdown shows as something else (inside code) keeps its text.
    """
    source = source or ""
    if not blocks:
        return sanitize(markdown.markdown(source, extensions=MARKDOWN_EXTENSIONS))
    nonce = secrets.token_hex(8)
    lines = source.split("\n")
    replacements = {}
    for number, block in blocks.items():
        if 0 <= number < len(lines):
            # Letters and digits only, so that Markdown leaves the word as it is.
            word = f"cmsblock{nonce}n{number}"
            replacements[word] = (block, lines[number])
            indent = lines[number][: len(lines[number]) - len(lines[number].lstrip())]
            lines[number] = f"\n{indent}{word}\n"
    html = sanitize(markdown.markdown("\n".join(lines), extensions=MARKDOWN_EXTENSIONS))

    def place(match):
        block, _line = replacements[match.group(1)]
        return block

    html = re.sub(rf"<p>(cmsblock{nonce}n\d+)</p>", place, html)
    # Anywhere else (a code block), the line is shown as the editor wrote it.
    return re.sub(
        rf"cmsblock{nonce}n\d+",
        lambda match: html_escaping.escape(replacements[match.group(0)][1].strip(), quote=False),
        html,
    )


class _TextExtractor(HTMLParser):
    """Collect the text of an HTML fragment, one paragraph per block, without figures."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self.current = []
        self.in_figure = 0

    def handle_starttag(self, tag, attrs):
        if tag == "figure":
            self._flush()
            self.in_figure += 1
        elif tag in BLOCK_TAGS:
            self._flush()
        elif tag == "br":
            self.current.append("\n")

    def handle_endtag(self, tag):
        if tag == "figure":
            self.in_figure = max(0, self.in_figure - 1)
        elif tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data):
        if not self.in_figure:
            self.current.append(data)

    def _flush(self):
        text = " ".join("".join(self.current).split(" "))
        text = "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()
        if text:
            self.blocks.append(text)
        self.current = []

    def text(self):
        self._flush()
        return "\n\n".join(self.blocks)


def to_text(html):
    """The plain text of an HTML fragment, paragraphs separated by blank lines."""
    parser = _TextExtractor()
    parser.feed(html or "")
    parser.close()
    return parser.text()
