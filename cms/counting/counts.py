"""Story counts maintained, not recounted: `totalCount` and tag `storyCount` at any size.

A story is counted in language L (and under each of its tags) while readers have been
told it is live (`Story.live_since`, set by the workflow transition), it is still live,
and it has a version in L or one of L's fallbacks, as lists serve it. Every change that
moves a story in or out of a count is heard here: the workflow's announcements (going
live, leaving the public, changing while live) and, beneath them, any save of a story,
its tags or its language versions. Each recomputes that one story's places
(`Story.counted_in`) under its row lock and moves the counts by the difference, in the
change's own transaction.

Between a scheduled story's publish time and the scheduler announcing it, it is visible
but not yet counted: reads add those few stories, found through a partial index, in the
same statement. Likewise between a story's expiry time and the scheduler announcing that
it left the public, it is counted but no longer visible: reads subtract those few stories
(counted, announced, expired: `_counted_but_expired`), found through the expiry index. So
the stored counts follow the announcements alone (`_started_q`: announced and its publish
time come), and `drift` and `rebuild` use that same rule. Counts are for the public; an
audience restricted by a partner key's languages or tags is counted exactly over the
archive (bounded by its restriction). `manage.py check_counts` reports drift and repairs it.
"""

from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import F, Func, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from cms.core import compiled, languages
from cms.models import Story, StoryCount, StoryTag, StoryTranslation, Tag
from cms.models.querysets import earliest


def _started_q(now=None):
    """Stories the stored counts hold once announced: published and their time come.

    Expiry is left out: an expired story stays counted until the scheduler announces that
    it left the public, and reads subtract it meanwhile (`_counted_but_expired`).
    """
    return Q(status=Story.Status.PUBLISHED, published_at__lte=now or timezone.now())


def places(codes, tag_ids):
    """Where a live story with versions in `codes` and these tags is counted."""
    found = set()
    for language in languages.codes():
        if any(code in codes for code in languages.chain(language)):
            found.add((language, None))
            found.update((language, tag_id) for tag_id in tag_ids)
    return found


def _label(place):
    language, tag_id = place
    return language if tag_id is None else f"{language}:{tag_id}"


def _place(label):
    language, _sep, tag_id = label.partition(":")
    return language, int(tag_id) if tag_id else None


def refresh(story, leaving=False):
    """Move the counts of `story` to where it belongs now (nowhere if `leaving`)."""
    with transaction.atomic():
        row = (
            Story.objects.select_for_update()
            .filter(pk=story.pk)
            .values("counted_in", "live_since", "status", "published_at")
            .first()
        )
        if row is None:
            return
        before = {_place(label) for label in row["counted_in"]}
        after = set()
        started = row["status"] == Story.Status.PUBLISHED and (
            row["published_at"] is not None and row["published_at"] <= timezone.now()
        )
        if not leaving and row["live_since"] is not None and started:
            codes = set(
                StoryTranslation.objects.filter(master_id=story.pk).values_list(
                    "language_code", flat=True
                )
            )
            tag_ids = StoryTag.objects.filter(story_id=story.pk).values_list("tag_id", flat=True)
            after = places(codes, list(tag_ids))
        if before == after:
            return
        _move(before - after, -1)
        _move(after - before, +1)
        labels = sorted(_label(place) for place in after)
        Story.objects.filter(pk=story.pk).update(counted_in=labels)


def _move(moved, delta):
    # Always in one order, so that two stories' changes never wait on each other.
    tag_ids = {tag_id for _language, tag_id in moved if tag_id is not None}
    existing = set(Tag.objects.filter(pk__in=tag_ids).values_list("pk", flat=True))
    for language, tag_id in sorted(moved, key=lambda place: (place[0], place[1] or 0)):
        if tag_id is not None and tag_id not in existing:
            continue  # The tag was deleted, and its counts with it.
        _add(language, tag_id, delta)


def _add(language, tag_id, delta):
    rows = StoryCount.objects.filter(language=language, tag_id=tag_id)
    if rows.update(count=F("count") + delta):
        return
    try:
        with transaction.atomic():
            StoryCount.objects.create(language=language, tag_id=tag_id, count=delta)
    except IntegrityError:  # Another transaction created it meanwhile.
        rows.update(count=F("count") + delta)


def _story_changed(sender, story, **kwargs):
    refresh(story)


def _story_left(sender, story, **kwargs):
    refresh(story, leaving=True)


# A live story saved, or its tags and language versions changed, by any path (a shell, a
# data fix) moves its counts too: recomputing its places is idempotent.


def _story_saved(sender, instance, created, **kwargs):
    if not created:
        refresh(instance)


def _story_deleted(sender, instance, **kwargs):
    refresh(instance, leaving=True)


def _cascaded(origin):
    # Deleting a story or a tag deletes its links and versions: the story was uncounted
    # already, and a tag's counts go with the tag.
    model = origin.model if isinstance(origin, QuerySet) else type(origin)
    return model in (Story, Tag)


def _tag_link_changed(sender, instance, origin=None, **kwargs):
    if not _cascaded(origin):
        _refresh_live(instance.story_id)


def _version_changed(sender, instance, created=True, origin=None, **kwargs):
    # Only a version added or removed changes where the story is counted.
    if created and not _cascaded(origin):
        _refresh_live(instance.master_id)


def _tags_changed(sender, instance, action, pk_set=None, **kwargs):
    if not action.startswith("post_"):
        return
    if isinstance(instance, Story):
        _refresh_live(instance.pk)
    else:
        for story_id in pk_set or ():
            _refresh_live(story_id)


def _refresh_live(story_id):
    if Story.objects.filter(pk=story_id, live_since__isnull=False).exists():
        refresh(Story(pk=story_id))


# Reading.


def _count_of(queryset):
    """A subquery counting `queryset`'s rows, for use inside another statement."""
    return Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1])


def _unannounced(audience, now=None):
    return Story.objects.readable(audience, now).filter(live_since__isnull=True)


def _counted_but_expired(audience, now=None):
    # Counted where the audience's list is (a version in its chain; tags are filtered by
    # the caller): `counted_in` is recomputed on every change of versions or tags.
    expired = Story.objects.filter(
        status=Story.Status.PUBLISHED,
        expires_at__lte=now or timezone.now(),
        live_since__isnull=False,
    ).exclude(counted_in=[])
    return expired.in_chain(audience.chain)


def total(audience, tag=None):
    """How many stories the public audience's list holds (of tag slug `tag`), or None
    where only counting the list can say (a key's restrictions)."""
    if not audience.is_public:
        return None
    return _total(audience, tag)[0]


def total_and_next_change(audience, tag=None):
    """`total`, and `Story.objects.next_publication()` read in the same statement: (count,
    moment). For an answer whose lifetime the next change bounds and which no cache told
    yet (a flushed cache, a story changed): it then costs no statement of its own."""
    if not audience.is_public:
        return None, Story.objects.next_publication()
    return _total(audience, tag, next_change=True)


def _total(audience, tag, next_change=False):
    # Building these statements costs several times what running them does: each shape's
    # SQL is compiled once per process (`cms.core.compiled`), and run with the time.
    def total_at(now):
        unannounced, expired = _unannounced(audience, now), _counted_but_expired(audience, now)
        rows = StoryCount.objects.filter(language=audience.language)
        if tag is None:
            rows = rows.filter(tag__isnull=True)
        else:
            rows = rows.filter(tag__slug=tag)
            unannounced, expired = unannounced.with_tag(tag), expired.with_tag(tag)
        moments = Story.objects.next_change_subqueries(now) if next_change else {}
        rows = rows.annotate(extra=_count_of(unannounced), gone=_count_of(expired), **moments)
        return rows.order_by("pk").values_list("count", "extra", "gone", *moments)[:1]

    now = timezone.now()
    found = compiled.rows(StoryCount, ("total", audience, tag, next_change), total_at, now)
    if not found:
        # No story was ever counted in this list.
        moment = Story.objects.next_publication(now) if next_change else None
        unannounced = _unannounced(audience, now)
        return (unannounced if tag is None else unannounced.with_tag(tag)).count(), moment
    counted, extra, gone, *changes = found[0]
    return counted + (extra or 0) - (gone or 0), earliest(*changes)


def tag_counts(audience, tag_ids=None):
    """Tag id to how many stories the public audience sees with it (of `tag_ids`, or all
    with at least one), with slugs: {pk: (slug, count)}; None for a restricted audience.

    A tag whose only stories went live moments ago, before the scheduler announced them,
    shows once it has.
    """
    found = _tag_rows(audience, tag_ids)
    if found is None:
        return None
    return {pk: (slug, count) for pk, (slug, count, _names) in found.items()}


def named_tag_counts(audience):
    """`tag_counts` of every tag with at least one story, each with its names in the
    audience's language chain, in the same statement: {pk: (slug, count, {code: name})}."""
    return _tag_rows(audience, None, audience.chain)


def _tag_rows(audience, tag_ids, chain=()):
    if not audience.is_public:
        return None

    def rows_at(now):
        unannounced = _unannounced(audience, now).filter(tag_links__tag_id=OuterRef("tag_id"))
        expired = _counted_but_expired(audience, now).filter(tag_links__tag_id=OuterRef("tag_id"))
        rows = StoryCount.objects.filter(language=audience.language, tag__isnull=False)
        if tag_ids is not None:
            rows = rows.filter(tag_id__in=tag_ids)
        # One name per language of the chain (at most a few): one row per tag.
        names = {
            f"name_{position}": Subquery(
                Tag.translations.field.model.objects.filter(
                    master_id=OuterRef("tag_id"), language_code=code
                ).values("name")[:1]
            )
            for position, code in enumerate(chain)
        }
        rows = rows.annotate(extra=_count_of(unannounced), gone=_count_of(expired), **names)
        return rows.values_list("tag_id", "tag__slug", "count", "extra", "gone", *names)

    # The tag list's statement is compiled once per process (`cms.core.compiled`); one
    # for a page's tags is built each time, as each page names other tags.
    if tag_ids is None:
        found_rows = compiled.rows(StoryCount, ("tag counts", audience, chain), rows_at)
    else:
        found_rows = rows_at(timezone.now())
    found = {}
    for pk, slug, count, extra, gone, *named in found_rows:
        total = count + (extra or 0) - (gone or 0)
        if total > 0 or tag_ids is not None:
            in_language = {
                code: name for code, name in zip(chain, named, strict=True) if name is not None
            }
            found[pk] = (slug, total, in_language)
    return found


# Checking and repairing.


def expected():
    """(counts, places by story id) as they should be, computed over the whole archive."""
    story_model, tag_link_model, translation_model = Story, StoryTag, StoryTranslation
    counts = Counter()
    by_story = {}
    announced = story_model.objects.filter(_started_q(), live_since__isnull=False).order_by("pk")
    last = 0
    while ids := list(announced.filter(pk__gt=last).values_list("pk", flat=True)[:2000]):
        last = ids[-1]
        codes, tags = {}, {}
        for story_id, code in translation_model.objects.filter(master_id__in=ids).values_list(
            "master_id", "language_code"
        ):
            codes.setdefault(story_id, set()).add(code)
        for story_id, tag_id in tag_link_model.objects.filter(story_id__in=ids).values_list(
            "story_id", "tag_id"
        ):
            tags.setdefault(story_id, []).append(tag_id)
        for story_id in ids:
            found = places(codes.get(story_id, set()), tags.get(story_id, []))
            by_story[story_id] = sorted(_label(place) for place in found)
            counts.update(found)
    return counts, by_story


def drift():
    """Every count that differs from the archive: {(language, tag id): (stored, right)}."""
    right, by_story = expected()
    stored = {(row.language, row.tag_id): row.count for row in StoryCount.objects.all()}
    wrong = {
        place: (stored.get(place, 0), right.get(place, 0))
        for place in set(right) | set(stored)
        if stored.get(place, 0) != right.get(place, 0)
    }
    # Places under a tag deleted since are dropped at the story's next change: harmless.
    tags = set(Tag.objects.values_list("pk", flat=True))

    def current(labels):
        return sorted(
            label for label in labels if _place(label)[1] is None or _place(label)[1] in tags
        )

    stored_places = dict(Story.objects.exclude(counted_in=[]).values_list("pk", "counted_in"))
    misplaced = sum(
        1
        for story_id in set(stored_places) | set(by_story)
        if current(stored_places.get(story_id, [])) != by_story.get(story_id, [])
    )
    return wrong, misplaced


@transaction.atomic
def rebuild():
    """Recount everything from the archive; return how many counts there are."""
    story_model, count_model = Story, StoryCount
    right, by_story = expected()
    count_model.objects.all().delete()
    count_model.objects.bulk_create(
        count_model(language=language, tag_id=tag_id, count=count)
        for (language, tag_id), count in right.items()
    )
    story_model.objects.exclude(pk__in=list(by_story)).exclude(counted_in=[]).update(counted_in=[])
    # Stories counted in the same places are written together, a thousand at a time.
    groups = {}
    for story_id, labels in by_story.items():
        groups.setdefault(tuple(labels), []).append(story_id)
    for labels, ids in groups.items():
        for start in range(0, len(ids), 1000):
            story_model.objects.filter(pk__in=ids[start : start + 1000]).update(
                counted_in=list(labels)
            )
    return len(right)
