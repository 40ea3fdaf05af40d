"""Pruning the sync log: superseded and old entries go, every token within the retention
bound still resumes exactly, an older one is told to resync, and each batch costs the same."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.models import SyncEntry
from cms.sync import log, pages, prune, tokens
from tests.factories import make_story

from .mirror import Mirror, readable_titles
from .test_sync_http import issue as http_issue
from .test_sync_pages import edit_title, issue, step

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, monkeypatch):
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def days(self, days):
        self.now += timedelta(days=days)


def entries():
    log.number()
    return sorted(SyncEntry.objects.values_list("story_id", flat=True))


def test_a_storys_older_entries_go_and_its_newest_stays():
    story, other = make_story(), make_story()
    for n in range(4):
        edit_title(story, "en", f"take {n}")
    edit_title(other, "en", "once")
    assert entries().count(story.pk) == 5
    done = prune.prune()
    assert done.superseded == 5 and done.expired == 0  # four of one story, one of the other
    assert entries() == sorted([story.pk, other.pk])
    # Safe to run twice: nothing more to do.
    again = prune.prune()
    assert (again.superseded, again.expired) == (0, 0)


def test_a_partner_in_the_middle_of_a_round_still_ends_with_an_exact_copy():
    stories = [make_story() for _ in range(6)]
    key = issue()
    mirror = Mirror(key).sync(first=2)
    for story in stories:
        edit_title(story, "en", f"{story.slug} edited")
    mirror.apply(pages.page(key, mirror.token, 2))  # part of the changes read
    for story in stories:
        edit_title(story, "en", f"{story.slug} edited again")
    step(stories[0], "unpublish")
    prune.prune(batch=2)
    mirror.sync(first=2)
    assert mirror.titles() == readable_titles(key)


def test_a_token_within_the_retention_bound_resumes_and_an_older_one_is_told_to_resync(
    monkeypatch, settings
):
    settings.CMS_SYNC_TOKEN_MAX_AGE = 400 * 24 * 3600
    clock = Clock(monkeypatch)
    story = make_story()
    key = issue()
    stale = Mirror(key).sync()
    clock.days(50)
    edit_title(story, "en", "fifty days on")
    fresh = Mirror(key).sync()
    clock.days(50)
    edit_title(story, "en", "a hundred days on")
    make_story()
    done = prune.prune()  # 90 days by default
    assert done.horizon > 0
    fresh.sync()
    assert fresh.titles() == readable_titles(key)
    with pytest.raises(tokens.TokenError) as refused:
        pages.page(key, stale.token, 10)
    assert refused.value.code == "SYNC_TOKEN_EXPIRED"
    assert "full resync" in refused.value.message
    # As the partner guide says: start again without a token.
    assert Mirror(key).sync().titles() == readable_titles(key)


def test_an_expired_round_is_a_410_over_http_and_graphql(client, monkeypatch, settings):
    settings.CMS_SYNC_TOKEN_MAX_AGE = 400 * 24 * 3600
    clock = Clock(monkeypatch)
    story = make_story()
    _key, secret = http_issue()
    headers = {"authorization": f"Bearer {secret}"}
    token = client.get("/sync", headers=headers).json()["nextToken"]
    clock.days(91)
    edit_title(story, "en", "later")
    clock.days(91)
    prune.prune()
    answer = client.get("/sync", {"token": token}, headers=headers)
    assert answer.status_code == 410
    assert answer.json()["errors"][0]["extensions"]["code"] == "SYNC_TOKEN_EXPIRED"
    graphql = client.post(
        "/graphql",
        {"query": "query($t: String) { sync(token: $t) { hasMore } }", "variables": {"t": token}},
        content_type="application/json",
        headers=headers,
    ).json()
    assert graphql["errors"][0]["extensions"]["code"] == "SYNC_TOKEN_EXPIRED"


def test_the_newest_entry_is_kept_so_numbers_go_on_above_every_token(monkeypatch):
    clock = Clock(monkeypatch)
    first, second = make_story(), make_story()
    newest = log.number()
    clock.days(200)
    done = prune.prune()
    assert done.expired == 1
    assert list(SyncEntry.objects.values_list("seq", flat=True)) == [newest]
    key = issue()
    mirror = Mirror(key).sync()
    edit_title(first, "en", "after the pruning")
    assert log.number() > newest
    mirror.sync()
    assert mirror.titles() == readable_titles(key)
    assert second.pk in {story_id for story_id, _language in mirror.versions}


def queries_for_two_batches():
    """A run stopped after two batches (of old entries, or of superseded ones)."""
    with CaptureQueriesContext(connection) as queries:
        done = prune.prune(max_batches=2, batch=5)
    assert done.batches == 2 and done.more
    return len(queries)


@pytest.mark.parametrize("kind", ["superseded", "old"])
def test_a_batchs_sql_count_does_not_grow_with_the_log(monkeypatch, kind):
    clock = Clock(monkeypatch)
    prune.prune()  # the pruning's own row, once
    counts = []
    for size in (12, 40):
        for story in [make_story() for _ in range(size)]:
            edit_title(story, "en", "again")
        log.number()
        if kind == "old":
            clock.days(100)
        counts.append(queries_for_two_batches())
        prune.prune()  # the rest, so the next size starts from a pruned log
    assert counts[0] == counts[1]


def test_the_command_prunes_and_refuses_a_bad_batch_count(capsys):
    story = make_story()
    edit_title(story, "en", "again")
    call_command("prune_sync")
    assert "1 superseded" in capsys.readouterr().out
    call_command("prune_sync", "--batches", "1")
    with pytest.raises(CommandError, match="batches"):
        call_command("prune_sync", "--batches", "0")


def test_a_round_whose_changes_were_pruned_is_refused_even_within_the_setting():
    """An operator pruning with a shorter bound than the setting (here: everything) cuts
    rounds short: their tokens are refused, never resumed past the hole."""
    first, second = make_story(), make_story()
    key = issue()
    mirror = Mirror(key).sync()
    edit_title(first, "en", "missed if resumed")
    edit_title(second, "en", "newest")
    done = prune.prune(keep=timedelta(0))
    assert done.expired >= 1
    with pytest.raises(tokens.TokenError) as refused:
        pages.page(key, mirror.token, 10)
    assert refused.value.code == "SYNC_TOKEN_EXPIRED"
    assert Mirror(key).sync().titles() == readable_titles(key)


def test_runs_of_one_batch_each_make_progress_until_nothing_is_left(monkeypatch):
    """Bounded runs (`--batches 1`) get through old and superseded entries alike: a run
    with nothing old left spends its batch on superseded ones."""
    clock = Clock(monkeypatch)
    stories = [make_story() for _ in range(4)]
    log.number()
    clock.days(100)
    for story in stories:
        for n in range(3):
            edit_title(story, "en", f"take {n}")
    log.number()
    runs = [prune.prune(max_batches=1, batch=3) for _ in range(12)]
    assert not runs[-1].more
    assert sum(run.expired for run in runs) == 4  # each story's first entry, numbered 100 days ago
    assert sum(run.superseded for run in runs) == 8
    assert sorted(entries()) == sorted(story.pk for story in stories)
