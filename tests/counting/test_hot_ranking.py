"""The hot ranking: the formula, its periodic recompute, overrides, pins and HOT_DESC."""

import json
import threading
from datetime import datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.counting import ranking
from cms.counting.ranking import Weights, blended_score, hot_score, recompute_hot
from cms.demo import loader
from cms.models import Story, StoryActivity
from tests.counting.support import flush_counts
from tests.factories import make_story

pytestmark = pytest.mark.django_db

# Noon of a day in the site's time zone: that day's activity is exactly 0 hours old.
NOON = timezone.make_aware(datetime(2026, 3, 10, 12, 0))
TODAY = NOON.date()
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def score(activity=(), published_at=NOON, view_count=None, share_count=None, **options):
    """The score at NOON of a story whose only views and shares are `activity`, by default."""
    rows = list(activity)
    return hot_score(
        now=options.pop("now", NOON),
        published_at=published_at,
        view_count=sum(row[1] for row in rows) if view_count is None else view_count,
        share_count=sum(row[2] for row in rows) if share_count is None else share_count,
        activity=rows,
        **options,
    )


def test_a_story_nobody_read_scores_zero():
    assert score() == 0


def test_engagement_equal_to_the_saturation_constant_scores_fifty():
    assert score([(TODAY, 200, 0)]) == 50


def test_a_share_weighs_five_views():
    assert score([(TODAY, 100, 20)]) == 50
    assert score([(TODAY, 100, 20)], weights=Weights(share_weight=0)) == 33


def test_activity_weighs_half_after_one_half_life():
    assert score([(TODAY - DAY, 400, 0)]) == 50
    assert score([(TODAY - 2 * DAY, 800, 0)]) == 50
    assert score([(TODAY - DAY, 200, 0)], weights=Weights(half_life_hours=48)) == 41


def test_a_day_s_activity_counts_from_its_noon_or_from_now_while_noon_is_ahead():
    morning = NOON - 4 * HOUR
    assert score([(TODAY, 200, 0)], now=morning, published_at=morning) == 50
    evening = NOON + 12 * HOUR
    # Half a half-life after noon, 400 views weigh 400 × 2^(−1/2) = 282.8.
    assert score([(TODAY, 400, 0)], now=evening, published_at=evening) == 59


def test_the_story_s_age_halves_everything_every_age_half_life():
    assert score([(TODAY, 400, 0)], published_at=NOON - 72 * HOUR) == 50
    assert score([(TODAY, 800, 0)], published_at=NOON - 144 * HOUR) == 50


def test_the_score_saturates_towards_one_hundred():
    scores = [score([(TODAY, views, 0)]) for views in (1, 200, 600, 1800, 39400, 39800, 10**9)]
    assert scores == [0, 50, 75, 90, 99, 100, 100]


def test_days_before_the_window_do_not_count():
    assert score([(TODAY - 6 * DAY, 200 * 64, 0)]) == 50
    assert score([(TODAY - 7 * DAY, 200 * 128, 0)]) == 0


def test_views_and_shares_without_days_count_as_of_the_publish_time():
    # 400 undated views, a day old: 200 after one half-life, 100 after one age half-life.
    weights = Weights(age_half_life_hours=24)
    day_old = NOON - 24 * HOUR
    assert score(published_at=day_old, view_count=400, share_count=0, weights=weights) == 33
    # Only what the activity rows do not account for is undated.
    assert (
        score(
            [(TODAY, 100, 0)],
            published_at=NOON,
            view_count=300,
            share_count=0,
            tracked=(100, 0),
        )
        == 60
    )


def test_impossible_settings_are_a_clear_error(settings):
    settings.CMS_HOT_HALF_LIFE_HOURS = 0
    with pytest.raises(ImproperlyConfigured) as raised:
        Weights.from_settings()
    assert str(raised.value) == "CMS_HOT_HALF_LIFE_HOURS must be more than 0; it is 0."


def test_the_given_score_stands_until_the_formula_or_an_editor_sets_one():
    story = make_story("s", hot=40)
    assert story.hot == 40
    story.hot_computed = 12
    story.save()
    assert story.hot == 12
    story.hot_override = 90
    story.save()
    assert story.hot == 90
    story.hot_override = None
    story.save()
    story.refresh_from_db()
    assert (story.hot, story.hot_computed, story.hot_override) == (12, 12, None)


def test_an_override_outside_0_to_100_is_refused():
    story = make_story("s")
    story.hot_override = 101
    with pytest.raises(IntegrityError), transaction.atomic():
        story.save()


def test_recompute_stores_scores_and_shows_them_unless_overridden():
    # Created without a score: no estimate, the readers' score alone ranks them.
    read = make_story("read", hours_ago=0)
    overridden = make_story("overridden", hot_override=90, hours_ago=0)
    now = timezone.now()
    StoryActivity.objects.create(story=read, day=timezone.localdate(now), views=200)
    StoryActivity.objects.create(story=overridden, day=timezone.localdate(now), views=200)
    assert recompute_hot(now=now) == {"ranked": 2, "changed": 1}
    read.refresh_from_db()
    overridden.refresh_from_db()
    expected = hot_score(
        now=now,
        published_at=read.published_at,
        view_count=0,
        share_count=0,
        activity=[(timezone.localdate(now), 200, 0)],
    )
    assert (read.hot_computed, read.hot) == (expected, expected)
    assert (overridden.hot_computed, overridden.hot) == (expected, 90)
    assert recompute_hot(now=now) == {"ranked": 2, "changed": 0}


def test_recompute_ranks_only_live_stories():
    draft = make_story("draft", status=Story.Status.DRAFT, hours_ago=None, hot=30)
    scheduled = make_story("scheduled", hours_ago=-5, hot=30)
    live = make_story("live", hot=30)
    # Read since their estimates were given (a scheduled story cannot be, but try).
    Story.objects.update(view_count=500)
    assert recompute_hot() == {"ranked": 1, "changed": 1}
    for story in (draft, scheduled, live):
        story.refresh_from_db()
    assert (draft.hot_computed, scheduled.hot_computed) == (None, None)
    assert live.hot_computed not in (None, 30)
    assert [story.hot for story in (draft, scheduled, live)] == [30, 30, live.hot_computed]


def test_recompute_works_in_batches():
    for number in range(5):
        make_story(f"s{number}", view_count=1000 * number, hours_ago=0)
    seen = []
    # The unread story's score stays 0: four change.
    assert recompute_hot(batch_size=2, progress=seen.append) == {"ranked": 5, "changed": 4}
    assert seen == [2, 4, 5]
    hot = list(Story.objects.order_by("slug").values_list("hot", flat=True))
    assert hot == sorted(hot) and hot[0] == 0 and hot[-1] > 90


def test_an_override_set_during_a_recompute_wins():
    story = make_story("s", view_count=1000, hours_ago=0)
    original = ranking.StoryActivity.objects.filter

    def editor_overrides_meanwhile(*args, **kwargs):
        Story.objects.filter(pk=story.pk).update(hot_override=7, hot=7)
        return original(*args, **kwargs)

    with mock.patch.object(ranking.StoryActivity.objects, "filter", editor_overrides_meanwhile):
        recompute_hot()
    story.refresh_from_db()
    assert (story.hot, story.hot_override, story.hot_computed) == (7, 7, 83)


def test_the_command_ranks_once_and_says_what_changed():
    make_story("s", view_count=1000)
    make_story("t")
    out = StringIO()
    call_command("rank_stories", stdout=out)
    assert out.getvalue() == "Published stories ranked: 2; hot scores changed: 1.\n"


@pytest.mark.parametrize(
    "value, message",
    [
        ("0", "Error: argument --every: give at least 1 second; it was 0."),
        ("-5", "Error: argument --every: give at least 1 second; it was -5."),
        ("soon", "Error: argument --every: give a whole number of seconds; it was “soon”."),
        ("1.5", "Error: argument --every: give a whole number of seconds; it was “1.5”."),
    ],
)
def test_the_command_refuses_a_bad_interval_clearly(value, message):
    with pytest.raises(CommandError) as raised:
        call_command("rank_stories", "--every", value)
    assert str(raised.value) == message


# The loop closes its database connection between rounds: commit for real.
@pytest.mark.django_db(transaction=True)
def test_the_command_repeats_every_interval_until_stopped():
    make_story("s", view_count=1000)
    out = StringIO()
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        if len(pauses) == 2:
            raise KeyboardInterrupt

    with mock.patch("cms.management.commands.rank_stories.time.sleep", sleep):
        call_command("rank_stories", "--every", "300", stdout=out)
    assert pauses == [300, 300]
    assert out.getvalue().splitlines() == [
        "Ranking the stories every 300 seconds; Ctrl-C stops.",
        "Published stories ranked: 1; hot scores changed: 1.",
        "Published stories ranked: 1; hot scores changed: 0.",
    ]


# The loop closes its database connection between rounds: commit for real.
@pytest.mark.django_db(transaction=True)
def test_a_failed_round_of_the_loop_is_reported_and_the_next_one_runs():
    make_story("s", view_count=1000)
    out, err = StringIO(), StringIO()
    rounds = [RuntimeError("database went away"), {"ranked": 1, "changed": 1}]

    def recompute(**kwargs):
        outcome = rounds.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with (
        mock.patch("cms.management.commands.rank_stories.recompute_hot", recompute),
        mock.patch(
            "cms.management.commands.rank_stories.time.sleep",
            side_effect=[None, KeyboardInterrupt],
        ),
    ):
        call_command("rank_stories", "--every", "60", stdout=out, stderr=err)
    assert err.getvalue() == "Ranking failed: database went away\n"
    assert out.getvalue().splitlines()[-1] == "Published stories ranked: 1; hot scores changed: 1."


def test_the_task_recomputes_like_the_command():
    make_story("s", view_count=1000)
    assert ranking.rank_stories.call() == {"ranked": 1, "changed": 1}


def test_an_estimate_stands_until_readers_come_then_their_score_takes_over():
    def blend(views=0, shares=0, **options):
        return blended_score(
            estimate=80, readers=30, views_since=views, shares_since=shares, **options
        )

    assert blend() == 80
    assert blend(views=200) == 55  # As much engagement as CMS_HOT_PRIOR_WEIGHT: half each.
    assert blend(views=100, shares=20) == 55  # A share weighs five views here too.
    assert blend(views=1800) == 35  # Nine tenths the readers' score.
    assert blend(views=600, weights=Weights(prior_weight=600)) == 55
    assert blend(views=0, weights=Weights(prior_weight=0)) == 30  # Estimates ignored.
    assert blended_score(estimate=None, readers=30, views_since=0) == 30


def test_a_negative_prior_weight_is_a_clear_error(settings):
    settings.CMS_HOT_PRIOR_WEIGHT = -1
    with pytest.raises(ImproperlyConfigured) as raised:
        Weights.from_settings()
    assert str(raised.value) == "CMS_HOT_PRIOR_WEIGHT must be 0 or more; it is -1."


SEED = "china-may-have-accessed-mythos"
SEED_HOT = f'query {{ story(slug: "{SEED}") {{ scores {{ hot }} viewCount }} }}'
VIEW_SEED = f'mutation {{ recordView(slug: "{SEED}") {{ viewCount }} }}'
SHARE_SEED = f'mutation {{ recordShare(slug: "{SEED}", network: "x") {{ shareCount }} }}'


def test_the_seed_story_shows_its_estimate_after_a_ranking_with_no_new_engagement(
    gql, admin_client
):
    loader.load()
    call_command("rank_stories", stdout=StringIO())
    seed = Story.objects.get(slug=SEED)
    # The demo's 61 views and 12 shares were known when the publication estimated 80.
    assert (seed.hot, seed.hot_computed, seed.hot_prior, seed.view_count) == (80, 80, 80, 61)
    assert gql(SEED_HOT)["data"]["story"] == {"scores": {"hot": 80}, "viewCount": 61}
    page = admin_client.get(f"/admin/cms/story/{seed.pk}/change/").content.decode()
    assert '<div class="readonly">80</div>' in page
    listed = admin_client.get("/admin/cms/story/", {"q": "Mythos"}).content.decode()
    assert '<td class="field-hot_column">80</td>' in listed
    preview = admin_client.get(f"/admin/cms/story/{seed.pk}/preview/?language=en")
    assert '<span class="reader-score-value">80</span>' in preview.content.decode()


def test_readers_engagement_after_the_estimate_moves_the_score(gql):
    loader.load()
    for _ in range(10):
        assert "errors" not in gql(VIEW_SEED)
    assert "errors" not in gql(SHARE_SEED)
    flush_counts()
    recompute_hot()
    seed = Story.objects.get(slug=SEED)
    # 15 engagement since the estimate: w = 15 / 215 of the readers' lower score.
    readers = hot_score(
        now=timezone.now(),
        published_at=seed.published_at,
        view_count=seed.view_count,
        share_count=seed.share_count,
        activity=seed.activity.values_list("day", "views", "shares"),
    )
    assert readers < 80
    assert seed.hot == round(80 - 15 / 215 * (80 - readers)) < 80
    assert gql(SEED_HOT)["data"]["story"]["scores"]["hot"] == seed.hot


def test_an_editor_s_override_wins_over_the_blend_and_pins_still_lead(gql):
    overridden = make_story("overridden", hot=80, hot_override=12, hours_ago=2)
    pinned = make_story("pinned", hot=5, pinned=True, hours_ago=3)
    make_story("estimated", hot=60, hours_ago=1)
    recompute_hot()
    overridden.refresh_from_db()
    pinned.refresh_from_db()
    assert (overridden.hot, overridden.hot_computed) == (12, 80)
    assert (pinned.hot, pinned.hot_computed) == (5, 5)
    result = gql(HOT_LIST, {"first": 10})
    assert [(edge["node"]["slug"], edge["node"]["scores"]["hot"]) for edge in
            result["data"]["stories"]["edges"]] == [
        ("pinned", 5),
        ("estimated", 60),
        ("overridden", 12),
    ]  # fmt: skip
    Story.objects.filter(pk=overridden.pk).update(hot_override=None)
    overridden.refresh_from_db()
    overridden.save()
    assert Story.objects.get(pk=overridden.pk).hot == 80


def test_a_new_estimate_restarts_the_blend_and_the_same_one_changes_nothing():
    story = make_story("s", hot=40)
    assert (story.hot_prior, story.hot_prior_views, story.hot_prior_shares) == (40, 0, 0)
    Story.objects.filter(pk=story.pk).update(view_count=300, share_count=4)
    recompute_hot()
    story.refresh_from_db()
    moved = story.hot
    assert moved != 40
    story.estimate_hot(40)
    story.save()
    story.refresh_from_db()
    assert (story.hot, story.hot_prior_views) == (moved, 0)
    story.estimate_hot(70)
    story.save()
    story.refresh_from_db()
    assert (story.hot, story.hot_prior, story.hot_prior_views, story.hot_prior_shares) == (
        70,
        70,
        300,
        4,
    )
    recompute_hot()
    story.refresh_from_db()
    assert story.hot == 70  # Nobody read it since the new estimate.


def test_a_story_created_without_a_score_has_no_estimate():
    story = make_story("s", view_count=1000, hours_ago=0)
    assert story.hot_prior is None
    recompute_hot()
    story.refresh_from_db()
    assert story.hot == story.hot_computed > 80


HOT_LIST = (
    "query($after: String, $first: Int) { stories(orderBy: HOT_DESC, first: $first, "
    "after: $after) { edges { cursor node { slug pinned scores { hot } } } "
    "pageInfo { hasNextPage endCursor } } }"
)


@pytest.fixture
def ranked():
    """Pinned and unpinned stories, with ties broken by publish time then id."""
    make_story("cold-pinned", hot=1, pinned=True, hours_ago=9)
    make_story("hot-pinned", hot=80, pinned=True, hours_ago=8)
    make_story("hottest", hot=95, hours_ago=7)
    make_story("warm-old", hot=50, hours_ago=6)
    make_story("warm-new", hot=50, hours_ago=1)
    make_story("cold", hot=0, hours_ago=2)
    return [
        "hot-pinned",
        "cold-pinned",
        "hottest",
        "warm-new",
        "warm-old",
        "cold",
    ]


def slugs(result):
    return [edge["node"]["slug"] for edge in result["data"]["stories"]["edges"]]


def test_hot_desc_puts_pinned_stories_first_then_the_hottest(gql, ranked):
    result = gql(HOT_LIST, {"first": 10})
    assert slugs(result) == ranked
    assert [edge["node"]["pinned"] for edge in result["data"]["stories"]["edges"]] == [
        True,
        True,
        False,
        False,
        False,
        False,
    ]


@pytest.mark.parametrize("first", [1, 2, 4])
def test_cursor_paging_crosses_from_pinned_to_unpinned_stories(gql, ranked, first):
    seen, after = [], None
    while True:
        result = gql(HOT_LIST, {"first": first, "after": after})
        seen += slugs(result)
        page = result["data"]["stories"]["pageInfo"]
        if not page["hasNextPage"]:
            break
        after = page["endCursor"]
    assert seen == ranked


@pytest.mark.parametrize(
    "values",
    [
        ["hot", 50, "2026-03-10T12:00:00+00:00", 1],  # before pins: one value short
        ["hot", 1, 50, "2026-03-10T12:00:00+00:00", 1],  # pinned must be true or false
        ["hot", None, 50, "2026-03-10T12:00:00+00:00", 1],
    ],
)
def test_a_hot_cursor_without_a_proper_pin_value_is_a_clear_error(gql, ranked, values):
    import base64

    cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
    result = gql(HOT_LIST, {"first": 2, "after": cursor})
    assert result["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in result["errors"]] == [
        (
            "Invalid cursor in `after`: pass an `endCursor` from a previous page of the same "
            "ordering.",
            "BAD_USER_INPUT",
        )
    ]


def get_hot_list(client):
    response = client.get("/graphql", {"query": HOT_LIST, "variables": '{"first": 10}'})
    assert response.status_code == 200
    return [
        (edge["node"]["slug"], edge["node"]["scores"]["hot"])
        for edge in response.json()["data"]["stories"]["edges"]
    ]


def test_a_cached_hot_list_changes_after_a_recompute(client):
    make_story("first", hot=90, hours_ago=0)
    make_story("second", hot=10, hours_ago=0)
    before = get_hot_list(client)
    assert before == [("first", 90), ("second", 10)]
    with CaptureQueriesContext(connection) as queries:
        assert get_hot_list(client) == before
    assert len(queries) == 0  # The answer is cached.
    second = Story.objects.get(slug="second")
    # Readers flock to the second story (as recordView counts them); nobody reads the first.
    StoryActivity.objects.create(story=second, day=timezone.localdate(), views=6000)
    Story.objects.filter(pk=second.pk).update(view_count=6000)
    recompute_hot()
    after = get_hot_list(client)
    assert [slug for slug, _hot in after] == ["second", "first"]
    assert after[0][1] == Story.objects.get(slug="second").hot > 90
    assert after[1] == ("first", 90)


def test_a_recompute_that_changes_nothing_keeps_cached_answers(client):
    make_story("s", hot=0, hours_ago=0)
    recompute_hot()
    get_hot_list(client)
    recompute_hot()
    with CaptureQueriesContext(connection) as queries:
        get_hot_list(client)
    assert len(queries) == 0


ENGAGEMENT = {
    "view": 'mutation { recordView(slug: "s") { viewCount } }',
    "share": 'mutation { recordShare(slug: "s", network: "x") { shareCount } }',
}


def test_views_and_shares_add_to_today_s_activity(gql):
    story = make_story("s", view_count=10)
    StoryActivity.objects.create(story=story, day=timezone.localdate() - DAY, views=3)
    for kind in ("view", "view", "share"):
        assert "errors" not in gql(ENGAGEMENT[kind])
    flush_counts()
    rows = StoryActivity.objects.filter(story=story).order_by("day")
    assert [(row.day, row.views, row.shares) for row in rows] == [
        (timezone.localdate() - DAY, 3, 0),
        (timezone.localdate(), 2, 1),
    ]
    story.refresh_from_db()
    assert (story.view_count, story.share_count) == (12, 1)


def test_a_view_of_an_unknown_story_records_no_activity(gql):
    result = gql('mutation { recordView(slug: "nope") { viewCount } }')
    assert result["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert not StoryActivity.objects.exists()


@pytest.mark.counters_in_database
def test_counted_in_the_database_a_view_costs_one_more_statement_than_the_counter_alone(gql):
    make_story("s")
    gql(ENGAGEMENT["view"])  # Creates today's row.
    with CaptureQueriesContext(connection) as queries:
        gql(ENGAGEMENT["view"])
    statements = [q["sql"].split()[0] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert statements == ["UPDATE", "SELECT", "UPDATE"]


@pytest.mark.counters_in_database
def test_losing_the_race_to_create_the_day_s_row_still_counts(gql):
    story = make_story("s")

    def another_request_creates_it_first(*args, **kwargs):
        # Just before our savepoint, as a concurrent request's committed row would.
        StoryActivity.objects.bulk_create(
            [StoryActivity(story=story, day=timezone.localdate(), views=1)]
        )
        return transaction.atomic(*args, **kwargs)

    with mock.patch("cms.models.activity.transaction") as racing:
        racing.atomic = another_request_creates_it_first
        result = gql(ENGAGEMENT["view"])
    assert result == {"data": {"recordView": {"viewCount": 1}}}
    row = StoryActivity.objects.get(story=story)
    assert (row.day, row.views, row.shares) == (timezone.localdate(), 2, 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_counts_of_a_day_lose_nothing_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes writers anyway")
    story = make_story("s")
    threads, per_thread, failures = 8, 5, []
    barrier = threading.Barrier(threads)

    def count():
        barrier.wait()
        try:
            for _ in range(per_thread):
                # Without the story row lock recordView takes, so creations really race.
                with transaction.atomic():
                    StoryActivity.record(story.pk, views=1, shares=1)
        except Exception as error:  # Reported by the assertion below.
            failures.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=count) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    row = StoryActivity.objects.get(story=story)
    assert (row.views, row.shares) == (threads * per_thread, threads * per_thread)
