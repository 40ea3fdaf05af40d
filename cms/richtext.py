"""Editors write Markdown; readers get sanitized HTML and plain text."""

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


def render(source):
    """Render Markdown `source` to sanitized HTML."""
    html = markdown.markdown(source or "", extensions=["extra", "sane_lists"])
    return sanitize(html)


class _TextExtractor(HTMLParser):
    """Collect the text of an HTML fragment, one paragraph per block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self._flush()
        elif tag == "br":
            self.current.append("\n")

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data):
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
