"""The demo's images, bylines and corrections: one live story shows them all.

The lead image is drawn with Pillow when the demo loads (a warehouse robot under a shelf, in
flat shapes), so that the demo needs no picture files; its texts, the authors and the
correction are in both languages. Like the stories, nothing that exists is touched: a
story that has a lead image already keeps it.
"""

import io
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image as Picture
from PIL import ImageDraw

from cms.models import Author, Correction, Image, Story, StoryAuthor, StoryImage
from cms.stories import publishing

STORY = "warehouse-robot-foundation-model-pilots"
SIZE = (1600, 900)
IMAGE_TEXTS = {
    "en": {
        "alt": "A yellow warehouse robot lifts a box from a blue shelf",
        "caption": "Pilots run the same model on robots of three makers.",
        "credit": "Illustration: AI News",
    },
    "zh-hans": {
        "alt": "一台黄色仓储机器人从蓝色货架上取下一个箱子",
        "caption": "试点在三家厂商的机器人上运行同一个模型。",
        "credit": "插图：AI资讯",
    },
}
AUTHORS = [
    {
        "slug": "lin-mei",
        "name": "Lin Mei",
        "kind": Author.Kind.PERSON,
        "profile_url": "https://news.example.com/en/authors/lin-mei/",
        "bio": {
            "en": "Covers robotics and the models that drive them.",
            "zh-hans": "报道机器人及驱动它们的模型。",
        },
    },
    {
        "slug": "ai-news-desk",
        "name": "The AI News desk",
        "kind": Author.Kind.ORGANIZATION,
        "profile_url": "",
        "bio": {"en": "The newsroom's editors.", "zh-hans": "编辑部的编辑们。"},
    },
]
CORRECTION = {
    "en": "An earlier version said the pilots ran in four warehouses; they run in three.",
    "zh-hans": "此前版本称试点在四个仓库进行，实际为三个。",
}
CORRECTED_HOURS_AGO = 20


def picture():
    """The demo's lead image as JPEG bytes: a robot under a shelf, in flat shapes."""
    width, height = SIZE
    canvas = Picture.new("RGB", SIZE, (226, 232, 240))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, height * 0.78, width, height), fill=(148, 163, 184))
    for shelf in range(3):
        top = 120 + shelf * 200
        draw.rectangle((860, top, 1480, top + 24), fill=(30, 64, 175))
        for box in range(4):
            left = 890 + box * 150
            draw.rectangle((left, top - 110, left + 110, top), fill=(180, 130, 80))
    draw.rectangle((320, 430, 760, 700), fill=(234, 179, 8))
    draw.ellipse((350, 660, 450, 760), fill=(30, 41, 59))
    draw.ellipse((630, 660, 730, 760), fill=(30, 41, 59))
    draw.rectangle((600, 250, 640, 440), fill=(71, 85, 105))
    draw.rectangle((640, 250, 860, 280), fill=(71, 85, 105))
    draw.rectangle((760, 200, 860, 250), fill=(180, 130, 80))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=85)
    return out.getvalue()


def _author(item):
    found = Author.objects.filter(slug=item["slug"]).first()
    if found is not None:
        return found
    author = Author(
        slug=item["slug"], name=item["name"], kind=item["kind"], profile_url=item["profile_url"]
    )
    for code, bio in item["bio"].items():
        author.set_current_language(code)
        author.bio = bio
    author.save()
    return author


@transaction.atomic
def load(now=None):
    """Give the demo story its lead image, byline and correction, unless it has an image;
    return whether anything was added."""
    now = now or timezone.now()
    story = Story.objects.filter(slug=STORY).first()
    if story is None or story.image_id is not None:
        return False
    image = Image(rights="CC BY 4.0", source_url="https://news.example.com/")
    image.file.save("demo-warehouse-robot.jpg", ContentFile(picture()), save=False)
    # Django reads the size from an uploaded file as it is assigned, not from one saved so.
    image.width, image.height = SIZE
    for code, texts in IMAGE_TEXTS.items():
        image.set_current_language(code)
        for name, value in texts.items():
            setattr(image, name, value)
    image.save()
    authors = [_author(item) for item in AUTHORS]
    StoryAuthor.objects.get_or_create(story=story, author=authors[0], defaults={"position": 0})
    StoryImage.objects.get_or_create(story=story, image=image)
    story.image = image
    story.editor = authors[1]
    corrected_at = max(now - timedelta(hours=CORRECTED_HOURS_AGO), story.published_at)
    for code, text in CORRECTION.items():
        Correction.objects.create(
            story=story, language_code=code, text=text, corrected_at=corrected_at
        )
    story.updated_at = max(story.updated_at or corrected_at, corrected_at)
    story.save()
    publishing.announce(story, material=True)
    return True
