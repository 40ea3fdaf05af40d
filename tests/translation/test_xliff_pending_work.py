"""An imported XLIFF file adds to the translation already waiting for review: what a
translator proposed before (in the admin, or in an earlier file) is kept, never reset to
what readers see now."""

import pytest
from translate.storage.xliff2 import Xliff2File

from cms.models import PendingTranslation, Story
from cms.stories import approvals
from cms.translation import roundtrip
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db


def translated(story, units):
    data, _skipped = roundtrip.export(Story.objects.filter(pk=story.pk), "en", "zh-hans")
    store = Xliff2File.parsestring(data)
    for unit in store.units:
        if unit.getid() in units:
            unit.target = units[unit.getid()]
    return bytes(store)


@pytest.fixture
def translator():
    return make_user("tr", "Translator", languages=["zh-hans"])


def test_a_second_file_keeps_what_the_first_proposed_in_other_units(translator):
    story = make_story("two-files", tldr_en=["Chips are scarce", "Prices rise"])
    roundtrip.import_xliff(translated(story, {"title": "第一份文件的标题"}), translator)
    roundtrip.import_xliff(translated(story, {"tldr-2": "价格上涨"}), translator)
    proposal = PendingTranslation.objects.pending().get(story=story, language_code="zh-hans")
    assert proposal.title == "第一份文件的标题"
    assert proposal.tldr[1] == "价格上涨"


def test_a_file_keeps_a_proposal_typed_in_the_admin(translator):
    story = make_story("typed-first")
    with_lock = Story._base_manager.get(pk=story.pk)
    approvals.propose(with_lock, "zh-hans", {"summary": "译者在后台写的摘要"}, translator)
    roundtrip.import_xliff(translated(story, {"title": "文件里的标题"}), translator)
    proposal = PendingTranslation.objects.pending().get(story=story, language_code="zh-hans")
    assert proposal.summary == "译者在后台写的摘要"
    assert proposal.title == "文件里的标题"


def test_a_file_repeating_the_pending_proposal_changes_nothing(translator):
    story = make_story("repeated")
    data = translated(story, {"title": "同一个标题"})
    roundtrip.import_xliff(data, translator)
    outcome = roundtrip.import_xliff(data, translator)
    assert outcome.proposals == []
    assert [s.pk for s in outcome.unchanged] == [story.pk]


def test_an_export_gives_the_translation_waiting_for_review_as_the_target(translator):
    story = make_story("exported-pending")
    roundtrip.import_xliff(translated(story, {"title": "待审的标题"}), translator)
    data, _skipped = roundtrip.export(Story.objects.filter(pk=story.pk), "en", "zh-hans")
    store = Xliff2File.parsestring(data)
    assert {unit.getid(): unit.target for unit in store.units}["title"] == "待审的标题"


def test_two_files_exported_at_once_both_land_in_the_proposal(translator):
    story = make_story("at-once")
    first = translated(story, {"title": "同时导出的标题"})
    second = translated(story, {"summary": "同时导出的摘要"})
    roundtrip.import_xliff(first, translator)
    roundtrip.import_xliff(second, translator)
    proposal = PendingTranslation.objects.pending().get(story=story, language_code="zh-hans")
    assert (proposal.title, proposal.summary) == ("同时导出的标题", "同时导出的摘要")


def test_an_analysis_opening_with_an_indented_code_block_keeps_its_indentation(translator):
    code = "    pip install chips\n\nThen run it."
    story = make_story("indented", analysis_en=code)
    data, _skipped = roundtrip.export(Story.objects.filter(pk=story.pk), "en", "zh-hans")
    store = Xliff2File.parsestring(data)
    assert {unit.getid(): unit.source for unit in store.units}["analysis"] == code
    roundtrip.import_xliff(
        translated(story, {"analysis": "    pip install chips\n\n然后运行它。"}), translator
    )
    proposal = PendingTranslation.objects.pending().get(story=story, language_code="zh-hans")
    assert proposal.analysis == "    pip install chips\n\n然后运行它。"
