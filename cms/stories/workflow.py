"""The editorial workflow: draft → in review → scheduled or published → archived.

Each step is a transition with the states it starts from and the permission it needs.
Only publishers (`cms.publish_story`) put a story in front of readers or take it away;
"scheduled" is a published story whose publish time is ahead, so it goes live by
itself: visibility is decided when stories are read (`StoryQuerySet.published`).
This module holds the rules; `cms.stories.publishing` takes the steps and announces them.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms.models import State, Story

PUBLISH = "cms.publish_story"
REVIEW = "cms.review_story"
CHANGE = "cms.change_story"
# Killing is not a step of the form's buttons: it needs a notice (cms.stories.publishing.kill).
KILL = "cms.kill_story"
KILL_LABEL = gettext_lazy("Kill")


class TransitionError(Exception):
    """A step that cannot be taken, with a message for the editor."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    help: str = ""

    @property
    def least_permission(self):
        """The permission that allows this step on some story (archiving a draft needs less)."""
        return REVIEW if self.name == "archive" else PERMISSIONS[self.name]

    def permission(self, story):
        """The permission this step needs for `story`."""
        if self.name == "archive" and story.state not in (State.PUBLISHED, State.SCHEDULED):
            return REVIEW
        return PERMISSIONS[self.name]


def _transition(name, label, sources, help=""):
    return Transition(name, label, frozenset(sources), help)


TRANSITIONS = {
    t.name: t
    for t in (
        _transition(
            "submit",
            gettext_lazy("Submit for review"),
            {State.DRAFT},
            gettext_lazy("Save, and ask an editor to review the story."),
        ),
        _transition(
            "return",
            gettext_lazy("Send back to draft"),
            {State.REVIEW},
            gettext_lazy("Save, and return the story to its writer."),
        ),
        _transition(
            "publish",
            gettext_lazy("Publish now"),
            {State.DRAFT, State.REVIEW, State.SCHEDULED},
            gettext_lazy("Save, and show the story to readers now."),
        ),
        _transition(
            "schedule",
            gettext_lazy("Schedule"),
            {State.DRAFT, State.REVIEW, State.SCHEDULED},
            gettext_lazy("Save, and publish the story by itself at its publish time."),
        ),
        _transition(
            "unpublish",
            gettext_lazy("Unpublish"),
            {State.PUBLISHED, State.SCHEDULED},
            gettext_lazy("Take the story away from readers and back to draft."),
        ),
        _transition(
            "archive",
            gettext_lazy("Archive"),
            {State.DRAFT, State.REVIEW, State.PUBLISHED, State.SCHEDULED},
            gettext_lazy("Put the story away; readers no longer see it."),
        ),
        _transition(
            "restore",
            gettext_lazy("Restore to draft"),
            {State.ARCHIVED},
            gettext_lazy("Bring an archived story back as a draft."),
        ),
    )
}

PERMISSIONS = {
    "submit": CHANGE,
    "return": REVIEW,
    "publish": PUBLISH,
    "schedule": PUBLISH,
    "unpublish": PUBLISH,
    "archive": PUBLISH,
    "restore": REVIEW,
}


def may_edit(user, story):
    """Whether `user` may edit `story` as a whole: writers only until it is published."""
    if not user.has_perm(CHANGE):
        return False
    if story is None or story.state in (State.DRAFT, State.REVIEW):
        return True
    return user.has_perm(REVIEW) or user.has_perm(PUBLISH)


def available(story, user):
    """The transitions `user` may take on `story` now, in workflow order."""
    return [t for t in TRANSITIONS.values() if allowed(t, story, user)]


def allowed(transition, story, user):
    return story.state in transition.sources and user.has_perm(transition.permission(story))


def check(name, story, user, publish_at=None, now=None):
    """Raise TransitionError unless `user` may take step `name` on `story` as it is now."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise TransitionError(_("Unknown workflow step “%(step)s”.") % {"step": name})
    if story.state not in transition.sources:
        raise TransitionError(
            _("A story that is “%(state)s” cannot be given “%(step)s”.")
            % {"state": story.state.label, "step": transition.label}
        )
    if not user.has_perm(transition.permission(story)):
        if transition.permission(story) == PUBLISH:
            message = _("You may not “%(step)s” stories: ask a publisher.")
        else:
            message = _("You may not “%(step)s” stories: ask an editor.")
        raise TransitionError(message % {"step": transition.label})
    if name == "schedule" and (publish_at is None or publish_at <= (now or timezone.now())):
        raise TransitionError(_("To schedule a story, give it a publish time in the future."))
    return transition


def may_kill(user, story=None):
    """Whether `user` may kill `story` (or some story): a permission of its own."""
    return user.has_perm(KILL) and (story is None or story.status != Story.Status.KILLED)


def check_kill(story, user, notice):
    """Raise TransitionError unless `user` may kill `story` with `notice` (language to text)."""
    if story.status == Story.Status.KILLED:
        raise TransitionError(_("This story was killed already."))
    if not user.has_perm(KILL):
        raise TransitionError(_("You may not kill stories: ask someone who may."))
    missing = [code for code, text in notice.items() if not text.strip()]
    if not notice or missing:
        raise TransitionError(
            _("Say why the story is killed, in every language it has: partners read it.")
        )


def apply(name, story, now=None, publish_at=None):
    """Move `story` (unsaved) to where step `name` leads; the caller saves it.

    Publishing keeps a `publish_at` that has passed (a backdated story from the pipeline);
    otherwise it publishes now. Scheduling publishes at `publish_at`.
    """
    now = now or timezone.now()
    if name == "submit":
        story.status = Story.Status.REVIEW
    elif name in ("return", "unpublish", "restore"):
        story.status = Story.Status.DRAFT
    elif name == "publish":
        story.status = Story.Status.PUBLISHED
        story.published_at = publish_at if publish_at is not None and publish_at <= now else now
    elif name == "schedule":
        story.status = Story.Status.PUBLISHED
        story.published_at = publish_at
    elif name == "archive":
        story.status = Story.Status.ARCHIVED
    elif name == "kill":
        story.status = Story.Status.KILLED
        story.killed_at = now
    return story
