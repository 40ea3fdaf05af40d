"""Demo content and the benchmark generator."""

import pytest
from django.core.management import CommandError, call_command

from cms.demo import loader
from cms.models import Source, Story, StoryTranslation, Tag
from cms.search import index
from cms.stories import derive

pytestmark = pytest.mark.django_db


def test_demo_content_covers_lists_filters_fallback_and_drafts():
    loader.load()
    stories = Story.objects.all()
    languages = {story.slug: set(story.get_available_languages()) for story in stories}
    assert {"en"} in languages.values()
    assert {"zh-hans"} in languages.values()
    assert Story.objects.filter(status=Story.Status.DRAFT).count() >= 2
    assert Story.objects.published().count() >= 15
    assert (
        Story.objects.filter(status="published").exclude(pk__in=Story.objects.published()).exists()
    )
    assert Tag.objects.count() >= 6
    assert Source.objects.count() >= 4
    seed = Story.objects.get(slug="china-may-have-accessed-mythos")
    assert (seed.hot, seed.quality, seed.impact, seed.ai_generated) == (80, 70, 75, True)
    assert seed.source.slug == "semafor"
    assert [link.tag.slug for link in seed.tag_links.all()] == ["security", "policy", "llm"]


def test_loading_again_keeps_editors_changes_and_duplicates_nothing():
    loader.load()
    counts = (Story.objects.count(), Tag.objects.count(), Source.objects.count())
    seed = Story.objects.get(slug="china-may-have-accessed-mythos")
    seed.set_current_language("en")
    seed.title = "Edited by an editor"
    seed.hot_override = 99
    seed.save()
    assert loader.load() == 0
    call_command("load_demo", verbosity=0)
    assert (Story.objects.count(), Tag.objects.count(), Source.objects.count()) == counts
    seed.refresh_from_db()
    seed.set_current_language("en")
    assert (seed.title, seed.hot) == ("Edited by an editor", 99)


def test_a_deleted_demo_story_comes_back_on_the_next_load():
    loader.load()
    Story.objects.filter(slug="china-may-have-accessed-mythos").delete()
    assert loader.load() == 1


def test_generate_stories_creates_published_bilingual_stories_whose_derived_text_is_right():
    call_command("generate_stories", "25", "--batch-size", "10", "--seed", "1", verbosity=0)
    generated = Story.objects.filter(slug__startswith="generated-")
    assert generated.count() == 25
    assert Story.objects.published().filter(slug__startswith="generated-").count() == 25
    assert StoryTranslation.objects.filter(master__in=generated).count() == 50
    for translation in StoryTranslation.objects.filter(master__in=generated)[:6]:
        stored = (translation.analysis_html, translation.analysis_text, translation.search_terms)
        scope = translation.search_scope
        derive.derive(translation)
        assert stored == (
            translation.analysis_html,
            translation.analysis_text,
            translation.search_terms,
        )
        index.refresh_scope(translation.master_id)
        translation.refresh_from_db()
        assert translation.search_scope == scope
    assert all(story.tags.exists() for story in generated)


def test_generate_stories_twice_never_collides():
    call_command("generate_stories", "3", verbosity=0)
    call_command("generate_stories", "3", verbosity=0)
    assert Story.objects.count() == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["0"], "0 is not a positive number."),
        (["ten"], "'ten' is not a whole number."),
        (["5", "--batch-size", "-1"], "-1 is not a positive number."),
    ],
)
def test_generate_stories_rejects_bad_numbers_clearly(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("generate_stories", *args, verbosity=0)
    assert Story.objects.count() == 0


def test_demo_stories_loaded_before_estimates_get_theirs_and_their_activity():
    from cms.models import StoryActivity

    loader.load()
    # As an older version left them: ranked from the counters alone, no rows.
    Story.objects.update(hot_prior=None, hot_computed=30, hot=30)
    StoryActivity.objects.all().delete()
    assert loader.load() == 0
    seed = Story.objects.get(slug="china-may-have-accessed-mythos")
    assert (seed.hot, seed.hot_prior, seed.hot_computed, seed.hot_prior_views) == (80, 80, None, 61)
    assert StoryActivity.objects.filter(story=seed).exists()
