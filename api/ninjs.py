"""IPTC ninjs over HTTP: one story version per address, and this publication's extension
schema.

- `/ninjs/<language>/<slug>.json` (`?version=3.1` for ninjs 3.1; 2.2 by default): the
  story's version in that language (never a fallback: a ninjs item is one language's),
  as `cms.serving.ninjs` writes it. Only what the caller may read: the public, or a key
  (`Authorization: Bearer`, or its feed token as `?token=`) within its languages and tags,
  in full text or not as the key allows. A draft, scheduled or expired story is a 404,
  the same as a story that never existed; a killed one is a 410 with the editors' notice;
  a slug the story had before is a 301 to its current address.
- `/ninjs/schema/<version>.json`: the JSON Schema the documents name in `standard.schema`.

Public answers are cached like sitemaps: in the response cache under the story, its tags
and its source (what the served story showed), with an ETag, `Cache-Control` and edge
surrogate keys, so an edit purges them as it purges every answer that showed the story;
none outlives the next scheduled publication or expiry. Keyed answers are never stored.
"""

import hashlib
import json
from functools import wraps
from urllib.parse import urlencode

from django.core.validators import slug_re
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from api.caching import keys, responses, versions
from api.graphql_http import auth, ratelimit
from api.graphql_http.refusals import RequestError
from api.graphql_http.responses import from_entry
from cms.core import languages
from cms.models import Story, StorySlug
from cms.serving import ninjs
from cms.serving import stories as serving
from cms.serving.audience import Audience

MEDIA_TYPE = "application/json"
# `Story.slug`'s length.
MAX_SLUG = 200


def _error(status, code, message, headers=None, **more):
    error = {"code": code, "message": str(message), **more}
    body = json.dumps({"error": error}, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def _version(request):
    given = request.GET.getlist("version")
    if len(given) > 1:
        raise RequestError(400, _("Give `version` once."))
    version = given[0] if given else ninjs.VERSIONS[0]
    if version not in ninjs.VERSIONS:
        raise RequestError(
            400,
            _("Unknown ninjs version “%(version)s”; this service writes %(known)s.")
            % {"version": version[:20], "known": ", ".join(ninjs.VERSIONS)},
        )
    return version


def _encode(document):
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _document(audience, slug, version, observer=None):
    """The encoded document of the story `slug` in the audience's language, or None."""
    stories = Story.objects.readable(audience).in_chain((audience.language,))
    found = serving.find(stories, audience, observer, slug=slug)
    if not found or found[0].language != audience.language:
        return None
    return _encode(ninjs.of_served(found[0], version))


def _moved(request, audience, slug):
    """A permanent redirect to the story's current address when `slug` is one it had and
    the audience may read it in its language now; else None (a draft's old slugs stay
    unknown)."""
    moved = StorySlug.objects.filter(slug=slug).values_list("story_id", flat=True).first()
    if moved is None:
        return None
    readable = Story.objects.readable(audience).in_chain((audience.language,))
    current = readable.filter(pk=moved).values_list("slug", flat=True).first()
    if current is None:
        return None
    return _redirect(request, audience.language, current)


def _redirect(request, code, slug):
    """A permanent redirect to the item's address in `code`, keeping what may change the
    answer (`version`, `token`); never stored, since a token may ride along."""
    path = reverse("ninjs-story", kwargs={"language": code, "slug": slug})
    query = {name: request.GET[name] for name in ("version", "token") if name in request.GET}
    response = HttpResponsePermanentRedirect(f"{path}?{urlencode(query)}" if query else path)
    response["Cache-Control"] = "no-store"
    return response


def _gone(audience, slug):
    """410 with the editors' notice when `slug` names a killed story in the audience's
    language (as GraphQL's `GONE`), else None."""
    story = (
        Story.objects.filter(slug=slug, status=Story.Status.KILLED)
        .in_chain((audience.language,))
        .only("kill_notice")
        .first()
    )
    if story is None:
        return None
    notice = story.kill_notice or {}
    text = notice.get(audience.language) or next(iter(notice.values()), "")
    return _error(410, "GONE", _("This story was taken down and is gone for good."), notice=text)


def _not_found():
    return _error(404, "NOT_FOUND", _("No story with that address in that language."))


def without_body_for_head(view):
    """HEAD answers as GET does (validators and length included), without the body."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "HEAD":
            response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response

    return wrapped


def unknown(request, rest):
    """Any other address under /ninjs/: a JSON 404 naming the addresses there are."""
    return _error(
        404,
        "NOT_FOUND",
        _(
            "No such address: a story's ninjs item is at /ninjs/<language>/<slug>.json, "
            "the schemas at /ninjs/schema/<version>.json."
        ),
    )


@require_safe
@without_body_for_head
def story(request, language, slug):
    code = languages.normalize(language)
    # No story has another slug (a NUL byte would not even reach PostgreSQL).
    if code is None or len(slug) > MAX_SLUG or not slug_re.fullmatch(slug):
        return _not_found()
    if code != language:
        # One address per item: `EN` or `zh-Hans` lead to the language's own code.
        return _redirect(request, code, slug)
    try:
        version = _version(request)
        key = auth.authenticate_feed(request)
        if key is not None:
            auth.take_quota(key)
            audience = Audience.of(code, key)
            body = _document(audience, slug, version)
            if body is None:
                return _moved(request, audience, slug) or _gone(audience, slug) or _not_found()
            # For this key alone: never stored here, by browsers or by edges.
            entry = responses.make_entry(body, 200, MEDIA_TYPE, content_language=code)
            response = from_entry(request, entry, private=True)
            response["Vary"] = "Authorization"
            return response
        return _public(request, code, slug, version)
    except RequestError as error:
        return _error(error.status, error.code, error.message, error.headers)


def _public(request, code, slug, version):
    material = f"{request.get_host()}|{code}|{slug}|{version}"
    cache_key = "ninjs:" + hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()
    entry = responses.lookup(cache_key)
    stored = None
    if entry is None:
        # A render spends the client's budget, as a GraphQL miss does.
        ratelimit.take_or_refuse(request)
        started = versions.generation()
        shown = set()

        def observe(kind, ids):
            shown.update(keys.observed(kind, ids))

        audience = Audience.of(code)
        body = _document(audience, slug, version, observe)
        if body is None:
            return _moved(request, audience, slug) or _gone(audience, slug) or _not_found()
        entry = responses.make_entry(body, 200, MEDIA_TYPE, content_language=code)
        responses.store(cache_key, entry, sorted(shown), started)
        stored = "miss"
    return from_entry(request, entry, stored=stored)


@require_safe
def schema(request, version):
    if version not in ninjs.VERSIONS:
        return _error(404, "NOT_FOUND", _("No such schema."))
    response = HttpResponse(
        json.dumps(ninjs.extension_schema(version), ensure_ascii=False, indent=1),
        content_type="application/schema+json",
    )
    # It changes only with a release: a day is short enough.
    response["Cache-Control"] = "public, max-age=86400"
    return response
