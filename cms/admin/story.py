from django.conf import settings
from django.contrib import admin
from django.db import models
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _
from parler.admin import TranslatableAdmin

from cms.core import languages
from cms.models import (
    TRANSLATED_FIELDS,
    State,
    Story,
    StoryTag,
    StoryTranslation,
    assigned_languages,
)
from cms.search import engine as search
from cms.stories import translation_state, workflow

from .approvals import TranslationApprovalMixin
from .autosave import AutosaveMixin
from .derived import DerivedLanguageMixin, OverridesToCheckFilter
from .disclosure import DisclosureAdminMixin
from .exports import export_selected
from .figures import StoryImageInline
from .filters import (
    MissingLanguageFilter,
    NeedsTranslationFilter,
    OutdatedTranslationFilter,
    StateFilter,
)
from .forms import StoryForm
from .kill import KillMixin
from .languages import KnownLanguagesMixin
from .live import LiveCoverageMixin
from .media import StoryAuthorInline, record_correction
from .presence import PresenceMixin
from .preview import PreviewMixin
from .readable import ReadableValuesMixin
from .revisions import RevisionMixin
from .translating import SourceBesideMixin
from .workflow import WorkflowMixin
from .xliff import XliffMixin

# Saving these does not tell readers the story was updated.
NOT_MATERIAL = {"minor_edit", "correction_note", "status", "published_at", "expires_at"}
ALWAYS_READ_ONLY = (
    "state",
    "hot",
    "hot_prior",
    "translation_status",
    "updated_at",
    "first_published_at",
    "view_count",
    "share_count",
    "created_at",
    "modified_at",
    "disclosure_panel",
    "conversion_panel",
)
SHARED_FIELDS = (
    "slug",
    "original_language",
    "published_at",
    "expires_at",
    "hot_override",
    "pinned",
    "quality",
    "impact",
    "source",
    "source_url",
    "image",
    "editor",
)


# The form in two parts: the tab's language version first, then what all languages share
# (named so, so that a translator can tell which fields are theirs).
LANGUAGE_FIELDSET = (
    "title",
    "summary",
    "tldr",
    "key_data",
    "analysis",
    "insights",
    "faq",
    "ai_involvement",
    "ai_involvement_reason",
    "mark_reviewed",
)
SHARED_FIELDSETS = (
    (_("Story"), {"fields": ("slug", "original_language", "translation_status")}),
    (
        _("Publishing"),
        {
            "fields": (
                "state",
                "published_at",
                "expires_at",
                "minor_edit",
                "correction_note",
                "updated_at",
                "first_published_at",
            )
        },
    ),
    (_("Image and editor"), {"fields": ("image", "editor")}),
    (
        _("Scores"),
        {"fields": ("hot", "hot_prior", "hot_override", "pinned", "quality", "impact")},
    ),
    (_("Source"), {"fields": ("source", "source_url")}),
    (_("AI disclosure"), {"fields": ("disclosure_panel",)}),
    (
        _("Statistics"),
        {
            "classes": ("collapse",),
            "fields": ("view_count", "share_count", "created_at", "modified_at"),
        },
    ),
)


def shared(name):
    """A fieldset's name saying that every language shares its fields."""
    return gettext("%(part)s · shared by all languages") % {"part": name}


class StoryTagInline(admin.TabularInline):
    model = StoryTag
    fields = ("tag", "position")
    autocomplete_fields = ("tag",)
    extra = 1
    verbose_name_plural = _("Tags · shared by all languages")


@admin.register(Story)
class StoryAdmin(
    XliffMixin,
    KillMixin,
    AutosaveMixin,
    PresenceMixin,
    LiveCoverageMixin,
    TranslationApprovalMixin,
    DisclosureAdminMixin,
    KnownLanguagesMixin,
    PreviewMixin,
    WorkflowMixin,
    RevisionMixin,
    ReadableValuesMixin,
    SourceBesideMixin,
    DerivedLanguageMixin,
    TranslatableAdmin,
):
    form = StoryForm
    actions = (*WorkflowMixin.actions, export_selected, "export_xliff", "machine_translate")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "title_column",
        "state",
        "published_column",
        "hot_column",
        "quality",
        "impact",
        "language_column",
        "tag_list",
    )
    list_filter = (
        StateFilter,
        "tags",
        "source",
        MissingLanguageFilter,
        NeedsTranslationFilter,
        OutdatedTranslationFilter,
        OverridesToCheckFilter,
        "pinned",
        "ai_generated",
    )
    search_fields = ("translations__title", "slug")
    date_hierarchy = "published_at"
    inlines = (StoryTagInline, StoryAuthorInline, StoryImageInline)
    autocomplete_fields = ("image", "editor")
    list_per_page = 50
    fieldsets = ((None, {"fields": LANGUAGE_FIELDSET}), *SHARED_FIELDSETS)

    class Media:
        css = {"all": ("cms/admin.css",)}

    def get_prepopulated_fields(self, request, obj=None):
        # Parler asks with a bare request, without a user, when it collects the form's media.
        if hasattr(request, "user") and "slug" in self.get_readonly_fields(request, obj):
            return {}
        return {"slug": ("title",)}

    def get_search_results(self, request, queryset, search_term):
        """Stories any language version of which matches every word (the search engine:
        stems, jieba's Chinese words, synonyms, over every text of a version), or whose
        slug contains the text."""
        text = search_term.strip()
        if not text:
            return queryset, False
        found = queryset.filter(slug__icontains=text)
        for code in languages.codes():
            found |= search.matching(queryset, text, [code])
        return found, False

    def get_queryset(self, request):
        # The tags in the editor's order, as readers see them.
        links = StoryTag.objects.select_related("tag").prefetch_related("tag__translations")
        return super().get_queryset(request).prefetch_related(Prefetch("tag_links", links))

    # Who may change what: writers their unpublished stories, editors and publishers
    # everything, translators only their languages' versions.

    def is_translator_only(self, request):
        user = request.user
        return not user.has_perm(workflow.CHANGE) and user.has_perm("cms.translate_story")

    def has_change_permission(self, request, obj=None):
        user = request.user
        if getattr(request, "refused_as_gone_live", False):
            return True
        if user.has_perm(workflow.CHANGE):
            return workflow.may_edit(user, obj)
        if obj is not None and user.has_perm("cms.translate_story"):
            return self.get_form_language(request, obj) in assigned_languages(user)
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting a live story, or one of its languages, takes it from readers: publishers'.
        story = getattr(obj, "master", obj)
        if story is not None and story.state in (State.PUBLISHED, State.SCHEDULED):
            return request.user.has_perm(workflow.PUBLISH) and super().has_delete_permission(
                request, obj
            )
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(ALWAYS_READ_ONLY)
        if self.is_translator_only(request):
            readonly += SHARED_FIELDS
        else:
            if not request.user.has_perm(workflow.PUBLISH):
                # The publish and expiry times are the schedule: only publishers set them.
                readonly += ["published_at", "expires_at"]
            if not request.user.has_perm(workflow.REVIEW):
                # Ranking the front page is an editor's call.
                readonly += ["hot_override", "pinned"]
        return readonly

    def get_fieldsets(self, request, obj=None):
        # The first fieldset is the tab's language version, the others are shared.
        (_name, language_options), *shared_fieldsets = super().get_fieldsets(request, obj)
        code = self.get_form_language(request, obj)
        language = str(dict(settings.LANGUAGES).get(code, code))
        fieldsets = [
            (
                language,
                {
                    **language_options,
                    "classes": ("cms-language",),
                    "description": gettext(
                        "The %(language)s version: these fields are this language's only."
                    )
                    % {"language": language},
                },
            ),
            *(
                (shared(name), {**options, "classes": (*options.get("classes", ()), "cms-shared")})
                for name, options in shared_fieldsets
            ),
        ]
        hidden = set()
        if obj is None or obj.pk is None:
            # A story that does not exist yet has nothing to edit lightly or to correct.
            hidden |= {"minor_edit", "correction_note"}
        if self.is_translator_only(request):
            # A translator's save must not touch what other languages share.
            hidden |= {"minor_edit", "correction_note"}
        elif request.user.has_perm(workflow.REVIEW):
            # Editors give the estimate the ranking starts from (the pipeline's stories
            # come with one).
            fieldsets = [
                (
                    name,
                    {
                        **options,
                        "fields": [
                            "hot_estimate" if f == "hot_prior" else f for f in options["fields"]
                        ],
                    },
                )
                for name, options in fieldsets
            ]
        if hidden:
            fieldsets = [
                (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
                for name, options in fieldsets
            ]
        return fieldsets

    def get_inlines(self, request, obj):
        return () if self.is_translator_only(request) else self.inlines

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        user = request.user
        # The posted image list counts only where the form shows it to someone who may
        # change it; anyone else's placements are checked against the stored list.
        form.edits_image_list = StoryImageInline in self.get_inlines(request, obj) and any(
            user.has_perm(f"cms.{action}_storyimage") for action in ("add", "change", "delete")
        )
        return form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(self.workflow_context(request, obj))
        context.update(self.live_context(request, obj))
        context["delete_translation"] = self.delete_translation_link(request, obj)
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if obj is not None and obj.pk is not None:
            # Parler calls a language not written yet an "add" (breadcrumb "Add story",
            # the slug filled in from the new title); the story exists, and so does its slug.
            response.context_data["add"] = False
            response.context_data["subtitle"] = self.heading(request, obj)
        return response

    def heading(self, request, obj):
        """The story's title in the tab's language, else in its original language with
        the words that the tab's version is not written yet."""
        titles = dict(
            StoryTranslation.objects.filter(master=obj).values_list("language_code", "title")
        )
        code = self.get_form_language(request, obj)
        if titles.get(code):
            return titles[code]
        title = titles.get(obj.original_language) or next(iter(titles.values()), "") or obj.slug
        language = dict(settings.LANGUAGES).get(code, code)
        return gettext("%(title)s · no %(language)s version yet") % {
            "title": title,
            "language": str(language),
        }

    def delete_translation_link(self, request, obj):
        """Where to delete the tab's language version (a confirmation page), if one may."""
        if obj is None or obj.pk is None:
            return None
        code = self.get_form_language(request, obj)
        available = obj.get_available_languages()
        if code not in available or len(available) < 2:
            return None
        if not self.has_delete_permission(request, obj):
            return None
        name = dict(settings.LANGUAGES).get(code, code)
        return {
            "url": reverse(
                f"{self.admin_site.name}:cms_story_delete_translation", args=[obj.pk, code]
            ),
            "label": gettext("Delete the %(language)s version…") % {"language": str(name)},
        }

    @admin.display(description=_("title"))
    def title_column(self, obj):
        return obj.safe_translation_getter("title", any_language=True) or obj.slug

    @admin.display(description=_("state"))
    def state(self, obj):
        return obj.state.label

    @admin.display(description=_("hot"), ordering="hot")
    def hot_column(self, obj):
        if obj.pinned:
            return _("%(hot)s, pinned") % {"hot": obj.hot}
        return obj.hot

    @admin.display(description=_("publish time"), ordering="published_at")
    def published_column(self, obj):
        if obj.published_at is None:
            return "–"
        return formats.date_format(timezone.localtime(obj.published_at), "Y-m-d H:i")

    @admin.display(description=_("languages"))
    def language_column(self, obj):
        return super().language_column(obj)

    @admin.display(description=_("tags"))
    def tag_list(self, obj):
        return gettext(", ").join(str(link.tag) for link in obj.tag_links.all())

    @admin.display(description=_("languages"))
    def translation_status(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        names = dict(settings.LANGUAGES)
        return format_html_join(
            "",
            "<div>{}: {}</div>",
            (
                (names.get(s.language, s.language), describe(s))
                for s in translation_state.story_states(obj)
            ),
        )

    def save_model(self, request, obj, form, change):
        estimate = form.cleaned_data.get("hot_estimate")
        if (
            "hot_estimate" in form.changed_data
            and estimate is not None
            and request.user.has_perm(workflow.REVIEW)
        ):
            obj.estimate_hot(estimate)
        if self.keep_as_proposal(request, obj, form, change):
            return  # A translator's change to a live story waits for an editor's approval.
        material = set(form.changed_data) - NOT_MATERIAL
        if change and material and not form.cleaned_data.get("minor_edit"):
            before = Story.objects.only("status", "published_at").get(pk=obj.pk)
            if before.is_live():
                obj.mark_updated()
        if change:
            record_correction(obj, form, self.get_form_language(request, obj), request.user)
        super().save_model(request, obj, form, change)
        if set(form.changed_data) & set(TRANSLATED_FIELDS):
            StoryTranslation.objects.filter(
                master=obj, language_code=self.get_form_language(request, obj)
            ).update(edited_by=request.user)


def describe(state):
    """One language's state in words, for the change form."""
    if not state.available:
        return _("not written yet")
    parts = [_("complete") if state.complete else _("incomplete")]
    if state.outdated:
        parts.append(_("outdated: the original changed since"))
    parts.append(_("machine translation") if state.origin == "machine" else _("by a person"))
    return pgettext("between clauses", ", ").join(str(part) for part in parts)
