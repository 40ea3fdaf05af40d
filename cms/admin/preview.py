"""The story preview in the admin: the story as readers will see it, with a preview token."""

import json
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.core import languages
from cms.serving import audience
from cms.serving import stories as serving
from cms.stories import preview as previews

from .approvals import pending_preview
from .media import media_preview

# What the example in the page asks for; a frontend asks for what its page shows.
EXAMPLE_QUERY = (
    "query Preview($slug: String!, $language: String) { "
    "story(slug: $slug, language: $language) { title summary language } }"
)


@dataclass(frozen=True)
class StoryTool:
    """A link in the story change form's object tools."""

    url: str
    label: str
    new_window: bool = False


class PreviewMixin:
    """Adds `<pk>/preview/` to a story ModelAdmin, and a link to it on the change form."""

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_preview"
        view = self.admin_site.admin_view(self.preview_view)
        # Before the ModelAdmin's own URLs: its `<path:object_id>/` would catch ours.
        return [path("<path:object_id>/preview/", view, name=name), *super().get_urls()]

    def preview_url(self, story, language=None):
        """The address of `story`'s preview, in `language` if given."""
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_preview"
        url = reverse(name, args=[story.pk], current_app=self.admin_site.name)
        return f"{url}?{urlencode({'language': language})}" if language else url

    def preview_tools(self, request, obj):
        """The link to `obj`'s preview, in the change form's language, if the user may see it."""
        if obj is None or obj.pk is None or not self.has_view_permission(request, obj):
            return []
        language = languages.normalize(request.GET.get("language")) or obj.original_language
        return [StoryTool(self.preview_url(obj, language), _("Preview"), new_window=True)]

    def story_tools(self, request, obj):
        """The change form's object-tool links: any a base class offers, then the preview."""
        parent = getattr(super(), "story_tools", None)
        tools = list(parent(request, obj)) if parent else []
        return tools + self.preview_tools(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Added to links a subclass may have put in the context already, each link once.
        tools = list(context.get("story_tools") or [])
        known = {tool.url for tool in tools}
        tools += [tool for tool in self.story_tools(request, obj) if tool.url not in known]
        context["story_tools"] = tools
        return super().render_change_form(request, context, add, change, form_url, obj)

    def preview_view(self, request, object_id):
        """The story rendered like the reader page, in one language, with a fresh token."""
        story = self.get_object(request, unquote(object_id))
        if story is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, story):
            raise PermissionDenied
        requested = (
            languages.normalize(request.GET.get("language"))
            or languages.normalize(story.original_language)
            or settings.LANGUAGE_CODE
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": _("Preview: %(story)s") % {"story": story},
            "story": story,
            "state": story.state,
            "live": story.is_live(),
            "requested": requested,
            "language_links": self._language_links(story, requested),
            "change_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=[story.pk],
                current_app=self.admin_site.name,
            ),
            **self._reader_view(story, requested),
            **self._token(request, story, requested),
        }
        context.update(pending_preview(request, story, requested))
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "cms/preview.html", context)

    def _language_links(self, story, requested):
        available = set(story.translations.values_list("language_code", flat=True))
        return [
            {
                "code": code,
                "name": name,
                "url": self.preview_url(story, code),
                "current": code == requested,
                "exists": code in available,
            }
            for code, name in settings.LANGUAGES
        ]

    def _reader_view(self, story, requested):
        """What the reader page shows in `requested`, with the API's language fallbacks."""
        (served,) = serving.serve([story], audience.editors(requested))
        if served.translation is None:
            return {"shown": None}
        source = served.source
        return {
            "shown": served.translation,
            "served": served.language,
            "canonical_url": served.url,
            "hot": served.hot,
            "disclaimer": served.disclaimer,
            "disclosure": served.disclosure,
            "tags": [tag.name for tag in served.tags],
            "source": {"name": source.name, "url": source.url} if source else None,
            "share_links": [
                {"network": network, "label": label, "url": url}
                for network, label, url in served.share_links()
            ],
            "publisher": settings.CMS_PUBLISHER_NAME,
            "now": timezone.now(),
            **media_preview(served),
        }

    def _token(self, request, story, language):
        """A fresh preview token, when one can work, and how a frontend sends it."""
        if not previews.may_issue(request.user):
            return {"token": None}
        token = previews.issue(story, request.user)
        endpoint = request.build_absolute_uri(reverse("graphql"))
        body = json.dumps(
            {"query": EXAMPLE_QUERY, "variables": {"slug": story.slug, "language": language}},
            ensure_ascii=False,
        )
        example = (
            f"curl {endpoint} \\\n"
            "  -H 'Content-Type: application/json' \\\n"
            f"  -H '{previews.HEADER}: {token}' \\\n"
            f"  --data '{body}'"
        )
        return {
            "token": token,
            "token_header": previews.HEADER,
            "token_expires_at": previews.read(token).expires_at,
            "token_example": example,
        }
