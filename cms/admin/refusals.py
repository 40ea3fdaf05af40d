"""A refused step's page: the admin's own page, in the admin's language, saying which
roles may take the step (never a bare "403 Forbidden"); a form refused by the CSRF check
gets the same page, saying what to do.

`api.urls` makes `permission_denied` the project's 403 handler. The step is read from the
admin address refused: adding, changing, deleting or listing a kind of thing needs that
kind's permission; a user who holds it and is still refused (a writer on a live story)
needs an editor's (`review_story`), or a publisher's to delete a live story. A refusal
that says its own reason keeps it.
"""

import re

from django.contrib import admin
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext

from cms.core.roles import roles_with

# Admin address names end in the step; the step's permission.
STEPS = {
    "add": "add",
    "change": "change",
    "delete": "delete",
    "delete_translation": "delete",
    "changelist": "view",
    "history": "view",
}
ADMIN_NAME = re.compile(r"(?P<app>[a-z]+)_(?P<model>[a-z]+)_(?P<step>[a-z_]+)")


def needed_codename(request):
    """The `cms` permission the refused request needed, or None when it cannot be told."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.url_name == "autocomplete":
        # A picker lists what its user may view.
        model = request.GET.get("model_name", "")
        return f"view_{model}" if request.GET.get("app_label") == "cms" and model else None
    found = ADMIN_NAME.fullmatch(match.url_name or "")
    if found is None or found["app"] != "cms" or found["step"] not in STEPS:
        return None
    codename = f"{STEPS[found['step']]}_{found['model']}"
    user = getattr(request, "user", None)
    if user is not None and user.has_perm(f"cms.{codename}"):
        # Held, and refused all the same: the thing is live. Changing it is an editor's
        # step; deleting it (or a language of it) takes it from readers, a publisher's.
        return "publish_story" if STEPS[found["step"]] == "delete" else "review_story"
    return codename


def explanation(request, exception):
    reason = str(exception or "")
    if reason:
        return reason
    codename = needed_codename(request)
    roles = roles_with(codename) if codename else []
    if not roles:
        return gettext("Only an administrator may do this.")
    return gettext("Only these roles may do this: %(roles)s. Ask one of them to do it.") % {
        "roles": gettext(", ").join(roles)
    }


def permission_denied(request, exception=None):
    context = {
        **admin.site.each_context(request),
        "title": gettext("You may not do this"),
        "explanation": explanation(request, exception),
        "advice": gettext("Your account may not take this step. Nothing was changed."),
    }
    return TemplateResponse(request, "cms/refused.html", context, status=403)


def csrf_failure(request, reason=""):
    """The project's CSRF_FAILURE_VIEW: a form sent from an expired page or another site.

    The form's own background requests (autosave, presence) send JSON and read JSON: they
    get the reason as JSON, so the page can tell the editor to reload it."""
    if request.content_type == "application/json":
        return JsonResponse(
            {
                "error": gettext(
                    "This page has expired, so drafts are no longer kept. Copy what you typed "
                    "and reload the page."
                )
            },
            status=403,
        )
    context = {
        **admin.site.each_context(request),
        "title": gettext("This form has expired"),
        "explanation": gettext(
            "The form was sent from a page that is too old, or from another site, so nothing "
            "was saved. Go back, copy what you typed, reload the page and send it again."
        ),
    }
    return TemplateResponse(request, "cms/refused.html", context, status=403)
