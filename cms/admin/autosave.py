"""Work in progress survives: autosaved drafts and who else has a story open.

The story form (cms/static/cms/story-form.js) posts what was typed every few seconds and
when its browser tab is hidden; the draft is kept per person, story and language
(cms.models.Autosave), offered back when the form opens again ("Restore the version from
10:42 / Discard") and removed when the form is saved. The same page tells its editor
when someone else has the story open, or saved it since (as Wagtail 6.2 does), from
heartbeats kept in the shared cache, so that every server process sees every editor.

Both endpoints answer only people who may change the story in that language (or add
stories, for a new one), take JSON of a bounded size and refuse anything else with a
clear 4xx in the admin's language.
"""

import json
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.utils import unquote
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cms.core import languages
from cms.models import Autosave, Story
from cms.stories import revisions

# The largest draft taken, in bytes of JSON: far beyond any story (the seed is ~30 KB).
MAX_BODY = 512 * 1024
MAX_FIELDS = 2000
MAX_NAME = 200
MAX_VALUES = 200
# Drafts nobody came back to for this long are removed when their owner saves another.
KEEP_DAYS = 30
# Heartbeats: the page beats every BEAT seconds; an editor is "here" for HERE seconds after.
BEAT = 15
HERE = 45


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
    except (ValueError, UnicodeDecodeError):
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
    return data


def read_version(payload):
    value = payload.get("base_version")
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    raise BadRequest(400, _("The draft's “base_version” must be a whole number."))


def clock(moment):
    """A moment as the form names a draft: "10:42" today, with the date before today."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return formats.time_format(local, "H:i")
    return formats.date_format(local, "Y-m-d H:i")


def presence_key(story_pk):
    return f"cms:story-presence:{story_pk}"


class AutosaveMixin:
    """Autosave and presence endpoints for the story admin, and their part of the form."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("add/autosave/", wrap(self.autosave_view), name=f"{info}_autosave_new"),
            path("<path:object_id>/autosave/", wrap(self.autosave_view), name=f"{info}_autosave"),
            path("<path:object_id>/presence/", wrap(self.presence_view), name=f"{info}_presence"),
            *super().get_urls(),
        ]

    # Who may: those who may change the story in the tab's language, or add one.

    def _target(self, request, object_id):
        """(story or None, language) the request is about, or BadRequest."""
        language = languages.normalize(request.GET.get("language"))
        if language is None:
            raise BadRequest(
                400,
                _("Say which language tab: ?language= one of %(codes)s.")
                % {"codes": ", ".join(languages.codes())},
            )
        if object_id is None:
            if not self.has_add_permission(request):
                raise BadRequest(403, _("You may not add stories."))
            return None, language
        story = self.get_object(request, unquote(object_id))
        if story is None:
            raise BadRequest(404, _("There is no such story."))
        if not self.has_change_permission(request, story):
            raise BadRequest(403, _("You may not change this story in this language."))
        return story, language

    def autosave_view(self, request, object_id=None):
        try:
            story, language = self._target(request, object_id)
            if request.method == "DELETE":
                self._drafts(request.user, story, language).delete()
                return JsonResponse({"discarded": True})
            if request.method != "POST":
                raise BadRequest(405, _("Post a draft, or delete one."))
            payload = read_json(request)
            data, version = read_fields(payload), read_version(payload)
        except BadRequest as refusal:
            response = refuse(refusal.status, refusal.message)
            if refusal.status == 405:
                response["Allow"] = "POST, DELETE"
            return response
        draft = self._keep(request.user, story, language, data, version)
        return JsonResponse(
            {
                "saved_at": draft.saved_at.isoformat(),
                "status": _("Draft kept at %(time)s; not saved to the story yet.")
                % {"time": clock(draft.saved_at)},
            }
        )

    def _drafts(self, user, story, language):
        return Autosave.objects.filter(user=user, story=story, language=language)

    def _keep(self, user, story, language, data, version):
        values = {"data": data, "base_version": version}
        for _attempt in range(2):
            try:
                with transaction.atomic():
                    draft, _created = Autosave.objects.update_or_create(
                        user=user, story=story, language=language, defaults=values
                    )
                break
            except IntegrityError:
                continue  # A beat from another tab created it in between: update it.
        old = timezone.now() - timedelta(days=KEEP_DAYS)
        Autosave.objects.filter(user=user, saved_at__lt=old).delete()
        return draft

    def presence_view(self, request, object_id):
        try:
            story, language = self._target(request, object_id)
            if request.method != "POST":
                raise BadRequest(405, _("Post a heartbeat."))
            payload = read_json(request)
            version = read_version(payload)
            leaving = payload.get("leaving", False)
            if not isinstance(leaving, bool):
                raise BadRequest(400, _("“leaving” must be true or false."))
        except BadRequest as refusal:
            response = refuse(refusal.status, refusal.message)
            if refusal.status == 405:
                response["Allow"] = "POST"
            return response
        others = self._beat(request.user, story, language, leaving)
        return JsonResponse({"others": others, "saved_since": self._saved_since(story, version)})

    def _beat(self, user, story, language, leaving):
        # Read, change, write: two beats at once may drop one of them until its next beat
        # (BEAT seconds), which a notice that is advisory can afford; no lock is held.
        key, now = presence_key(story.pk), time.time()
        here = {
            uid: entry
            for uid, entry in (cache.get(key) or {}).items()
            if entry.get("until", 0) > now
        }
        me = str(user.pk)
        if leaving:
            here.pop(me, None)
        else:
            name = user.get_full_name() or user.get_username()
            here[me] = {"name": name, "language": language, "until": now + HERE}
        cache.set(key, here, HERE)
        return [
            {
                "name": entry["name"],
                "language": str(languages_name(entry["language"])),
                "message": _("%(name)s also has this story open (%(language)s tab).")
                % {"name": entry["name"], "language": languages_name(entry["language"])},
            }
            for uid, entry in sorted(here.items())
            if uid != me
        ]

    def _saved_since(self, story, version):
        if version is None:
            return None
        current = Story._base_manager.filter(pk=story.pk).values_list("edit_version", flat=True)
        if not current or current[0] <= version:
            return None
        latest = revisions.versions_of(story.pk).first()
        if latest is None:
            who, when = _("Someone"), clock(timezone.now())
        else:
            who, when = revisions.author(latest.revision), clock(latest.revision.date_created)
        return {
            "message": _(
                "%(who)s saved this story at %(when)s, after you opened it. Saving may be "
                "refused where you both changed the same field; what you typed is kept."
            )
            % {"who": who, "when": when}
        }

    # The form's part: the draft to offer, where to post, and a clean slate once saved.

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        story = obj if obj is not None and obj.pk is not None else None
        may = (
            self.has_change_permission(request, story)
            if story
            else self.has_add_permission(request)
        )
        if may:
            language = self.get_form_language(request, story)
            context["story_form_config"] = self._form_config(request, story, language)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _form_config(self, request, story, language):
        info = f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}"
        query = f"?language={language}"
        if story is None:
            autosave, presence = reverse(f"{info}_autosave_new") + query, None
        else:
            autosave = reverse(f"{info}_autosave", args=[story.pk]) + query
            presence = reverse(f"{info}_presence", args=[story.pk]) + query
        # A refused save shows what was just typed: nothing older to offer then.
        draft = None
        if request.method == "GET":
            draft = self._drafts(request.user, story, language).first()
        offer = None
        if draft is not None:
            offer = {
                "data": draft.data,
                "base_version": draft.base_version,
                "restore": _("Restore the version from %(time)s") % {"time": clock(draft.saved_at)},
                "text": _("You have unsaved changes in this tab from %(time)s.")
                % {"time": clock(draft.saved_at)},
            }
        return {
            "autosave": autosave,
            "presence": presence,
            "beat": BEAT,
            "draft": offer,
            "messages": {
                "discard": _("Discard"),
                "leave": _(
                    "You have unsaved changes on this tab. Leave it anyway? (A draft is kept "
                    "for you to restore when you come back.)"
                ),
                "failed": _("The draft could not be kept: %(reason)s"),
                "offline": _("The draft could not be kept: the server did not answer."),
            },
        }

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Saved (or proposed, for a translator's change to a live story): nothing is left
        # unsaved, in this language's tab of this story or of the new one it was.
        language = self.get_form_language(request, form.instance)
        drafts = Autosave.objects.filter(user=request.user, language=language)
        drafts.filter(story=form.instance).delete()
        if not change:
            drafts.filter(story__isnull=True).delete()


def languages_name(code):
    return str(dict(settings.LANGUAGES).get(code, code))
