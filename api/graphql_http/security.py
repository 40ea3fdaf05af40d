"""Browser-facing hardening: a Content-Security-Policy for the admin and GraphiQL, and
throttled admin logins."""

import base64
import hashlib
import re
from functools import cache as memoize

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from api.graphql_http import graphiql
from api.ops.clients import client_address

ADMIN_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@memoize
def _graphiql():
    """GraphiQL's page and a policy allowing exactly its inline script and its own assets."""
    html = graphiql.page()
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"
        for script in re.findall(r"<script>(.*?)</script>", html, re.S)
    )
    policy = (
        f"default-src 'self'; script-src 'self' {hashes}; "
        "style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    return html, policy


def graphiql_response():
    html, policy = _graphiql()
    response = HttpResponse(html)
    response["Content-Security-Policy"] = policy
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _login_key(request):
    return f"login-failures:{client_address(request)}"


def count_login_failure(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    key = _login_key(request)
    cache.add(key, 0, timeout=settings.CMS_LOGIN_FAILURE_WINDOW)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=settings.CMS_LOGIN_FAILURE_WINDOW)


def connect():
    user_login_failed.connect(count_login_failure, dispatch_uid="security-login-failures")


class AdminProtectionMiddleware:
    """CSP on admin pages; refuse admin logins from an address that failed too often."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.login_path = "/admin/login/"

    def __call__(self, request):
        if request.path == self.login_path and request.method == "POST":
            failures = cache.get(_login_key(request)) or 0
            if failures >= settings.CMS_LOGIN_FAILURE_LIMIT:
                minutes = max(1, settings.CMS_LOGIN_FAILURE_WINDOW // 60)
                response = TemplateResponse(
                    request,
                    "cms/login_throttled.html",
                    {"minutes": minutes, "title": _("Too many failed logins")},
                    status=429,
                )
                response["Retry-After"] = str(settings.CMS_LOGIN_FAILURE_WINDOW)
                return response.render()
        response = self.get_response(request)
        if request.path.startswith("/admin/"):
            response.setdefault("Content-Security-Policy", ADMIN_POLICY)
        return response
