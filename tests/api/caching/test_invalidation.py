"""Invalidation: an edit, a rename, a retag, an unpublish or a delete reaches every cached answer
that showed it and no other; and one change is one invalidation (a transaction's bumps are
gathered, and the edge owes one purge for it: one row, whatever number of saves and
announcements it made)."""

# Rows are written, and versions advanced, when a transaction commits: these tests commit.
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from api.caching import changes, versions
from cms.models import EdgePurge, State, Story, Tag
from cms.stories import publishing
from tests.adminforms import open_form
from tests.api.caching.helpers import LIST, PAGE, get, post
from tests.conftest import without_cost
from tests.factories import make_story, make_tag, make_user, review

pytestmark = pytest.mark.django_db


# Edge-purge rows are written, and versions advanced, when a transaction commits: the tests of
# one invalidation commit, with an edge to purge.
@pytest.fixture
def varnish(settings):
    # An edge to purge (nothing is sent: no worker runs here).
    settings.CMS_EDGE_PURGE_BACKEND = "varnish"
    settings.CMS_EDGE_VARNISH_URLS = ["http://127.0.0.1:9"]


def in_review(slug="robots"):
    story = make_story(slug, status=Story.Status.REVIEW, hours_ago=None)
    review(story)  # Both versions' AI-written text, reviewed before a publisher publishes.
    return story


def new_rows(before):
    return list(EdgePurge.objects.filter(pk__gt=before).order_by("pk"))


def last_row():
    return EdgePurge.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("varnish")
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_one_publish_of_a_two_language_story_in_the_admin_writes_one_edge_purge_row(
    client, language
):
    story = in_review()
    client.force_login(make_user("publisher", "Publisher"))
    url = f"/admin/cms/story/{story.pk}/change/?language={language}"
    data = open_form(client, url)
    data["_workflow"] = "publish"
    before = last_row()
    response = client.post(url, data, headers={"accept-language": language})
    assert response.status_code == 302
    assert Story.objects.get(pk=story.pk).state == State.PUBLISHED
    (row,) = new_rows(before)
    assert set(row.dependencies) == {f"story:{story.pk}", "stories", "tags"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("varnish")
def test_one_publish_through_the_transition_writes_one_row(settings):
    story = in_review()
    before = last_row()
    publishing.take("publish", story, make_user("publisher", "Publisher"))
    (row,) = new_rows(before)
    assert {f"story:{story.pk}", "stories", "tags"} <= set(row.dependencies)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("varnish")
def test_a_rolled_back_publish_writes_no_row_and_leaves_nothing_for_the_next_change():
    story = in_review()
    publisher = make_user("publisher", "Publisher")
    before = last_row()
    with pytest.raises(RuntimeError), transaction.atomic():
        publishing.take("publish", story, publisher)
        raise RuntimeError("the editor's save failed")
    assert new_rows(before) == []
    tag = make_tag("robots", en="Robots")
    before = last_row()
    # The next transaction owes its own keys only, not those the rolled-back one gathered.
    with transaction.atomic():
        tag.slug = "robotics"
        tag.save()
    (row,) = new_rows(before)
    assert set(row.dependencies) == {f"tag:{tag.pk}", "tags"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("varnish")
def test_two_transactions_write_two_rows():
    first, second = in_review("first"), in_review("second")
    publisher = make_user("publisher", "Publisher")
    before = last_row()
    publishing.take("publish", first, publisher)
    publishing.take("publish", second, publisher)
    rows = new_rows(before)
    assert len(rows) == 2
    assert f"story:{first.pk}" in rows[0].dependencies
    assert f"story:{second.pk}" in rows[1].dependencies


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("varnish")
def test_each_key_advances_once_on_commit_however_many_bumps_named_it():
    story = make_story("robots")
    tag = make_tag("ai", en="AI")
    with mock.patch.object(versions, "advance", wraps=versions.advance) as advance:
        with transaction.atomic():
            for _ in range(3):
                changes.bump(f"story:{story.pk}", "stories")
            changes.bump(f"tag:{tag.pk}", "tags")
            during = advance.call_count
        after = advance.call_args_list[during:]
    assert len(after) == 1
    assert list(after[0].args[0]) == sorted(
        {f"story:{story.pk}", "stories", f"tag:{tag.pk}", "tags"}
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("varnish")
def test_a_key_bumped_again_after_a_rolled_back_savepoint_is_still_purged():
    story = make_story("robots")
    tag = make_tag("ai", en="AI")
    before = last_row()
    with transaction.atomic():
        Tag.objects.get(pk=tag.pk).save()
        with pytest.raises(RuntimeError), transaction.atomic():
            Story.objects.get(pk=story.pk).save()
            raise RuntimeError("refused")
        # Rolled back with its savepoint: the row names the tag alone again.
        assert set(EdgePurge.objects.get(pk__gt=before).dependencies) == {f"tag:{tag.pk}", "tags"}
        Story.objects.get(pk=story.pk).save()
    (row,) = new_rows(before)
    assert {f"tag:{tag.pk}", "tags", f"story:{story.pk}", "stories"} <= set(row.dependencies)


def test_counting_a_view_does_not_invalidate_story_content(client, story):
    get(client, PAGE, {"slug": "s"})
    post(client, 'mutation { recordView(slug: "s") { viewCount } }')
    with CaptureQueriesContext(connection) as queries:
        get(client, PAGE, {"slug": "s"})
    assert len(queries) == 0


def test_editing_a_story_invalidates_its_page_and_lists_but_not_other_pages(client, story):
    make_story("other", title_en="Other title")
    get(client, PAGE, {"slug": "s"})
    get(client, PAGE, {"slug": "other"})
    get(client, LIST)
    story.set_current_language("en")
    story.title = "New title"
    story.save()
    assert get(client, PAGE, {"slug": "s"}).json()["data"]["story"]["title"] == "New title"
    titles = [e["node"]["title"] for e in get(client, LIST).json()["data"]["stories"]["edges"]]
    assert "New title" in titles
    with CaptureQueriesContext(connection) as queries:
        get(client, PAGE, {"slug": "other"})
    assert len(queries) == 0


def test_renaming_a_tag_or_source_updates_cached_pages(client, story):
    get(client, PAGE, {"slug": "s"})
    tag = story.tags.get()
    tag.set_current_language("en")
    tag.name = "Cybersecurity"
    tag.save()
    source = story.source
    source.set_current_language("en")
    source.name = "Semafor News"
    source.save()
    data = get(client, PAGE, {"slug": "s"}).json()["data"]["story"]
    assert data["tags"] == [{"name": "Cybersecurity"}]
    assert data["source"] == {"name": "Semafor News"}


def test_unpublishing_and_deleting_take_effect_at_once(client, story):
    make_story("kept")
    get(client, PAGE, {"slug": "s"})
    get(client, LIST)
    story.status = Story.Status.DRAFT
    story.save()
    assert without_cost(get(client, PAGE, {"slug": "s"}).json()) == {"data": {"story": None}}
    Story.objects.get(slug="kept").delete()
    assert without_cost(get(client, LIST).json()) == {"data": {"stories": {"edges": []}}}


def test_retagging_a_story_updates_lists_and_tag_counts(client, story):
    query = '{ tags { slug storyCount } stories(tag: "policy") { edges { node { slug } } } }'
    get(client, query)
    policy = make_tag("policy", en="Policy")
    story.tags.add(policy)
    assert without_cost(get(client, query).json()) == {
        "data": {
            "tags": [{"slug": "policy", "storyCount": 1}, {"slug": "security", "storyCount": 1}],
            "stories": {"edges": [{"node": {"slug": "s"}}]},
        }
    }
