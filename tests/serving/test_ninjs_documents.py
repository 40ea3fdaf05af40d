"""Each story version as an IPTC ninjs news item: every document the demo and generated
stories give validates against IPTC's 2.2 and 3.1 schemas (with the `aigc:` extension, and
as plain ninjs without it), and says what the story says."""

from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.core.text import UNFIT
from cms.demo import loader
from cms.media import images
from cms.models import Story, StoryAuthor, StoryImage
from cms.serving import audience, ninjs
from cms.serving import stories as serving
from tests import ninjs_validation
from tests.factories import make_source, make_story, make_tag
from tests.media_factories import make_author, make_image

pytestmark = pytest.mark.django_db


def test_every_demo_story_in_every_language_and_version_validates():
    loader.load()
    checked = 0
    for story in Story.objects.all():
        for code in story.get_available_languages():
            for version in ninjs.VERSIONS:
                document = ninjs.document(story, code, version)
                assert ninjs_validation.problems(document, version) == [], (story.slug, code)
                checked += 1
    assert checked >= 40


def test_a_key_without_full_text_gets_a_partial_item_without_bodies():
    story = make_story("partial", analysis_en="The **analysis**.")
    reader = audience.Audience.of("en")
    limited = audience.Audience(
        language="en", chain=reader.chain, languages=reader.languages, full_text=False, key_id=1
    )
    full = ninjs.of_served(serving.serve([story], reader)[0])
    partial = ninjs.of_served(serving.serve([story], limited)[0])
    assert (
        full["representationtype"] == "full"
        and "<strong>analysis</strong>" in full["bodies"][0]["value"]
    )
    assert partial["representationtype"] == "partial" and "bodies" not in partial
    assert ninjs_validation.problems(partial, "2.2") == []


def test_the_item_says_what_the_story_says():
    tag = make_tag("security", en="Security", zh_hans="安全")
    source = make_source("semafor", en="Semafor")
    story = make_story(
        "said",
        title_en="A title",
        summary_en="A summary",
        tldr_en=["One", "Two"],
        key_data_en=[{"entity": "Lab", "detail": "Model", "metric": "42%"}],
        insights_en=[{"title": "Insight", "body": "Because <b>"}],
        faq_en=[{"question": "Why?", "answer": "So."}],
        analysis_en="Deep *text*.",
        source=source,
        source_url="https://www.semafor.com/a",
        tags=[tag],
        ai_involvement="ai_generated",
    )
    StoryAuthor.objects.create(
        story=story, author=make_author("ann", "Ann Lee", profile_url="https://x.example/ann")
    )
    document = ninjs.document(story, "en")
    assert document["uri"] == f"tag:news.example.com,2026:story/{story.pk}/en"
    assert document["pubstatus"] == "usable" and "embargoed" not in document
    assert document["language"] == "en"
    assert document["headlines"] == [{"role": "main", "value": "A title"}]
    assert [d["value"] for d in document["descriptions"]] == ["A summary", "One\nTwo"]
    html, text = document["bodies"]
    assert "<em>text</em>" in html["value"] and "<td>42%</td>" in html["value"]
    assert "Because &lt;b&gt;" in html["value"] and "<h3>Why?</h3>" in html["value"]
    assert "Lab | Model | 42%" in text["value"] and "1. Insight Because <b>" in text["value"]
    assert document["subjects"] == [
        {
            "name": "Security",
            "literal": "security",
            "uri": ninjs.topic_prefix() + "security",
            "rel": "about",
        }
    ]
    assert document["by"] == "Ann Lee"
    assert document["people"] == [
        {"name": "Ann Lee", "rel": "author", "uri": "https://x.example/ann"}
    ]
    assert document["infosources"] == [
        {"name": "Semafor", "role": "source", "uri": "https://www.semafor.com/a"}
    ]
    assert document["digitalsourcetype"]["uri"] == (
        "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    )
    assert document["aigc:grade"] == "ai_reviewed"
    assert document["aigc:AIGC"]["Label"] == "1"
    zh = ninjs.document(story, "zh-hans", "3.1")
    assert zh["language"] == "zh-Hans" and zh["pubStatus"] == "usable"
    assert zh["subjects"][0]["name"] == "安全"
    assert "versionCreated" in zh and "versioncreated" not in zh


def test_a_person_s_text_has_no_aigc_fields_and_says_digital_creation():
    story = make_story("human", ai_involvement="human")
    document = ninjs.document(story, "en")
    assert "aigc:AIGC" not in document
    assert document["digitalsourcetype"]["literal"] == "digitalCreation"
    assert ninjs_validation.problems(document, "2.2") == []


def test_a_scheduled_story_is_withheld_and_says_its_embargo():
    story = make_story("later", hours_ago=-3)
    document = ninjs.document(story, "en")
    assert document["pubstatus"] == "withheld"
    assert document["embargoed"] == ninjs.timestamp(story.published_at)
    draft = ninjs.document(make_story("draft", status=Story.Status.DRAFT, hours_ago=None), "en")
    assert draft["pubstatus"] == "withheld"
    for found in (document, draft):
        assert ninjs_validation.problems(found, "2.2") == []


def test_times_are_whole_seconds_in_utc():
    story = make_story("times")
    story.published_at = timezone.now().replace(microsecond=123456) - timedelta(hours=2)
    story.save()
    document = ninjs.document(story, "en")
    assert document["firstcreated"].endswith("Z") and "." not in document["firstcreated"]


def test_images_are_pictures_with_their_renditions():
    lead = make_image(alt_en="A robot", caption_en="The robot", credit_en="Photo: Lab")
    placed = make_image(width=800, height=800, alt_en="A chart")
    story = make_story("pictured", image=lead, analysis_en=f"Text.\n\n![[image:{placed.pk}]]\n")
    StoryImage.objects.create(story=story, image=placed)
    story.set_current_language("en")
    story.save()
    document = ninjs.document(story, "en")
    lead_item, figure = document["associations"]
    assert lead_item["type"] == "picture" and lead_item["headlines"][0]["value"] == "A robot"
    assert lead_item["by"] == "Photo: Lab"
    widest = {r["name"]: r for r in lead_item["renditions"]}
    original = images.largest(lead, "original")
    assert (widest["original"]["width"], widest["original"]["height"]) == (
        original.width,
        original.height,
    )
    assert widest["original"]["href"] == original.url
    assert widest["original"]["contenttype"] == "image/jpeg"
    assert widest["16x9"]["href"].startswith("http://127.0.0.1:8000/media/renditions/")
    assert figure["name"] == "figure1" and figure["uri"] == ninjs.image_uri(placed.pk)
    for version in ninjs.VERSIONS:
        assert ninjs_validation.problems(ninjs.document(story, "en", version), version) == []


def test_a_story_without_a_version_in_the_language_has_no_item_in_it():
    story = make_story("zh-only", languages=("zh-hans",))
    assert ninjs.document(story, "en") is None
    assert ninjs.document(story, "zh-hans")["language"] == "zh-Hans"


def test_an_unknown_version_is_refused():
    with pytest.raises(ninjs.UnknownVersion):
        ninjs.document(make_story("v"), "en", "9.9")


TEXT = st.text(
    st.characters(blacklist_categories=["Cs"]).filter(lambda c: not UNFIT.match(c)),
    max_size=40,
)
ROW = st.fixed_dictionaries({"entity": TEXT.filter(str.strip), "detail": TEXT, "metric": TEXT})


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    title=TEXT.filter(str.strip),
    summary=TEXT,
    tldr=st.lists(TEXT.filter(str.strip), max_size=3),
    key_data=st.lists(ROW, max_size=2),
    analysis=TEXT,
    faq=st.lists(
        st.fixed_dictionaries({"question": TEXT.filter(str.strip), "answer": TEXT}), max_size=2
    ),
    grade=st.sampled_from(["human", "ai_assisted", "ai_generated", "machine_from_human"]),
    hours_ago=st.sampled_from([1, -1, None]),
)
def test_every_generated_story_gives_valid_ninjs(
    title, summary, tldr, key_data, analysis, faq, grade, hours_ago
):
    status = Story.Status.DRAFT if hours_ago is None else Story.Status.PUBLISHED
    story = make_story(
        None,
        languages=("zh-hans",),
        status=status,
        hours_ago=hours_ago,
        title_zh_hans=title,
        summary_zh_hans=summary,
        tldr_zh_hans=tldr,
        key_data_zh_hans=key_data,
        analysis_zh_hans=analysis,
        faq_zh_hans=faq,
        ai_involvement=grade,
    )
    for version in ninjs.VERSIONS:
        document = ninjs.document(story, "zh-hans", version)
        assert ninjs_validation.problems(document, version) == []
        headline = document["headlines"][0]["value"]
        assert headline == title


def test_a_live_story_s_item_carries_its_entries_as_associated_text_items():
    from cms.stories import live
    from tests.factories import make_user

    publisher = make_user("publisher", "Publisher")
    story = make_story("hearing", ai_involvement="ai_generated")
    live.start(story.pk, publisher)
    first = live.publish(story.pk, publisher, language="en", text="The hearing **opens**.")
    live.correct(story.pk, publisher, first.pk, text="The hearing opened.", note="Tense.")
    second = live.publish(
        story.pk, publisher, language="en", text="A summary by AI.", ai_involvement="ai_reviewed"
    )
    live.publish(story.pk, publisher, language="zh-hans", text="中文条目")
    withdrawn = live.publish(story.pk, publisher, language="en", text="Wrong.")
    live.withdraw(story.pk, publisher, withdrawn.pk)
    story.refresh_from_db()

    reader = audience.Audience.of("en")
    served = serving.serve([story], reader)[0]
    for version in ninjs.VERSIONS:
        document = ninjs.of_served(served, version)
        assert ninjs_validation.problems(document, version) == []
    item = ninjs.of_served(served)
    entries = [a for a in item["associations"] if "/entry/" in a["uri"]]
    assert [e["uri"] for e in entries] == [
        f"{ninjs.story_uri(story.pk, 'en')}/entry/{second.pk}",
        f"{ninjs.story_uri(story.pk, 'en')}/entry/{first.pk}",
    ]
    newest, corrected = entries
    assert newest["bodies"][1] == {
        "role": "main",
        "contenttype": "text/plain",
        "value": "A summary by AI.",
    }
    assert newest["digitalsourcetype"]["literal"] == "trainedAlgorithmicMedia"
    assert (corrected["version"], corrected["descriptions"][0]["value"]) == ("2", "Tense.")
    assert corrected["digitalsourcetype"]["literal"] == "digitalCreation"

    limited = audience.Audience(
        language="en", chain=reader.chain, languages=reader.languages, full_text=False, key_id=1
    )
    partial = ninjs.of_served(serving.serve([story], limited)[0])
    entries = [a for a in partial["associations"] if "/entry/" in a["uri"]]
    assert len(entries) == 2
    assert all(e["representationtype"] == "partial" and "bodies" not in e for e in entries)
    assert ninjs_validation.problems(partial, "2.2") == []
