"""Story list filters for the newsroom: workflow state and translation state."""

from django.conf import settings
from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.core import languages
from cms.models import State, Story, live_q, scheduled_q


class StateFilter(admin.SimpleListFilter):
    """Stories by workflow state, scheduled ones told apart from live ones."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return State.choices

    def queryset(self, request, queryset):
        value = self.value()
        now = timezone.now()
        if value == State.SCHEDULED:
            return queryset.filter(scheduled_q(now))
        if value == State.PUBLISHED:
            return queryset.filter(live_q(now))
        if value in State.values:
            return queryset.filter(status=value)
        return queryset


class MissingLanguageFilter(admin.SimpleListFilter):
    """Stories that still lack a version in one language."""

    title = _("missing a language")
    parameter_name = "missing"

    def lookups(self, request, model_admin):
        return settings.LANGUAGES

    def queryset(self, request, queryset):
        if self.value() in languages.codes():
            return queryset.exclude(translations__language_code=self.value())
        return queryset


class NeedsTranslationFilter(admin.SimpleListFilter):
    """Stories whose version in a language is missing or incomplete."""

    title = _("needs translation")
    parameter_name = "needs_translation"

    def lookups(self, request, model_admin):
        return settings.LANGUAGES

    def queryset(self, request, queryset):
        if self.value() in languages.codes():
            return queryset.filter(
                Q(pk__in=Story.objects.needing_translation(self.value()).values("pk"))
            )
        return queryset


class OutdatedTranslationFilter(admin.SimpleListFilter):
    """Stories whose version in a language predates the original's last change."""

    title = _("outdated translation")
    parameter_name = "outdated"

    def lookups(self, request, model_admin):
        return [("any", _("Any language")), *settings.LANGUAGES]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "any" or value in languages.codes():
            language = None if value == "any" else value
            return queryset.filter(
                Q(pk__in=Story.objects.with_outdated_translation(language).values("pk"))
            )
        return queryset
