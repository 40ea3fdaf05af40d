from django.conf import settings
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from parler.admin import TranslatableAdmin

from cms.models import Story, StoryTag

from .forms import StoryForm

# Saving these does not tell readers the story was updated.
NOT_MATERIAL = {"minor_edit", "status", "published_at"}


class MissingLanguageFilter(admin.SimpleListFilter):
    """Stories that still lack a version in one language."""

    title = _("missing a language")
    parameter_name = "missing"

    def lookups(self, request, model_admin):
        return settings.LANGUAGES

    def queryset(self, request, queryset):
        if self.value():
            return queryset.exclude(translations__language_code=self.value())
        return queryset


class StoryTagInline(admin.TabularInline):
    model = StoryTag
    fields = ("tag", "position")
    autocomplete_fields = ("tag",)
    extra = 1


@admin.register(Story)
class StoryAdmin(TranslatableAdmin):
    form = StoryForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "title_column",
        "status",
        "published_at",
        "hot",
        "quality",
        "impact",
        "language_column",
        "tag_list",
    )
    list_filter = ("status", "tags", "source", MissingLanguageFilter, "ai_generated")
    search_fields = ("translations__title", "slug")
    date_hierarchy = "published_at"
    inlines = (StoryTagInline,)
    list_per_page = 50
    readonly_fields = (
        "updated_at",
        "first_published_at",
        "view_count",
        "share_count",
        "created_at",
        "modified_at",
    )
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary")}),
        (
            _("Publishing"),
            {
                "fields": (
                    "status",
                    "published_at",
                    "minor_edit",
                    "updated_at",
                    "first_published_at",
                )
            },
        ),
        (_("Scores"), {"fields": ("hot", "quality", "impact")}),
        (_("Content"), {"fields": ("tldr", "key_data", "analysis", "insights", "faq")}),
        (_("Source"), {"fields": ("ai_generated", "source", "source_url")}),
        (
            _("Statistics"),
            {
                "classes": ("collapse",),
                "fields": ("view_count", "share_count", "created_at", "modified_at"),
            },
        ),
    )

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ("title",)}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags__translations")

    @admin.display(description=_("title"))
    def title_column(self, obj):
        return obj.safe_translation_getter("title", any_language=True) or obj.slug

    @admin.display(description=_("tags"))
    def tag_list(self, obj):
        return ", ".join(str(tag) for tag in obj.tags.all())

    def save_model(self, request, obj, form, change):
        material = set(form.changed_data) - NOT_MATERIAL
        if change and material and not form.cleaned_data.get("minor_edit"):
            before = Story.objects.only("status", "published_at").get(pk=obj.pk)
            if before.is_live():
                obj.mark_updated()
        super().save_model(request, obj, form, change)
