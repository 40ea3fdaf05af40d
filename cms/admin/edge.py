"""The edge purges owed and sent, with the queue's depth and the last failure on top."""

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

from cms.models import EdgePurge


class PendingFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("pending", _("Not sent yet")),
            ("failing", _("Failed at least once, not sent yet")),
            ("sent", _("Sent")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "failing":
            return queryset.filter(sent_at__isnull=True, attempts__gt=0)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        return queryset


def queue_summary(now=None):
    """What the edge-purge list shows above the rows: depth, age, tasks and last failure."""
    now = now or timezone.now()
    pending = EdgePurge.objects.filter(sent_at__isnull=True)
    oldest = pending.filter(not_before__lte=now).order_by("not_before").first()
    last_failure = (
        EdgePurge.objects.filter(attempts__gt=0)
        .exclude(last_error="")
        .order_by("-last_attempt_at")
        .first()
    )
    return {
        "due": pending.filter(not_before__lte=now).count(),
        "scheduled": pending.filter(not_before__gt=now).count(),
        "failing": pending.filter(attempts__gt=0).count(),
        "oldest_due": oldest.not_before if oldest else None,
        "tasks_waiting": DBTaskResult.objects.filter(
            Q(status="READY") | Q(status="RUNNING")
        ).count(),
        "last_failure": last_failure,
    }


@admin.register(EdgePurge)
class EdgePurgeAdmin(admin.ModelAdmin):
    """Read-only: rows are written by content changes and sent by the task worker."""

    change_list_template = "admin/cms/edgepurge/change_list.html"
    list_display = ("created_at", "keys", "not_before", "attempts", "last_error", "sent_at")
    list_filter = (PendingFilter,)
    readonly_fields = [field.name for field in EdgePurge._meta.fields]

    @admin.display(description=_("dependencies"))
    def keys(self, obj):
        text = " ".join(obj.dependencies)
        return text if len(text) <= 80 else text[:79] + "…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "queue": queue_summary()}
        return super().changelist_view(request, extra_context)
