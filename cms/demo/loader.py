"""Load the demo content without touching what is already there.

Each demo story's hot score is the publication's estimate (the ranking starts from it:
cms/counting/ranking.py), and its views and shares are spread over the days since it went live
as activity rows, the way readers would have left them, so that the dashboard's most
read chart shows them. Demo stories loaded before estimates and rows existed get theirs.
"""

import json
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from cms.models import Source, Story, StoryActivity, Tag, set_tags
from cms.models.story import CONTENT_FIELDS
from cms.stories import publishing

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


def _spread(total, days):
    """`total` over `days`, halving from one day to the next; the first day gets the rest."""
    weights = [0.5**number for number in range(len(days))]
    parts = [int(total * weight / sum(weights)) for weight in weights]
    parts[0] += total - sum(parts)
    return parts


def _activity(story, now):
    """Activity rows holding a live story's counters, unless it has rows already."""
    if not story.is_live(now) or story.activity.exists():
        return []
    first = timezone.localdate(story.published_at)
    days = [
        first + timedelta(days=number)
        for number in range((timezone.localdate(now) - first).days + 1)
    ]
    return [
        StoryActivity(story=story, day=day, views=views, shares=shares)
        for day, views, shares in zip(
            days, _spread(story.view_count, days), _spread(story.share_count, days), strict=True
        )
        if views or shares
    ]


def _complete(story, item, now):
    """Give a demo story loaded by an older version its estimate and activity rows."""
    if story.hot_prior is None and item["hot"]:
        story.estimate_hot(item["hot"])
        story.save(
            update_fields=[
                "hot",
                "hot_prior",
                "hot_prior_views",
                "hot_prior_shares",
                "hot_computed",
            ]
        )
    return _activity(story, now)


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
    activity = []
    for item in data["stories"]:
        existing = Story.objects.filter(slug=item["slug"]).first()
        if existing is not None:
            activity += _complete(existing, item, now)
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
            source=sources[item["source"]] if item["source"] else None,
            source_url=item["source_url"],
        )
        for code, fields in item["translations"].items():
            story.set_current_language(code)
            for field in CONTENT_FIELDS:
                setattr(story, field, fields[field])
            story.ai_involvement = "ai_generated" if item["ai_generated"] else "human"
        story.save()
        set_tags(story, [tags[slug] for slug in item["tags"]])
        # Published as the workflow publishes: announced, counted, scheduled.
        publishing.announce(story)
        activity += _activity(story, now)
        created += 1
    StoryActivity.objects.bulk_create(activity)
    return created
