"""The admin index's newsroom dashboard: what needs an editor's attention, and what readers read.

Its first row is each person's own start: "New story", their drafts, what waits for them
(a review for editors, a translation for translators, the stories they sent for review
for writers) and what goes live today, so that all of it is above the fold on a laptop.

Everything is read in a fixed number of queries, however many stories there are: one for
the counts, one per list, one for the titles and one for the chart.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cms.core import languages
from cms.disclosure.rules import awaiting_review_q
from cms.models import PendingTranslation, Story, StoryActivity, StoryTranslation, scheduled_q
from cms.models.assignment import assigned_languages
from cms.stories import approvals, workflow

LIST_SIZE = 10
# The first row's lists are short, so that the row fits above the fold.
START_SIZE = 5
# The first row, in order; the other sections follow it.
START = ("mine", "awaiting", "scheduled")
CHART_DAYS = 7
CHART_SIZE = 10


@dataclass
class Item:
    """A story in a dashboard list: its title, change page and what to say about it."""

    pk: int
    title: str = ""
    url: str = ""
    when: datetime | None = None
    languages: list = field(default_factory=list)


@dataclass
class Section:
    """A list of stories needing attention, its total and where to see them all."""

    key: str
    title: str
    count: int
    items: list
    links: list
    size: int = LIST_SIZE

    @property
    def more(self):
        """How many stories of the section the list leaves out."""
        return self.count - len(self.items)


@dataclass
class Bar:
    """One story of the chart: views and shares, and the bar lengths (percent of the top)."""

    item: Item
    views: int
    shares: int
    views_width: str
    shares_width: str


class Rule(NamedTuple):
    """What a section lists: its title, condition on stories, order and "see all" filters."""

    title: str
    condition: Q
    order: list
    links: list


def _saved_by(user):
    """Stories `user` added or changed in the admin (its log keeps who saved what)."""
    return Exists(
        LogEntry.objects.filter(
            user_id=user.pk,
            content_type=ContentType.objects.get_for_model(Story),
            object_id=Cast(OuterRef("pk"), CharField()),
        )
    )


def _missing_in(codes):
    """Stories without a version, or with an outdated one, in one of `codes`."""
    translations = StoryTranslation.objects
    condition = Q(pk__in=Story.objects.with_outdated_translation().values("pk"))
    for code in codes:
        condition |= ~Exists(translations.filter(master=OuterRef("pk"), language_code=code))
    return condition


def _waiting_for(user, not_archived):
    """What waits for `user` to act: a title and a rule, by what their role does."""
    if user.has_perm(workflow.REVIEW) or user.has_perm(workflow.PUBLISH):
        return Rule(
            _("Awaiting my review"),
            Q(status=Story.Status.REVIEW),
            ["modified_at", "pk"],
            [(_("See all"), "state=review")],
        )
    if not user.has_perm(workflow.CHANGE) and user.has_perm("cms.translate_story"):
        codes = sorted(assigned_languages(user))
        return Rule(
            _("Awaiting my translation"),
            _missing_in(codes) & not_archived,
            ["-modified_at", "-pk"],
            [(_("See all"), f"missing={code}") for code in codes[:1]],
        )
    return Rule(
        _("My stories in review"),
        Q(status=Story.Status.REVIEW) & _saved_by(user),
        ["-modified_at", "-pk"],
        [(_("See all"), "state=review")],
    )


def _rules(now, user):
    """Each section's rule, by section key, in the order they are shown."""
    today = timezone.localdate(now)
    tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    translations = StoryTranslation.objects
    missing = Q()
    for code in languages.codes():
        missing |= ~Exists(translations.filter(master=OuterRef("pk"), language_code=code))
    # Put away or killed: no work waits on them.
    not_archived = ~Q(status__in=[Story.Status.ARCHIVED, Story.Status.KILLED])
    outdated = Story.objects.with_outdated_translation().values("pk")
    live = Q(status=Story.Status.PUBLISHED, published_at__lte=now)
    return {
        "mine": Rule(
            _("My drafts"),
            Q(status=Story.Status.DRAFT) & _saved_by(user),
            ["-modified_at", "-pk"],
            [(_("See all drafts"), "state=draft")],
        ),
        "awaiting": _waiting_for(user, not_archived),
        "scheduled": Rule(
            _("Going live today"),
            scheduled_q(now) & Q(published_at__lt=tomorrow),
            ["published_at", "pk"],
            [(_("See all scheduled"), "state=scheduled")],
        ),
        "review": Rule(
            _("In review"),
            Q(status=Story.Status.REVIEW),
            ["-modified_at", "-pk"],
            [(_("See all"), "state=review")],
        ),
        "outdated": Rule(
            _("Outdated translations"),
            Q(pk__in=outdated) & not_archived,
            ["-modified_at", "-pk"],
            [(_("See all"), "outdated=any")],
        ),
        "pending": Rule(
            _("Translations awaiting approval"),
            Exists(PendingTranslation.objects.pending().filter(story=OuterRef("pk"))),
            ["-modified_at", "-pk"],
            [
                (
                    _("See all"),
                    reverse("admin:cms_pendingtranslation_changelist") + "?status__exact=pending",
                )
            ],
        ),
        # Only what still needs action: text to review before it goes live, not stories
        # that readers have had for days.
        "ai_review": Rule(
            _("AI text awaiting review"),
            Exists(translations.filter(awaiting_review_q(), master=OuterRef("pk")))
            & not_archived
            & ~live,
            ["-modified_at", "-pk"],
            [(_("See all"), reverse("admin:cms_story_disclosure") + "?show=awaiting")],
        ),
        "missing": Rule(
            _("Missing a language"),
            missing & not_archived,
            ["-modified_at", "-pk"],
            [
                (_("Missing %(language)s") % {"language": name}, f"missing={code}")
                for code, name in settings.LANGUAGES
            ],
        ),
    }


def _titles(ids):
    """Each story's title in the admin's language (else any) and its versions' states."""
    current = get_language()
    order = {code: position for position, code in enumerate(languages.codes())}
    rows = StoryTranslation.objects.filter(master_id__in=ids).values_list(
        "master_id", "language_code", "title", "content_changed_at"
    )
    versions = {}
    for master_id, code, title, changed in rows:
        versions.setdefault(master_id, {})[code] = (title, changed)
    titles = {}
    for pk, found in versions.items():
        best = sorted(found, key=lambda code: (code != current, order.get(code, len(order))))
        titles[pk] = found[best[0]][0]
    return titles, versions


def _languages_to_name(key, story, versions, pending):
    """The languages a list says a story misses, or has outdated versions in."""
    if key == "missing":
        return [code for code in languages.codes() if code not in versions]
    if key == "pending":
        return pending.get(story.pk, [])
    if key == "outdated":
        original = versions.get(story.original_language, (None, None))[1]
        if original is None:
            return []
        return [
            code
            for code, (_title, changed) in versions.items()
            if code != story.original_language and changed is not None and changed < original
        ]
    return []


def _width(value, top):
    return f"{100 * value / top:.1f}" if top else "0"


def build(request, now=None):
    """The dashboard for `request`'s user, or None when they may not see stories."""
    if not admin.site.is_registered(Story):
        return None
    if not admin.site.get_model_admin(Story).has_view_permission(request):
        return None
    now = now or timezone.now()
    rules = _rules(now, request.user)
    counts = Story.objects.aggregate(
        **{key: Count("pk", filter=rule.condition) for key, rule in rules.items()}
    )
    stories = {
        key: list(
            Story.objects.filter(rule.condition)
            .order_by(*rule.order)
            .only("published_at", "original_language")[: START_SIZE if key in START else LIST_SIZE]
        )
        for key, rule in rules.items()
    }
    today = timezone.localdate(now)
    chart_rows = list(
        StoryActivity.objects.filter(day__gt=today - timedelta(days=CHART_DAYS), day__lte=today)
        .order_by()
        .values("story_id")
        .annotate(views=Sum("views"), shares=Sum("shares"))
        .annotate(total=F("views") + F("shares"))
        .filter(total__gt=0)
        .order_by("-total", "-shares", "story_id")[:CHART_SIZE]
    )
    ids = {story.pk for found in stories.values() for story in found}
    ids |= {row["story_id"] for row in chart_rows}
    titles, versions = _titles(ids)
    pending = approvals.pending_languages([story.pk for story in stories["pending"]])
    changelist = reverse("admin:cms_story_changelist")

    def item(pk, **extra):
        return Item(
            pk=pk,
            title=titles.get(pk) or str(pk),
            url=reverse("admin:cms_story_change", args=[pk]),
            **extra,
        )

    names = dict(settings.LANGUAGES)
    sections = [
        Section(
            key=key,
            title=rule.title,
            count=counts[key],
            items=[
                item(
                    story.pk,
                    when=story.published_at if key == "scheduled" else None,
                    languages=[
                        names.get(code, code)
                        for code in _languages_to_name(
                            key, story, versions.get(story.pk, {}), pending
                        )
                    ],
                )
                for story in stories[key]
            ],
            links=[
                (label, query if query.startswith("/") else f"{changelist}?{query}")
                for label, query in rule.links
            ],
        )
        for key, rule in rules.items()
    ]
    start = [section for section in sections if section.key in START]
    sections = [section for section in sections if section.key not in START]
    top = chart_rows[0]["total"] if chart_rows else 0
    chart = [
        Bar(
            item=item(row["story_id"]),
            views=row["views"],
            shares=row["shares"],
            views_width=_width(row["views"], top),
            shares_width=_width(row["shares"], top),
        )
        for row in chart_rows
    ]
    story_admin = admin.site.get_model_admin(Story)
    new_story = reverse("admin:cms_story_add") if story_admin.has_add_permission(request) else None
    return {
        "start": start,
        "new_story": new_story,
        "sections": sections,
        "chart": chart,
        "chart_days": CHART_DAYS,
    }
