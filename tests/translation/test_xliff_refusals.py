"""An imported XLIFF file is hostile input: whatever is wrong is named unit by unit, and
nothing of the file is written unless all of it is right."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from translate.storage.xliff2 import Xliff2File

from cms.models import PendingTranslation, Story, StoryTranslation
from cms.translation import roundtrip, xliff
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db
NS = {"x": xliff.NS}


def exported(*stories, source="en", target="zh-hans"):
    data, _skipped = roundtrip.export(
        Story.objects.filter(pk__in=[s.pk for s in stories]).order_by("pk"), source, target
    )
    return data


def edited(data, change):
    """The file after `change(root)` edited its XML tree."""
    root = etree.fromstring(data)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def unit(root, unit_id, story=None):
    path = f".//x:unit[@id='{unit_id}']"
    if story is not None:
        path = f".//x:file[@id='story-{story.pk}']/x:unit[@id='{unit_id}']"
    return root.find(path, NS)


def set_target(root, unit_id, text, story=None):
    segment = unit(root, unit_id, story).find("x:segment", NS)
    target = segment.find("x:target", NS)
    if target is None:
        target = etree.SubElement(segment, f"{{{xliff.NS}}}target")
    target.text = text
    return target


def refused(data, user):
    with pytest.raises(roundtrip.ImportRefused) as raised:
        roundtrip.import_xliff(data, user)
    assert not PendingTranslation.objects.exists()
    return dict(raised.value.problems)


@pytest.fixture
def translator(db):
    return make_user("tr", "Translator", languages=["zh-hans"])


def test_one_bad_unit_keeps_every_story_of_the_file_out(translator):
    good, bad = make_story("good"), make_story("bad")

    def change(root):
        set_target(root, "title", "好标题", good)
        set_target(root, "title", "坏标题", bad)
        unit(root, "summary", bad).set("id", "invented")

    problems = refused(edited(exported(good, bad), change), translator)
    assert problems == {f"story-{bad.pk} · invented": "The story has no such text."}
    assert StoryTranslation.objects.get(master=good, language_code="zh-hans").title == (
        "good zh-hans title"
    )


def test_a_source_changed_since_the_export_is_named(translator):
    story = make_story("moved")
    data = edited(exported(story), lambda root: set_target(root, "title", "新标题"))
    story.set_current_language("en")
    story.title = "A corrected title"
    story.save()
    problems = refused(data, translator)
    assert problems == {
        f"story-{story.pk} · title": "The original changed since this file was exported: "
        "export it again."
    }


@pytest.mark.parametrize(
    "markup",
    [
        '<pc xmlns="urn:oasis:names:tc:xliff:document:2.0" id="1">bold</pc>',
        '<ph xmlns="urn:oasis:names:tc:xliff:document:2.0" id="1"/>',
        '<cp xmlns="urn:oasis:names:tc:xliff:document:2.0" hex="000B"/>',
        '<mrk xmlns="urn:oasis:names:tc:xliff:document:2.0" id="m1" type="term">GPU</mrk>',
    ],
)
def test_inline_markup_in_a_target_is_refused_for_its_unit(translator, markup):
    story = make_story("markup")

    def change(root):
        target = set_target(root, "summary", "摘要")
        target.append(etree.fromstring(markup))

    problems = refused(edited(exported(story), change), translator)
    (message,) = problems.values()
    assert list(problems) == [f"story-{story.pk} · summary"]
    assert "inline markup" in message


def test_a_text_the_field_refuses_is_named_with_the_fields_own_message(translator):
    story = make_story("long")
    data = edited(exported(story), lambda root: set_target(root, "title", "长" * 301))
    problems = refused(data, translator)
    assert problems == {
        f"story-{story.pk} · title": "Ensure this value has at most 300 characters (it has 301)."
    }


def test_the_analysis_must_keep_its_image_lines(translator):
    story = make_story("figures", analysis_en="Intro.\n\n![[image:7]]\n\nMore.")
    data = edited(exported(story), lambda root: set_target(root, "analysis", "引言。\n\n更多。"))
    problems = refused(data, translator)
    assert "![[image:7]]" in problems[f"story-{story.pk} · analysis"]


def test_a_translator_imports_only_into_their_languages():
    story = make_story("assigned")
    data = edited(exported(story), lambda root: set_target(root, "title", "标题"))
    problems = refused(data, make_user("en-only", "Translator", languages=["en"]))
    assert problems == {f"story-{story.pk}": "You may not translate this story into this language."}


@pytest.mark.parametrize(
    ("attribute", "value"), [("srcLang", "fr"), ("trgLang", "en"), ("trgLang", "ja")]
)
def test_a_language_pair_the_publication_does_not_have_is_refused(translator, attribute, value):
    story = make_story("pair")
    data = edited(exported(story), lambda root: root.set(attribute, value))
    (message,) = refused(data, translator).values()
    assert "this publication translates between en, zh-Hans" in message


@pytest.mark.parametrize("file_id", ["story-999999", "page-1"])
def test_a_file_naming_no_story_of_ours_is_refused(translator, file_id):
    story = make_story("ours")
    data = edited(exported(story), lambda root: root.find("x:file", NS).set("id", file_id))
    problems = refused(data, translator)
    assert list(problems) == [file_id]


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="zh-Hans">
<file id="f"><unit id="u"><segment><source>&lol2;</source></segment></unit></file></xliff>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="zh-Hans">
<file id="f"><unit id="u"><segment><source>&secret;</source></segment></unit></file></xliff>"""
V12 = b"""<?xml version="1.0"?><xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">
<file original="x" source-language="en" datatype="plaintext"><body/></file></xliff>"""
NO_SEGMENT = b"""<?xml version="1.0"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="zh-Hans">
<file id="f"><unit id="u"></unit></file></xliff>"""


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (BOMB, "document type"),
        (EXTERNAL, "document type"),
        (V12, "not an XLIFF 2.0 file"),
        (NO_SEGMENT, "does not follow the XLIFF 2.0 schema"),
        (b"<xliff", "not well-formed"),
        (b"\xff\xfe\x00<", "not well-formed"),
        (b"", "not well-formed"),
        (b" " * (xliff.MAX_BYTES + 1), "larger than 8 MB"),
    ],
)
def test_a_file_that_cannot_be_read_safely_is_refused_whole(translator, data, words):
    with pytest.raises(xliff.XliffError) as raised:
        roundtrip.import_xliff(data, translator)
    assert words in str(raised.value)


# Any text XML can carry, as a translator might type it, comes back exactly or is refused
# with a message; never another error.
xml_text = st.text(
    st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="\ufffe\uffff")
    | st.sampled_from(["\n", "\t", "<", "&", "]", ">", "\u3000"]),
    min_size=1,
    max_size=60,
)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=xml_text, bullet=xml_text)
def test_any_text_comes_back_exactly_or_with_a_named_refusal(translator, title, bullet):
    PendingTranslation.objects.all().delete()
    Story.objects.all().delete()
    story = make_story("fuzzed")
    store = Xliff2File.parsestring(exported(story))
    for item in store.units:
        item.target = {"title": title, "tldr-1": bullet}.get(item.getid())
    try:
        outcome = roundtrip.import_xliff(bytes(store), translator)
    except roundtrip.ImportRefused as refusal:
        assert refusal.problems and all(message for _where, message in refusal.problems)
        return
    for proposal in outcome.proposals:
        if title.strip():
            assert proposal.title == title.replace("\r\n", "\n").strip()
        if bullet.strip():
            assert bullet.replace("\r\n", "\n").strip() in proposal.tldr


def test_a_story_given_twice_in_one_file_is_refused_rather_than_one_copy_dropped(translator):
    story = make_story("twice")

    def change(root):
        first = root.find("x:file", NS)
        second = etree.fromstring(etree.tostring(first))
        root.append(second)
        set_target(root, "title", "第一份的标题", story)
        second.find(".//x:unit[@id='summary']/x:segment/x:target", NS).text = "第二份的摘要"

    problems = refused(edited(exported(story), change), translator)
    assert problems == {
        f"story-{story.pk}": "This story is in the file more than once: give each story once."
    }


def test_a_unit_given_twice_is_refused_rather_than_one_translation_dropped(translator):
    story = make_story("unit-twice")

    def change(root):
        set_target(root, "title", "第一个译文")
        again = etree.fromstring(etree.tostring(unit(root, "title")))
        again.find("x:segment/x:target", NS).text = "第二个译文"
        root.find("x:file", NS).append(again)

    problems = refused(edited(exported(story), change), translator)
    assert problems == {
        f"story-{story.pk} · title": (
            "This unit is in the file more than once: give each unit once."
        )
    }
