"""The one workflow transition: every change of a story goes through here, and says what
readers see change.

The admin's buttons and list actions, ingestion (`upsertStory`, `import_stories`), reverts
and the scheduler change a story inside a `Change`; when it is saved, `announce` compares
what readers were last told (`Story.live_since`) with what they can see now, and sends
`story_went_live`, `story_changed_while_live` or `story_left_public` (`cms.core.events`).
A story readers never saw (a draft, or one scheduled and then edited, rescheduled or
unpublished before its time) is never announced. A scheduled story is announced by the
scheduler task queued for its publish time, and a story with an expiry time is announced
as leaving the public by the task queued for that time (`expire`); what readers see is
still decided when they read (`live_q`), so a late worker delays announcements, never visibility.
"""

from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cms.core.events import (
    live_coverage_ended,
    live_entry_changed,
    story_changed_while_live,
    story_killed,
    story_left_public,
    story_went_live,
)
from cms.disclosure import rules as disclosure
from cms.models import LiveStatus, State, Story
from cms.stories import workflow


class Change:
    """One change of one story: workflow steps on it, then `finish()` once all is saved."""

    def __init__(self, story, now=None):
        self.story = story
        self.now = now or timezone.now()
        stored = None
        if story.pk is not None:
            stored = (
                Story.objects.filter(pk=story.pk)
                .values("updated_at", "published_at", "expires_at", "status")
                .first()
            )
        self.updated_at = stored["updated_at"] if stored else None
        self.published_at = stored["published_at"] if stored else None
        self.expires_at = stored["expires_at"] if stored else None
        # Whether readers could see the story as stored, announced or not: a scheduled
        # story whose time came before the scheduler ran is seen (`live_q`) but not yet
        # announced, and taking it away must still be announced.
        self.was_live = bool(stored) and Story(
            status=stored["status"],
            published_at=stored["published_at"],
            expires_at=stored["expires_at"],
        ).is_live(self.now)
        self.steps = []

    def step(self, name, publish_at=None):
        """Move the (unsaved) story where workflow step `name` leads."""
        workflow.apply(name, self.story, now=self.now, publish_at=publish_at)
        self.steps.append(name)

    def finish(self):
        """Announce what readers see change, now that the story and its parts are saved."""
        if "kill" in self.steps:
            announce(self.story, schedule=False, was_live=self.was_live)
            story_killed.send(sender=Story, story=self.story)
            return
        material = self.story.updated_at != self.updated_at
        rescheduled = (
            bool(self.steps)
            or self.story.published_at != self.published_at
            or self.story.expires_at != self.expires_at
        )
        announce(self.story, material=material, schedule=rescheduled, was_live=self.was_live)


@contextmanager
def change(story, now=None):
    """`with change(story) as c:` … save the story … — announced when the block ends."""
    with transaction.atomic():
        current = Change(story, now)
        yield current
        current.finish()


def announce(story, material=False, schedule=True, was_live=False):
    """Tell listeners how what readers see of `story` changed since they were last told.

    Reads `live_since` under a row lock, so two announcements of one story (an editor's
    change and the scheduler) never both say it went live. `was_live`: readers could see
    the story before this change even if it was never announced (its time came before
    the scheduler ran); if they no longer can, that is announced as leaving the public.
    """
    now = timezone.now()
    with transaction.atomic():
        told = (
            Story.objects.select_for_update()
            .filter(pk=story.pk)
            .values_list("live_since", flat=True)
        )
        told = told.first() if story.pk is not None else None
        live = story.is_live(now)
        if live and told is None:
            _tell(story, now)
            story_went_live.send(sender=Story, story=story)
        elif live:
            story_changed_while_live.send(sender=Story, story=story, material=material)
        elif told is not None or was_live:
            _tell(story, None)
            story_left_public.send(sender=Story, story=story)
        if schedule and story.state == State.SCHEDULED:
            go_live.using(run_after=story.published_at).enqueue(story.pk)
        if schedule and story.status == Story.Status.PUBLISHED and _expires_later(story, now):
            expire.using(run_after=story.expires_at).enqueue(story.pk)


def announce_entry(story, entry, kind):
    """Tell listeners that a live story's entry was published, corrected or withdrawn
    (`kind`), if readers can see the story; its cached answers change like any other
    change of a live story. A draft's, scheduled or expired story's entries reach nobody."""
    if story.is_live():
        live_entry_changed.send(sender=Story, story=story, entry=entry, kind=kind)
        announce(story, material=False, schedule=False)


def announce_coverage(story, ended):
    """Tell listeners that a story's live coverage started or ended (`ended`), if readers
    can see the story."""
    if story.is_live():
        if ended:
            live_coverage_ended.send(sender=Story, story=story)
        announce(story, material=False, schedule=False)


def _expires_later(story, now):
    return story.expires_at is not None and story.expires_at > now


def _tell(story, moment):
    story.live_since = moment
    Story.objects.filter(pk=story.pk).update(live_since=moment)


def withdraw(story):
    """Announce that a story about to be deleted leaves the public, if readers saw it."""
    if story.live_since is not None or story.is_live():
        story_left_public.send(sender=Story, story=story)


def take(name, story, user, now=None):
    """Check and take step `name` on a saved story, outside any form (admin list actions).

    The story is read again under a row lock, so that the step neither acts on a stale
    state nor writes back fields someone changed since the list was shown.
    """
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story.pk)
        workflow.check(name, story, user, publish_at=story.published_at, now=now)
        # A list action shows no text: it reviews nothing, so the text must be reviewed.
        refusal = disclosure.step_refusal(name, story)
        if refusal:
            raise workflow.TransitionError(refusal)
        with change(story, now) as current:
            # The list gives no time: publishing is now, scheduling at the story's time.
            current.step(name, publish_at=story.published_at if name == "schedule" else None)
            story.save()
    return story


def kill(story, user, notice, now=None):
    """Kill `story`: a legal or factual takedown, everywhere, partners told why.

    `notice` maps each language the story has to the reason partners receive (in the
    `story.killed` webhook and the sync's tombstone). The story is read again under a row
    lock; readers lose it at once (`story_left_public` if they could see it), and
    `story_killed` is announced whatever it was before, since partners may hold a copy.
    """
    with transaction.atomic():
        story = Story.objects.select_for_update().get(pk=story.pk)
        workflow.check_kill(story, user, notice)
        with change(story, now) as current:
            current.step("kill")
            story.kill_notice = {code: text.strip() for code, text in notice.items()}
            # A kill is final: running live coverage ends with it (cms/stories/live.py
            # refuses to start it again), so no entry is published on a story gone.
            story.save()
            if story.live_status == LiveStatus.LIVE:
                # Coverage is written apart from the story's save (which never undoes it).
                ended = {
                    "live_status": LiveStatus.ENDED,
                    "coverage_ended_at": now or timezone.now(),
                }
                Story.objects.filter(pk=story.pk).update(**ended)
                for name, value in ended.items():
                    setattr(story, name, value)
    return story


@task()
def go_live(story_id):
    """The scheduler: at a scheduled story's time, announce that it went live.

    Does nothing if the story was unpublished, deleted, or moved to a later time meanwhile
    (the change that moved it queued another run for then).
    """
    story = Story.objects.filter(pk=story_id).first()
    if story is not None:
        announce(story, schedule=False)


@task()
def expire(story_id):
    """The scheduler: at a story's expiry time, announce that it left the public.

    Does nothing if the story was unpublished, deleted, or given a later expiry meanwhile
    (that change queued another run for then); readers stopped seeing it at the time
    whether or not this ran (`live_q`).
    """
    story = Story.objects.filter(pk=story_id).first()
    if story is not None:
        announce(story, schedule=False)
