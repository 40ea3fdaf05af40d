"""The story list's export: the selected stories as the JSON Lines of `export_stories`."""

from django.contrib import admin
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.ingest import exports


@admin.action(description=_("Export selected stories (JSON Lines)"), permissions=["view"])
def export_selected(modeladmin, request, queryset):
    """Download the selected stories, in any state: who may see the list may read them.

    Streamed, so a selection of every story across pages is read a chunk at a time.
    """
    response = StreamingHttpResponse(
        exports.jsonl(exports.lines(queryset)), content_type="application/x-ndjson; charset=utf-8"
    )
    name = f"stories-{timezone.now():%Y%m%d-%H%M%S}.jsonl"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
