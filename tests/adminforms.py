"""Fill in admin forms the way a browser would: start from what the page shows."""

import re
from html.parser import HTMLParser


class _FormReader(HTMLParser):
    """Collects the values a browser would submit from the page's main form."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data = {}
        self._textarea = None
        self._select = None
        # Inside a <template>: copies for scripts to use, never submitted.
        self._templates = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if tag == "template":
            self._templates += 1
        if not self.inside or self._templates:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "image", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
                return
            self.data[name] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif (
            tag == "option"
            and self._select
            and ("selected" in attrs or self._select not in self.data)
        ):
            # Browsers send the selected option, else the first.
            self.data[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "template":
            self._templates -= 1
        elif tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            # Browsers drop the one newline Django writes after <textarea>.
            if not self.data[self._textarea]:
                data = data.removeprefix("\n")
            self.data[self._textarea] += data


def read_form(html, form_id="story_form"):
    """The values the page's form would submit, by field name."""
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.data


def open_form(client, url, form_id="story_form"):
    """GET an admin form page and return what submitting it unchanged would send."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return read_form(response.content.decode(), form_id)


def errors(response):
    """The error messages an admin form page shows."""
    return [
        re.sub(r"<[^>]+>", "", match).strip()
        for match in re.findall(
            r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
        )
    ]
