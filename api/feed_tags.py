"""What a feed request for one tag is told: 404 for a tag it cannot see, else its name
in the served language; and how feed answers may be cached."""

from django.core.validators import slug_re
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from api.graphql_http.refusals import RequestError
from cms.models import Story, Tag


def served_name(slug, audience):
    """The tag's name in the first language of the audience's chain that has one (else its
    slug).

    A tag that does not exist, that a key is not limited to, or that no story the audience
    may read carries, is a 404: a feed never echoes the query text, and no one is told
    which other tags exist (a tag made for an embargoed story names it). Text no tag's slug
    can be (a NUL byte, which PostgreSQL refuses) is not looked up.
    """
    field = Tag._meta.get_field("slug")
    possible = len(slug) <= field.max_length and slug_re.fullmatch(slug)
    tag = Tag.objects.filter(slug=slug).first() if possible else None
    if (
        tag is None
        or (audience.tag_ids is not None and tag.pk not in audience.tag_ids)
        # A tag only drafts carry is not told by name: its feed is as absent as the tag.
        or not Story.objects.readable(audience).with_tag(slug).exists()
    ):
        # Said in plain text, as the feed's other refusals are (api/feeds.py), rather
        # than as the site's HTML page for a missing address.
        raise RequestError(404, _("No feed for that tag."), code="NOT_FOUND")
    names = dict(
        Tag.translations.field.model.objects.filter(
            master=tag, language_code__in=audience.chain
        ).values_list("language_code", "name")
    )
    return next((names[code] for code in audience.chain if names.get(code)), tag.slug)


def cache_headers(request, response):
    """Feeds for a key (and so every full-text feed) are for that key alone: never stored."""
    patch_vary_headers(response, ["Authorization"])
    if getattr(request, "feed_is_private", False):
        response["Cache-Control"] = "private, no-store"
    return response
