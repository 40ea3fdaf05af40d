"""Users get their translation languages on their own admin page."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cms.models import LanguageAssignment


class LanguageAssignmentInline(admin.TabularInline):
    model = LanguageAssignment
    fields = ("language",)
    extra = 1


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class NewsroomUserAdmin(UserAdmin):
    inlines = (*UserAdmin.inlines, LanguageAssignmentInline)
    list_display = (*UserAdmin.list_display, "role_list")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def role_list(self, obj):
        # Role names are marked for translation in cms.core.roles.
        return gettext(", ").join(gettext(group.name) for group in obj.groups.all())
