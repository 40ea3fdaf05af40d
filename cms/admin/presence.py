"""Who else has a story open, and whether it was saved since a form opened (as Wagtail 6.2).

The story form (cms/static/cms/story-form.js) beats every BEAT seconds; each beat says who
else beat on the story in the last HERE seconds and, when the story was saved after the
form was opened, by whom and when. Beats are kept in the shared cache (Redis in
production), so that every server process sees every editor; nothing is per process.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Story
from cms.stories import revisions

from . import endpoints

# The page beats every BEAT seconds; an editor counts as here for HERE seconds after a beat.
BEAT = 15
HERE = 45


def presence_key(story_pk):
    return f"cms:story-presence:{story_pk}"


def language_name(code):
    return str(dict(settings.LANGUAGES).get(code, code))


class PresenceMixin:
    """The presence endpoint of the story admin: `<pk>/presence/?language=xx`, POST only."""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_presence"
        view = self.admin_site.admin_view(self.presence_view)
        return [path("<path:object_id>/presence/", view, name=name), *super().get_urls()]

    def presence_view(self, request, object_id):
        try:
            story, language = endpoints.target(self, request, object_id)
            if request.method != "POST":
                raise endpoints.BadRequest(405, _("Post a heartbeat."))
            payload = endpoints.read_json(request)
            version = endpoints.read_version(payload)
            leaving = payload.get("leaving", False)
            if not isinstance(leaving, bool):
                raise endpoints.BadRequest(400, _("“leaving” must be true or false."))
        except endpoints.BadRequest as refusal:
            response = endpoints.refuse(refusal.status, refusal.message)
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
                "language": str(language_name(entry["language"])),
                "message": _("%(name)s also has this story open (%(language)s tab).")
                % {"name": entry["name"], "language": language_name(entry["language"])},
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
            who, when = _("Someone"), endpoints.clock(timezone.now())
        else:
            who, when = (
                revisions.author(latest.revision),
                endpoints.clock(latest.revision.date_created),
            )
        return {
            "message": _(
                "%(who)s saved this story at %(when)s, after you opened it. Saving may be "
                "refused where you both changed the same field; what you typed is kept."
            )
            % {"who": who, "when": when}
        }
