"""Rules the database and the model enforce, whoever writes."""

import pytest
from django.db import IntegrityError, transaction

from cms.models import Story
from tests.factories import make_story

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["hot", "quality", "impact"])
@pytest.mark.parametrize("value", [-1, 101, 1000])
def test_scores_outside_0_to_100_are_refused_by_the_database(field, value):
    story = make_story()
    with pytest.raises(IntegrityError), transaction.atomic():
        Story.objects.filter(pk=story.pk).update(**{field: value})


def test_a_published_story_without_a_publish_time_is_refused_by_the_database():
    story = make_story()
    with pytest.raises(IntegrityError), transaction.atomic():
        Story.objects.filter(pk=story.pk).update(published_at=None)


def test_publishing_without_a_time_publishes_now_and_records_the_first_publication():
    story = make_story(status=Story.Status.DRAFT, hours_ago=None)
    assert (story.published_at, story.first_published_at) == (None, None)
    story.status = Story.Status.PUBLISHED
    story.save()
    assert story.published_at is not None
    assert story.first_published_at == story.published_at
    assert story.updated_at == story.published_at
    assert story.is_live()


def test_first_publication_time_survives_unpublishing_and_republishing():
    story = make_story(hours_ago=10)
    first = story.first_published_at
    story.status = Story.Status.DRAFT
    story.save()
    story.status = Story.Status.PUBLISHED
    story.published_at = None
    story.save()
    assert story.first_published_at == first
    assert story.published_at > first


def test_analysis_is_stored_as_sanitized_html_and_plain_text():
    story = make_story(analysis_en="Hello **world**\n\n<script>alert(1)</script>[x](javascript:y)")
    story.set_current_language("en")
    assert story.analysis_html == (
        '<p>Hello <strong>world</strong></p>\n\n<p><a rel="noopener noreferrer nofollow">x</a></p>'
    )
    assert story.analysis_text == "Hello world\n\nx"
