"""Images an editor places in a story's analysis: the syntax, its checks and its HTML.

A story's images (`StoryImage`, the admin's "Images in the analysis") may be placed in
any language's analysis with a line of its own holding `![[image:12]]`, 12 being the
image's number. At save time the line becomes a `<figure>`: a `<picture>` with AVIF and
WebP sources and a JPEG `<img>` (`srcset` of the renditions, `sizes`, `width`, `height`,
the version's alt text, `loading="lazy"`), and a `<figcaption>` with the caption and
credit in the version's language. Addresses are absolute (`CMS_MEDIA_URL`), so feeds and
partners can show them as they are.

Inside fenced code or backticks the syntax is left alone (that is how the guide shows
it). Everything else that looks like a placement is checked (`problems`): a line of its
own, an image that exists, is among the story's images and has alt text in the version's
language (or is decorative). When an image or the story's list changes, the analyses
showing it are rendered again (`refresh_stories`, from `cms.media.receivers`).
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from cms.core import languages, richtext
from cms.media import served as served_media

# Anything an editor may have meant as a placement; what is inside is checked apart.
ANY = re.compile(r"!\[\[\s*image\s*:([^\]\n]*)\]\]", re.IGNORECASE)
EXACT = re.compile(r"!\[\[image:(\d{1,12})\]\]")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
INLINE_CODE = re.compile(r"(`+).+?\1")


@dataclass(frozen=True)
class Placement:
    """Something in the analysis that looks like a placement, where it is and what it names."""

    line: int
    code: str
    # The image's number, or None when the code does not give one.
    image_id: int | None
    # Whether it stands on a line of its own (only then is it shown).
    alone: bool


def scan(source):
    """Every placement in `source` (Markdown), outside fenced code and backticks."""
    found = []
    fence = None
    for number, line in enumerate((source or "").split("\n")):
        opening = FENCE.match(line)
        if fence is not None:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        visible = INLINE_CODE.sub("", line)
        for match in ANY.finditer(visible):
            exact = EXACT.fullmatch(match.group(0))
            found.append(
                Placement(
                    line=number,
                    code=match.group(0),
                    image_id=int(exact.group(1)) if exact else None,
                    alone=visible.strip() == match.group(0),
                )
            )
    return found


def placed_ids(source):
    """The numbers of the images `source` places, in order of first appearance."""
    ids = []
    for placement in scan(source):
        if placement.alone and placement.image_id is not None and placement.image_id not in ids:
            ids.append(placement.image_id)
    return ids


def problems(source, language, attached_ids):
    """What is wrong with the placements of `source`, the analysis in `language`, for a
    story whose images are `attached_ids`: messages for the editor, empty when nothing is.
    """
    from cms.models import Image

    messages = []
    wanted = []
    for placement in scan(source):
        if placement.image_id is None:
            messages.append(
                _("“%(code)s” does not name an image: write its number, e.g. ![[image:12]].")
                % {"code": placement.code}
            )
        elif not placement.alone:
            messages.append(
                _(
                    "Put “%(code)s” on a line of its own: an image cannot stand inside a "
                    "sentence, a list item's first line, a quote or a table."
                )
                % {"code": placement.code}
            )
        elif placement.image_id not in wanted:
            wanted.append(placement.image_id)
    if not wanted:
        return messages
    found = {
        image.pk: image
        for image in Image.objects.filter(pk__in=wanted).prefetch_related("translations")
    }
    attached = set(attached_ids)
    name = str(dict(settings.LANGUAGES).get(language, language))
    for image_id in wanted:
        image = found.get(image_id)
        if image is None:
            messages.append(
                _("There is no image %(id)s: check its number in the image list.")
                % {"id": image_id}
            )
        elif image_id not in attached:
            messages.append(
                _(
                    "Image %(id)s is not among this story's images: add it under “Images in "
                    "the analysis” first."
                )
                % {"id": image_id}
            )
        elif not image.decorative and not _alt_in(image, language):
            messages.append(
                _(
                    "Image %(id)s has no alt text in %(language)s: write it on the image's "
                    "%(language)s tab, or mark the image decorative."
                )
                % {"id": image_id, "language": name}
            )
    return messages


def _alt_in(image, language):
    return any(
        row.language_code == language and row.alt.strip() for row in image.translations.all()
    )


def placed_in_other_versions(story_id, removed_ids, languages_rewritten=()):
    """Messages naming each removed image that a stored version's analysis still places
    (versions in `languages_rewritten` are checked with their new text instead)."""
    from cms.models import StoryTranslation

    if not story_id or not removed_ids:
        return []
    names = dict(settings.LANGUAGES)
    messages = []
    rows = StoryTranslation.objects.filter(master_id=story_id).exclude(
        language_code__in=list(languages_rewritten)
    )
    for code, analysis in rows.values_list("language_code", "analysis"):
        for image_id in placed_ids(analysis):
            if image_id in removed_ids:
                messages.append(
                    _(
                        "Image %(id)s is placed in the %(language)s analysis: remove "
                        "“![[image:%(id)s]]” there before removing the image."
                    )
                    % {"id": image_id, "language": str(names.get(code, code))}
                )
    return messages


def figure_html(image):
    """The `<figure>` of a `ServedImage` placed in an analysis ("" if it has no renditions)."""
    jpeg = image.renditions("jpeg")
    if not jpeg:
        return ""
    sizes = settings.CMS_FIGURE_SIZES
    sources = [
        format_html(
            '<source type="{}" srcset="{}" sizes="{}">',
            f"image/{kind}",
            _srcset(found),
            sizes,
        )
        for kind in ("avif", "webp")
        if (found := image.renditions(kind))
    ]
    fallback = jpeg[-1]
    img = format_html(
        '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" '
        'loading="lazy" decoding="async">',
        fallback.url,
        _srcset(jpeg),
        sizes,
        fallback.width,
        fallback.height,
        image.alt,
    )
    caption = ""
    if image.caption or image.credit:
        credit = (
            format_html(' <small class="cms-figure-credit">{}</small>', image.credit)
            if image.credit
            else ""
        )
        caption = format_html("<figcaption>{}{}</figcaption>", image.caption, credit)
    return format_html(
        '<figure class="cms-figure"><picture>{}{}</picture>{}</figure>',
        # Each source was escaped by format_html above.
        mark_safe("".join(sources)),
        img,
        caption,
    )


def _srcset(renditions):
    return ", ".join(f"{rendition.url} {rendition.width}w" for rendition in renditions)


def render_analysis(source, story_id, language):
    """(sanitized HTML, ids of the images shown) for the analysis `source` of a story's
    version in `language`. A placement of an image that is not among the story's images is
    left out; without placements this costs no query."""
    from cms.models import StoryImage

    placements = [p for p in scan(source) if p.alone and p.image_id is not None]
    if not placements:
        return richtext.render(source), []
    wanted = list(dict.fromkeys(p.image_id for p in placements))
    attached = set()
    if story_id:
        attached = set(
            StoryImage.objects.filter(story_id=story_id, image_id__in=wanted).values_list(
                "image_id", flat=True
            )
        )
    served = served_media.load_images(
        [image_id for image_id in wanted if image_id in attached], languages.chain(language)
    )
    blocks = {
        p.line: figure_html(served[p.image_id]) if p.image_id in served else "" for p in placements
    }
    return richtext.render(source, blocks), [i for i in wanted if i in served]


def refresh_stories(story_ids):
    """Render again the analyses of `story_ids` that place images (after an image, its
    texts or a story's list of images changed); return the ids of the stories that changed.

    Only the rendered HTML and its image list change: the text, its search terms and the
    version's content (what reviews and translations compare) stay as they are.
    """
    from cms.models import StoryTranslation

    changed = set()
    rows = StoryTranslation.objects.filter(master_id__in=list(story_ids)).values_list(
        "pk", "master_id", "language_code", "analysis", "analysis_html", "analysis_images"
    )
    for pk, story_id, code, analysis, stored_html, stored_images in rows:
        if not stored_images and not placed_ids(analysis):
            continue
        html, shown = render_analysis(analysis, story_id, code)
        if html != stored_html or shown != stored_images:
            StoryTranslation.objects.filter(pk=pk).update(analysis_html=html, analysis_images=shown)
            changed.add(story_id)
    return changed


def may_lead(image_id, story_id=None):
    """Whether the story `story_id` (None: a new one) may take image `image_id` as its lead
    image: an image of its own, one no other story shows, or one a live story already
    shows. Another story's image that readers cannot see yet (an embargoed story's photo)
    is not the library's to hand out: naming it would publish it with this story."""
    from cms.models import Story

    others = Story.objects.showing_image(image_id).exclude(pk=story_id)
    if not others.exists():
        return True
    if story_id is not None and Story.objects.showing_image(image_id).filter(pk=story_id).exists():
        return True
    return others.published().exists()
