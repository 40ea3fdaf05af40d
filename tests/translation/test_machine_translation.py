"""Machine translation drafts a proposal graded as machine-translated, against a local
server that speaks DeepL's protocol, its errors and its quota; it never publishes, and a
failed call leaves nothing behind."""

import pytest

from cms.models import PendingTranslation, StoryTranslation
from cms.stories import approvals
from cms.translation import machine
from tests.factories import desk_editor, make_story, make_user
from tests.translation.deepl_server import KEY, deepl_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def deepl(settings):
    with deepl_server() as server:
        settings.CMS_DEEPL_AUTH_KEY = KEY
        settings.CMS_DEEPL_URL = server.url
        yield server


@pytest.fixture
def translator(db):
    return make_user("tr", "Translator", languages=["zh-hans", "en"])


def waited():
    slept = []
    return slept, machine.DeepL(sleep=slept.append)


def test_a_draft_is_a_proposal_graded_machine_translated_which_an_editor_approves(
    deepl, translator
):
    story = make_story(
        "mt",
        analysis_en="Intro.\n\n![[image:4]]\n\nAfter the figure.",
        faq_en=[{"question": "Why?", "answer": "Because."}],
    )
    proposal = machine.draft(story, "en", "zh-hans", translator)
    assert proposal.title == "[ZH-HANS] mt en title"
    assert proposal.analysis == "[ZH-HANS] Intro.\n\n![[image:4]]\n\n[ZH-HANS] After the figure."
    assert proposal.faq == [{"question": "[ZH-HANS] Why?", "answer": "[ZH-HANS] Because."}]
    assert proposal.ai_involvement == "machine_from_ai"
    (request,) = deepl.requests
    assert request["headers"]["Authorization"] == f"DeepL-Auth-Key {KEY}"
    assert request["json"]["source_lang"] == "EN" and request["json"]["target_lang"] == "ZH-HANS"
    assert not any("image:" in text for text in request["json"]["text"])
    # Readers see nothing of it until an editor approves.
    assert StoryTranslation.objects.get(master=story, language_code="zh-hans").title == (
        "mt zh-hans title"
    )
    approvals.approve(proposal.pk, desk_editor())
    version = StoryTranslation.objects.get(master=story, language_code="zh-hans")
    assert (version.title, version.ai_involvement) == ("[ZH-HANS] mt en title", "machine_from_ai")


def test_a_persons_original_machine_translated_into_english_is_graded_so(deepl, translator):
    story = make_story("person", ai_generated=False)
    proposal = machine.draft(story, "zh-hans", "en", translator)
    assert proposal.ai_involvement == "machine_from_human"
    assert proposal.title == "[EN-US] person zh-hans title"
    assert deepl.requests[0]["json"]["source_lang"] == "ZH"


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (456, "The DeepL quota for this period is used up"),
        (400, r"DeepL refused the request \(HTTP 400\)"),
        (413, r"DeepL refused the request \(HTTP 413\)"),
    ],
)
def test_a_refusal_is_named_and_nothing_is_kept(deepl, translator, status, words):
    story = make_story("refused")
    deepl.queued.append((status, {"message": "no"}, {}))
    with pytest.raises(machine.MachineTranslationError, match=words):
        machine.draft(story, "en", "zh-hans", translator, machine.DeepL())
    assert len(deepl.requests) == 1
    assert not PendingTranslation.objects.exists()


def test_a_wrong_key_is_named(deepl, translator, settings):
    settings.CMS_DEEPL_AUTH_KEY = "someone-elses"
    with pytest.raises(machine.MachineTranslationError, match="DeepL refused the key"):
        machine.draft(make_story("key"), "en", "zh-hans", translator)


def test_a_busy_service_is_retried_after_the_time_it_asks_then_translates(deepl, translator):
    deepl.queued += [(429, {}, {"Retry-After": "2"}), (529, {}, {}), (503, {}, {})]
    slept, provider = waited()
    proposal = machine.draft(make_story("busy"), "en", "zh-hans", translator, provider)
    assert slept == [2.0, 2.0, 4.0]
    assert proposal.title.startswith("[ZH-HANS]")


def test_a_service_busy_past_the_retries_leaves_nothing(deepl, translator):
    deepl.queued += [(500, {}, {})] * 4
    slept, provider = waited()
    with pytest.raises(machine.MachineTranslationError, match="DeepL is busy"):
        machine.draft(make_story("down"), "en", "zh-hans", translator, provider)
    assert len(slept) == 3 and not PendingTranslation.objects.exists()


@pytest.mark.parametrize(
    "body", [b"<html>", {"translations": []}, {"translations": [{"text": 4}]}, {"x": 1}]
)
def test_an_answer_that_is_not_a_translation_is_refused(deepl, translator, body):
    deepl.queued.append((200, body, {}))
    with pytest.raises(machine.MachineTranslationError, match="not a translation"):
        machine.draft(make_story("odd"), "en", "zh-hans", translator)


def test_many_texts_go_in_batches_of_at_most_fifty(deepl, translator):
    story = make_story("long", tldr_en=[f"Bullet {n}" for n in range(120)])
    proposal = machine.draft(story, "en", "zh-hans", translator)
    assert [len(r["json"]["text"]) for r in deepl.requests] == [50, 50, 23]
    assert proposal.tldr[119] == "[ZH-HANS] Bullet 119"


def test_an_unreachable_service_is_named(settings, translator):
    settings.CMS_DEEPL_AUTH_KEY = KEY
    settings.CMS_DEEPL_URL = "http://127.0.0.1:9"
    _slept, provider = waited()
    with pytest.raises(machine.MachineTranslationError, match="DeepL could not be reached"):
        machine.draft(make_story("away"), "en", "zh-hans", translator, provider)


def test_without_a_key_machine_translation_is_off(settings, translator):
    settings.CMS_DEEPL_AUTH_KEY = ""
    assert not machine.configured()
    with pytest.raises(machine.MachineTranslationError, match="not set up"):
        machine.draft(make_story("off"), "en", "zh-hans", translator)


def test_a_translator_drafts_only_into_their_languages(deepl):
    only_english = make_user("en-only", "Translator", languages=["en"])
    with pytest.raises(machine.MachineTranslationError, match="may not translate"):
        machine.draft(make_story("theirs"), "en", "zh-hans", only_english)
    assert deepl.requests == []


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        (lambda text: text + "\x00", "title"),
        (lambda text: "\x1b[31m" + text, "title"),
        (lambda text: "" if text.endswith("title") else text, "title"),
        (lambda text: "x" * 400 if text.endswith("summary") else text, None),
    ],
)
def test_a_translation_no_field_may_hold_is_refused_and_nothing_is_kept(
    deepl, translator, answer, field
):
    deepl.answer_for = answer
    story = make_story("unfit")
    if field is None:
        # A long text a field takes is kept whole.
        proposal = machine.draft(story, "en", "zh-hans", translator)
        assert proposal.summary == "x" * 400
        return
    with pytest.raises(machine.MachineTranslationError) as raised:
        machine.draft(story, "en", "zh-hans", translator)
    assert raised.value.per_story
    assert "title" in str(raised.value).lower()
    assert not PendingTranslation.objects.exists()


def test_a_translation_waiting_for_review_is_never_replaced_by_a_machine_draft(deepl, translator):
    story = make_story("typed")
    approvals.propose(story, "zh-hans", {"summary": "译者亲手写的摘要"}, translator)
    with pytest.raises(machine.MachineTranslationError, match="waiting for review") as raised:
        machine.draft(story, "en", "zh-hans", translator)
    assert raised.value.per_story
    assert PendingTranslation.objects.pending().get(story=story).summary == "译者亲手写的摘要"
    # Refused before the service is asked: no quota is spent on a draft that cannot be kept.
    assert deepl.requests == []


def test_what_only_the_target_version_has_stays_in_the_draft(deepl, translator):
    story = make_story(
        "target-rows",
        tldr_en=["One bullet"],
        tldr_zh_hans=["旧要点", "只有中文的要点"],
        key_data_zh_hans=[{"entity": "台积电", "detail": "产能", "metric": "+10%"}],
        summary_en="",
        summary_zh_hans="只有中文的摘要",
    )
    proposal = machine.draft(story, "en", "zh-hans", translator)
    assert proposal.tldr == ["[ZH-HANS] One bullet", "只有中文的要点"]
    assert proposal.key_data == [{"entity": "台积电", "detail": "产能", "metric": "+10%"}]
    assert proposal.summary == "只有中文的摘要"
    assert proposal.title == "[ZH-HANS] target-rows en title"
