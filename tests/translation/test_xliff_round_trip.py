"""XLIFF 2.0 out to a CAT tool and back: the file is valid, an independent tool
(translate-toolkit) reads and writes it, and what comes back is a proposal an editor
approves into exactly the translated text, in both directions."""

import pytest
from translate.storage.xliff2 import Xliff2File

from cms.models import PendingTranslation, Story, StoryTranslation
from cms.stories import approvals
from cms.translation import roundtrip, xliff
from tests.factories import desk_editor, make_story, make_user

pytestmark = pytest.mark.django_db

ROWS = {
    "tldr_en": ["Chips are scarce", "Prices rise"],
    "key_data_en": [{"entity": "TSMC", "detail": "2 nm output", "metric": "+40%"}],
    "insights_en": [{"title": "Supply", "body": "Fabs are full."}],
    "faq_en": [{"question": "Why now?", "answer": "Demand doubled."}],
    "analysis_en": "First *paragraph*.\n\nSecond with a [link](https://example.com).",
}


def exported(story, source="en", target="zh-hans"):
    data, skipped = roundtrip.export(Story.objects.filter(pk=story.pk), source, target)
    assert skipped == []
    return data


def translated_by_the_toolkit(data, translate):
    """The file as a CAT tool hands it back: parsed, every unit's target set, written."""
    store = Xliff2File.parsestring(data)
    for unit in store.units:
        unit.target = translate(unit.source)
    return bytes(store)


def test_an_export_follows_the_oasis_schema_and_carries_context_notes():
    story = make_story("chips", **ROWS)
    data = exported(story)
    assert xliff.schema_errors(data) == []
    document, problems = xliff.read(data)
    assert problems == []
    assert (document.source_language, document.target_language) == ("en", "zh-Hans")
    (story_file,) = document.files
    units = {unit.id: unit for unit in story_file.units}
    assert set(units) == {
        "title", "summary", "analysis", "tldr-1", "tldr-2", "key_data-1-entity",
        "key_data-1-detail", "key_data-1-metric", "insights-1-title", "insights-1-body",
        "faq-1-question", "faq-1-answer",
    }  # fmt: skip
    assert units["tldr-2"].source == "Prices rise"
    assert ("limit", "At most 300 characters.") in units["title"].notes
    assert any(category == "format" for category, _text in units["analysis"].notes)
    assert ("ai-grade", "Original: AI-generated, reviewed by the editors") in story_file.notes
    # The Chinese version exists, so its text is each unit's target.
    assert units["title"].target == "chips zh-hans title"


def test_translate_toolkit_reads_every_unit_of_an_export():
    story = make_story("toolkit", **ROWS)
    store = Xliff2File.parsestring(exported(story))
    assert store.getsourcelanguage() == "en"
    assert store.gettargetlanguage() == "zh-Hans"
    sources = {unit.getid(): unit.source for unit in store.units}
    assert sources["faq-1-answer"] == "Demand doubled."
    assert sources["analysis"] == ROWS["analysis_en"]


def test_an_export_reimported_unchanged_changes_nothing():
    story = make_story("same", **ROWS)
    translator = make_user("tr", "Translator", languages=["zh-hans"])
    outcome = roundtrip.import_xliff(exported(story), translator)
    assert outcome.proposals == [] and [s.pk for s in outcome.unchanged] == [story.pk]
    assert not PendingTranslation.objects.exists()
    # Through the independent tool, untouched, too.
    again = translated_by_the_toolkit(exported(story), lambda source: None)
    assert roundtrip.import_xliff(again, translator).proposals == []


@pytest.mark.parametrize(
    ("source", "target", "translate"),
    [
        ("en", "zh-hans", lambda text: f"〔译〕{text}"),
        ("zh-hans", "en", lambda text: f"[EN] {text}"),
    ],
)
def test_a_translation_comes_back_as_a_proposal_whose_approval_publishes_exactly_it(
    source, target, translate
):
    rows = {key.replace("_en", "_zh_hans") if source == "zh-hans" else key: value
            for key, value in ROWS.items()}  # fmt: skip
    story = make_story("both-ways", **rows)
    data = translated_by_the_toolkit(exported(story, source, target), translate)
    translator = make_user("tr", "Translator", languages=[target])
    outcome = roundtrip.import_xliff(data, translator)
    (proposal,) = outcome.proposals
    assert proposal.language_code == target and proposal.proposed_by == translator
    # Readers still see the old text until an editor approves.
    live = StoryTranslation.objects.get(master=story, language_code=target)
    assert live.title == f"both-ways {target} title"

    approvals.approve(proposal.pk, desk_editor())
    version = StoryTranslation.objects.get(master=story, language_code=target)
    original = StoryTranslation.objects.get(master=story, language_code=source)
    assert version.title == translate(original.title)
    assert version.analysis == translate(original.analysis)
    assert version.tldr == [translate(row) for row in original.tldr]
    assert version.key_data == [
        {cell: translate(text) for cell, text in row.items()} for row in original.key_data
    ]
    assert version.faq == [
        {cell: translate(text) for cell, text in row.items()} for row in original.faq
    ]
    assert version.insights == [
        {cell: translate(text) for cell, text in row.items()} for row in original.insights
    ]


def test_a_new_language_version_starts_as_a_proposal_graded_like_its_original():
    story = make_story("new-language", languages=("en",), **ROWS)
    data = translated_by_the_toolkit(exported(story), lambda text: f"译:{text}")
    (proposal,) = roundtrip.import_xliff(
        data, make_user("tr", "Translator", languages=["zh-hans"])
    ).proposals
    assert proposal.title == "译:new-language en title"
    assert proposal.ai_involvement == "ai_generated"
    approvals.approve(proposal.pk, desk_editor())
    assert StoryTranslation.objects.filter(master=story, language_code="zh-hans").exists()


def test_a_partly_translated_file_changes_only_the_units_translated():
    story = make_story("partly", **ROWS)
    store = Xliff2File.parsestring(exported(story))
    for unit in store.units:
        if unit.getid() == "tldr-2":
            unit.target = "价格上涨"
    (proposal,) = roundtrip.import_xliff(
        bytes(store), make_user("tr", "Translator", languages=["zh-hans"])
    ).proposals
    assert proposal.tldr == ["partly zh-hans bullet", "价格上涨"]
    assert proposal.title == "partly zh-hans title"


def test_a_row_stored_with_a_character_xml_cannot_carry_still_exports_and_comes_back():
    # Written around the text rule (an old row, a direct database write).
    story = make_story("unfit", title_en="Chips\x0bon hold", tldr_en=["Prices\x01 rise"])
    data = exported(story)
    assert xliff.schema_errors(data) == []
    units = {unit.getid(): unit.source for unit in Xliff2File.parsestring(data).units}
    assert (units["title"], units["tldr-1"]) == ("Chips on hold", "Prices rise")
    store = translated_by_the_toolkit(data, lambda source: "译:" + source)
    (proposal,) = roundtrip.import_xliff(
        store, make_user("tr", "Translator", languages=["zh-hans"])
    ).proposals
    assert (proposal.title, proposal.tldr) == ("译:Chips on hold", ["译:Prices rise"])
