"""A language version's derived fields are computed once per save, by one ordered receiver."""

from collections import Counter
from unittest import mock

import pytest

from cms.core import terms
from cms.disclosure import rules as disclosure
from cms.disclosure.rules import Involvement
from cms.media import figures
from cms.models import Story, StoryTranslation
from tests.adminforms import errors
from tests.factories import desk_editor, make_story, make_user
from tests.stories.test_workflow import press

pytestmark = pytest.mark.django_db


@pytest.fixture
def derivations():
    """Which languages' analyses were rendered, and whose text was turned into terms."""
    rendered, segmented = Counter(), Counter()
    render, document_terms = figures.render_analysis, terms.document_terms

    def counting_render(analysis, story_id, language):
        rendered[language] += 1
        return render(analysis, story_id, language)

    def counting_terms(title, *parts):
        segmented[title] += 1
        return document_terms(title, *parts)

    with (
        mock.patch.object(figures, "render_analysis", counting_render),
        mock.patch.object(terms, "document_terms", counting_terms),
    ):
        yield rendered, segmented


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, {}),
        ({"title": "Robots fold towels"}, {"en": 1}),
    ],
)
def test_one_publish_of_an_ai_written_two_language_story_renders_each_version_at_most_once(
    client, derivations, changes, expected
):
    story = make_story(
        "robots",
        status=Story.Status.REVIEW,
        hours_ago=None,
        ai_involvement="ai_generated",
        title_en="Robots fold laundry",
        title_zh_hans="机器人叠衣服",
    )
    # The Chinese desk's editor reviewed the Chinese version already.
    disclosure.record_review(story, desk_editor(), ["zh-hans"])
    client.force_login(make_user("publisher", "Publisher"))
    rendered, segmented = derivations
    rendered.clear()
    segmented.clear()

    response = press(client, story, "publish", **changes)

    assert response.status_code == 302, errors(response)
    assert Story.objects.get(pk=story.pk).is_live()
    # The tab's version is derived again only when its text changed, and once; the review
    # that publishing records saves no version again.
    assert rendered == Counter(expected)
    assert sum(segmented.values()) == sum(expected.values())
    reviewed = StoryTranslation.objects.filter(master=story)
    assert {row.ai_involvement for row in reviewed} == {Involvement.AI_REVIEWED}


def test_a_saved_version_has_its_analysis_text_terms_and_grade_derived_in_order():
    story = make_story(
        "order",
        languages=("zh-hans",),
        status=Story.Status.DRAFT,
        hours_ago=None,
        analysis_zh_hans="大模型**发布**了。",
        ai_involvement="ai_generated",
    )
    row = StoryTranslation.objects.get(master=story)
    assert row.analysis_html == "<p>大模型<strong>发布</strong>了。</p>"
    assert row.analysis_text == "大模型发布了。"
    assert "大模型" in row.search_terms.split() and "模型" in row.search_terms.split()
    assert row.search_scope.startswith("lang:zh-hans")
    assert row.ai_involvement == Involvement.AI_GENERATED
    assert Story.objects.get(pk=story.pk).ai_generated


def test_a_fixture_loaded_raw_keeps_the_derived_fields_it_carries():
    story = make_story("raw", languages=("en",), status=Story.Status.DRAFT, hours_ago=None)
    row = StoryTranslation.objects.get(master=story)
    row.analysis_html = "<p>as stored</p>"
    row.save_base(raw=True)
    assert StoryTranslation.objects.get(pk=row.pk).analysis_html == "<p>as stored</p>"
