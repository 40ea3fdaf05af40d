"""The site's root: a short page pointing at what this server offers (the GraphQL API and
its explorer, the admin, the feeds), and the browser tab's icon. Without them a visitor's
first request and every browser's icon request were 404s."""

from pathlib import Path

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cms.core import languages

FAVICON = Path(__file__).parent / "static" / "api" / "favicon.ico"
# The icon changes with a release, not within one.
FAVICON_MAX_AGE = 86400


@require_safe
def landing(request):
    return render(request, "api/home.html", {"feed_languages": languages.codes()})


@require_safe
def favicon(request):
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = f"public, max-age={FAVICON_MAX_AGE}"
    return response
