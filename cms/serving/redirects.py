"""Redirects: where a reader-site path that names a story by an old slug leads now.

`resolve(path, audience)` reads a path on the reader site (`CMS_STORY_URL`'s pattern) and
says where the story it names lives now, if it moved and the audience may read it. The
target is always a current address: a redirect never leads to another redirect, nor back.
The old slugs are kept by `cms.stories.slugs`.
"""

import re
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from django.conf import settings

from cms.core import languages, sharing
from cms.models import Story, StorySlug

from . import stories as serving

# Permanently moved: search engines carry the old address's ranking over.
MOVED_PERMANENTLY = 301


@lru_cache(maxsize=8)
def _pattern(template):
    path = urlsplit(template.replace("{language}", "LANGUAGE").replace("{slug}", "SLUG")).path
    regex = re.escape(path)
    regex = regex.replace("LANGUAGE", "(?P<language>[^/]+)").replace("SLUG", "(?P<slug>[^/]+)")
    return re.compile(regex + "/?")


def parse(path):
    """(language code or None, slug, query) of a reader-site path or URL, else None.

    The language is None when `CMS_STORY_URL` does not carry it in the path (a host per
    language): the caller's language applies then.
    """
    parts = urlsplit(path)
    match = _pattern(settings.CMS_STORY_URL).fullmatch(parts.path)
    if match is None:
        return None
    found = match.groupdict()
    language = found.get("language")
    if language is not None:
        language = languages.normalize(unquote(language))
        if language is None:
            return None
    return language, unquote(found["slug"]), parts.query


def reserialized(query):
    """The query string parsed and written again, percent-encoded: a `Location` carries
    what the old link asked for, never raw spaces, control characters or a fragment."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=100)
    except ValueError:
        return ""  # More parameters than any link of ours carries.
    return urlencode(pairs, quote_via=quote, errors="replace")


def resolve(path, audience, observer=None):
    """The current canonical address of the story `path` named, or None.

    None when the path is not a story address, names a story where it lives now, or a
    story the audience may not read (a draft keeps its old addresses unknown).
    """
    observe = observer or (lambda kind, ids: None)
    # Any story's rename, publication or withdrawal may change the answer.
    observe(serving.STORY_LIST, [])
    parsed = parse(path)
    if parsed is None:
        return None
    language, slug, query = parsed
    audience = audience.reading(language) if language else audience
    language = language or audience.language
    readable = Story.objects.readable(audience)
    current = readable.filter(slug=slug).values_list("pk", "slug").first()
    if current is None:
        moved = StorySlug.objects.filter(slug=slug).values_list("story_id", flat=True).first()
        current = readable.filter(pk=moved).values_list("pk", "slug").first() if moved else None
    if current is None:
        return None
    observe(serving.STORY, [current[0]])
    location = sharing.canonical_url(current[1], language)
    query = reserialized(query)
    if query:
        location = f"{location}?{query}"
    if urlsplit(location).path == urlsplit(path).path:
        return None  # It lives here: no redirect, never one to itself.
    return location
