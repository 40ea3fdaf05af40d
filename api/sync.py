"""`GET /sync`: a partner's delta sync as plain JSON, for systems without a GraphQL client.

The same pages as the GraphQL `sync` field (cms/sync/pages.py): `?token=` (omitted on the
first call; an empty one is refused, as in GraphQL) and `?first=`, each at most once, the key
in `Authorization: Bearer <key>`. Errors are JSON with
a stable `code`, as GraphQL's: 401 without a usable key, 429 over quota, 400 for a bad
`first` or an invalid token, 403 for another key's token, 410 for an expired one (start
again without a token). Answers are never cached.
"""

import orjson
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from api.graphql_http import auth
from api.graphql_http.refusals import RequestError
from cms.sync import pages, tokens

JSON = "application/json"
TOKEN_STATUS = {"SYNC_TOKEN_INVALID": 400, "SYNC_TOKEN_WRONG_KEY": 403, "SYNC_TOKEN_EXPIRED": 410}
MAX_TOKEN_LENGTH = 8000


def _answer(status, body, headers=None):
    response = HttpResponse(orjson.dumps(body), status=status, content_type=JSON)
    response["Cache-Control"] = "private, no-store"
    response["Vary"] = "Authorization"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _error(status, code, message, headers=None):
    body = {"errors": [{"message": str(message), "extensions": {"code": code}}]}
    return _answer(status, body, headers)


def _once(request, name):
    """The parameter `name` given at most once (a client that sends two means one of them
    and would be answered for the other), or None."""
    values = request.GET.getlist(name)
    if len(values) > 1:
        raise RequestError(400, _("Give `%(name)s` once.") % {"name": name}, "BAD_USER_INPUT")
    return values[0] if values else None


def _first(request):
    raw = _once(request, "first")
    if raw is None:
        return pages.DEFAULT_FIRST
    refusal = RequestError(
        400, _("`first` must be from 1 to %(most)s.") % {"most": pages.MAX_FIRST}, "BAD_USER_INPUT"
    )
    if not raw.isascii() or not raw.isdigit() or len(raw) > 4:
        raise refusal
    first = int(raw)
    if not 1 <= first <= pages.MAX_FIRST:
        raise refusal
    return first


@require_safe
def sync(request):
    """One page of the calling key's sync."""
    try:
        key = auth.authenticate(request)
        allowance = auth.take_quota(key)
        first = _first(request)
        token = _once(request, "token")
        # An empty token is a lost one, not a first sync: a first sync sends no tombstones
        # for what the partner's copy holds, so it must be asked for by sending no token.
        if token is not None and (not token or len(token) > MAX_TOKEN_LENGTH):
            raise tokens.TokenError(
                "SYNC_TOKEN_INVALID",
                _("This sync token is not valid: send a token exactly as a sync returned it."),
            )
        page = pages.page(key, token, first)
    except RequestError as error:
        return _error(error.status, error.code, error.message, error.headers)
    except tokens.TokenError as error:
        return _error(TOKEN_STATUS[error.code], error.code, error.message)
    body = {"items": page.items, "nextToken": page.token, "hasMore": page.has_more}
    return _answer(200, body, allowance.headers())
