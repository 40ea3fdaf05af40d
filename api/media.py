"""Serving images: an original as uploaded (cleaned), or a rendition, made on first request.

Addresses never change meaning (a new file or focal point gives new ones), so answers may
be cached for a year. With the filesystem storage the file is streamed from here; with a
remote storage (S3) the caller is sent to the stored file once it exists.
"""

import mimetypes

from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cms import images
from cms.models import Image

IMMUTABLE = "public, max-age=31536000, immutable"


@require_safe
def serve(request, name):
    parsed = images.parse_name(name)
    if parsed is not None:
        image = Image.objects.filter(pk=parsed[0]).first()
        rendition = image and images.find_rendition(image, name)
        if rendition is None:
            raise Http404(_("No such image."))
        images.render(image, rendition)
        content_type = images.FORMATS[rendition.format][1]
    elif Image.objects.filter(file=name).exists():
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    else:
        raise Http404(_("No such image."))
    if isinstance(default_storage, FileSystemStorage):
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    else:
        response = HttpResponseRedirect(default_storage.url(name))
    response["Cache-Control"] = IMMUTABLE
    return response
