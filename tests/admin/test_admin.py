"""Editors and translators at work in the admin, in both languages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from cms.models import Story
from tests.adminforms import read_form
from tests.factories import make_source, make_story, make_tag

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(admin_client):
    return admin_client


def story_form(**overrides):
    """The POST body of the story form on one language tab; lists as rows tables."""
    data = {
        "title": "Robots learn to fold laundry",
        "slug": "robots-fold-laundry",
        "summary": "A lab shows a robot folding towels.",
        "original_language": "en",
        "ai_involvement": "ai_generated",
        "published_at_0": "",
        "published_at_1": "",
        "hot_override": "",
        "quality": "20",
        "impact": "30",
        "analysis": "It **works**.",
        "source": "",
        "source_url": "",
        "tldr-count": "3",
        "tldr-0-order": "2",
        "tldr-0-text": "Second bullet",
        "tldr-1-order": "1",
        "tldr-1-text": "First bullet",
        "tldr-2-order": "",
        "tldr-2-text": "",
        "key_data-count": "1",
        "key_data-0-order": "1",
        "key_data-0-entity": "Lab",
        "key_data-0-detail": "Towels folded",
        "key_data-0-metric": "12 per hour",
        "insights-count": "0",
        "faq-count": "1",
        "faq-0-order": "",
        "faq-0-question": "Does it fold shirts?",
        "faq-0-answer": "Not yet.",
        "tag_links-TOTAL_FORMS": "0",
        "tag_links-INITIAL_FORMS": "0",
        "tag_links-MIN_NUM_FORMS": "0",
        "tag_links-MAX_NUM_FORMS": "1000",
        "author_links-TOTAL_FORMS": "0",
        "author_links-INITIAL_FORMS": "0",
        "author_links-MIN_NUM_FORMS": "0",
        "author_links-MAX_NUM_FORMS": "1000",
        "image_links-TOTAL_FORMS": "0",
        "image_links-INITIAL_FORMS": "0",
        "image_links-MIN_NUM_FORMS": "0",
        "image_links-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def errors(response):
    return [
        re.sub(r"<[^>]+>", "", match).strip()
        for match in re.findall(
            r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S
        )
    ]


def test_an_editor_writes_a_story_in_english_then_adds_the_chinese_tab(editor, gql):
    security = make_tag("security", en="Security", zh_hans="安全")
    response = editor.post(
        "/admin/cms/story/add/?language=en",
        story_form(
            _workflow="publish",
            **{
                "tag_links-TOTAL_FORMS": "1",
                "tag_links-0-tag": str(security.pk),
                "tag_links-0-position": "0",
            },
        ),
    )
    assert response.status_code == 302, errors(response)
    story = Story.objects.get(slug="robots-fold-laundry")
    story.set_current_language("en")
    assert story.tldr == ["First bullet", "Second bullet"]
    assert story.key_data == [{"entity": "Lab", "detail": "Towels folded", "metric": "12 per hour"}]
    assert story.faq == [{"question": "Does it fold shirts?", "answer": "Not yet."}]
    assert story.is_live()

    response = editor.post(
        f"/admin/cms/story/{story.pk}/change/?language=zh-hans",
        story_form(
            title="机器人学会叠衣服",
            summary="实验室展示机器人叠毛巾。",
            base_version=str(Story.objects.get(pk=story.pk).edit_version),
            published_at_0=story.published_at.strftime("%Y-%m-%d"),
            published_at_1=story.published_at.strftime("%H:%M:%S"),
            **{
                "tldr-count": "1",
                "tldr-0-order": "1",
                "tldr-0-text": "只有一条要点",
                "key_data-count": "0",
                "faq-count": "0",
                "tag_links-TOTAL_FORMS": "1",
                "tag_links-INITIAL_FORMS": "1",
                "tag_links-0-id": str(story.tag_links.get().pk),
                "tag_links-0-story": str(story.pk),
                "tag_links-0-tag": str(security.pk),
                "tag_links-0-position": "0",
            },
        ),
    )
    assert response.status_code == 302, errors(response)
    zh = gql(
        '{ story(slug: "robots-fold-laundry", language: "zh-hans") '
        "{ title tldr keyData { entity } tags { name } availableLanguages } }"
    )
    assert zh == {
        "data": {
            "story": {
                "title": "机器人学会叠衣服",
                "tldr": ["只有一条要点"],
                "keyData": [],
                "tags": [{"name": "安全"}],
                "availableLanguages": ["en", "zh-hans"],
            }
        }
    }
    en = gql('{ story(slug: "robots-fold-laundry", language: "en") { title tldr } }')
    assert en["data"]["story"] == {
        "title": "Robots learn to fold laundry",
        "tldr": ["First bullet", "Second bullet"],
    }


def test_the_change_form_shows_both_language_tabs_and_the_tab_s_own_lists(editor):
    make_story("s", tldr_en=["English bullet"], tldr_zh_hans=["中文要点"])
    story = Story.objects.get(slug="s")
    english = editor.get(f"/admin/cms/story/{story.pk}/change/?language=en").content.decode()
    chinese = editor.get(f"/admin/cms/story/{story.pk}/change/?language=zh-hans").content.decode()
    for page in (english, chinese):
        assert "?language=en" in page and "?language=zh-hans" in page
    assert "English bullet" in english and "中文要点" not in english
    # The Chinese tab's fields hold the Chinese list; the English shows beside, as the original.
    fields = read_form(chinese)
    assert fields["tldr-0-text"] == "中文要点"
    assert "English bullet" not in fields.values()
    assert re.search(r'data-field="tldr".*?<li>English bullet</li>', chinese, re.S)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"hot_override": "101"}, "Ensure this value is less than or equal to 100."),
        ({"impact": "-5"}, "Ensure this value is greater than or equal to 0."),
        ({"title": ""}, "This field is required."),
        ({"tldr-0-order": "first"}, "“first” is not a number; use numbers to order the rows."),
        ({"key_data-0-entity": ""}, "Row 1 is missing its entity."),
    ],
)
def test_bad_form_input_gets_a_clear_message_and_saves_nothing(editor, overrides, message):
    response = editor.post("/admin/cms/story/add/?language=en", story_form(**overrides))
    assert response.status_code == 200
    assert message in errors(response)
    assert not Story.objects.exists()


def test_a_duplicate_slug_is_refused_clearly(editor):
    make_story("robots-fold-laundry")
    response = editor.post("/admin/cms/story/add/?language=en", story_form())
    assert "Story with this Slug already exists." in errors(response)
    assert Story.objects.count() == 1


def test_the_story_list_shows_status_scores_languages_and_tags(editor):
    tag = make_tag("security", en="Security", zh_hans="安全")
    make_story("listed", languages=("en",), hot=77, tags=[tag], title_en="Listed story")
    page = editor.get("/admin/cms/story/").content.decode()
    assert "Listed story" in page
    assert "77" in page
    assert "Security" in page
    assert "Published" in page


def test_filters_find_stories_missing_a_language_and_by_status_and_tag(editor):
    tag = make_tag("security", en="Security")
    make_story("both", title_en="Both languages", tags=[tag])
    make_story("english", languages=("en",), title_en="English only")
    make_story("draft", status="draft", hours_ago=None, title_en="A draft")
    missing = editor.get("/admin/cms/story/?missing=zh-hans").content.decode()
    assert "English only" in missing and "Both languages" not in missing
    drafts = editor.get("/admin/cms/story/?state=draft").content.decode()
    assert "A draft" in drafts and "English only" not in drafts
    tagged = editor.get(f"/admin/cms/story/?tags__id__exact={tag.pk}").content.decode()
    assert "Both languages" in tagged and "English only" not in tagged


def test_search_finds_a_story_by_its_title_in_either_language(editor):
    make_story("s", title_en="Quantum leap", title_zh_hans="量子飞跃")
    make_story("other", title_en="Something else", title_zh_hans="别的")
    for text in ("Quantum", "量子"):
        page = editor.get("/admin/cms/story/", {"q": text}).content.decode()
        assert "1 result" in page or "1 个结果" in page, text


def test_the_admin_speaks_chinese_when_the_editor_switches_language(editor):
    make_story("s")
    response = editor.post("/i18n/setlang/", {"language": "zh-hans", "next": "/admin/cms/story/"})
    assert response.status_code == 302
    page = editor.get("/admin/cms/story/").content.decode()
    assert "报道" in page
    assert "缺少语言版本" in page
    add = editor.get("/admin/cms/story/add/").content.decode()
    for label in (
        "标题",
        "摘要",
        "热度",
        "质量",
        "影响力",
        "核心数据",
        "深度解读",
        "行业启示",
        "常见问题",
    ):
        assert label in add, label


def test_a_material_edit_of_a_live_story_moves_its_updated_time(editor):
    story = make_story("robots-fold-laundry", languages=("en",), hours_ago=5)
    before = story.updated_at
    form = story_form(
        base_version=str(story.edit_version),
        published_at_0=story.published_at.strftime("%Y-%m-%d"),
        published_at_1=story.published_at.strftime("%H:%M:%S.%f"),
        summary="A corrected summary.",
    )
    response = editor.post(f"/admin/cms/story/{story.pk}/change/?language=en", form)
    assert response.status_code == 302, errors(response)
    story.refresh_from_db()
    assert story.updated_at > before
    assert story.updated_at > timezone.now() - timedelta(minutes=1)


def test_a_minor_edit_does_not_move_the_updated_time(editor):
    story = make_story("robots-fold-laundry", languages=("en",), hours_ago=5)
    before = story.updated_at
    form = story_form(
        base_version=str(story.edit_version),
        published_at_0=story.published_at.strftime("%Y-%m-%d"),
        published_at_1=story.published_at.strftime("%H:%M:%S.%f"),
        summary="A typo fixed.",
        minor_edit="on",
    )
    response = editor.post(f"/admin/cms/story/{story.pk}/change/?language=en", form)
    assert response.status_code == 302, errors(response)
    story.refresh_from_db()
    assert story.updated_at == before


def test_tags_and_sources_have_language_tabs(editor):
    tag = make_tag("security", en="Security", zh_hans="安全")
    source = make_source("xinhua", en="Xinhua", zh_hans="新华社")
    response = editor.post(
        f"/admin/cms/tag/{tag.pk}/change/?language=zh-hans",
        {"slug": "security", "name": "网络安全"},
    )
    assert response.status_code == 302
    tag.set_current_language("zh-hans")
    tag.refresh_from_db()
    assert tag.safe_translation_getter("name", language_code="zh-hans") == "网络安全"
    page = editor.get(f"/admin/cms/source/{source.pk}/change/?language=zh-hans").content.decode()
    assert "新华社" in page
    assert editor.get("/admin/cms/tag/").status_code == 200
    assert editor.get("/admin/cms/source/").status_code == 200


def test_the_story_list_marks_pinned_stories_beside_their_hot_score(editor):
    make_story("pinned-one", hot=40, pinned=True)
    make_story("plain", hot=60)
    page = editor.get("/admin/cms/story/").content.decode()
    assert '<td class="field-hot_column">40, pinned</td>' in page
    assert '<td class="field-hot_column">60</td>' in page
