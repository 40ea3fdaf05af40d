"""A draft sent as what changed since the last one (autosave.py), and the marks it carries.

Browsers cap what a closing tab may still send (`fetch(..., {keepalive: true})` and
`navigator.sendBeacon`) at 64 KiB, so the story form's last post before the tab closes holds
only what changed since the draft the server already keeps: whole values for short fields,
and for a long text the one span that changed (`{"at": 120, "cut": 3, "put": "new"}`, counted
in UTF-16 code units as browsers count). It names the post it builds on (`after`); it applies
only on top of that one, so it can never splice into other text.
"""

import re

from django.utils.translation import gettext as _

from .endpoints import BadRequest, read_fields

KEY = re.compile(r"[A-Za-z0-9_-]{0,43}")
REVISION = re.compile(r"[A-Za-z0-9_-]{1,64}")


def read_key(request):
    """The Add page's draft key from `?key=` ("" for a story's own draft)."""
    key = request.GET.get("key", "")
    if not KEY.fullmatch(key):
        raise BadRequest(400, _("The draft's key is unreadable; reload the page."))
    return key


def read_revision(payload, name):
    value = payload.get(name)
    if value in (None, "") and name == "revision":
        return ""
    if isinstance(value, str) and REVISION.fullmatch(value):
        return value
    raise BadRequest(400, _("The draft's mark is unreadable; reload the page."))


def _splice(current, change):
    """`current` with the span `change` names replaced, or BadRequest."""
    at, cut, put = change.get("at"), change.get("cut"), change.get("put")
    whole = all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (at, cut))
    if not (whole and isinstance(put, str) and isinstance(current, str)):
        raise BadRequest(400, _("The draft's changes do not fit the draft they build on."))
    units = current.encode("utf-16-le", "surrogatepass")
    if 2 * (at + cut) > len(units):
        raise BadRequest(400, _("The draft's changes do not fit the draft they build on."))
    spliced = units[: 2 * at] + put.encode("utf-16-le", "surrogatepass") + units[2 * (at + cut) :]
    try:
        return spliced.decode("utf-16-le")
    except UnicodeDecodeError:
        # A span that cuts a character in two.
        message = _("The draft's changes do not fit the draft they build on.")
        raise BadRequest(400, message) from None


def apply_changes(stored, payload):
    """The typed values of a post that sends `changes` (and `removed` names) on top of the
    kept draft `stored` (or None), or BadRequest: 409 when it builds on another draft."""
    after = read_revision(payload, "after")
    if stored is None or stored.saved_version is not None or stored.revision != after:
        raise BadRequest(409, _("The draft changed in the meantime; these changes were not kept."))
    changes, removed = payload.get("changes"), payload.get("removed", [])
    if not isinstance(changes, dict) or not isinstance(removed, list):
        raise BadRequest(400, _("The draft's changes do not fit the draft they build on."))
    data = dict(stored.data)
    for name in removed:
        if not isinstance(name, str):
            raise BadRequest(400, _("The draft's changes do not fit the draft they build on."))
        data.pop(name, None)
    for name, change in changes.items():
        data[name] = _splice(data.get(name), change) if isinstance(change, dict) else change
    # The merged draft holds to every rule a whole one does.
    return read_fields({"data": data})
