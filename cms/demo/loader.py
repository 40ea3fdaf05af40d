"""Load the demo content without touching what is already there."""

import json
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from cms.models import Source, Story, Tag, set_tags
from cms.models.story import CONTENT_FIELDS

DEMO_FILE = Path(__file__).with_name("stories.json")


def read(path=DEMO_FILE):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _translated(model, slug, names, **fields):
    """Create `model` with `slug` and its names, unless it exists; return it."""
    obj = model.objects.filter(slug=slug).first()
    if obj is not None:
        return obj, False
    obj = model(slug=slug, **fields)
    for code, name in names.items():
        obj.set_current_language(code)
        obj.name = name
    obj.save()
    return obj, True


def _hours_ago(now, hours):
    return None if hours is None else now - timedelta(hours=hours)


@transaction.atomic
def load(data=None, now=None):
    """Create every demo object that does not exist yet; return how many stories were created."""
    data = data or read()
    now = now or timezone.now()
    sources = {
        item["slug"]: _translated(Source, item["slug"], item["name"], homepage=item["homepage"])[0]
        for item in data["sources"]
    }
    tags = {item["slug"]: _translated(Tag, item["slug"], item["name"])[0] for item in data["tags"]}
    created = 0
    for item in data["stories"]:
        if Story.objects.filter(slug=item["slug"]).exists():
            continue
        story = Story(
            slug=item["slug"],
            status=item["status"],
            published_at=_hours_ago(now, item["published_hours_ago"]),
            updated_at=_hours_ago(now, item["updated_hours_ago"]),
            hot=item["hot"],
            quality=item["quality"],
            impact=item["impact"],
            view_count=item["view_count"],
            share_count=item["share_count"],
            ai_generated=item["ai_generated"],
            source=sources[item["source"]] if item["source"] else None,
            source_url=item["source_url"],
        )
        for code, fields in item["translations"].items():
            story.set_current_language(code)
            for field in CONTENT_FIELDS:
                setattr(story, field, fields[field])
        story.save()
        set_tags(story, [tags[slug] for slug in item["tags"]])
        created += 1
    return created
