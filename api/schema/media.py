"""A story's images, bylines and corrections: thin adapters over `cms.media.served`."""

import re
from datetime import datetime
from enum import Enum
from typing import Annotated
from urllib.parse import quote

import strawberry
from django.conf import settings
from django.utils.translation import gettext as _

from api.schema.errors import BadUserInput
from cms.media import served as served_media

MAX_WIDTHS = 10


def previewed(url, token):
    """`url` carrying a preview token (`/media/` shows a draft's images to its holder)."""
    return f"{url}?preview={quote(token, safe='')}" if token else url


def previewed_html(html, token):
    """`html` with every image address under `CMS_MEDIA_URL` carrying a preview token."""
    if not token:
        return html
    prefix = re.escape(settings.CMS_MEDIA_URL.rstrip("/") + "/")
    return re.sub(rf"{prefix}[^\s\"'<>,?]+", lambda m: previewed(m.group(0), token), html)


def previewed_ninjs(document, token):
    """A ninjs item (`cms.serving.ninjs`) whose image addresses carry a preview token: its
    pictures' renditions and the images in its HTML body."""
    if not token:
        return document
    for picture in document.get("associations", []):
        for rendition in picture.get("renditions", []):
            rendition["href"] = previewed(rendition["href"], token)
    for body in document.get("bodies", []):
        if (body.get("contenttype") or body.get("contentType")) == "text/html":
            body["value"] = previewed_html(body["value"], token)
    return document


@strawberry.enum(description="An image file format renditions are made in.")
class ImageFormat(Enum):
    JPEG = strawberry.enum_value("jpeg", description="JPEG: every client reads it.")
    WEBP = strawberry.enum_value("webp", description="WebP: smaller, read by current browsers.")
    AVIF = strawberry.enum_value(
        "avif",
        description="AVIF: smallest; none are listed where the server's imaging library "
        "cannot write it.",
    )


@strawberry.enum(description="The shape of a rendition: a crop around the editor's focal point.")
class ImageRatio(Enum):
    ORIGINAL = strawberry.enum_value("original", description="The whole image, uncropped.")
    WIDE = strawberry.enum_value("16x9", description="16:9, for share cards and lead images.")
    STANDARD = strawberry.enum_value("4x3", description="4:3.")
    SQUARE = strawberry.enum_value("1x1", description="1:1, for thumbnails.")


@strawberry.type(description="One rendition of an image: a file at one width, ratio and format.")
class Rendition:
    url: str = strawberry.field(
        description="The file's absolute address (made when the image is saved)."
    )
    width: int = strawberry.field(description="Width in pixels.")
    height: int = strawberry.field(description="Height in pixels.")
    format: ImageFormat = strawberry.field(description="The file format.")


@strawberry.type(description="An image with its texts in the served language.")
class Image:
    _served: strawberry.Private[served_media.ServedImage]
    # A preview's token, which the addresses of an unpublished story's images carry.
    _token: strawberry.Private[str | None] = None

    @strawberry.field(
        description="The original's absolute address (metadata removed). In a preview of "
        "a story readers cannot see yet, addresses carry the preview token."
    )
    def url(self) -> str:
        return previewed(self._served.url, self._token)

    @strawberry.field(description="The original's width in pixels.")
    def width(self) -> int:
        return self._served.width

    @strawberry.field(description="The original's height in pixels.")
    def height(self) -> int:
        return self._served.height

    @strawberry.field(
        description="What the image shows, for readers who cannot see it; empty when the "
        'image is decorative (render alt="").'
    )
    def alt(self) -> str:
        return self._served.alt

    @strawberry.field(description="Whether the image is decorative: screen readers skip it.")
    def decorative(self) -> bool:
        return self._served.decorative

    @strawberry.field(description="The caption shown with the image; may be empty.")
    def caption(self) -> str:
        return self._served.caption

    @strawberry.field(description="The credit shown with the image, e.g. the photographer.")
    def credit(self) -> str:
        return self._served.credit

    @strawberry.field(description="Who may use the image and how (rights or licence).")
    def rights(self) -> str:
        return self._served.rights

    @strawberry.field(description="Where the image comes from; empty when not given.")
    def source_url(self) -> str:
        return self._served.source_url

    @strawberry.field(
        description="Resized files for `srcset`, narrowest first: never wider than the crop."
    )
    def renditions(
        self,
        format: Annotated[
            ImageFormat, strawberry.argument(description="The file format.")
        ] = ImageFormat.JPEG,
        ratio: Annotated[
            ImageRatio, strawberry.argument(description="The crop's shape.")
        ] = ImageRatio.ORIGINAL,
        widths: Annotated[
            list[int] | None,
            strawberry.argument(
                description="Only these widths, of those configured; null: every width."
            ),
        ] = None,
    ) -> list[Rendition]:
        if widths is not None:
            unknown = sorted(set(widths) - set(settings.CMS_IMAGE_WIDTHS))
            if len(widths) > MAX_WIDTHS or unknown:
                raise BadUserInput(
                    _("Widths must be among %(widths)s.")
                    % {"widths": ", ".join(str(w) for w in settings.CMS_IMAGE_WIDTHS)}
                )
        return [
            Rendition(
                url=previewed(r.url, self._token),
                width=r.width,
                height=r.height,
                format=ImageFormat(r.format),
            )
            for r in self._served.renditions(format.value, ratio.value, widths)
        ]


@strawberry.enum(description="What a byline names.")
class AuthorKind(Enum):
    PERSON = strawberry.enum_value("person", description="A person.")
    ORGANIZATION = strawberry.enum_value(
        "organization", description="The publication itself, for automated stories."
    )


@strawberry.type(description="An author or editor named in a story's byline.")
class Author:
    _served: strawberry.Private[served_media.ServedAuthor]

    @strawberry.field(description="The name, as printed in the byline.")
    def name(self) -> str:
        return self._served.name

    @strawberry.field(description="A person, or the publication.")
    def kind(self) -> AuthorKind:
        return AuthorKind(self._served.kind)

    @strawberry.field(description="The author's profile page; empty when there is none.")
    def url(self) -> str:
        return self._served.url

    @strawberry.field(description="A short biography in the served language; may be empty.")
    def bio(self) -> str:
        return self._served.bio

    @strawberry.field(description="The author's picture, if any.")
    def avatar(self) -> Image | None:
        return Image(_served=self._served.avatar) if self._served.avatar else None


@strawberry.type(description="A correction readers are told about: what changed, and when.")
class Correction:
    text: str = strawberry.field(description="What was corrected, in the served language.")
    corrected_at: datetime = strawberry.field(description="When the correction was made.")
