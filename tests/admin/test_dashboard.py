"""The newsroom dashboard on the admin index: what needs attention, and what readers read."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.models import Story, StoryActivity
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db


def section(page, key):
    """The HTML of one dashboard section (`review`, `scheduled`, ... or the chart)."""
    element = "top-stories" if key == "chart" else f"attention-{key}"
    match = re.search(rf'<div class="module [^"]*" id="{element}">(.*?)\n  </div>', page, re.S)
    assert match, f"no {key} section"
    return match.group(1)


def listed(html):
    """(change page, title) of each story a section lists, in order."""
    return re.findall(r'<a href="/admin/cms/story/(\d+)/change/">([^<]*)</a>', html)


def count(html):
    return int(re.search(r'<span class="cms-count">(\d+)</span>', html).group(1))


def index(client):
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def end_of_today():
    tomorrow = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, time.min))


def later_today():
    """`hours_ago` for halfway between now and midnight: later today, whatever the time."""
    now = timezone.now()
    return -(end_of_today() - now) / timedelta(hours=2)


@pytest.fixture
def newsroom():
    """Stories of every kind the dashboard tells apart."""
    stories = {
        "review": make_story("in-review", status=Story.Status.REVIEW, hours_ago=None),
        "draft": make_story("draft", status=Story.Status.DRAFT, hours_ago=None),
        "live": make_story("live"),
        "english-only": make_story("english-only", languages=("en",)),
        "chinese-only": make_story("chinese-only", languages=("zh-hans",)),
        "archived-english-only": make_story(
            "archived", languages=("en",), status=Story.Status.ARCHIVED
        ),
        "outdated": make_story("outdated"),
    }
    stories["today"] = make_story("today", hours_ago=later_today())
    tomorrow = -(end_of_today() - timezone.now()) / timedelta(hours=1) - 1
    stories["tomorrow"] = make_story("tomorrow", hours_ago=tomorrow)
    outdated = stories["outdated"]
    outdated.set_current_language("en")
    outdated.title = "outdated en title, rewritten"
    outdated.save()
    return {key: story.pk for key, story in stories.items()}


def test_the_index_lists_stories_in_review_with_links_to_them(admin_client, newsroom):
    html = section(index(admin_client), "review")
    assert count(html) == 1
    assert listed(html) == [(str(newsroom["review"]), "in-review en title")]
    assert '<a href="/admin/cms/story/?state=review">See all</a>' in html


def test_the_index_lists_stories_going_live_later_today_only(admin_client, newsroom):
    html = section(index(admin_client), "scheduled")
    assert count(html) == 1
    assert listed(html) == [(str(newsroom["today"]), "today en title")]
    going_live = Story.objects.get(pk=newsroom["today"]).published_at
    local = timezone.localtime(going_live).strftime("%H:%M")
    assert f"<td>at {local}</td>" in html


def test_the_index_lists_stories_with_outdated_translations_and_which(admin_client, newsroom):
    html = section(index(admin_client), "outdated")
    assert count(html) == 1
    assert listed(html) == [(str(newsroom["outdated"]), "outdated en title, rewritten")]
    assert "<td>Simplified Chinese</td>" in html
    assert '<a href="/admin/cms/story/?outdated=any">See all</a>' in html


def test_the_index_lists_stories_missing_a_language_but_not_archived_ones(admin_client, newsroom):
    html = section(index(admin_client), "missing")
    assert count(html) == 2
    assert sorted(listed(html)) == sorted(
        [
            (str(newsroom["english-only"]), "english-only en title"),
            (str(newsroom["chinese-only"]), "chinese-only zh-hans title"),
        ]
    )
    assert "<td>no Simplified Chinese</td>" in html
    assert "<td>no English</td>" in html
    assert '<a href="/admin/cms/story/?missing=zh-hans">Missing Simplified Chinese</a>' in html
    assert '<a href="/admin/cms/story/?missing=en">Missing English</a>' in html


def test_an_empty_section_says_so(admin_client):
    html = section(index(admin_client), "review")
    assert count(html) == 0
    assert "Nothing here." in html and listed(html) == []


def test_a_long_section_shows_ten_stories_and_how_many_more(admin_client):
    for number in range(13):
        make_story(f"r{number}", status=Story.Status.REVIEW, hours_ago=None)
    html = section(index(admin_client), "review")
    assert count(html) == 13
    assert len(listed(html)) == 10
    assert '<span class="cms-more">and 3 more</span>' in html


def activity(story_pk, days_ago, views, shares=0):
    StoryActivity.objects.create(
        story_id=story_pk,
        day=timezone.localdate() - timedelta(days=days_ago),
        views=views,
        shares=shares,
    )


def chart_rows(page):
    """(change page, views, shares, views bar length, shares bar length) of each chart row."""
    return re.findall(
        r'<a href="/admin/cms/story/(\d+)/change/">[^<]*</a>.*?'
        r'class="cms-bar-views" x="0" y="0" width="([\d.]+)".*?'
        r'class="cms-bar-shares" x="[\d.]+" y="0" width="([\d.]+)".*?'
        r'<td class="cms-views">(\d+)</td>\s*<td class="cms-shares">(\d+)</td>',
        section(page, "chart"),
        re.S,
    )


def test_the_chart_shows_the_top_stories_of_the_last_seven_days_in_order(admin_client):
    stories = [make_story(f"s{number}").pk for number in range(12)]
    for position, pk in enumerate(stories):
        activity(pk, 0, views=10 * (position + 1))
    activity(stories[0], 6, views=500, shares=100)  # The oldest day still counted.
    activity(stories[1], 7, views=10_000)  # A day too old.
    rows = chart_rows(index(admin_client))
    expected = [stories[0], *reversed(stories[3:])]
    assert [int(pk) for pk, *_rest in rows] == expected
    assert rows[0] == (str(stories[0]), "83.6", "16.4", "510", "100")
    assert rows[1] == (str(stories[11]), "19.7", "0.0", "120", "0")
    assert len(rows) == 10


def test_the_chart_breaks_ties_by_shares_then_by_story(admin_client):
    first, second, third = (make_story(slug).pk for slug in ("a", "b", "c"))
    activity(first, 1, views=10)
    activity(second, 1, views=5, shares=5)
    activity(third, 1, views=10)
    assert [int(pk) for pk, *_rest in chart_rows(index(admin_client))] == [second, first, third]


def test_the_chart_shows_the_demo_stories_views_and_shares(admin_client):
    from cms.demo import loader

    loader.load()
    rows = {int(pk): (int(views), int(shares)) for pk, _v, _s, views, shares in
            chart_rows(index(admin_client))}  # fmt: skip
    assert len(rows) == 10
    recent = Story.objects.published().filter(published_at__gt=timezone.now() - timedelta(hours=24))
    # Stories of the last day have all their counts in the chart, the biggest listed.
    biggest = max(recent, key=lambda story: story.view_count + story.share_count)
    assert rows[biggest.pk] == (biggest.view_count, biggest.share_count)


def test_the_demo_s_activity_rows_hold_its_live_stories_counts_once():
    from django.db.models import Sum

    from cms.demo import loader

    loader.load()
    for story in Story.objects.published():
        totals = story.activity.aggregate(views=Sum("views"), shares=Sum("shares"))
        assert (totals["views"] or 0, totals["shares"] or 0) == (
            story.view_count,
            story.share_count,
        ), story.slug
    assert not StoryActivity.objects.exclude(story__in=Story.objects.published()).exists()
    rows = StoryActivity.objects.count()
    loader.load()
    assert StoryActivity.objects.count() == rows > 0


def test_the_chart_says_when_nobody_read_anything(admin_client):
    make_story("s")
    html = section(index(admin_client), "chart")
    assert "No views or shares yet in these days." in html
    assert chart_rows(index(admin_client)) == []


def test_the_dashboard_in_chinese_has_the_same_sections_and_chinese_titles(admin_client, newsroom):
    activity(newsroom["live"], 0, views=5)
    response = admin_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/admin/"})
    assert response.status_code == 302
    page = index(admin_client)
    assert '<html lang="zh-hans"' in page
    assert listed(section(page, "review")) == [(str(newsroom["review"]), "in-review zh-hans title")]
    assert listed(section(page, "scheduled")) == [(str(newsroom["today"]), "today zh-hans title")]
    assert listed(section(page, "outdated")) == [
        (str(newsroom["outdated"]), "outdated zh-hans title")
    ]
    # A story without a Chinese version is shown by the title it has.
    assert sorted(listed(section(page, "missing"))) == sorted(
        [
            (str(newsroom["english-only"]), "english-only en title"),
            (str(newsroom["chinese-only"]), "chinese-only zh-hans title"),
        ]
    )
    assert [pk for pk, *_rest in chart_rows(page)] == [str(newsroom["live"])]
    assert '<a href="/admin/cms/story/?missing=zh-hans">' in page


def test_a_translator_sees_the_dashboard(client, newsroom):
    client.force_login(make_user("translator", "Translator", languages=["zh-hans"]))
    page = index(client)
    assert listed(section(page, "review")) == [(str(newsroom["review"]), "in-review en title")]


def test_staff_who_may_not_see_stories_get_no_dashboard_and_no_story_queries(client, newsroom):
    client.force_login(make_user("nobody"))
    with CaptureQueriesContext(connection) as queries:
        page = index(client)
    assert 'id="newsroom-dashboard"' not in page
    assert not [q for q in queries if "cms_story" in q["sql"]]


def test_the_app_index_page_has_no_dashboard(admin_client, newsroom):
    response = admin_client.get("/admin/cms/")
    assert response.status_code == 200
    assert 'id="newsroom-dashboard"' not in response.content.decode()


def test_the_dashboard_stylesheet_is_linked_and_no_inline_style_or_script_is_needed(
    admin_client, newsroom
):
    page = index(admin_client)
    assert '<link rel="stylesheet" href="/static/cms/dashboard.css">' in page
    dashboard = page[page.index('id="newsroom-dashboard"') : page.index('id="top-stories"')]
    assert "style=" not in dashboard and "<script" not in dashboard


def fill(number, offset=0):
    """`number` stories of every dashboard kind, each read on some of the last days."""
    for n in range(offset, offset + number):
        review = make_story(f"review-{n}", status=Story.Status.REVIEW, hours_ago=None)
        english = make_story(f"english-{n}", languages=("en",))
        scheduled = make_story(f"scheduled-{n}", hours_ago=later_today())
        for days_ago, story in enumerate((review, english, scheduled)):
            activity(story.pk, days_ago, views=n + 1, shares=n)


def index_queries(client):
    with CaptureQueriesContext(connection) as queries:
        index(client)
    return len(queries)


def test_the_dashboard_costs_the_same_queries_for_few_or_many_stories(
    admin_client, django_assert_max_num_queries
):
    index(admin_client)  # The session's first read.
    fill(2)
    few = index_queries(admin_client)
    fill(30, offset=2)
    many = index_queries(admin_client)
    assert few == many
    # Session, user, recent actions; the counts, eight lists, the chart and the titles
    # (and the waiting translations' languages, when the list of them is not empty).
    with django_assert_max_num_queries(15):
        index(admin_client)


# The first row: each person's own start.


def start_row(page):
    return page[page.index('id="newsroom-start"') : page.index('class="cms-sections"')]


@pytest.mark.parametrize(
    ("role", "waiting"),
    [
        ("Writer", "My stories in review"),
        ("Editor", "Awaiting my review"),
        ("Publisher", "Awaiting my review"),
    ],
)
def test_the_first_row_offers_a_new_story_my_drafts_what_waits_and_today(client, role, waiting):
    user = make_user(role.lower(), role)
    client.force_login(user)
    data = open_story_form(client)
    assert client.post("/admin/cms/story/add/?language=en", data).status_code == 302
    make_story("someone-elses-draft", status=Story.Status.DRAFT, hours_ago=None)
    page = index(client)
    start = start_row(page)
    assert '<a class="button default" href="/admin/cms/story/add/" id="new-story">' in start
    assert [title for _pk, title in listed(section(page, "mine"))] == ["Mine"]
    assert f"<caption>{waiting} " in section(page, "awaiting")
    assert "<caption>Going live today " in section(page, "scheduled")


def open_story_form(client):
    from tests.admin.test_admin import story_form

    return story_form(title="Mine", slug="mine", ai_involvement="human")


def test_editors_are_awaited_by_stories_in_review_and_translators_by_their_languages(client):
    in_review = make_story("in-review", status=Story.Status.REVIEW, hours_ago=None)
    english_only = make_story("english-only", languages=("en",))
    client.force_login(make_user("editor", "Editor"))
    assert listed(section(index(client), "awaiting")) == [(str(in_review.pk), "in-review en title")]
    client.force_login(make_user("translator", "Translator", languages=["zh-hans"]))
    page = index(client)
    assert "<caption>Awaiting my translation " in section(page, "awaiting")
    assert listed(section(page, "awaiting")) == [(str(english_only.pk), "english-only en title")]
    assert 'id="new-story"' not in start_row(page)


def test_the_ai_review_panel_lists_only_stories_not_yet_live(admin_client):
    waiting = make_story("waiting", status=Story.Status.DRAFT, hours_ago=None, reviewed=False)
    make_story("live-for-days", hours_ago=72, reviewed=False)
    assert [pk for pk, _title in listed(section(index(admin_client), "ai_review"))] == [
        str(waiting.pk)
    ]


def test_the_first_row_comes_before_the_other_lists_in_chinese_too(admin_client, newsroom):
    admin_client.cookies["django_language"] = "zh-hans"
    page = index(admin_client)
    assert page.index('id="newsroom-start"') < page.index('id="attention-review"')
    assert "新建报道" in start_row(page)
