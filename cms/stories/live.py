"""Live coverage: starting and ending it, and publishing, correcting and withdrawing entries.

The only writer of a story's live fields and of `LiveEntry` rows. Each step checks who
may take it (publishers: an entry reaches readers the moment it is published, as a story
does when it is published), reads the story under a row lock, refuses bad input with a
message for the person, renders the entry's Markdown as the analysis is rendered
(sanitized HTML and plain text), and announces what readers see change through
`cms.stories.publishing`, in the same transaction.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.core import languages, richtext
from cms.core import text as text_rule
from cms.models import Involvement, LiveEntry, LiveStatus, Story
from cms.models.live import MAX_ENTRY_LENGTH, MAX_NOTE_LENGTH

from . import publishing, workflow

# An entry is published by a person from the composer: what AI wrote in it is reviewed by
# that person's publishing it, so "AI-generated, not reviewed" is not offered.
ENTRY_GRADES = tuple(grade for grade in Involvement if grade != Involvement.AI_GENERATED)


class Refused(Exception):
    """A live-coverage step refused: `status` (an HTTP status for the endpoint) and a
    message for the person, in the active language."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def may_publish(user):
    """Whether `user` may start and end coverage and publish, correct and withdraw entries."""
    return user.has_perm(workflow.PUBLISH)


def _check_user(user):
    if not may_publish(user):
        raise Refused(403, _("You may not publish live entries: ask a publisher."))


def _locked(story_id):
    story = Story.objects.select_for_update().filter(pk=story_id).first()
    if story is None:
        raise Refused(404, _("There is no such story."))
    return story


def _not_killed(story):
    """A killed story is gone for good: no coverage starts on it, no entry is added."""
    if story.status == Story.Status.KILLED:
        raise Refused(409, _("This story was killed: it cannot be covered live."))


def _set(story, **fields):
    for name, value in fields.items():
        setattr(story, name, value)
    Story.objects.filter(pk=story.pk).update(**fields)


def start(story_id, user, now=None):
    """Make a story live (again, after it ended: its first start is kept)."""
    _check_user(user)
    now = now or timezone.now()
    with transaction.atomic():
        story = _locked(story_id)
        _not_killed(story)
        if story.live_status == LiveStatus.LIVE:
            raise Refused(409, _("Live coverage of this story is already running."))
        _set(
            story,
            live_status=LiveStatus.LIVE,
            coverage_started_at=story.coverage_started_at or now,
            coverage_ended_at=None,
        )
        publishing.announce_coverage(story, ended=False)
    return story


def end(story_id, user, now=None):
    """End a story's live coverage: its entries stay; no new one can be published."""
    _check_user(user)
    now = now or timezone.now()
    with transaction.atomic():
        story = _locked(story_id)
        if story.live_status != LiveStatus.LIVE:
            raise Refused(409, _("This story has no live coverage running."))
        _set(story, live_status=LiveStatus.ENDED, coverage_ended_at=now)
        publishing.announce_coverage(story, ended=True)
    return story


def _text(value, limit, what):
    if not isinstance(value, str):
        raise Refused(400, _("The %(what)s must be text.") % {"what": what})
    value = value.strip()
    if len(value) > limit:
        raise Refused(
            400,
            _("The %(what)s is %(length)s characters long; at most %(limit)s are taken.")
            % {"what": what, "length": len(value), "limit": limit},
        )
    try:
        text_rule.refuse_unfit(value)
    except ValidationError as error:
        raise Refused(400, " ".join(error.messages)) from None
    return value


def _entry_text(value):
    text = _text(value, MAX_ENTRY_LENGTH, _("entry"))
    if not text:
        raise Refused(400, _("Write the entry before publishing it."))
    return text


def _language(value):
    code = languages.normalize(value) if isinstance(value, str) else None
    if code is None:
        raise Refused(
            400,
            _("Say which language the entry is in: one of %(codes)s.")
            % {"codes": ", ".join(languages.codes())},
        )
    return code


def _grade(value):
    if value not in {grade.value for grade in ENTRY_GRADES}:
        raise Refused(
            400,
            _("Say how much AI wrote the entry: one of %(grades)s.")
            % {"grades": ", ".join(grade.value for grade in ENTRY_GRADES)},
        )
    return value


def _flag(value, name):
    if not isinstance(value, bool):
        raise Refused(400, _("“%(name)s” must be true or false.") % {"name": name})
    return value


def story_images(story):
    """The images an entry of `story` may show: its lead image and its listed images."""
    ids = list(story.image_links.values_list("image_id", flat=True))
    if story.image_id is not None:
        ids.insert(0, story.image_id)
    return list(dict.fromkeys(ids))


def _image(story, value):
    if value in (None, ""):
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value not in story_images(story):
        raise Refused(
            400, _("An entry may show only the story's own images (its lead image or its list).")
        )
    return value


def story_authors(story):
    """The people who may sign an entry of `story`: its byline, then its editor."""
    ids = list(story.author_links.order_by("position", "id").values_list("author_id", flat=True))
    if story.editor_id is not None:
        ids.append(story.editor_id)
    return list(dict.fromkeys(ids))


def _author(story, value):
    if value in (None, ""):
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value not in story_authors(story):
        raise Refused(
            400, _("An entry is signed by one of the story's authors (its byline) or its editor.")
        )
    return value


def render(entry):
    """The entry's Markdown as readers see it: sanitized HTML, and plain text."""
    entry.text_html = richtext.render(entry.text)
    entry.text_plain = richtext.to_text(entry.text_html)


def publish(
    story_id,
    user,
    *,
    language,
    text,
    image=None,
    author=None,
    key_event=False,
    pinned=False,
    ai_involvement=Involvement.HUMAN,
    now=None,
):
    """Publish one entry on a story whose coverage is running; the new `LiveEntry`."""
    _check_user(user)
    values = {
        "language_code": _language(language),
        "text": _entry_text(text),
        "key_event": _flag(key_event, "key_event"),
        "pinned": _flag(pinned, "pinned"),
        "ai_involvement": _grade(ai_involvement),
    }
    with transaction.atomic():
        story = _locked(story_id)
        _not_killed(story)
        if story.live_status != LiveStatus.LIVE:
            raise Refused(
                409,
                _("Live coverage of this story has ended: start it again to publish entries.")
                if story.live_status == LiveStatus.ENDED
                else _("Start live coverage of this story to publish entries."),
            )
        entry = LiveEntry(
            story=story,
            image_id=_image(story, image),
            author_id=_author(story, author),
            published_at=now or timezone.now(),
            written_by=user,
            **values,
        )
        render(entry)
        entry.save()
        publishing.announce_entry(story, entry, "published")
    return entry


def _entry(story, entry_id):
    if not isinstance(entry_id, int) or isinstance(entry_id, bool):
        raise Refused(400, _("Say which entry, by its number."))
    entry = LiveEntry.objects.select_for_update().filter(pk=entry_id, story=story).first()
    if entry is None:
        raise Refused(404, _("This story has no such entry."))
    if entry.withdrawn_at is not None:
        raise Refused(409, _("This entry was withdrawn."))
    return entry


def correct(story_id, user, entry_id, *, text, note, now=None):
    """Correct an entry's text; `note` (required) tells readers what changed."""
    _check_user(user)
    text = _entry_text(text)
    note = _text(note, MAX_NOTE_LENGTH, _("correction note"))
    if not note:
        raise Refused(400, _("Say what the correction changed: readers are shown it."))
    with transaction.atomic():
        story = _locked(story_id)
        entry = _entry(story, entry_id)
        entry.text = text
        entry.correction_note = note
        entry.corrected_at = now or timezone.now()
        render(entry)
        entry.save()
        publishing.announce_entry(story, entry, "corrected")
    return entry


def withdraw(story_id, user, entry_id, now=None):
    """Withdraw an entry: readers no longer see it (subscribers are told)."""
    _check_user(user)
    with transaction.atomic():
        story = _locked(story_id)
        entry = _entry(story, entry_id)
        entry.withdrawn_at = now or timezone.now()
        entry.save(update_fields=["withdrawn_at"])
        publishing.announce_entry(story, entry, "withdrawn")
    return entry
