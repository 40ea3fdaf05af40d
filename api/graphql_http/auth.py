"""Partner keys on API requests: `Authorization: Bearer <key>`, scopes and quotas."""

from django.utils.translation import gettext as _

from api.graphql_http import ratelimit
from api.graphql_http.refusals import RequestError
from cms.models import ApiKey, ApiKeyUsage, Scope

DAY = 24 * 60 * 60


def authenticate(request, secret=None):
    """The usable key the request presents (or `secret`); RequestError (401, 403) otherwise."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = ("bearer", " ", secret) if secret else header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise RequestError(
            401,
            _("Send your API key as `Authorization: Bearer <key>`."),
            "UNAUTHENTICATED",
            {"WWW-Authenticate": 'Bearer realm="api"'},
        )
    key = ApiKey.authenticate(secret.strip())
    if key is None:
        raise RequestError(
            401,
            _("This API key is not valid: it is mistyped, expired or revoked."),
            "UNAUTHENTICATED",
            {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'},
        )
    if not key.has_scope(Scope.READ):
        raise RequestError(403, _("This API key may not read stories."), "FORBIDDEN")
    return key


def authenticate_feed(request):
    """The key a feed request presents: a header, or a feed token as `?token=`; or None.

    The API secret itself is never taken in a URL: URLs end up in feed readers, proxies'
    logs and browser histories, and a feed token can be revoked without the key.
    """
    if "key" in request.GET:
        raise RequestError(
            401,
            _(
                "Feeds do not take the API key in the URL. Send it as `Authorization: Bearer "
                "<key>`, or use the key's feed token as `?token=<feed token>`."
            ),
            "UNAUTHENTICATED",
            {"WWW-Authenticate": 'Bearer realm="feeds"'},
        )
    if "Authorization" in request.headers:
        return authenticate(request)
    if "token" not in request.GET:
        return None
    key = ApiKey.authenticate_feed_token(request.GET["token"].strip())
    if key is None:
        raise RequestError(
            401,
            _("This feed token is not valid: it is mistyped, revoked, or its key is."),
            "UNAUTHENTICATED",
            {"WWW-Authenticate": 'Bearer realm="feeds", error="invalid_token"'},
        )
    if not key.has_scope(Scope.READ):
        raise RequestError(403, _("This API key may not read stories."), "FORBIDDEN")
    return key


def take_quota(key):
    """Count one request against the key's quotas (shared across processes) and its usage."""
    minute = ratelimit.take(f"key:{key.pk}:minute", key.per_minute, 60)
    day = ratelimit.take(f"key:{key.pk}:day", key.per_day, DAY)
    tightest = minute if minute.remaining <= day.remaining else day
    if tightest.exceeded:
        raise RequestError(
            429,
            _("This API key is over its quota; try again in %(seconds)s seconds.")
            % {"seconds": tightest.reset},
            "RATE_LIMITED",
            tightest.headers(),
        )
    ApiKeyUsage.record(key)
    return tightest
