"""The story list's search finds a story by any words of either language through the
search engine (stems, jieba's Chinese words), not by its title only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.search import index
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def stories():
    make_story(
        "robots",
        title_en="Lab robot folds towels",
        summary_en="Warehouses are modelling their shelves anew.",
        title_zh_hans="实验室机器人叠毛巾",
        summary_zh_hans="大模型正在改变仓库管理。",
        analysis_en="The gripper learned from video.",
        tldr_en=["Grippers now handle silk."],
        key_data_en=[{"entity": "Okapi Labs", "detail": "Towels per hour", "metric": "12"}],
        insights_en=[{"title": "Warehousing", "body": "Pickers become supervisors."}],
        faq_en=[{"question": "Is it for sale?", "answer": "Leasing starts in Ohio."}],
        tldr_zh_hans=["机械手学会处理丝绸。"],
        key_data_zh_hans=[{"entity": "奥卡皮实验室", "detail": "每小时毛巾数", "metric": "12"}],
        insights_zh_hans=[{"title": "仓储行业", "body": "拣货员转为监督员。"}],
        faq_zh_hans=[{"question": "它出售吗？", "answer": "租赁业务从俄亥俄州开始。"}],
    )
    make_story("chips", title_en="Chip exports", title_zh_hans="芯片出口")


def found(client, text, ui="en"):
    response = client.get("/admin/cms/story/", {"q": text}, HTTP_ACCEPT_LANGUAGE=ui)
    assert response.status_code == 200
    return sorted(story.slug for story in response.context["cl"].result_list)


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("text", "slugs"),
    [
        ("modelled shelves", ["robots"]),  # summary, stemmed
        ("gripper video", ["robots"]),  # analysis
        ("模型", ["robots"]),  # a Chinese word inside 大模型, segmented by jieba
        ("仓库", ["robots"]),
        ("芯片", ["chips"]),
        ("chip", ["chips"]),  # slug and title
        ("towels 芯片", []),  # every word, in one version
    ],
)
def test_admin_search_finds_any_text_of_either_language(client, stories, ui, text, slugs):
    client.force_login(make_user("writer", "Writer"))
    assert found(client, text, ui) == slugs


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("text", "slugs"),
    [
        ("silk", ["robots"]),  # a TL;DR bullet
        ("okapi", ["robots"]),  # a Key Data row
        ("supervisors", ["robots"]),  # an insight's body, stemmed
        ("Ohio leasing", ["robots"]),  # an FAQ answer
        ("丝绸", ["robots"]),  # the Chinese TL;DR, segmented by jieba
        ("实验室", ["robots"]),  # the Chinese Key Data
        ("监督", ["robots"]),  # the Chinese insight
        ("俄亥俄州", ["robots"]),  # the Chinese FAQ
        ("silk 丝绸", []),  # still every word in one version
    ],
)
def test_admin_search_finds_words_of_the_lists_too(client, stories, ui, text, slugs):
    client.force_login(make_user("writer", "Writer"))
    assert found(client, text, ui) == slugs


def test_reindexing_an_archive_indexes_the_lists_as_saving_does(stories):
    from cms.models import StoryTranslation

    saved = dict(StoryTranslation.objects.values_list("pk", "search_terms"))
    StoryTranslation.objects.update(search_terms="")
    index.reindex()
    assert dict(StoryTranslation.objects.values_list("pk", "search_terms")) == saved
    assert "silk" in " ".join(saved.values())


def test_an_admin_search_costs_the_same_queries_whatever_the_archive_size(client):
    client.force_login(make_user("writer", "Writer"))

    def count(stories):
        for number in range(stories):
            make_story(f"many-{stories}-{number}", faq_en=[{"question": "q", "answer": "Ohio"}])
        client.get("/admin/cms/story/", {"q": "Ohio"})  # warm the per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/admin/cms/story/", {"q": "Ohio"})
        assert response.status_code == 200
        return len(queries), response.context["cl"].result_count

    small, found_small = count(2)
    large, found_large = count(8)
    assert (found_small, found_large) == (2, 10)
    assert small == large
