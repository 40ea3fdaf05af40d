"""Work in progress survives: autosaved drafts (presence.py: who else is editing).

The story form (cms/static/cms/story-form.js) posts what was typed every few seconds and
when its browser tab is hidden; the draft is kept per person, story and language
(cms.models.Autosave), offered back when the form opens again ("Restore the version from
10:42 / Discard") and cleared when the form is saved. A new story's draft is kept per Add page
(a key made for each page load, carried by its form): two "Add story" tabs keep two drafts,
and a fresh Add page offers each ("Restore the draft from 10:42 …"). A post as the tab closes
sends only what changed (draft_changes.py). Saving leaves a mark that refuses drafts typed
before the save. The endpoint answers only people who may change the story in that language,
or add stories for a new one (endpoints.py).
"""

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from cms.models import Autosave, Story

from . import draft_changes, endpoints, presence

# Drafts nobody came back to for this long are removed when their owner saves another.
KEEP_DAYS = 30
# A saved form's mark refuses late drafts for this long, then goes.
MARK_HOURS = 24
# The form's own field naming its Add page's draft.
KEY_FIELD = "cms_draft_key"


class AutosaveMixin:
    """The autosave endpoint of the story admin, and its part of the form (with presence's)."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("add/autosave/", wrap(self.autosave_view), name=f"{info}_autosave_new"),
            path("<path:object_id>/autosave/", wrap(self.autosave_view), name=f"{info}_autosave"),
            *super().get_urls(),
        ]

    def autosave_view(self, request, object_id=None):
        try:
            story, language = endpoints.target(self, request, object_id)
            key = draft_changes.read_key(request) if story is None else ""
            drafts = self._drafts(request.user, story, language).filter(form_key=key)
            if request.method == "DELETE":
                drafts.filter(saved_version__isnull=True).delete()
                return JsonResponse({"discarded": True})
            if request.method != "POST":
                raise endpoints.BadRequest(405, _("Post a draft, or delete one."))
            payload = endpoints.read_json(request)
            version = endpoints.read_version(payload)
            revision = draft_changes.read_revision(payload, "revision")
            with transaction.atomic():
                stored = drafts.select_for_update().first()
                self._refuse_late(story, stored, version)
                if "changes" in payload:
                    data = draft_changes.apply_changes(stored, payload)
                else:
                    data = endpoints.read_fields(payload)
                draft = self._keep(request.user, story, language, key, data, version, revision)
        except endpoints.BadRequest as refusal:
            response = endpoints.refuse(refusal.status, refusal.message)
            if refusal.status == 405:
                response["Allow"] = "POST, DELETE"
            return response
        return JsonResponse(
            {
                "saved_at": draft.saved_at.isoformat(),
                "status": _("Draft kept at %(time)s; not saved to the story yet.")
                % {"time": endpoints.clock(draft.saved_at)},
            }
        )

    @staticmethod
    def _refuse_late(story, stored, version):
        """A draft typed before its form was saved, arriving after the save, is refused: it
        would bring back what the save replaced."""
        if stored is None or stored.saved_version is None:
            return
        if story is None or version is None or version < stored.saved_version:
            raise endpoints.BadRequest(
                409,
                _(
                    "This draft was typed before the story was saved at %(time)s, so it is not "
                    "kept: it would bring back text the save replaced."
                )
                % {"time": endpoints.clock(stored.saved_at)},
            )

    def _drafts(self, user, story, language):
        return Autosave.objects.filter(user=user, story=story, language=language)

    def _keep(self, user, story, language, key, data, version, revision):
        values = {
            "data": data,
            "base_version": version,
            "revision": revision,
            "saved_version": None,
        }
        try:
            with transaction.atomic():
                draft, _created = Autosave.objects.update_or_create(
                    user=user, story=story, language=language, form_key=key, defaults=values
                )
        except IntegrityError:
            # A post from another browser tab created it in between: update that one.
            draft, _created = Autosave.objects.update_or_create(
                user=user, story=story, language=language, form_key=key, defaults=values
            )
        now = timezone.now()
        mine = Autosave.objects.filter(user=user)
        mine.filter(saved_at__lt=now - timedelta(days=KEEP_DAYS)).delete()
        marks = mine.filter(saved_version__isnull=False)
        marks.filter(saved_at__lt=now - timedelta(hours=MARK_HOURS)).delete()
        return draft

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
            autosave_url, presence_url = reverse(f"{info}_autosave_new") + query, None
        else:
            autosave_url = reverse(f"{info}_autosave", args=[story.pk]) + query
            presence_url = reverse(f"{info}_presence", args=[story.pk]) + query
        # A refused save shows what was just typed: nothing older to offer then.
        offers = []
        if request.method == "GET":
            kept = self._drafts(request.user, story, language).filter(saved_version__isnull=True)
            offers = [self._offer(draft, story) for draft in kept.order_by("-saved_at")[:10]]
        return {
            "autosave": autosave_url,
            "presence": presence_url,
            "beat": presence.BEAT,
            "key": self._page_key(request) if story is None else "",
            "key_field": KEY_FIELD,
            "drafts": offers,
            "offer": (
                _("You have unsaved changes in this tab from %(time)s.")
                % {"time": offers[0]["time"]}
                if story is not None and offers
                else _("Stories you began here and did not save yet:")
            ),
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

    @staticmethod
    def _page_key(request):
        """The Add page's draft key: the one its form carried (a refused save shown again),
        or a new one for each page load."""
        posted = request.POST.get(KEY_FIELD, "") if request.method == "POST" else ""
        if posted and draft_changes.KEY.fullmatch(posted):
            return posted
        return secrets.token_urlsafe(16)

    @staticmethod
    def _offer(draft, story):
        time = endpoints.clock(draft.saved_at)
        if story is not None:
            label = _("Restore the version from %(time)s") % {"time": time}
        else:
            title = str(draft.data.get("title") or "").strip()
            label = _("Restore the draft from %(time)s: “%(title)s”") % {
                "time": time,
                "title": Truncator(title).chars(40) if title else _("no title yet"),
            }
        return {
            "key": draft.form_key,
            "data": draft.data,
            "base_version": draft.base_version,
            "restore": label,
            "time": time,
        }

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Saved (or proposed, for a translator's change to a live story): the draft of this
        # language's tab of this story, or of the Add page it was, becomes the mark of this
        # save, so a draft that was on its way cannot bring older text back.
        story = form.instance
        language = self.get_form_language(request, story)
        saved = Story._base_manager.filter(pk=story.pk).values_list("edit_version", flat=True)
        mark = {"data": {}, "revision": "", "saved_version": saved.first() or 0}
        drafts = [(story, "")]
        if not change:
            key = request.POST.get(KEY_FIELD, "")
            if draft_changes.KEY.fullmatch(key):
                drafts.append((None, key))
        for target, key in drafts:
            Autosave.objects.update_or_create(
                user=request.user, story=target, language=language, form_key=key, defaults=mark
            )
