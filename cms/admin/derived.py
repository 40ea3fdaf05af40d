"""A derived language's tab (CMS_DERIVED_LANGUAGES: Traditional Chinese converted from
Simplified): what the version is, which fields an editor overrode, and which overrides the
source changed under since, flagged on the tab and listed by a filter of the story list.

Overrides are recorded by the version's save (cms/stories/derived.py): a field that differs
from the source's conversion is the editor's and is kept on regeneration.
"""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cms.core import languages
from cms.models import StoryTranslation
from cms.stories import derived

from .translating import language_name

PANEL = "conversion_panel"


class OverridesToCheckFilter(admin.SimpleListFilter):
    """Stories with a derived version whose source changed under an editor's override."""

    title = _("converted text")
    parameter_name = "overrides"

    def lookups(self, request, model_admin):
        if not languages.derived():
            return ()
        return (
            ("stale", _("Overrides to check (the source changed)")),
            ("any", _("Overridden by an editor")),
        )

    def queryset(self, request, queryset):
        rows = StoryTranslation.objects.filter(master=OuterRef("pk")).exclude(derived_from="")
        if self.value() == "stale":
            return queryset.filter(Exists(rows.filter(overrides_stale=True)))
        if self.value() == "any":
            return queryset.filter(Exists(rows.exclude(overrides={})))
        return queryset


class DerivedLanguageMixin:
    """Put before parler's TranslatableAdmin in the story admin."""

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not languages.is_derived(self.get_form_language(request, obj)):
            return fieldsets
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [PANEL, *options["fields"]]}), *rest]

    @admin.display(description=_("Converted automatically"))
    def conversion_panel(self, obj):
        code = obj.get_current_language() if obj is not None else None
        origin = derived.conversion_of(code)
        if obj is None or obj.pk is None or origin is None:
            return "—"
        source_code, conversion = origin
        rows = {
            row.language_code: row
            for row in StoryTranslation.objects.filter(
                master_id=obj.pk, language_code__in=(code, source_code)
            )
        }
        intro = gettext(
            "This version is converted automatically from the %(language)s version "
            "(OpenCC, %(conversion)s) each time that one changes. A field you change here is "
            "kept as yours; put the converted text back to follow the %(language)s version "
            "again."
        ) % {"language": language_name(source_code), "conversion": conversion}
        row, source = rows.get(code), rows.get(source_code)
        if row is None or source is None or not row.overrides:
            return format_html('<div class="cms-conversion"><p>{}</p></div>', intro)
        stale = set(derived.stale_overrides(row, source))
        names = StoryTranslation._meta
        items = format_html_join(
            "",
            '<li class="{}">{}{}</li>',
            (
                (
                    "cms-override-stale" if name in stale else "cms-override",
                    names.get_field(name).verbose_name,
                    (
                        " — "
                        + gettext("the %(language)s text changed since you wrote this: check it")
                        % {"language": language_name(source_code)}
                    )
                    if name in stale
                    else "",
                )
                for name in row.overrides
            ),
        )
        return format_html(
            '<div class="cms-conversion"><p>{}</p><p>{}</p><ul>{}</ul></div>',
            intro,
            gettext("Fields written by hand:"),
            items,
        )
