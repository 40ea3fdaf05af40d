"""Traditional Chinese is derived from the Chinese desk's text (CMS_DERIVED_LANGUAGES): a
real language version, regenerated as the Simplified text changes, except the fields an
editor overrode, which are kept and flagged when their source field changes
(繁體中文由简体版本自动转换，编辑改写的字段保留并在原文变化时标记)."""

import pytest

from cms.disclosure import rules as disclosure
from cms.models import StoryTranslation
from cms.stories import derived
from tests.factories import make_story

pytestmark = pytest.mark.django_db


def version(story, code):
    return StoryTranslation.objects.get(master=story, language_code=code)


def edit(story, code, **values):
    row = version(story, code)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row


def test_a_story_written_in_simplified_chinese_gets_a_traditional_version():
    story = make_story(
        title_zh_hans="鼠标软件发布",
        tldr_zh_hans=["数据中心", "软件"],
        key_data_zh_hans=[{"entity": "英伟达", "detail": "网络", "metric": "1"}],
    )
    hant = version(story, "zh-hant")
    assert hant.title == "滑鼠軟體釋出"
    assert hant.tldr == ["資料中心", "軟體"]
    assert hant.key_data == [{"entity": "輝達", "detail": "網路", "metric": "1"}]
    assert hant.derived_from == "zh-hans" and hant.overrides == {}
    # The grade and the review are the source's: the conversion adds no author.
    assert hant.ai_involvement == version(story, "zh-hans").ai_involvement == "ai_reviewed"
    assert not disclosure.awaiting_review(hant)


def test_a_story_without_chinese_has_no_traditional_version():
    story = make_story(languages=("en",))
    assert not StoryTranslation.objects.filter(master=story, language_code="zh-hant").exists()


def test_a_change_of_the_simplified_text_regenerates_the_traditional_version():
    story = make_story(title_zh_hans="软件")
    edit(story, "zh-hans", title="硬件", summary="网络")
    hant = version(story, "zh-hant")
    assert (hant.title, hant.summary) == ("硬體", "網路")


def test_an_editors_override_is_kept_and_flagged_when_the_source_changes():
    story = make_story(title_zh_hans="软件发布", summary_zh_hans="摘要")
    edit(story, "zh-hant", title="軟體上市")
    hant = version(story, "zh-hant")
    assert set(hant.overrides) == {"title"}
    assert derived.stale_overrides(hant, version(story, "zh-hans")) == []

    edit(story, "zh-hans", summary="新的摘要")
    hant = version(story, "zh-hant")
    assert (hant.title, hant.summary) == ("軟體上市", "新的摘要")
    assert derived.stale_overrides(hant, version(story, "zh-hans")) == []

    edit(story, "zh-hans", title="软件再次发布")
    hant = version(story, "zh-hant")
    assert hant.title == "軟體上市"
    assert derived.stale_overrides(hant, version(story, "zh-hans")) == ["title"]
    assert hant.overrides_stale

    # Edited again, the override is seen against today's source: no longer flagged.
    edit(story, "zh-hant", title="軟體再上市")
    assert derived.stale_overrides(version(story, "zh-hant"), version(story, "zh-hans")) == []
    assert not version(story, "zh-hant").overrides_stale


def test_a_field_put_back_to_the_conversion_follows_the_source_again():
    story = make_story(title_zh_hans="软件")
    edit(story, "zh-hant", title="手寫")
    edit(story, "zh-hant", title="軟體")
    assert version(story, "zh-hant").overrides == {}
    edit(story, "zh-hans", title="硬件")
    assert version(story, "zh-hant").title == "硬體"


def test_list_fields_are_overridden_as_a_whole_and_converted_row_by_row():
    story = make_story(faq_zh_hans=[{"question": "什么软件", "answer": "网络"}])
    assert version(story, "zh-hant").faq == [{"question": "什麼軟體", "answer": "網路"}]
    edit(story, "zh-hant", faq=[{"question": "何種軟體", "answer": "網路"}])
    edit(story, "zh-hans", tldr=["新的要点"])
    hant = version(story, "zh-hant")
    assert hant.faq == [{"question": "何種軟體", "answer": "網路"}]
    assert hant.tldr == ["新的要點"]


def test_deleting_the_simplified_version_deletes_its_traditional_one():
    story = make_story()
    version(story, "zh-hans").delete()
    assert not StoryTranslation.objects.filter(master=story, language_code="zh-hant").exists()


def test_an_edit_of_the_source_unreviewed_leaves_the_derived_text_unreviewed_too():
    story = make_story(title_zh_hans="软件")
    edit(story, "zh-hans", title="未审核的新标题")
    hant = version(story, "zh-hant")
    assert hant.title == "未稽核的新標題"
    assert disclosure.awaiting_review(hant)
    assert disclosure.awaiting_review(version(story, "zh-hans"))


def test_reviewing_the_source_reviews_its_conversion(django_user_model):
    from django.contrib.auth.models import Permission

    story = make_story(title_zh_hans="软件")
    edit(story, "zh-hans", title="新标题")
    editor = django_user_model.objects.create_user("editor")
    editor.user_permissions.add(Permission.objects.get(codename="review_story"))
    editor = django_user_model.objects.get(pk=editor.pk)
    reviewed = disclosure.record_review(story, editor, languages=["zh-hans"])
    assert sorted(reviewed) == ["zh-hans", "zh-hant"]
    assert not disclosure.awaiting_review(version(story, "zh-hant"))


def test_the_site_derives_traditional_chinese_with_taiwan_phrasing_by_default():
    from django.conf import settings

    from cms.core import languages

    assert [code for code, _name in settings.LANGUAGES] == ["en", "zh-hans", "zh-hant"]
    assert settings.CMS_DERIVED_LANGUAGES == {"zh-hant": ("zh-hans", "s2twp")}
    assert languages.chain("zh-hant") == ["zh-hant", "zh-hans", "en"]


def test_tag_and_source_names_are_converted_unless_named_by_hand():
    from cms.models import Source, Tag
    from tests.factories import make_source, make_tag

    tag = make_tag("chips", en="Chips", zh_hans="芯片")
    tag = Tag.objects.get(pk=tag.pk)
    tag.set_current_language("zh-hant")
    assert tag.name == "晶片"
    tag.set_current_language("zh-hans")
    tag.name = "半导体芯片"
    tag.save()
    tag = Tag.objects.get(pk=tag.pk)
    tag.set_current_language("zh-hant")
    assert tag.name == "半導體晶片"
    tag.name = "晶片與半導體"
    tag.save()
    tag = Tag.objects.get(pk=tag.pk)
    tag.set_current_language("zh-hans")
    tag.name = "芯片"
    tag.save()
    tag = Tag.objects.get(pk=tag.pk)
    tag.set_current_language("zh-hant")
    assert tag.name == "晶片與半導體"
    source = make_source("xinhua", **{"en": "Xinhua", "zh_hans": "新华社"})
    source = Source.objects.get(pk=source.pk)
    source.set_current_language("zh-hant")
    assert source.name == "新華社"


def test_the_command_derives_the_versions_an_archive_written_before_lacks(capsys):
    from django.core.management import call_command

    story = make_story(title_zh_hans="软件")
    edit(story, "zh-hant", summary="編輯手寫")
    StoryTranslation.objects.filter(language_code="zh-hant").update(title="舊的轉換")
    other = make_story(title_zh_hans="硬件")
    StoryTranslation.objects.filter(master=other, language_code="zh-hant").delete()
    call_command("derive_languages", verbosity=0)
    assert version(other, "zh-hant").title == "硬體"
    hant = version(story, "zh-hant")
    assert (hant.title, hant.summary) == ("軟體", "編輯手寫")
    assert "Derived from 2 source versions." in capsys.readouterr().out


def test_a_version_written_by_hand_before_its_source_existed_is_kept_and_flagged():
    story = make_story(languages=("en", "zh-hant"), title_zh_hant="手寫的標題", tldr_zh_hant=[])
    assert version(story, "zh-hant").derived_from == ""
    story.set_current_language("zh-hans")
    story.title, story.summary, story.tldr, story.analysis = "软件", "摘要", ["要点"], "分析"
    story.save()
    hant = version(story, "zh-hant")
    assert hant.title == "手寫的標題" and hant.derived_from == "zh-hans"
    assert hant.tldr == ["要點"]
    assert "title" in derived.stale_overrides(hant, version(story, "zh-hans"))
    assert hant.overrides_stale


def test_a_proposal_for_a_live_story_reaches_the_traditional_version_only_when_approved(
    client,
):
    """Never a derived text before its source: a translator's proposal on a live story's
    Simplified version leaves both versions as readers see them until an editor approves."""
    from cms.stories import approvals
    from tests.factories import make_user

    story = make_story("live", title_zh_hans="软件")
    translator = make_user("tr", "Translator", languages=["zh-hans"])
    editor = make_user("ed", "Editor")
    proposal = approvals.propose(story, "zh-hans", {"title": "硬件"}, translator)
    assert proposal is not None
    assert version(story, "zh-hant").title == "軟體"
    answer = client.post(
        "/graphql",
        {"query": '{ story(slug: "live", language: "zh-hant") { title } }'},
        content_type="application/json",
    ).json()
    assert answer["data"]["story"]["title"] == "軟體"
    approvals.approve(proposal.pk, editor)
    assert (version(story, "zh-hans").title, version(story, "zh-hant").title) == ("硬件", "硬體")
