"""The admin site's face: the publication's name, the reader site's link, what editors see.

The header and the browser tab name the publication (`CMS_PUBLISHER_NAME`, translated
when the catalog knows it); "View site" leads to the reader site's front page in the admin's
language (`CMS_SITE_URL`) and is left out when that is empty; the navigation sidebar is
off, so that lists and forms get the width of a laptop screen; the task queue's pages are
for superusers only, in the admin's language.
"""

from django.conf import settings
from django.contrib import admin
from django.utils.functional import lazy
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from cms.core import languages, sharing
from cms.models import TaskWorker


def _newsroom_name():
    publication = gettext(settings.CMS_PUBLISHER_NAME)
    return gettext("%(publication)s newsroom") % {"publication": publication}


newsroom_name = lazy(_newsroom_name, str)

admin.site.site_header = newsroom_name()
admin.site.site_title = newsroom_name()
admin.site.index_title = _("Dashboard")
admin.site.site_url = (
    lazy(
        lambda: sharing.home_url(languages.normalize(get_language()) or settings.LANGUAGE_CODE), str
    )()
    if settings.CMS_SITE_URL
    else None
)
admin.site.enable_nav_sidebar = False


class TaskResultAdmin(DBTaskResultAdmin):
    """Webhook deliveries' task runs: a technical page, shown to superusers only."""

    list_display = (
        "task",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "runs",
        "priority",
        "queue_name",
    )

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    @admin.display(description=_("task"))
    def task(self, obj):
        return obj.task_name

    @admin.display(description=_("runs"))
    def runs(self, obj):
        """How many times a worker took it: more than one after a retry or a lost worker."""
        return len(obj.worker_ids)


class TaskWorkerAdmin(admin.ModelAdmin):
    """The task workers and their leases (cms/management/worker.py): read-only, superusers."""

    list_display = ("worker_id", "host", "pid", "started_at", "seen_at")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)
# Registered once however often this module is imported (a test reloads it).
if admin.site.is_registered(TaskWorker):
    admin.site.unregister(TaskWorker)
admin.site.register(TaskWorker, TaskWorkerAdmin)
