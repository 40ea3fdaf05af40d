"""One change, one invalidation: a transaction's bumps are gathered, and the edge owes one
purge for it (one row), whatever number of saves and announcements it made."""

from unittest import mock

import pytest
from django.db import transaction

from api.caching import changes, versions
from cms.models import EdgePurge, State, Story, Tag
from cms.stories import publishing
from tests.adminforms import open_form
from tests.factories import make_story, make_tag, make_user, review

# Rows are written, and versions advanced, when a transaction commits: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
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


def test_one_publish_through_the_transition_writes_one_row(settings):
    story = in_review()
    before = last_row()
    publishing.take("publish", story, make_user("publisher", "Publisher"))
    (row,) = new_rows(before)
    assert {f"story:{story.pk}", "stories", "tags"} <= set(row.dependencies)


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
