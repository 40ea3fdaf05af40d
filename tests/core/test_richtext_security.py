"""Editors' rich text can never run in a reader's browser."""

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cms.core import richtext

PAYLOADS = [
    line
    for line in (Path(__file__).resolve().parents[1] / "data" / "xss_payloads.txt")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]
SAFE_SCHEMES = ("", "http", "https", "mailto")


class Inspector(HTMLParser):
    """Collects every tag and attribute of an HTML fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def assert_safe(html):
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    for tag, attrs in inspector.tags:
        assert tag in richtext.ALLOWED_TAGS, (tag, html)
        allowed = richtext.ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        assert set(attrs) <= allowed, (tag, attrs, html)
        for name, value in attrs.items():
            assert not name.startswith("on")
            if name == "href":
                # Relative addresses are harmless; absolute ones must use a safe scheme.
                assert urlsplit(value.strip()).scheme.lower() in SAFE_SCHEMES, value
        if tag == "a":
            assert attrs.get("rel") == "noopener noreferrer nofollow"
    lowered = html.lower()
    # Escaped text may mention "javascript:"; only real tags and attributes can run.
    for needle in ("<script", "<iframe", "<object", "<embed", "<style", "<svg", "<math"):
        assert needle not in lowered, (needle, html)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_known_xss_payloads_are_neutralised(payload):
    html = richtext.render(payload)
    assert_safe(html)
    assert richtext.sanitize(html) == html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_inside_markdown_are_neutralised(payload):
    html = richtext.render(f"Intro **bold** paragraph.\n\n{payload}\n\n- item {payload}\n")
    assert_safe(html)


def test_ordinary_markdown_survives():
    html = richtext.render("A **bold** [link](https://example.com) and *emphasis*.\n\n- one\n- two")
    assert html == (
        '<p>A <strong>bold</strong> <a href="https://example.com" '
        'rel="noopener noreferrer nofollow">link</a> and <em>emphasis</em>.</p>\n'
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    )


fragments = st.sampled_from(
    ["<", ">", "script", "javascript:", "on", "=", '"', "'", "a href", "img", "src", "(", ")",
     "[", "]", "!", "*", "\n\n", "&#", "x", "iframe", "/", "style", "data:", " ", "`"]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.one_of(fragments, st.text(max_size=5)), max_size=40).map("".join))
def test_any_text_renders_to_safe_idempotent_html(text):
    html = richtext.render(text)
    assert_safe(html)
    assert richtext.sanitize(html) == html


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_sanitizing_twice_changes_nothing(text):
    once = richtext.sanitize(text)
    assert richtext.sanitize(once) == once
