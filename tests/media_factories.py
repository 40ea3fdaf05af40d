"""Build images and authors for tests: real pictures made with Pillow, in memory."""

import io

from django.core.files.base import ContentFile
from PIL import Image as PillowImage

from cms.models import Author, Image, StoryAuthor, StoryImage


def picture_bytes(width=1600, height=900, kind="JPEG", exif=None, mode="RGB"):
    """An encoded picture (a colour gradient, so crops differ), with optional EXIF."""
    picture = PillowImage.linear_gradient("L").resize((width, height)).convert(mode)
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    picture.save(out, kind, **options)
    return out.getvalue()


def gps_exif():
    """EXIF naming a camera position (GPS IFD): latitude 51.5, longitude 0.12."""
    exif = PillowImage.Exif()
    exif[0x010F] = "Camera maker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    return exif


def make_image(width=1600, height=900, focal=(0.5, 0.5), decorative=False, **texts):
    """An image with texts per language: make_image(alt_en="A robot", alt_zh_hans="机器人")."""
    image = Image(
        focal_x=focal[0],
        focal_y=focal[1],
        decorative=decorative,
        rights="CC BY 4.0",
        width=width,
        height=height,
    )
    image.file.save("robot.jpg", ContentFile(picture_bytes(width, height)), save=False)
    # Django reads the size from the file as the admin's upload is assigned, not here.
    image.width, image.height = width, height
    for code in ("en", "zh-hans"):
        suffix = code.replace("-", "_")
        values = {name: texts.get(f"{name}_{suffix}") for name in ("alt", "caption", "credit")}
        if any(values.values()):
            image.set_current_language(code)
            for name, value in values.items():
                setattr(image, name, value or "")
    image.save()
    return image


def make_author(slug, name, kind=Author.Kind.PERSON, profile_url="", **bios):
    author = Author(slug=slug, name=name, kind=kind, profile_url=profile_url)
    for code, bio in bios.items():
        author.set_current_language(code.replace("_", "-"))
        author.bio = bio
    author.save()
    return author


def set_authors(story, authors):
    StoryAuthor.objects.filter(story=story).delete()
    for position, author in enumerate(authors):
        StoryAuthor.objects.create(story=story, author=author, position=position)


def attach_images(story, images):
    """Give `story` these images to place in its analysis (its analyses render again)."""
    for image in images:
        StoryImage.objects.get_or_create(story=story, image=image)
