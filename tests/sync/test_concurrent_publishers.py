"""On PostgreSQL, publishers commit in any order while a partner syncs: nothing is missed,
and nothing is sent twice but the idempotent upserts of a story met again."""

import random
import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection, transaction

from cms.models import ApiKey, Partner, StoryTranslation
from cms.sync import log, pages
from tests.factories import desk_editor, make_story

from .mirror import Mirror, readable_titles

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="PostgreSQL only (DATABASE_URL): SQLite serialises every writer",
    ),
]


def issue():
    # The editor who reviews factory stories exists before publishers race to create it.
    desk_editor()
    partner = Partner.objects.create(name="Mirror Weekly")
    key, _secret = ApiKey.issue(partner=partner, name="sync", scopes=["read"])
    return key


def in_thread(work):
    """Run `work` on a connection of its own, closed afterwards."""

    def run():
        try:
            work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_an_entry_committed_after_a_later_one_was_synced_is_not_skipped():
    slow_story, fast_story = make_story(), make_story()
    key = issue()
    mirror = Mirror(key).sync()
    written, release = threading.Event(), threading.Event()

    def edit(story, title):
        # A change as the workflow logs it: the text, and its entry in the same transaction.
        StoryTranslation.objects.filter(master=story, language_code="en").update(title=title)
        log.record(story.pk)

    def slow_publisher():
        with transaction.atomic():
            edit(slow_story, "slow edit")  # its entry gets the lower id
            written.set()
            assert release.wait(30)

    thread = in_thread(slow_publisher)
    assert written.wait(30)
    edit(fast_story, "fast edit")  # a higher id, committed first
    mirror.sync()
    assert mirror.versions[(fast_story.pk, "en")]["title"] == "fast edit"
    assert mirror.versions[(slow_story.pk, "en")]["title"] != "slow edit"
    release.set()
    thread.join(30)
    mirror.sync()
    assert mirror.versions[(slow_story.pk, "en")]["title"] == "slow edit"


def test_concurrent_publishers_and_a_syncing_partner_miss_nothing():
    key = issue()
    mirror = Mirror(key)
    upserts = Counter()
    done = threading.Event()
    failures = []

    def publisher(seed):
        rng = random.Random(seed)
        try:
            for _ in range(6):
                with transaction.atomic():
                    make_story()
                    # Hold the transaction open a little, so commits interleave.
                    threading.Event().wait(rng.random() / 20)
        except Exception as error:  # reported by the test below
            failures.append(error)

    def partner():
        try:
            while not done.is_set():
                page = pages.page(key, mirror.token, random.randint(1, 4))
                for item in page.items:
                    if item["type"] == pages.UPSERT:
                        upserts[(item["storyId"], item["language"])] += 1
                mirror.apply(page)
        except Exception as error:
            failures.append(error)

    syncing = in_thread(partner)
    publishers = [in_thread(lambda seed=seed: publisher(seed)) for seed in range(3)]
    for thread in publishers:
        thread.join(120)
    done.set()
    syncing.join(120)
    assert failures == []
    mirror.sync()
    assert mirror.titles() == readable_titles(key)
    assert len(mirror.versions) == 3 * 6 * 2
    # A story was sent at most once by the first sync's walk and once per log entry.
    assert max(upserts.values()) <= 2
