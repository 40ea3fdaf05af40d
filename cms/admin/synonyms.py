"""Search synonym groups: editors say which terms find each other's stories."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cms.models import SearchSynonym


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    list_display = ("group_column", "note", "updated_at")
    search_fields = ("terms", "note")
    fields = ("terms", "note")

    @admin.display(description=_("terms"), ordering="terms")
    def group_column(self, obj):
        return str(obj)
