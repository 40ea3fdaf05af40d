"""A partner's delta sync: the first pages hold everything its key may read, the later
ones what changed since its token, as upserted language versions and tombstones.

A round of the sync reads, in order:

1. `walk`: on the first sync, every story the key may read; after the key's rights
   changed, every story readable under the rights the partner's copy may reflect and
   under the new ones (so what it may no longer read gets its tombstones);
2. `log`: the stories of the change log's entries numbered in (`after`, `upto`]
   (cms/sync/log.py: numbered after commit, so no concurrent commit is skipped);
3. `published` and `expired`: the stories whose publish or expiry time fell in
   (`since`, `until`]. No transaction happens when a scheduled story's time comes, so
   the round finds it by its time: it enters the sync at its time, never before.

Each story a page names is sent as its key reads it now, its visibility judged at the
round's `until` (never later than now, so never before its time): an `upsert` of each
language version the key may read, a `tombstone` with the reason for each it may not.
Sending a story's current state is idempotent, so a story met twice (in the log and by
its time) or a page fetched again with the same token does no harm. Each phase is one
keyset-paged query; a page costs the same few queries whatever the archive's size.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from cms.core import languages
from cms.disclosure import rules as disclosure
from cms.models import Story, StoryTag, StoryTranslation, SyncEntry
from cms.serving import ninjs
from cms.serving.audience import Audience
from cms.serving.stories import serve

from . import log, prune, tokens
from .tokens import DONE, EXPIRED, LOG, PUBLISHED, WALK, Position

MAX_FIRST = 500
DEFAULT_FIRST = 100
# A live story's entries a version carries, newest first (`live.moreEntries` says whether
# older ones exist: a live blog of more is read through the API's cursors).
SYNC_ENTRIES = 500

UPSERT, TOMBSTONE = "upsert", "tombstone"
# Why a version left (or is not in) a partner's copy.
UNPUBLISHED = "unpublished"
EXPIRED_REASON = "expired"
ARCHIVED = "archived"
LANGUAGE_REMOVED = "language_removed"
NOT_READABLE = "not_readable"
DELETED = "deleted"
KILLED = "killed"
REASONS = (UNPUBLISHED, EXPIRED_REASON, ARCHIVED, LANGUAGE_REMOVED, NOT_READABLE, DELETED, KILLED)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment):
    return (moment - EPOCH) // timedelta(microseconds=1)


def moment(value):
    return EPOCH + timedelta(microseconds=value)


class Page:
    """One page: its items (dicts, the HTTP form's JSON as it is), the token for the next
    page, and whether more is waiting now."""

    def __init__(self, items, position):
        self.items = items
        self.position = position
        self.token = tokens.dumps(position)
        self.has_more = position.phase != DONE or _pending(position)


def _pending(position):
    """Whether a finished round is already behind: a change was logged after it began, or
    a publish or expiry time has come since (three indexed existence checks)."""
    if SyncEntry.objects.filter(Q(seq__gt=position.upto) | Q(seq__isnull=True)).exists():
        return True
    since, now = moment(position.until), timezone.now()
    published = Story.objects.filter(status=Story.Status.PUBLISHED)
    return (
        published.filter(published_at__gt=since, published_at__lte=now).exists()
        or published.filter(expires_at__gt=since, expires_at__lte=now).exists()
    )


def rights_of(key):
    """What `key` may read, as a token records it: languages, tags, full text."""
    tag_ids = sorted(tag.pk for tag in key.tags.all())
    return {
        "languages": sorted(key.languages) or None,
        "tags": tag_ids or None,
        "full_text": key.has_scope("full_text"),
    }


def audience(rights, key_id):
    """The audience of `rights`, reading every language it may (a story with a version in
    any of them is readable)."""
    allowed = rights["languages"]
    codes = tuple(c for c in languages.codes() if allowed is None or c in allowed)
    return Audience(
        language=codes[0] if codes else settings.LANGUAGE_CODE,
        chain=codes,
        languages=codes,
        tag_ids=frozenset(rights["tags"]) if rights["tags"] else None,
        full_text=rights["full_text"],
        key_id=key_id,
    )


def page(key, token=None, first=DEFAULT_FIRST):
    """The next page of `key`'s sync after `token` (None: the first sync).

    Raises tokens.TokenError for a token that cannot be used.
    """
    rights = rights_of(key)
    if token is None:
        position = _first_round(key.pk, rights)
    else:
        position = tokens.loads(token, key.pk)
        if position.phase == DONE:
            position = _next_round(position, rights)
        elif position.rights != rights:
            position = _restart(position, rights)
    if token is not None and moment(position.since) < timezone.now() - prune.retention():
        # The round reads changes from before the log's retention bound: some may be gone.
        raise tokens.TokenError(tokens.EXPIRED_CODE, tokens.expired_message())
    reads_log_from = position.after
    story_ids = []
    budget = first
    while budget > 0 and position.phase != DONE:
        found, position = READERS[position.phase](position, budget)
        story_ids.extend(found)
        budget -= len(found)
    if token is not None and reads_log_from < prune.horizon():
        # Read after the log (cms/sync/prune.py): the entries this round needs may be gone.
        raise tokens.TokenError(tokens.EXPIRED_CODE, tokens.expired_message())
    return Page(_items(_unique(story_ids), position, key.pk), position)


def _unique(ids):
    return list(dict.fromkeys(ids))


def _first_round(key_id, rights):
    upto, now = log.number(), micros(timezone.now())
    return Position(key_id, WALK, upto, upto, now, now, rights)


def _next_round(previous, rights):
    """A round after a finished one: the log and times since it, after a walk if the
    key's rights changed meanwhile."""
    changed = previous.rights != rights
    return Position(
        previous.key_id,
        WALK if changed else LOG,
        after=previous.upto,
        upto=log.number(),
        since=previous.until,
        until=max(previous.until, micros(timezone.now())),
        rights=rights,
        walked=[previous.rights] if changed else [],
    )


def _restart(position, rights):
    """The key's rights changed during a round: walk again, under every rights the
    partner's copy may reflect, and read the log and times from the round's start."""
    walked = [r for r in position.walked if r != rights]
    if position.rights not in walked and position.rights != rights:
        walked.append(position.rights)
    return Position(
        position.key_id,
        WALK,
        after=position.after,
        upto=log.number(),
        since=position.since,
        until=max(position.until, micros(timezone.now())),
        rights=rights,
        walked=walked,
    )


def _advance(position, phase_done, cursor):
    if not phase_done:
        return replace(position, cursor=cursor)
    following = {WALK: LOG, LOG: PUBLISHED, PUBLISHED: EXPIRED, EXPIRED: DONE}
    return replace(position, phase=following[position.phase], cursor=None)


def _walk(position, budget):
    until = moment(position.until)
    readable = Q()
    for rights in [*position.walked, position.rights]:
        stories = Story.objects.readable(audience(rights, position.key_id), until)
        readable |= Q(pk__in=stories.values("pk"))
    after = position.cursor[0] if position.cursor else 0
    ids = list(
        Story.objects.filter(readable, pk__gt=after)
        .order_by("pk")
        .values_list("pk", flat=True)[: budget + 1]
    )
    found = ids[:budget]
    return found, _advance(position, len(ids) <= budget, found[-1:] or position.cursor)


def _log(position, budget):
    after = position.cursor[0] if position.cursor else position.after
    rows = list(
        SyncEntry.objects.filter(seq__gt=after, seq__lte=position.upto)
        .order_by("seq")
        .values_list("seq", "story_id")[: budget + 1]
    )
    found = rows[:budget]
    cursor = [found[-1][0]] if found else position.cursor
    return [story_id for _seq, story_id in found], _advance(position, len(rows) <= budget, cursor)


def _by_time(field):
    def read(position, budget):
        since, until = moment(position.since), moment(position.until)
        stories = Story.objects.filter(
            status=Story.Status.PUBLISHED, **{f"{field}__gt": since, f"{field}__lte": until}
        )
        if position.cursor:
            at, pk = moment(position.cursor[0]), position.cursor[1]
            stories = stories.filter(Q(**{f"{field}__gt": at}) | Q(**{field: at, "pk__gt": pk}))
        rows = list(stories.order_by(field, "pk").values_list(field, "pk")[: budget + 1])
        found = rows[:budget]
        cursor = [micros(found[-1][0]), found[-1][1]] if found else position.cursor
        return [pk for _at, pk in found], _advance(position, len(rows) <= budget, cursor)

    return read


READERS = {
    WALK: _walk,
    LOG: _log,
    PUBLISHED: _by_time("published_at"),
    EXPIRED: _by_time("expires_at"),
}


def _languages(position):
    """The languages a page's stories are sent in: the key's, and during a walk also
    those it could read before (their versions get tombstones)."""
    codes = set()
    for rights in [*position.walked, position.rights]:
        codes.update(rights["languages"] or languages.codes())
    return [code for code in languages.codes() if code in codes]


def _items(story_ids, position, key_id):
    """The page's items: each story in each language, as the key reads it at `until`."""
    if not story_ids:
        return []
    until = moment(position.until)
    reader = audience(position.rights, key_id)
    stories = {
        story.pk: story for story in Story.objects.select_related("source").filter(pk__in=story_ids)
    }
    readable = set(
        Story.objects.readable(reader, until).filter(pk__in=story_ids).values_list("pk", flat=True)
    )
    versions = {}
    for story_id, code in StoryTranslation.objects.filter(master_id__in=story_ids).values_list(
        "master_id", "language_code"
    ):
        versions.setdefault(story_id, set()).add(code)
    tagged = set(
        StoryTag.objects.filter(
            story_id__in=story_ids, tag_id__in=reader.tag_ids or ()
        ).values_list("story_id", flat=True)
    )
    served = {}
    for code in reader.languages:
        shown = [stories[pk] for pk in story_ids if pk in readable and code in versions.get(pk, ())]
        if shown:
            as_read = replace(reader, language=code, chain=(code,))
            for version in serve(shown, as_read):
                served[(version.pk, code)] = version
    items = []
    for story_id in story_ids:
        for code in _languages(position):
            version = served.get((story_id, code))
            if version is not None:
                items.append(
                    {
                        "type": UPSERT,
                        "storyId": story_id,
                        "language": code,
                        "version": as_json(version),
                    }
                )
                continue
            story = stories.get(story_id)
            reason = _reason(story, code, reader, versions, tagged, until)
            tombstone = {"type": TOMBSTONE, "storyId": story_id, "language": code}
            tombstone["reason"] = reason
            if reason == KILLED:
                tombstone["notice"] = _notice(story, code)
                # The IPTC form of the same news: the item, canceled, with the notice.
                tombstone["ninjs"] = ninjs.canceled(story, code, tombstone["notice"])
            items.append(tombstone)
    return items


def _notice(story, code):
    """A killed story's notice in `code`, else in another language it was given in."""
    notice = story.kill_notice or {}
    return notice.get(code) or next(iter(notice.values()), "")


def _reason(story, code, reader, versions, tagged, until):
    """Why the key does not read `story` in `code` (at `until`)."""
    if story is None:
        return DELETED
    if story.status == Story.Status.KILLED:
        return KILLED
    if code not in reader.languages:
        return NOT_READABLE
    if story.status == Story.Status.ARCHIVED:
        return ARCHIVED
    if story.status != Story.Status.PUBLISHED or story.published_at > until:
        return UNPUBLISHED
    if story.is_expired(until):
        return EXPIRED_REASON
    if code not in versions.get(story.pk, ()):
        return LANGUAGE_REMOVED
    if reader.tag_ids and story.pk not in tagged:
        return NOT_READABLE
    # Unreachable while `readable` and the checks above agree; said plainly if they part.
    return NOT_READABLE


def _time(value):
    return value.isoformat() if value is not None else None


def as_json(version):
    """A served version (`ServedStory`) as the sync sends it: what the story page shows,
    but counters and scores, which change without the story changing (read them from the
    API)."""
    row = version.translation
    story = version.story
    source = version.source
    return {
        "id": story.pk,
        "slug": story.slug,
        "language": row.language_code,
        "originalLanguage": story.original_language,
        "availableLanguages": list(version.available_languages),
        "url": version.url,
        "title": row.title,
        "summary": row.summary,
        "publishedAt": _time(version.published_at),
        "updatedAt": _time(version.updated_at),
        "expiresAt": _time(story.expires_at),
        "tldr": list(row.tldr),
        "keyData": [dict(entry) for entry in row.key_data],
        "analysis": (
            {"html": row.analysis_html, "text": row.analysis_text}
            if version.analysis_served
            else None
        ),
        "insights": [dict(entry) for entry in row.insights],
        "faq": [dict(entry) for entry in row.faq],
        # The same version as an IPTC ninjs 2.2 news item, for systems that store ninjs.
        "ninjs": ninjs.of_served(version),
        "aiGenerated": version.disclosure.ai_generated,
        "disclaimer": version.disclaimer,
        "disclosure": disclosure.as_json(version.disclosure),
        "source": {"slug": source.slug, "url": source.url} if source is not None else None,
        "tags": [tag.slug for tag in version.tags],
        "live": _live(version),
    }


def _live(version):
    """A live story's coverage and entries in the version's language (null without
    coverage): publishing, correcting or withdrawing an entry changes the version. Entry
    texts, like the analysis, only for keys with the full_text right."""
    story = version.story
    if not story.live_status:
        return None
    entries, more = version.live_entries(SYNC_ENTRIES)
    return {
        "status": story.live_status,
        "coverageStartedAt": _time(story.coverage_started_at),
        "coverageEndedAt": _time(story.coverage_ended_at),
        "entries": [_entry(served) for served in entries],
        "moreEntries": more,
    }


def _entry(served):
    entry = served.entry
    return {
        "id": entry.pk,
        "publishedAt": _time(entry.published_at),
        "correctedAt": _time(entry.corrected_at),
        "correction": entry.correction_note or None,
        "keyEvent": entry.key_event,
        "pinned": entry.pinned,
        "text": (
            {"html": entry.text_html, "text": entry.text_plain} if served.text_served else None
        ),
        "disclosure": disclosure.as_json(served.disclosure),
    }
