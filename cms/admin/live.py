"""The live-coverage composer on a story's change page (cms/static/cms/live-composer.js).

Publishing an entry does not save the story form: the composer posts JSON to
`<pk>/live/` (CSRF-checked as every admin view) and shows what comes back, the coverage
and its entries, or the refusal; a refused entry stays typed in the composer. The steps
themselves, and who may take them, are `cms.stories.live`.
"""

from django.conf import settings
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from cms.disclosure import rules as disclosure
from cms.models import Author, Image, LiveEntry, LiveStatus
from cms.stories import live

from . import endpoints

# Entries listed in the composer, newest first: the last hour or two of a busy live story.
LISTED = 50


def _clock(moment):
    return endpoints.clock(moment) if moment else None


def _int(value):
    """A number sent as a number or as the digits of a form's select."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    return value


def entry_json(entry):
    return {
        "id": entry.pk,
        "language": entry.language_code,
        "language_name": str(dict(settings.LANGUAGES).get(entry.language_code)),
        "text": entry.text,
        "html": entry.text_html,
        "key_event": entry.key_event,
        "pinned": entry.pinned,
        "published": _clock(entry.published_at),
        "corrected": _clock(entry.corrected_at),
        "correction_note": entry.correction_note,
        "disclosure": disclosure.label(entry.ai_involvement, entry.language_code)
        if entry.ai_involvement != "human"
        else "",
    }


def coverage_json(story):
    entries = LiveEntry.objects.shown().filter(story=story).newest_first()[:LISTED]
    return {
        "status": story.live_status,
        "status_label": str(LiveStatus(story.live_status).label)
        if story.live_status
        else _("No live coverage"),
        "started": _clock(story.coverage_started_at),
        "ended": _clock(story.coverage_ended_at),
        "readers_see": story.is_live(),
        "entries": [entry_json(entry) for entry in entries],
    }


class LiveCoverageMixin:
    """The composer's endpoint, `<pk>/live/` (POST), and its context on the change form."""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_live"
        view = self.admin_site.admin_view(self.live_view)
        return [path("<path:object_id>/live/", view, name=name), *super().get_urls()]

    def live_context(self, request, obj):
        """What the composer shows: only to those who may publish entries, on a saved story
        that was not killed (a kill is final: nothing is published on it again)."""
        if obj is None or obj.pk is None or not live.may_publish(request.user):
            return {}
        if obj.status == obj.Status.KILLED:
            return {}
        language = self.get_form_language(request, obj)
        images = Image.objects.filter(pk__in=live.story_images(obj))
        signing = live.story_authors(obj)
        people = Author.objects.in_bulk(signing)
        authors = [people[pk] for pk in signing if pk in people]
        return {
            "live_composer": {
                "url": reverse(f"{self.admin_site.name}:cms_story_live", args=[obj.pk]),
                "language": language,
                "languages": [(code, str(name)) for code, name in settings.LANGUAGES],
                "images": [(image.pk, str(image)) for image in images],
                "authors": [(author.pk, author.name) for author in authors],
                "grades": [(grade.value, str(grade.label)) for grade in live.ENTRY_GRADES],
                "coverage": coverage_json(obj),
                "messages": {
                    "correct": _("Correct"),
                    "withdraw": _("Withdraw"),
                    "confirm_withdraw": _("Withdraw this entry? Readers will no longer see it."),
                    "save_correction": _("Publish the correction"),
                    "cancel": _("Cancel"),
                    "note": _("What the correction changed (shown to readers)"),
                    "key_event": _("Key event"),
                    "pinned": _("Pinned"),
                    "corrected": _("Corrected %(when)s: %(note)s"),
                    "published": _("Entry published."),
                    "failed": _(
                        "The server could not be reached: nothing was published. "
                        "What you typed is kept; try again."
                    ),
                    "none": _("No entries yet."),
                    "unseen": _(
                        "Readers cannot see this story now: its entries reach nobody until "
                        "it is published."
                    ),
                },
            }
        }

    def live_view(self, request, object_id):
        try:
            if request.method != "POST":
                raise endpoints.BadRequest(405, _("Post a live-coverage step."))
            story = self.get_object(request, object_id)
            if story is None:
                raise endpoints.BadRequest(404, _("There is no such story."))
            payload = endpoints.read_json(request)
            story = self._take(request.user, story, payload)
        except endpoints.BadRequest as refusal:
            response = endpoints.refuse(refusal.status, refusal.message)
            if refusal.status == 405:
                response["Allow"] = "POST"
            return response
        except live.Refused as refusal:
            return endpoints.refuse(refusal.status, refusal.message)
        story.refresh_from_db()
        return JsonResponse({"coverage": coverage_json(story)})

    def _take(self, user, story, payload):
        action = payload.get("action")
        if action == "start":
            live.start(story.pk, user)
        elif action == "end":
            live.end(story.pk, user)
        elif action == "publish":
            live.publish(
                story.pk,
                user,
                language=payload.get("language"),
                text=payload.get("text"),
                image=_int(payload.get("image")),
                author=_int(payload.get("author")),
                key_event=payload.get("key_event", False),
                pinned=payload.get("pinned", False),
                ai_involvement=payload.get("ai_involvement", "human"),
            )
        elif action == "correct":
            live.correct(
                story.pk,
                user,
                _int(payload.get("entry")),
                text=payload.get("text"),
                note=payload.get("note"),
            )
        elif action == "withdraw":
            live.withdraw(story.pk, user, _int(payload.get("entry")))
        else:
            raise endpoints.BadRequest(
                400, _("“action” must be one of start, end, publish, correct, withdraw.")
            )
        return story
