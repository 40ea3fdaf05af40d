"""The hot score: how much attention a story gets now, from its readers' views and shares.

A share weighs W views (CMS_HOT_SHARE_WEIGHT, 5): engagement e = views + W × shares.
Each day's engagement (StoryActivity rows, days in the site's time zone) counts as of noon
that day (or now, while noon is ahead) and halves every H hours after that
(CMS_HOT_HALF_LIFE_HOURS, 24); only the last D days count (CMS_HOT_WINDOW_DAYS, 7). The
counters' views and shares that no row accounts for (counted before rows were kept:
imported and demo stories) count as of the publish time. The sum then halves every A
hours of the story's own age (CMS_HOT_AGE_HALF_LIFE_HOURS, 72), so old stories fade, and a
saturating curve maps it onto 0–100 (K: CMS_HOT_SATURATION, 200), rounding halves up:

    x   = Σ_days e_day × 2^(−age_day / H)  +  e_undated × 2^(−age_story / H)
    s   = x × 2^(−age_story / A)
    hot = round(100 × s / (s + K))

No engagement scores 0, s = K scores 50, s = 3K scores 75, and 100 needs s ≥ 199K.

That is the readers' score. A story given a score (`Story.hot_prior`: the story pipeline's
estimate, or the score it was created with) starts from that estimate instead, and the
engagement counted since it was given, n = views + W × shares after it (the counters
against `hot_prior_views`/`hot_prior_shares`), shifts the weight to the readers' score
(P: CMS_HOT_PRIOR_WEIGHT, 200, the engagement at which both weigh the same):

    w   = n / (n + P)
    hot = round((1 − w) × estimate + w × readers' score)

So the estimate stands until readers come, 200 views since then make it half the
estimate and half the readers' score, 1,800 a tenth and nine tenths. P = 0 ranks by the
readers' score alone; a story without an estimate is ranked by it too.

`recompute_hot` (run every few minutes by `manage.py rank_stories --every 300`, never on
a request) stores the blended score of every live story in `Story.hot_computed`, and in
`Story.hot` (what readers see) unless an editor set `hot_override`. Pinned stories lead
the HOT_DESC list whatever their scores.
"""

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import task

from cms.core.events import scores_changed
from cms.models import Story, StoryActivity

BATCH_SIZE = 500


@dataclass(frozen=True)
class Weights:
    """The formula's constants (see the module docstring)."""

    half_life_hours: float = 24
    age_half_life_hours: float = 72
    share_weight: float = 5
    saturation: float = 200
    window_days: int = 7
    prior_weight: float = 200

    @classmethod
    def from_settings(cls):
        """The constants the CMS_HOT_* settings give; a clear error for impossible ones."""
        weights = cls(
            half_life_hours=settings.CMS_HOT_HALF_LIFE_HOURS,
            age_half_life_hours=settings.CMS_HOT_AGE_HALF_LIFE_HOURS,
            share_weight=settings.CMS_HOT_SHARE_WEIGHT,
            saturation=settings.CMS_HOT_SATURATION,
            window_days=settings.CMS_HOT_WINDOW_DAYS,
            prior_weight=settings.CMS_HOT_PRIOR_WEIGHT,
        )
        positive = {
            "CMS_HOT_HALF_LIFE_HOURS": weights.half_life_hours,
            "CMS_HOT_AGE_HALF_LIFE_HOURS": weights.age_half_life_hours,
            "CMS_HOT_SATURATION": weights.saturation,
            "CMS_HOT_WINDOW_DAYS": weights.window_days,
        }
        for name, value in positive.items():
            if not value > 0:
                raise ImproperlyConfigured(f"{name} must be more than 0; it is {value}.")
        at_least_zero = {
            "CMS_HOT_SHARE_WEIGHT": weights.share_weight,
            "CMS_HOT_PRIOR_WEIGHT": weights.prior_weight,
        }
        for name, value in at_least_zero.items():
            if not value >= 0:
                raise ImproperlyConfigured(f"{name} must be 0 or more; it is {value}.")
        return weights


def _hours(later, earlier):
    return max(0.0, (later - earlier).total_seconds() / 3600)


def _day_noon(day):
    return timezone.make_aware(datetime.combine(day, time(12)))


def hot_score(
    *,
    now,
    published_at,
    view_count,
    share_count,
    activity=(),
    tracked=None,
    weights=None,
):
    """The hot score, 0–100, of a story at `now` (the formula of the module docstring).

    `activity` holds (day, views, shares) rows; `tracked` the (views, shares) of all the
    story's rows, older ones included (by default, the sum of `activity`).
    """
    weights = weights or Weights()
    rows = list(activity)
    tracked_views, tracked_shares = tracked or (
        sum(row[1] for row in rows),
        sum(row[2] for row in rows),
    )
    first_day = timezone.localdate(now) - timedelta(days=weights.window_days - 1)
    x = 0.0
    for day, views, shares in rows:
        if day >= first_day:
            age = _hours(now, _day_noon(day))
            x += (views + weights.share_weight * shares) * 0.5 ** (age / weights.half_life_hours)
    story_age = _hours(now, published_at)
    undated = max(0, view_count - tracked_views) + weights.share_weight * max(
        0, share_count - tracked_shares
    )
    x += undated * 0.5 ** (story_age / weights.half_life_hours)
    s = x * 0.5 ** (story_age / weights.age_half_life_hours)
    return _round(100 * s / (s + weights.saturation))


def _round(value):
    return min(100, math.floor(value + 0.5))


def blended_score(*, estimate, readers, views_since=0, shares_since=0, weights=None):
    """The hot score from the story's estimate (None: none) and the readers' score, 0–100.

    `views_since` and `shares_since` are what readers did after the estimate was given.
    """
    weights = weights or Weights()
    if estimate is None or weights.prior_weight == 0:
        return readers
    engagement = max(0, views_since) + weights.share_weight * max(0, shares_since)
    share = engagement / (engagement + weights.prior_weight)
    return _round((1 - share) * estimate + share * readers)


def recompute_hot(now=None, batch_size=BATCH_SIZE, progress=None, story_ids=None):
    """Recompute the hot score of every live story (or of `story_ids`); return how many were
    ranked and changed.

    Scores readers see (`hot`) change where no override stands in the way; the response
    cache forgets the answers that showed them. `progress(ranked)` follows each batch.
    """
    now = now or timezone.now()
    weights = Weights.from_settings()
    first_day = timezone.localdate(now) - timedelta(days=weights.window_days - 1)
    stories = (
        Story.objects.published(now)
        .order_by("pk")
        .only(
            "published_at",
            "view_count",
            "share_count",
            "hot",
            "hot_computed",
            "hot_override",
            "hot_prior",
            "hot_prior_views",
            "hot_prior_shares",
        )
    )
    if story_ids is not None:
        stories = stories.filter(pk__in=story_ids)
    ranked = changed = 0
    last_pk = 0
    while batch := list(stories.filter(pk__gt=last_pk)[:batch_size]):
        last_pk = batch[-1].pk
        ids = [story.pk for story in batch]
        tracked = {
            row["story_id"]: (row["views"], row["shares"])
            for row in StoryActivity.objects.filter(story_id__in=ids)
            .order_by()
            .values("story_id")
            .annotate(views=Sum("views"), shares=Sum("shares"))
        }
        recent = {}
        for story_id, day, views, shares in StoryActivity.objects.filter(
            story_id__in=ids, day__gte=first_day
        ).values_list("story_id", "day", "views", "shares"):
            recent.setdefault(story_id, []).append((day, views, shares))
        updated, shown = [], []
        for story in batch:
            readers = hot_score(
                now=now,
                published_at=story.published_at,
                view_count=story.view_count,
                share_count=story.share_count,
                activity=recent.get(story.pk, ()),
                tracked=tracked.get(story.pk, (0, 0)),
                weights=weights,
            )
            score = blended_score(
                estimate=story.hot_prior,
                readers=readers,
                views_since=story.view_count - story.hot_prior_views,
                shares_since=story.share_count - story.hot_prior_shares,
                weights=weights,
            )
            if score != story.hot_computed:
                story.hot_computed = score
                updated.append(story)
            effective = story.hot_override if story.hot_override is not None else score
            if effective != story.hot:
                shown.append(story.pk)
        with transaction.atomic():
            Story.objects.bulk_update(updated, ["hot_computed"])
            if shown:
                # Computed in SQL, so that an override an editor sets meanwhile still wins.
                Story.objects.filter(pk__in=shown).update(
                    hot=Coalesce(F("hot_override"), F("hot_computed"), F("hot"))
                )
                # bulk_update and update() send no model signals: say what changed.
                scores_changed.send(sender=Story, story_ids=shown)
        ranked += len(batch)
        changed += len(shown)
        if progress is not None:
            progress(ranked)
    return {"ranked": ranked, "changed": changed}


@task()
def rank_story(story_id):
    """Rank one story: run by the worker when it goes live, so it need not wait a round."""
    return recompute_hot(story_ids=[story_id])


def _rank_when_live(sender, story, **kwargs):
    rank_story.enqueue(story.pk)


@task()
def rank_stories():
    """Recompute the hot scores on the task worker, for schedulers that enqueue tasks."""
    return recompute_hot()
