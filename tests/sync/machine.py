"""A stateful model of the newsroom and one partner: random publishes, edits, schedules,
expiries, unpublishes, archives, kills, deletions, language and tag changes, live coverage
(entries published, corrected and withdrawn) and changes of the key's rights, with the clock
moved by hand, interleaved with syncs of random page sizes and with prunings of the change
log (a retention bound of an hour, in batches).

After every complete sync, the partner's copy, built only from the sync's pages, must
equal what the key may read at that moment (worked out from the models, not by the sync's
code): the same versions, with the same title, analysis (or none), tags and live entries
(each with its text, or none without the full_text right). A token is refused as expired
only when its round reads changes from before the retention bound; the partner then starts
again without a token, as the partner guide tells it to.
"""

import contextlib
from datetime import timedelta
from unittest import mock

from django.db import transaction
from django.utils import timezone
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, rule

from cms.models import ApiKey, LiveEntry, Partner, Story, set_tags
from cms.stories import live, publishing, workflow
from cms.sync import pages, prune, tokens
from tests.factories import make_story, make_tag, make_user

LANGUAGES = ("en", "zh-hans")
RETENTION = timedelta(hours=1)
language_sets = st.sampled_from([("en",), ("zh-hans",), ("en", "zh-hans")])


class Clock:
    """`timezone.now()` everywhere, moved only by the machine."""

    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now


def expected(key, now):
    """(story id, language) to (title, has analysis, tag slugs) of what `key` reads at `now`."""
    allowed = set(key.languages) or set(LANGUAGES)
    key_tags = {tag.pk for tag in key.tags.all()}
    full_text = key.has_scope("full_text")
    found = {}
    entries = {}
    for entry in LiveEntry.objects.filter(withdrawn_at__isnull=True).order_by(
        "-published_at", "-id"
    ):
        entries.setdefault((entry.story_id, entry.language_code), []).append(
            (entry.pk, entry.text_plain if full_text else None)
        )
    for story in Story.objects.prefetch_related("translations", "tag_links__tag"):
        if not story.is_live(now):
            continue
        links = sorted(story.tag_links.all(), key=lambda link: (link.position, link.pk))
        if key_tags and not key_tags & {link.tag_id for link in links}:
            continue
        for version in story.translations.all():
            if version.language_code in allowed:
                where = (story.pk, version.language_code)
                found[where] = (
                    version.title,
                    full_text,
                    [link.tag.slug for link in links],
                    entries.get(where, []) if story.live_status else None,
                )
    return found


def held(versions):
    return {
        where: (
            version["title"],
            version["analysis"] is not None,
            version["tags"],
            _entries(version["live"]),
        )
        for where, version in versions.items()
    }


def _entries(coverage):
    if coverage is None:
        return None
    return [
        (entry["id"], entry["text"]["text"] if entry["text"] else None)
        for entry in coverage["entries"]
    ]


class MirrorMachine(RuleBasedStateMachine):
    stories = Bundle("stories")

    def __init__(self):
        super().__init__()
        self.clock = Clock()
        self.patch = mock.patch.object(timezone, "now", self.clock)
        self.patch.start()
        self.retention = mock.patch.object(prune, "retention", lambda: RETENTION)
        self.retention.start()
        # Each example in a savepoint of the test's transaction, rolled back at its end.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.versions = {}
        self.token = None
        self.edits = 0

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        self.patch.stop()
        self.retention.stop()

    @initialize()
    def partner(self):
        self.tag = make_tag("security", en="Security")
        self.other_tag = make_tag("chips", en="Chips")
        partner = Partner.objects.create(name="Mirror Weekly")
        self.key, _secret = ApiKey.issue(partner=partner, name="sync", scopes=["read"])
        self.publisher = make_user("pia", "Publisher")

    def story(self, pk):
        return Story.objects.filter(pk=pk).first()

    # The newsroom.

    @rule(target=stories, languages=language_sets, hours=st.integers(-3, 3), tagged=st.booleans())
    def publish_new(self, languages, hours, tagged):
        tags = [self.tag] if tagged else [self.other_tag]
        return make_story(languages=languages, hours_ago=hours, tags=tags).pk

    @rule(target=stories, languages=language_sets)
    def write_draft(self, languages):
        return make_story(languages=languages, status=Story.Status.DRAFT, hours_ago=None).pk

    @rule(pk=stories, language=st.sampled_from(LANGUAGES))
    def edit(self, pk, language):
        story = self.story(pk)
        if story is None or not story.has_translation(language):
            return
        self.edits += 1
        with publishing.change(story) as change:
            story.set_current_language(language)
            story.title = f"edit {self.edits}"
            story.mark_updated(change.now)
            story.save()

    @rule(pk=stories, step=st.sampled_from(["publish", "unpublish", "archive", "restore"]))
    def take_step(self, pk, step):
        story = self.story(pk)
        # Only the steps the workflow offers from the story's state (none for a killed one).
        if story is None or story.state not in workflow.TRANSITIONS[step].sources:
            return
        with publishing.change(story) as change:
            change.step(step)
            story.save()

    @rule(pk=stories, minutes=st.integers(1, 240))
    def schedule(self, pk, minutes):
        story = self.story(pk)
        if story is None or story.status == Story.Status.KILLED:
            return
        with publishing.change(story) as change:
            change.step("schedule", publish_at=self.clock.now + timedelta(minutes=minutes))
            story.expires_at = None
            story.save()

    @rule(pk=stories, minutes=st.integers(1, 240))
    def expire_later(self, pk, minutes):
        story = self.story(pk)
        if story is None or story.published_at is None or story.status == Story.Status.KILLED:
            return
        with publishing.change(story):
            story.expires_at = max(self.clock.now, story.published_at) + timedelta(minutes=minutes)
            story.save()

    @rule(pk=stories, language=st.sampled_from(LANGUAGES))
    def add_or_remove_language(self, pk, language):
        story = self.story(pk)
        if story is None:
            return
        with publishing.change(story):
            if story.has_translation(language):
                if len(story.get_available_languages()) > 1:
                    story.delete_translation(language)
            else:
                story.set_current_language(language)
                story.title = f"{story.slug} {language} added"
                story.summary = "summary"
                story.analysis = "analysis"
                story.tldr = ["bullet"]
                story.ai_involvement = "human"
            story.save()

    @rule(pk=stories, tagged=st.sampled_from(["mine", "other", "both", "none"]))
    def retag(self, pk, tagged):
        story = self.story(pk)
        if story is None:
            return
        tags = {
            "mine": [self.tag],
            "other": [self.other_tag],
            "both": [self.other_tag, self.tag],
            "none": [],
        }[tagged]
        with publishing.change(story):
            set_tags(story, tags)
            story.save()

    @rule(pk=stories)
    def kill(self, pk):
        story = self.story(pk)
        if story is None or story.status == Story.Status.KILLED:
            return
        notice = {code: f"Why, in {code}" for code in story.get_available_languages()}
        publishing.kill(story, self.publisher, notice)

    @rule(pk=stories)
    def delete(self, pk):
        story = self.story(pk)
        if story is None:
            return
        with transaction.atomic():
            publishing.withdraw(story)
            story.delete()

    @rule(pk=stories, ended=st.booleans())
    def cover_live(self, pk, ended):
        story = self.story(pk)
        if story is None:
            return
        with contextlib.suppress(live.Refused):
            (live.end if ended else live.start)(pk, self.publisher)

    @rule(pk=stories, language=st.sampled_from(LANGUAGES))
    def publish_entry(self, pk, language):
        if self.story(pk) is None:
            return
        self.edits += 1
        with contextlib.suppress(live.Refused):
            live.publish(pk, self.publisher, language=language, text=f"entry {self.edits}")

    @rule(pk=stories, withdraw=st.booleans())
    def correct_or_withdraw_entry(self, pk, withdraw):
        entry = LiveEntry.objects.filter(story_id=pk, withdrawn_at__isnull=True).first()
        if entry is None:
            return
        self.edits += 1
        if withdraw:
            live.withdraw(pk, self.publisher, entry.pk)
        else:
            live.correct(
                pk, self.publisher, entry.pk, text=f"corrected {self.edits}", note="Fixed."
            )

    @rule(minutes=st.integers(1, 180))
    def time_passes(self, minutes):
        self.clock.now += timedelta(minutes=minutes)

    # The operator.

    @rule(
        batch=st.integers(1, 3),
        max_batches=st.none() | st.integers(1, 4),
        later=st.sampled_from([timedelta(0), RETENTION / 2, RETENTION * 2]),
    )
    def prune_the_log(self, batch, max_batches, later):
        """The operator's periodic pruning, run again `later` (often past the retention
        bound, so what the first run numbered is old by the second)."""
        prune.prune(batch=batch, max_batches=max_batches)
        if later:
            self.clock.now += later
            prune.prune(batch=batch, max_batches=max_batches)

    # The partner's key.

    @rule(
        languages=st.sampled_from([[], ["en"], ["zh-hans"]]),
        tagged=st.booleans(),
        full_text=st.booleans(),
    )
    def change_rights(self, languages, tagged, full_text):
        self.key.languages = languages
        self.key.scopes = ["read", "full_text"] if full_text else ["read"]
        self.key.save()
        self.key.tags.set([self.tag] if tagged else [])
        self.key = ApiKey.objects.get(pk=self.key.pk)

    # The partner.

    def apply(self, page):
        for item in page.items:
            where = (item["storyId"], item["language"])
            if item["type"] == pages.UPSERT:
                self.versions[where] = item["version"]
            else:
                self.versions.pop(where, None)
        self.token = page.token

    def page(self, first):
        """The next page; after a refused (expired) token, the first page of a resync."""
        try:
            return pages.page(self.key, self.token, first)
        except tokens.TokenError as error:
            assert error.code == "SYNC_TOKEN_EXPIRED", error.code
            position = tokens.loads(self.token, self.key.pk)
            reads_from = position.until if position.phase == tokens.DONE else position.since
            # A round within the retention bound always resumes.
            assert pages.moment(reads_from) < self.clock.now - RETENTION
            self.versions = {}
            self.token = None
            return pages.page(self.key, None, first)

    @rule(first=st.integers(1, 4), count=st.integers(1, 3))
    def sync_some_pages(self, first, count):
        for _ in range(count):
            self.apply(self.page(first))

    @rule(first=st.integers(1, 6))
    def sync_to_the_end(self, first):
        for _ in range(1000):
            page = self.page(first)
            self.apply(page)
            if not page.has_more:
                break
        else:
            raise AssertionError("the sync never finished")
        assert held(self.versions) == expected(self.key, self.clock.now)

    @rule()
    def start_again(self):
        """The partner loses its copy and its token, and syncs from nothing."""
        self.versions = {}
        self.token = None
