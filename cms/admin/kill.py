"""Killing a story in the admin: its own page, for those who hold `cms.kill_story`.

A kill is a legal or factual takedown: readers lose the story at once, its address
answers as gone, and partners are told why (the `story.killed` webhook and the sync's
tombstone carry the notice written here, in each language the story has). A refused kill
shows the page again with everything typed.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from cms.core import languages
from cms.stories import publishing, revisions, workflow

from .preview import StoryTool

NOTICE_MAX_LENGTH = 2000


class KillMixin:
    """Adds `<pk>/kill/` to the story admin, and a link to it for those who may kill."""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_kill"
        view = self.admin_site.admin_view(self.kill_view)
        return [path("<path:object_id>/kill/", view, name=name), *super().get_urls()]

    def kill_url(self, story):
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_kill"
        return reverse(name, args=[story.pk], current_app=self.admin_site.name)

    def story_tools(self, request, obj):
        parent = getattr(super(), "story_tools", None)
        tools = list(parent(request, obj)) if parent else []
        if obj is not None and obj.pk is not None and workflow.may_kill(request.user, obj):
            tools.append(StoryTool(self.kill_url(obj), _("Kill…")))
        return tools

    def kill_view(self, request, object_id):
        story = self.get_object(request, unquote(object_id))
        if story is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, story) or not workflow.may_kill(
            request.user, story
        ):
            raise PermissionDenied
        codes = [
            code
            for code in languages.codes()
            if code in set(story.translations.values_list("language_code", flat=True))
        ]
        notice = {code: "" for code in codes}
        refusal = ""
        if request.method == "POST":
            notice = {
                code: request.POST.get(f"notice_{code}", "")[:NOTICE_MAX_LENGTH] for code in codes
            }
            try:
                with revisions.recorded(
                    request.user, revisions.comment(revisions.WORKFLOW, step="kill")
                ):
                    publishing.kill(story, request.user, notice)
            except workflow.TransitionError as error:
                refusal = str(error)
            else:
                self.message_user(
                    request,
                    _("The story was killed: readers and partners no longer see it."),
                    messages.SUCCESS,
                )
                change = reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                    args=[story.pk],
                    current_app=self.admin_site.name,
                )
                return HttpResponseRedirect(change)
        names = dict(settings.LANGUAGES)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": _("Kill: %(story)s") % {"story": story},
            "state": story.state,
            "notices": [(code, names.get(code, code), notice[code]) for code in codes],
            "refusal": refusal,
            "max_length": NOTICE_MAX_LENGTH,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/cms/story/kill.html", context)
