"""`/media/`: images' originals and renditions, to whoever may see a story showing them.

An image reaches the public only through a live story (`Story.objects.showing_image`,
then `published()`, the `live_q` rule): as its lead image, placed in its analysis, or as
an avatar in its byline. For anyone else an image of drafts, embargoed (scheduled),
expired or unpublished stories, or of none, is the same 404 as an address naming nothing,
unless they hold a preview token of a story showing it (`?preview=<token>`, since an
`<img>` sends no headers, or the `Preview-Token` header) or a staff session that may view
stories. Those answers are private: no shared cache or edge keeps them.

A public answer may be kept by browsers for a year (`immutable`: an address never changes
meaning) and by edges as long as any API answer, under the surrogate keys of the live
stories showing it, so that the purge following an unpublishing or expiry removes it
(`api.caching.edge`). A story that expires bounds the edge's and browsers' lifetimes
when every story showing the image does. A 404 is never stored, since publishing the
story makes the address public.

Files are streamed from the default storage whatever it is: with S3 the bucket stays
private and this view (behind the CDN) is the only way in. A rendition not made yet (its
image was saved moments ago) is made here, once across processes (`cms.media.renditions`).
"""

import math
import mimetypes
import time

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from api.caching import edge, keys
from cms.media import images, renditions
from cms.models import Image, Story
from cms.stories import preview as previews

YEAR = 31536000
PRIVATE = "private, no-store"
# Longer names are no file of ours (`Image.file` holds 300 characters).
MAX_NAME = 300
# Live stories named as surrogate keys; past that the answer is keyed by every story.
MAX_OWNERS = 100


@require_safe
def serve(request, name):
    found = _find(name)
    if found is None:
        return _not_found()
    image, rendition = found
    owners = list(
        Story.objects.showing_image(image.pk)
        .published()
        .order_by()
        .values_list("pk", "expires_at")[: MAX_OWNERS + 1]
    )
    if not owners and not (_previewing(request, image) or previews.may_issue(request.user)):
        return _not_found()
    if rendition is not None:
        try:
            renditions.ensure(image, rendition)
        except renditions.Failed:
            return _not_found()
        except renditions.Busy:
            response = HttpResponse(
                _("The image is being prepared; try again in a moment."),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = "2"
            response["Cache-Control"] = "no-store"
            return response
        content_type = images.FORMATS[rendition.format][1]
    else:
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    except OSError:
        return _not_found()
    if owners:
        _public(response, owners)
    else:
        response["Cache-Control"] = PRIVATE
    return response


def _find(name):
    """(image, rendition) for a rendition's name, (image, None) for an original's, or None."""
    if not name or len(name) > MAX_NAME or "\x00" in name:
        return None
    parsed = images.parse_name(name)
    if parsed is not None:
        image = Image.objects.filter(pk=parsed[0]).first()
        rendition = image and images.find_rendition(image, name)
        return (image, rendition) if rendition is not None else None
    image = Image.objects.filter(file=name).first()
    return (image, None) if image is not None else None


def _previewing(request, image):
    """Whether the request holds a valid preview token of a story showing `image`."""
    # An address carries the media-only token (`?preview=`); a frontend holding the
    # story's own token may send that as the header.
    media_token = request.GET.get("preview", "").strip()
    header_token = request.headers.get(previews.HEADER, "").strip()
    try:
        if media_token:
            preview = previews.check_issuer(previews.read_media(media_token))
        elif header_token:
            preview = previews.check_issuer(previews.read(header_token))
        else:
            return False
    except previews.PreviewError:
        return False
    return Story.objects.filter(pk=preview.story_id).showing_image(image.pk).exists()


def _public(response, owners):
    """Cache headers of a public image: browsers a year, edges under the owners' keys."""
    dependencies = [keys.story(pk) for pk, _expires in owners[:MAX_OWNERS]]
    if len(owners) > MAX_OWNERS:
        dependencies.append(keys.STORIES)
    expiries = [expires for _pk, expires in owners]
    short_lived = len(owners) <= MAX_OWNERS and all(expiries)
    remaining = settings.CMS_EDGE_MAX_AGE
    if short_lived:
        # Public until the last story showing it expires (each is purged then, too).
        remaining = max(1, math.ceil(max(expiries).timestamp() - time.time()))
    browser = min(YEAR, remaining) if short_lived else YEAR
    shared = min(settings.CMS_HTTP_SHARED_MAX_AGE, browser)
    response["Cache-Control"] = f"public, max-age={browser}, s-maxage={shared}, immutable"
    tokens = edge.answer_keys(dependencies)
    response["Surrogate-Key"] = " ".join(tokens)
    response["Cache-Tag"] = ",".join(tokens)
    control = edge.edge_control(edge.edge_max_age(remaining, shared, short_lived))
    response["Surrogate-Control"] = control
    response["CDN-Cache-Control"] = control


def _not_found():
    response = HttpResponse(
        _("No such image."), status=404, content_type="text/plain; charset=utf-8"
    )
    response["Cache-Control"] = "no-store"
    return response
