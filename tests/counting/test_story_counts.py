"""Story counts are maintained, not recounted, and stay exact after every kind of change."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.core import languages
from cms.counting import counts
from cms.models import Story, StoryCount, StoryTranslation, Tag, set_tags
from cms.serving.audience import Audience
from cms.stories import publishing
from tests.factories import make_story, make_tag, make_user, review

pytestmark = pytest.mark.django_db

LIST = """query($language: String, $tag: String) {
  stories(language: $language, tag: $tag, first: 1) { totalCount }
  tags(language: $language) { slug storyCount }
}"""


def recounted(language, tag=None):
    stories = Story.objects.readable(Audience.of(language))
    return stories.with_tag(tag).count() if tag else stories.count()


def assert_exact(gql):
    """The API's counts equal a recount of the archive, in every language and tag."""
    assert counts.drift() == ({}, 0)
    for language in languages.codes():
        answer = gql(LIST, {"language": language})["data"]
        assert answer["stories"]["totalCount"] == recounted(language)
        expected = {tag.slug: recounted(language, tag.slug) for tag in Tag.objects.all()}
        assert {t["slug"]: t["storyCount"] for t in answer["tags"]} == {
            slug: count for slug, count in expected.items() if count
        }
        for slug, count in expected.items():
            tagged = gql(LIST, {"language": language, "tag": slug})["data"]["stories"]
            assert tagged["totalCount"] == count


@pytest.fixture
def newsroom():
    security, policy = make_tag("security", en="Security"), make_tag("policy", en="Policy")
    make_story("both", tags=[security, policy])
    make_story("english", languages=("en",), tags=[security])
    make_story("chinese", languages=("zh-hans",), tags=[policy])
    make_story("draft", status=Story.Status.DRAFT, hours_ago=None, tags=[security])
    return {"security": security, "policy": policy, "publisher": make_user("p", "Publisher")}


def story(slug):
    return Story.objects.get(slug=slug)


def test_counts_are_right_from_the_start(gql, newsroom):
    assert StoryCount.objects.get(language="en", tag=None).count == 2
    assert StoryCount.objects.get(language="zh-hans", tag=None).count == 3
    assert_exact(gql)


@pytest.mark.parametrize("step", ["publish", "schedule-and-arrive"])
def test_publishing_counts_the_story(gql, newsroom, step):
    draft = story("draft")
    if step == "publish":
        review(draft)
        publishing.take("publish", draft, newsroom["publisher"])
    else:
        with publishing.change(draft) as change:
            change.step("schedule", publish_at=timezone.now() + timedelta(hours=1))
            draft.save()
        assert_exact(gql)
        # Its time comes before the scheduler runs: counted on read already (cached
        # answers expire at that time by themselves).
        Story.objects.filter(pk=draft.pk).update(published_at=timezone.now())
        cache.clear()
        assert gql(LIST, {"language": "en"})["data"]["stories"]["totalCount"] == 3
        publishing.go_live.call(draft.pk)
    assert_exact(gql)
    assert recounted("en") == 3


@pytest.mark.parametrize("step", ["unpublish", "archive"])
def test_leaving_the_public_uncounts_the_story(gql, newsroom, step):
    publishing.take(step, story("both"), newsroom["publisher"])
    assert_exact(gql)
    assert recounted("en") == 1


def test_a_language_added_or_removed_moves_the_story_between_languages(gql, newsroom):
    chinese = story("chinese")
    chinese.set_current_language("en")
    chinese.title = "Now in English too"
    with publishing.change(chinese):
        chinese.save()
    assert_exact(gql)
    assert recounted("en") == 3
    StoryTranslation.objects.filter(master__slug="english", language_code="en").delete()
    assert_exact(gql)


def test_tags_changed_any_way_move_the_tag_counts(gql, newsroom, admin_client):
    both = story("both")
    set_tags(both, [newsroom["security"]])
    assert_exact(gql)
    both.tags.add(newsroom["policy"])
    assert_exact(gql)
    newsroom["policy"].stories.remove(both)
    assert_exact(gql)
    Tag.objects.filter(slug="security").delete()
    assert_exact(gql)


def test_deleting_a_live_story_in_the_admin_uncounts_it(gql, newsroom, admin_client):
    response = admin_client.post(f"/admin/cms/story/{story('both').pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert_exact(gql)


def test_a_raw_unpublish_is_followed_too(gql, newsroom):
    both = story("both")
    both.status = Story.Status.DRAFT
    both.save()
    assert_exact(gql)


def test_the_pipeline_publishing_is_counted(gql, newsroom, client):
    from cms.ingest import pipeline as ingest

    line = {"external_id": "p-1", "translations": {"en": {"title": "Piped"}}}
    draft, _created = ingest.upsert(line, may_publish=True)
    # An editor reviews the pipeline's text; the pipeline then publishes it.
    review(draft)
    ingest.upsert({**line, "publish": True}, may_publish=True)
    assert_exact(gql)


def test_check_counts_reports_drift_and_repairs_it(newsroom, capsys):
    call_command("check_counts")
    assert "Every count is right." in capsys.readouterr().out
    StoryCount.objects.filter(language="en", tag=None).update(count=40)
    with pytest.raises(CommandError, match="drifted"):
        call_command("check_counts")
    assert "en, all stories: stored 40, should be 2" in capsys.readouterr().out
    call_command("check_counts", "--repair")
    assert counts.drift() == ({}, 0)


def test_a_restricted_key_is_counted_exactly(newsroom):
    audience = Audience.of("en")
    assert counts.total(audience) == 2
    restricted = Audience(**{**audience.__dict__, "key_id": 1, "tag_ids": frozenset({1})})
    assert counts.total(restricted) is None


def test_counting_costs_the_same_whatever_the_archive_holds(gql, newsroom):
    def statements():
        with CaptureQueriesContext(connection) as queries:
            gql(LIST, {"language": "zh-hans"})
        return [q["sql"] for q in queries if "cms_story" in q["sql"]]

    few = statements()
    for number in range(30):
        make_story(f"more-{number}", tags=[newsroom["security"]])
    many = statements()
    assert len(few) == len(many)
    assert not any("GROUP BY" in sql and "cms_storytag" in sql.lower() for sql in many)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_publications_keep_the_counts_exact(gql):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes writers anyway")
    tag = make_tag("security", en="Security")
    drafts = [
        make_story(f"d{n}", status=Story.Status.DRAFT, hours_ago=None, tags=[tag]) for n in range(6)
    ]
    for draft in drafts:
        review(draft)
    publisher = make_user("p", "Publisher")
    start = threading.Barrier(len(drafts))
    failures = []

    def publish(draft):
        try:
            start.wait()
            publishing.take("publish", draft, publisher)
        except Exception as error:  # Reported below: a thread's failure must fail the test.
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert_exact(gql)
    assert StoryCount.objects.get(language="en", tag=None).count == 6
