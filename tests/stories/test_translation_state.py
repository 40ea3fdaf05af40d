"""Each language version says whether it is complete, outdated, and who wrote it."""

import pytest

from cms.models import Origin, Story, StoryTranslation
from tests.adminforms import open_form
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db

QUERY = """query ($slug: String!) { story(slug: $slug) {
    translations { language available complete outdated origin } } }"""


def state(language, available=True, complete=True, outdated=False, origin="HUMAN"):
    if not available:
        complete, origin = False, None
    return {
        "language": language,
        "available": available,
        "complete": complete,
        "outdated": outdated,
        "origin": origin,
    }


def edit(story, language, **fields):
    story = Story.objects.get(pk=story.pk)
    story.set_current_language(language)
    for name, value in fields.items():
        setattr(story, name, value)
    story.save()
    return story


def test_a_story_in_both_languages_is_complete_in_both(gql):
    make_story("robots")
    assert gql(QUERY, {"slug": "robots"}) == {
        "data": {"story": {"translations": [state("en"), state("zh-hans")]}}
    }


def test_a_missing_language_and_an_unfinished_one_are_told_apart(gql):
    make_story("english-only", languages=("en",))
    make_story("half", tldr_zh_hans=[], analysis_zh_hans="")
    assert gql(QUERY, {"slug": "english-only"})["data"]["story"]["translations"] == [
        state("en"),
        state("zh-hans", available=False),
    ]
    assert gql(QUERY, {"slug": "half"})["data"]["story"]["translations"] == [
        state("en"),
        state("zh-hans", complete=False),
    ]


def test_changing_the_original_makes_the_other_language_outdated_until_it_is_edited(gql):
    story = make_story("robots")
    edit(story, "en", summary="The English summary changed.")
    assert gql(QUERY, {"slug": "robots"})["data"]["story"]["translations"] == [
        state("en"),
        state("zh-hans", outdated=True),
    ]
    edit(story, "zh-hans", summary="中文摘要也更新了。")
    assert gql(QUERY, {"slug": "robots"})["data"]["story"]["translations"] == [
        state("en"),
        state("zh-hans"),
    ]


def test_saving_without_changing_what_the_original_says_outdates_nothing(gql):
    story = make_story("robots")
    edit(story, "en", title="robots en title")
    story = Story.objects.get(pk=story.pk)
    story.quality = 90
    story.save()
    assert gql(QUERY, {"slug": "robots"})["data"]["story"]["translations"][1] == state("zh-hans")


def test_a_chinese_original_outdates_the_english_version(gql):
    story = make_story("robots", original_language="zh-hans")
    edit(story, "en", title="English changed")
    assert gql(QUERY, {"slug": "robots"})["data"]["story"]["translations"][0]["outdated"] is False
    edit(story, "zh-hans", title="中文改了")
    assert gql(QUERY, {"slug": "robots"})["data"]["story"]["translations"][0]["outdated"] is True


def test_a_machine_translation_says_so(gql):
    story = make_story("robots")
    StoryTranslation.objects.filter(master=story, language_code="zh-hans").update(
        origin=Origin.MACHINE
    )
    translations = gql(QUERY, {"slug": "robots"})["data"]["story"]["translations"]
    assert translations[1] == state("zh-hans", origin="MACHINE")


def test_a_partner_limited_to_english_sees_only_the_english_state(client):
    from cms.models import ApiKey, Partner

    partner = Partner.objects.create(name="Wire")
    _key, secret = ApiKey.issue(partner=partner, name="en only", scopes=["read"], languages=["en"])
    make_story("robots")
    response = client.post(
        "/graphql",
        {"query": QUERY, "variables": {"slug": "robots"}},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.json()["data"] == {"story": {"translations": [state("en")]}}


@pytest.fixture
def editor(client):
    client.force_login(make_user("boss", superuser=True))
    return client


def listed(client, query):
    page = client.get(f"/admin/cms/story/?{query}").content.decode()
    return sorted(
        slug
        for slug in ("done", "missing", "half", "outdated", "zh-original")
        if f"{slug} en title" in page
    )


def test_admin_filters_find_stories_needing_translation_and_outdated_ones(editor):
    make_story("done")
    make_story("missing", languages=("en",))
    make_story("half", analysis_zh_hans="")
    edit(make_story("outdated"), "en", summary="Changed after the translation.")
    make_story("zh-original", original_language="zh-hans")
    assert listed(editor, "needs_translation=zh-hans") == ["half", "missing"]
    assert listed(editor, "needs_translation=en") == []
    assert listed(editor, "outdated=zh-hans") == ["outdated"]
    assert listed(editor, "outdated=any") == ["outdated"]
    assert listed(editor, "outdated=en") == []


def test_the_change_form_shows_each_language_s_state_and_a_save_records_who(editor):
    story = make_story("robots")
    edit(story, "en", summary="Changed.")
    page = editor.get(f"/admin/cms/story/{story.pk}/change/?language=zh-hans").content.decode()
    assert "English: complete, by a person" in page
    assert "Simplified Chinese: complete, outdated: the original changed since, by a person" in page
    data = open_form(editor, f"/admin/cms/story/{story.pk}/change/?language=zh-hans")
    data.update({"summary": "已更新。", "ai_involvement": "machine_from_ai"})
    response = editor.post(f"/admin/cms/story/{story.pk}/change/?language=zh-hans", data)
    assert response.status_code == 302
    chinese = StoryTranslation.objects.get(master=story, language_code="zh-hans")
    assert (chinese.edited_by.username, chinese.origin) == ("boss", Origin.MACHINE)
    page = editor.get(f"/admin/cms/story/{story.pk}/change/?language=zh-hans").content.decode()
    assert "Simplified Chinese: complete, machine translation" in page


def test_admin_filters_ignore_a_language_they_do_not_know(editor):
    make_story("done")
    make_story("missing", languages=("en",))
    for query in ("needs_translation=xx", "outdated=xx", "missing=xx"):
        assert listed(editor, query) == ["done", "missing"]
