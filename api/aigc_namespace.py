"""The human-readable description of the `aigc:` XML namespace, served at its own path
(`AIGC_NAMESPACE_PATH`), so that the namespace URI of the feeds says what it names."""

from django.conf import settings
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from cms.disclosure import rules as disclosure


@require_safe
def document(request):
    response = TemplateResponse(
        request,
        "ns/aigc.html",
        {
            "namespace": disclosure.namespace(),
            # As the admin names it: translated when the catalog knows the name.
            "publisher": gettext(settings.CMS_PUBLISHER_NAME),
        },
    )
    # The vocabulary changes only with a new namespace version: a day is short enough.
    response["Cache-Control"] = "public, max-age=86400"
    return response
