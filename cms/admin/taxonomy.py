from django.contrib import admin
from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from parler.admin import TranslatableAdmin

from cms.models import Source, Tag

from .languages import KnownLanguagesMixin


class CountedAdmin(KnownLanguagesMixin, TranslatableAdmin):
    """A translated name with a slug, listed with how many stories use it."""

    list_display = ("name_column", "slug", "language_column", "story_total")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    search_fields = ("slug", "translations__name")
    # A stable order, for pages of the list and of the tag picker's suggestions.
    ordering = ("slug",)

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(story_total=Count("stories", distinct=True))

    @admin.display(description=_("name"))
    def name_column(self, obj):
        return obj.safe_translation_getter("name", any_language=True) or obj.slug

    @admin.display(description=_("stories"), ordering="story_total")
    def story_total(self, obj):
        return obj.story_total


@admin.register(Tag)
class TagAdmin(CountedAdmin):
    pass


@admin.register(Source)
class SourceAdmin(CountedAdmin):
    list_display = ("name_column", "slug", "homepage", "language_column", "story_total")
