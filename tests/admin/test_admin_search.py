"""The story list's search finds a story by any words of either language through the
search engine (stems, jieba's Chinese words), not by its title only."""

import pytest

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
