"""`generate_stories`: Zipf-distributed words, both languages, repeatable, derived fields filled."""

import os
import random
import re
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cms.demo import vocabulary
from cms.models import Story, StoryTranslation
from cms.stories import derive, translation_state

pytestmark = pytest.mark.django_db


def generate(count, *options):
    call_command("generate_stories", str(count), *options, verbosity=0)


def contents():
    translations = StoryTranslation.objects.order_by("master_id", "language_code")
    return [
        (t.language_code, t.title, t.summary, t.tldr, t.analysis, t.insights, t.faq, t.key_data)
        for t in translations
    ]


@pytest.mark.parametrize("language", [vocabulary.english, vocabulary.chinese])
def test_the_most_common_word_is_drawn_far_more_often_than_the_median_word(language):
    words = language()
    counts = Counter(words.draw(random.Random(1), 50_000))
    most_common, top = counts.most_common(1)[0]
    assert most_common == words.words[0]
    assert top > 50 * statistics.median(counts.values())
    # Zipf: the second word is about half as common as the first, the tenth a tenth.
    assert 0.35 < counts[words.words[1]] / top < 0.65
    assert 0.05 < counts[words.words[9]] / top < 0.2
    # And there is a long tail: most of the vocabulary is rare, but rare words are drawn.
    assert len(counts) > 5_000


def plain(translations):
    """The text a translation says, lowercased: title, summary and analysis."""
    return [
        "\n".join((title, summary, analysis)).lower()
        for title, summary, analysis in translations.values_list(
            "title", "summary", "analysis_text"
        )
    ]


def test_stories_in_both_languages_share_common_words_and_rarely_share_rare_ones():
    generate(40, "--seed", "3")
    english = StoryTranslation.objects.filter(language_code="en")
    chinese = StoryTranslation.objects.filter(language_code="zh-hans")
    assert english.count() == chinese.count() == 40
    tokens = Counter(word for text in plain(english) for word in re.findall(r"[a-z-]+", text))
    assert tokens.most_common(1)[0][0] == "the"
    assert tokens["the"] > 50 * statistics.median(tokens.values())
    common_english = sum("model" in t.split() for t in plain(english))
    common_chinese = sum("的" in t for t in plain(chinese))
    assert common_english >= 30 and common_chinese == 40
    rare = next(w for w in vocabulary.chinese().words[20_000:] if len(w) == 4)
    assert not any(rare in text for text in plain(chinese))
    assert all(re.search(r"[\u4e00-\u9fff]", t.title) for t in chinese)


def test_the_same_seed_gives_the_same_stories_and_another_seed_others():
    generate(6, "--seed", "7", "--batch-size", "4")
    first = contents()
    Story.objects.all().delete()
    generate(6, "--seed", "7", "--batch-size", "4")
    assert contents() == first
    Story.objects.all().delete()
    generate(6, "--seed", "8", "--batch-size", "4")
    assert contents() != first


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_several_jobs_write_the_same_stories_as_one():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: elsewhere one process writes every batch")
    generate(9, "--seed", "7", "--batch-size", "2", "--jobs", "2")
    # Which job reserves its ids first varies, so stories are compared as a set.
    together = sorted(contents(), key=repr)
    assert len(together) == 18
    assert Story.objects.published().count() == 9
    Story.objects.all().delete()
    generate(9, "--seed", "7", "--batch-size", "2")
    assert sorted(contents(), key=repr) == together


def test_generated_translations_have_the_derived_fields_that_saving_them_computes():
    generate(30, "--seed", "5", "--batch-size", "7")
    translations = list(StoryTranslation.objects.all())
    assert len(translations) == 60
    for translation in translations:
        stored = {
            name: getattr(translation, name)
            for name in ("analysis_html", "analysis_text", "search_terms", "content_hash")
        }
        derive.derive(translation)
        translation.content_hash = ""
        translation.refresh_state(now=translation.content_changed_at)
        assert stored == {name: getattr(translation, name) for name in stored}
        assert translation.complete
    assert any("<strong>" in t.analysis_html for t in translations if t.language_code == "en")
    assert any("<em>" in t.analysis_html for t in translations if t.language_code == "zh-hans")
    # Both versions were written together: none is outdated, none needs translating.
    assert not Story.objects.with_outdated_translation().exists()
    assert not Story.objects.needing_translation().exists()
    story = Story.objects.first()
    states = translation_state.story_states(story)
    assert all(s.available and s.complete and not s.outdated for s in states)
    assert Story.objects.published().count() == 30
    assert all(story.tags.exists() for story in Story.objects.all())


def test_rebuilding_indexes_leaves_every_index_in_place():
    def indexes():
        with connection.cursor() as cursor:
            return {
                table: set(connection.introspection.get_constraints(cursor, table))
                for table in ("cms_story", "cms_story_translation", "cms_storytag")
                + (("cms_story_search",) if connection.vendor == "postgresql" else ())
            }

    before = indexes()
    generate(5, "--rebuild-indexes")
    assert indexes() == before
    assert Story.objects.count() == 5


def test_stories_loaded_with_indexes_rebuilt_are_found_by_search_in_both_languages():
    from cms.search import engine
    from cms.serving.audience import Audience

    generate(6, "--rebuild-indexes", "--seed", "4")
    for language in ("en", "zh-hans"):
        version = StoryTranslation.objects.filter(language_code=language).first()
        word = version.search_terms.split()[0]
        audience = Audience.of(language)
        found = engine.Search(word, audience.chain).matching(Story.objects.readable(audience))
        assert version.master_id in set(found.values_list("pk", flat=True)), (language, word)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM cms_story_search s JOIN cms_story_translation t "
                "ON t.id = s.translation_id AND t.search_scope = s.search_scope"
            )
            assert cursor.fetchone()[0] == StoryTranslation.objects.count()
            # The trigger is on again: an edit reaches the search table.
            version = StoryTranslation.objects.filter(language_code="en").first()
            version.title = "Quokkas everywhere"
            version.save()
            cursor.execute(
                "SELECT search_vector::text FROM cms_story_search WHERE translation_id = %s",
                [version.pk],
            )
            assert "quokka" in cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-1"], "N: -1 is not a positive number."),
        (["0"], "N: 0 is not a positive number."),
        (["many"], "N: 'many' is not a whole number."),
        (["5", "--batch-size", "0"], "--batch-size: 0 is not a positive number."),
        (["5", "--batch-size", "big"], "--batch-size: 'big' is not a whole number."),
        (["5", "--days", "-3"], "--days: -3 is not a positive number."),
        (["5", "--jobs", "0"], "--jobs: 0 is not a positive number."),
        (["5", "--jobs", "500"], "--jobs: 500 is more than 64."),
    ],
)
def test_bad_options_are_clear_command_errors(args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("generate_stories", *args, verbosity=0)
    assert Story.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-1"], "N: -1 is not a positive number."),
        (["5", "--batch-size", "0"], "--batch-size: 0 is not a positive number."),
    ],
)
def test_bad_options_on_the_command_line_print_the_error_without_a_traceback(args, message):
    result = subprocess.run(
        [sys.executable, "manage.py", "generate_stories", *args],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SECRET_KEY": "test-only"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert f"CommandError: {message}" in result.stderr
    assert "Traceback" not in result.stderr
