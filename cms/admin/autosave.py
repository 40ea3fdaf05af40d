"""Work in progress survives: autosaved drafts (presence.py: who else is editing).

The story form (cms/static/cms/story-form.js) posts what was typed every few seconds and
when its browser tab is hidden; the draft is kept per person, story and language
(cms.models.Autosave), offered back when the form opens again ("Restore the version from
10:42 / Discard") and removed when the form is saved. The endpoint answers only people who
may change the story in that language, or add stories for a new one (endpoints.py).
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Autosave

from . import endpoints, presence

# Drafts nobody came back to for this long are removed when their owner saves another.
KEEP_DAYS = 30


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
            if request.method == "DELETE":
                self._drafts(request.user, story, language).delete()
                return JsonResponse({"discarded": True})
            if request.method != "POST":
                raise endpoints.BadRequest(405, _("Post a draft, or delete one."))
            payload = endpoints.read_json(request)
            data, version = endpoints.read_fields(payload), endpoints.read_version(payload)
        except endpoints.BadRequest as refusal:
            response = endpoints.refuse(refusal.status, refusal.message)
            if refusal.status == 405:
                response["Allow"] = "POST, DELETE"
            return response
        draft = self._keep(request.user, story, language, data, version)
        return JsonResponse(
            {
                "saved_at": draft.saved_at.isoformat(),
                "status": _("Draft kept at %(time)s; not saved to the story yet.")
                % {"time": endpoints.clock(draft.saved_at)},
            }
        )

    def _drafts(self, user, story, language):
        return Autosave.objects.filter(user=user, story=story, language=language)

    def _keep(self, user, story, language, data, version):
        values = {"data": data, "base_version": version}
        try:
            with transaction.atomic():
                draft, _created = Autosave.objects.update_or_create(
                    user=user, story=story, language=language, defaults=values
                )
        except IntegrityError:
            # A post from another browser tab created it in between: update that one.
            draft, _created = Autosave.objects.update_or_create(
                user=user, story=story, language=language, defaults=values
            )
        old = timezone.now() - timedelta(days=KEEP_DAYS)
        Autosave.objects.filter(user=user, saved_at__lt=old).delete()
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
        draft = None
        if request.method == "GET":
            draft = self._drafts(request.user, story, language).first()
        offer = None
        if draft is not None:
            offer = {
                "data": draft.data,
                "base_version": draft.base_version,
                "restore": _("Restore the version from %(time)s")
                % {"time": endpoints.clock(draft.saved_at)},
                "text": _("You have unsaved changes in this tab from %(time)s.")
                % {"time": endpoints.clock(draft.saved_at)},
            }
        return {
            "autosave": autosave_url,
            "presence": presence_url,
            "beat": presence.BEAT,
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
