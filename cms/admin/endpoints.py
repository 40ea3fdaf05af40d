"""What the story form's background requests (autosave, presence) share: who may make
them, reading their JSON within bounds, and refusing anything else with a clear 4xx in
the admin's language."""

import json

from django.contrib.admin.utils import unquote
from django.http import JsonResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cms.core import languages
from cms.core import text as text_rule

# The largest draft taken, in bytes of JSON: far beyond any story (the seed is ~30 KB).
MAX_BODY = 512 * 1024
MAX_FIELDS = 2000
MAX_NAME = 200
MAX_VALUES = 200


class BadRequest(Exception):
    """A request refused with a status and a message for the person (or their script)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def refuse(status, message):
    return JsonResponse({"error": str(message)}, status=status)


def read_json(request):
    """The request's JSON object, within MAX_BODY, or BadRequest."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise BadRequest(413, _("The draft is too large to keep."))
    body = request.body
    if len(body) > MAX_BODY:
        raise BadRequest(413, _("The draft is too large to keep."))
    if request.content_type != "application/json":
        raise BadRequest(415, _("Send the draft as JSON."))
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nesting deeper than the parser goes, well within MAX_BODY.
        raise BadRequest(400, _("The draft is not readable JSON.")) from None
    if not isinstance(payload, dict):
        raise BadRequest(400, _("The draft must be a JSON object."))
    return payload


def read_fields(payload):
    """The typed values: field names to a text or a list of texts."""
    data = payload.get("data")
    if not isinstance(data, dict) or len(data) > MAX_FIELDS:
        raise BadRequest(400, _("The draft's “data” must be an object of field names to texts."))
    for name, value in data.items():
        texts = value if isinstance(value, list) else [value]
        if (
            len(name) > MAX_NAME
            or len(texts) > MAX_VALUES
            or not all(isinstance(text, str) for text in texts)
        ):
            raise BadRequest(
                400, _("The draft's “data” must be an object of field names to texts.")
            )
        # The text rule of every stored text (cms/core/text.py): no character XML cannot
        # carry, which PostgreSQL's jsonb refuses too (NUL, lone surrogates).
        if text_rule.unfit(name) or any(text_rule.unfit(text) for text in texts):
            raise BadRequest(400, _("The draft holds a character no text may hold."))
    return data


def read_version(payload):
    value = payload.get("base_version")
    if value in (None, ""):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        value = int(value)
    # A version is a PositiveIntegerField: at most 2**31 - 1 on every database.
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31:
        return value
    raise BadRequest(400, _("The draft's “base_version” must be a whole number."))


def clock(moment):
    """A moment as the form names a draft: "10:42" today, with the date before today."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return formats.time_format(local, "H:i")
    return formats.date_format(local, "Y-m-d H:i")


def target(model_admin, request, object_id):
    """(story or None, language) the request is about, or BadRequest.

    Only those who may change the story in the tab's language (or add stories, for a new
    one) are answered.
    """
    language = languages.normalize(request.GET.get("language"))
    if language is None:
        raise BadRequest(
            400,
            _("Say which language tab: ?language= one of %(codes)s.")
            % {"codes": ", ".join(languages.codes())},
        )
    if object_id is None:
        if not model_admin.has_add_permission(request):
            raise BadRequest(403, _("You may not add stories."))
        return None, language
    story = model_admin.get_object(request, unquote(object_id))
    if story is None:
        raise BadRequest(404, _("There is no such story."))
    if not model_admin.has_change_permission(request, story):
        raise BadRequest(403, _("You may not change this story in this language."))
    return story, language
