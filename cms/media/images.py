"""Images: what an upload must be to be kept, and the renditions made of it.

An upload is refused unless Pillow reads it fully as a JPEG, PNG, WebP or AVIF picture no
larger than `CMS_IMAGE_MAX_BYTES` and `CMS_IMAGE_MAX_PIXELS` (decompression bombs among
them); what is kept is re-encoded without its metadata, so GPS positions never reach
readers (`clean_upload` says when it removed one).

Renditions are crops at a ratio (the original's, 16:9, 4:3, 1:1) around the editor's focal
point, at the widths of `CMS_IMAGE_WIDTHS` (never upscaled), in JPEG, WebP and, where
Pillow has it, AVIF. Their names are derived from the original's name and focal point, so
a new focal point or file gives new addresses; each is made once and kept in the default
storage (`cms.media.renditions`: all of them when the image is saved, any one still missing on
its first request).
"""

import hashlib
import io
import os
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image as PillowImage
from PIL import ImageOps, features

# Pillow refuses to open anything this much larger than our own limit (a bomb) outright.
PillowImage.MAX_IMAGE_PIXELS = settings.CMS_IMAGE_MAX_PIXELS

ACCEPTED = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "AVIF": "avif"}
GPS_IFD = 0x8825
RATIOS = {"original": None, "16x9": (16, 9), "4x3": (4, 3), "1x1": (1, 1)}
FORMATS = {"jpeg": ("JPEG", "image/jpeg"), "webp": ("WEBP", "image/webp")}
if features.check("avif"):
    FORMATS["avif"] = ("AVIF", "image/avif")
QUALITY = {"JPEG": 85, "WEBP": 80, "AVIF": 60}


@dataclass
class Upload:
    """An accepted upload: the file to keep, and whether location data was removed."""

    file: ContentFile
    width: int
    height: int
    removed_location: bool


def clean_upload(uploaded):
    """The upload as it will be kept, or a `ValidationError` saying what is wrong with it."""
    if uploaded.size > settings.CMS_IMAGE_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s MB; images may be at most %(limit)s MB.")
            % {
                "size": round(uploaded.size / 1_000_000, 1),
                "limit": round(settings.CMS_IMAGE_MAX_BYTES / 1_000_000, 1),
            },
            code="too_large",
        )
    too_many_pixels = ValidationError(
        _("The image has more than %(limit)s million pixels; please upload a smaller one.")
        % {"limit": round(settings.CMS_IMAGE_MAX_PIXELS / 1_000_000, 1)},
        code="too_many_pixels",
    )
    uploaded.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PillowImage.DecompressionBombWarning)
            picture = PillowImage.open(uploaded)
            if picture.format not in ACCEPTED:
                raise ValidationError(
                    _("Only JPEG, PNG, WebP and AVIF images can be uploaded."), code="format"
                )
            if picture.width * picture.height > settings.CMS_IMAGE_MAX_PIXELS:
                raise too_many_pixels
            check_shape(picture.width, picture.height)
            picture.load()
    except (PillowImage.DecompressionBombError, PillowImage.DecompressionBombWarning):
        raise too_many_pixels from None
    except ValidationError:
        raise
    except Exception:
        # Pillow raises many kinds of errors for files it cannot read: all mean the same.
        raise ValidationError(
            _("The file is not an image, or it is damaged: upload a JPEG, PNG, WebP or AVIF."),
            code="not_an_image",
        ) from None
    exif = picture.getexif()
    removed_location = GPS_IFD in exif and bool(exif.get_ifd(GPS_IFD) or exif.get(GPS_IFD))
    kind = picture.format
    # Turned as the camera meant, then saved without any metadata.
    upright = ImageOps.exif_transpose(picture)
    if kind == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    out = io.BytesIO()
    options = {"optimize": True} if kind == "PNG" else {"quality": QUALITY.get(kind, 90)}
    upright.save(out, kind, **options)
    stem = os.path.splitext(os.path.basename(uploaded.name or "image"))[0] or "image"
    return Upload(
        ContentFile(out.getvalue(), name=f"{stem}.{ACCEPTED[kind]}"),
        upright.width,
        upright.height,
        removed_location,
    )


def check_shape(width, height):
    """Refuse a picture some rendition format could not hold: a side over
    `CMS_IMAGE_MAX_SIDE`, or a long side over `CMS_IMAGE_MAX_ASPECT` times the short one."""
    longest = settings.CMS_IMAGE_MAX_SIDE
    if width > longest or height > longest:
        raise ValidationError(
            _(
                "The image is %(width)s × %(height)s pixels; each side may be at most "
                "%(max)s pixels. Please upload a smaller one."
            )
            % {"width": width, "height": height, "max": longest},
            code="too_long_a_side",
        )
    ratio = settings.CMS_IMAGE_MAX_ASPECT
    if max(width, height) > ratio * max(1, min(width, height)):
        raise ValidationError(
            _(
                "The image is %(width)s × %(height)s pixels: its long side may be at most "
                "%(ratio)s times its short side. Crop it before uploading."
            )
            % {"width": width, "height": height, "ratio": ratio},
            code="extreme_aspect_ratio",
        )


def crop_box(width, height, ratio, focal_x, focal_y):
    """The (left, top, right, bottom) of the largest `ratio` crop centred on the focal point,
    moved inside the picture where the point is near an edge."""
    if RATIOS[ratio] is None:
        return (0, 0, width, height)
    across, down = RATIOS[ratio]
    crop_width = min(width, round(height * across / down))
    crop_height = min(height, round(crop_width * down / across))
    left = min(max(round(focal_x * width - crop_width / 2), 0), width - crop_width)
    top = min(max(round(focal_y * height - crop_height / 2), 0), height - crop_height)
    return (left, top, left + crop_width, top + crop_height)


@dataclass(frozen=True)
class Rendition:
    """One rendition's address and size (the file is made on its first request)."""

    name: str
    url: str
    width: int
    height: int
    format: str
    ratio: str


def version(image):
    """A short digest of what renditions depend on: the file and the focal point."""
    raw = f"{image.file.name}|{image.focal_x:.4f}|{image.focal_y:.4f}"
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def media_url(name):
    """The public address of a stored file, under `CMS_MEDIA_URL`."""
    return settings.CMS_MEDIA_URL.rstrip("/") + "/" + name


def widths_for(crop_width):
    """The configured widths a crop this wide can give; the crop's own if it is smaller."""
    widths = sorted({width for width in settings.CMS_IMAGE_WIDTHS if width <= crop_width})
    return widths or [crop_width]


def renditions(image, kind="jpeg", ratio="original", widths=None):
    """The renditions of `image` in format `kind` at `ratio`, narrowest first.

    `widths` picks among the available widths; a format Pillow cannot write gives none.
    """
    if kind not in FORMATS or not image.width or not image.height:
        return []
    left, top, right, bottom = crop_box(
        image.width, image.height, ratio, image.focal_x, image.focal_y
    )
    crop_width, crop_height = right - left, bottom - top
    available = widths_for(crop_width)
    chosen = available if widths is None else [w for w in available if w in set(widths)]
    failed = set(image.failed_renditions or ())
    found = []
    for width in chosen:
        name = f"renditions/{image.pk}/{version(image)}/{ratio}-{width}.{kind}"
        if name in failed:
            continue  # Its making failed: no address that would answer an error is listed.
        found.append(
            Rendition(
                name,
                media_url(name),
                width,
                max(1, round(width * crop_height / crop_width)),
                kind,
                ratio,
            )
        )
    return found


def largest(image, ratio, kind="jpeg"):
    """The widest rendition of `image` at `ratio` (for share cards and search engines)."""
    found = renditions(image, kind, ratio)
    return found[-1] if found else None


def parse_name(name):
    """(image pk, version, ratio, width, format) from a rendition's stored name, or None."""
    parts = name.split("/")
    if len(parts) != 4 or parts[0] != "renditions" or not parts[1].isdigit():
        return None
    stem, _dot, kind = parts[3].rpartition(".")
    ratio, _dash, width = stem.rpartition("-")
    if kind not in FORMATS or ratio not in RATIOS or not width.isdigit():
        return None
    return int(parts[1]), parts[2], ratio, int(width), kind


def every_rendition(image):
    """Every rendition of `image`: each format, ratio and width."""
    return [
        rendition
        for kind in FORMATS
        for ratio in RATIOS
        for rendition in renditions(image, kind, ratio)
    ]


def render(image, rendition):
    """The encoded file of `rendition` of `image` (storing it is `cms.media.renditions`')."""
    box = crop_box(image.width, image.height, rendition.ratio, image.focal_x, image.focal_y)
    with image.file.open("rb") as original, PillowImage.open(original) as picture:
        picture = picture.crop(box).resize(
            (rendition.width, rendition.height), PillowImage.Resampling.LANCZOS
        )
        pillow_format = FORMATS[rendition.format][0]
        if pillow_format == "JPEG" and picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        out = io.BytesIO()
        picture.save(out, pillow_format, quality=QUALITY[pillow_format])
    return out.getvalue()


def find_rendition(image, name):
    """The rendition of `image` stored as `name`, if `name` is one of its current ones."""
    parsed = parse_name(name)
    if parsed is None or parsed[0] != image.pk or parsed[1] != version(image):
        return None
    _pk, _version, ratio, width, kind = parsed
    for rendition in renditions(image, kind, ratio, [width]):
        return rendition
    return None
