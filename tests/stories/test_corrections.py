"""Corrections: a non-minor change with a note writes one language's public correction,
shown in the API, JSON-LD and the feeds; the story's "Updated" time follows it."""

import json
import xml.etree.ElementTree as ET

import pytest

from cms.models import Correction, Story
from tests.admin.test_admin import errors, story_form
from tests.factories import make_story

pytestmark = pytest.mark.django_db

QUERY = """query($slug: String!, $l: String) { story(slug: $slug, language: $l) {
  updatedAt corrections { text correctedAt } structuredData } }"""


def edit(client, story, language, **fields):
    story.refresh_from_db()
    form = story_form(
        base_version=str(story.edit_version),
        published_at_0=story.published_at.strftime("%Y-%m-%d"),
        published_at_1=story.published_at.strftime("%H:%M:%S.%f"),
        title=f"{story.slug} {language} title",
        summary=f"{story.slug} {language} summary",
        **fields,
    )
    return client.post(f"/admin/cms/story/{story.pk}/change/?language={language}", form)


@pytest.mark.parametrize(
    ("language", "other", "note"),
    [
        ("en", "zh-hans", "The towel count was 12, not 20."),
        ("zh-hans", "en", "毛巾数量是12条，不是20条。"),
    ],
)
def test_a_correction_note_is_shown_in_its_language_and_moves_the_updated_time(
    admin_client, gql, language, other, note
):
    story = make_story("robots-fold-laundry", hours_ago=5)
    before = story.updated_at
    response = edit(admin_client, story, language, analysis="Corrected.", correction_note=note)
    assert response.status_code == 302, errors(response)
    correction = Correction.objects.get()
    story.refresh_from_db()
    assert story.updated_at == correction.corrected_at > before
    served = gql(QUERY, {"slug": story.slug, "l": language})["data"]["story"]
    assert [c["text"] for c in served["corrections"]] == [note]
    assert served["updatedAt"] == served["corrections"][0]["correctedAt"]
    article = served["structuredData"][0]
    assert article["correction"] == [
        {
            "@type": "CorrectionComment",
            "text": note,
            "datePublished": correction.corrected_at.isoformat(),
        }
    ]
    assert article["dateModified"] == correction.corrected_at.isoformat()
    elsewhere = gql(QUERY, {"slug": story.slug, "l": other})["data"]["story"]
    assert elsewhere["corrections"] == []
    assert "correction" not in elsewhere["structuredData"][0]


def test_a_change_without_a_note_writes_no_correction(admin_client):
    story = make_story("robots-fold-laundry", hours_ago=5)
    response = edit(admin_client, story, "en", analysis="Changed.")
    assert response.status_code == 302, errors(response)
    assert not Correction.objects.exists()


def test_a_minor_edit_with_a_note_is_refused_and_writes_nothing(admin_client):
    story = make_story("robots-fold-laundry", hours_ago=5)
    before = Story.objects.get(pk=story.pk).updated_at
    response = edit(admin_client, story, "en", minor_edit="on", correction_note="Typo.")
    assert response.status_code == 200
    assert any("minor edit" in message.lower() for message in errors(response))
    assert not Correction.objects.exists()
    assert Story.objects.get(pk=story.pk).updated_at == before


def test_a_draft_gets_no_correction(admin_client):
    story = make_story("robots-fold-laundry", status=Story.Status.DRAFT, hours_ago=None)
    form = story_form(base_version=str(story.edit_version), correction_note="Fixed.")
    response = admin_client.post(f"/admin/cms/story/{story.pk}/change/?language=en", form)
    assert response.status_code == 200
    assert any("live story" in message for message in errors(response))
    assert not Correction.objects.exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_feeds_show_the_corrections_of_their_language(admin_client, client, language):
    story = make_story("robots-fold-laundry", hours_ago=5)
    note = {"en": "The count was wrong.", "zh-hans": "数量有误。"}[language]
    response = edit(admin_client, story, language, analysis="Fixed.", correction_note=note)
    assert response.status_code == 302, errors(response)
    rss = ET.fromstring(client.get(f"/feeds/{language}/rss.xml").content)
    assert note in rss.find(".//item/description").text
    feed = json.loads(client.get(f"/feeds/{language}/feed.json").content)
    assert note in feed["items"][0]["content_html"]
    other = "zh-hans" if language == "en" else "en"
    assert note not in client.get(f"/feeds/{other}/rss.xml").content.decode()


def test_the_preview_lists_corrections(admin_client):
    story = make_story("robots-fold-laundry", hours_ago=5)
    edit(admin_client, story, "en", analysis="Fixed.", correction_note="The count was wrong.")
    page = admin_client.get(f"/admin/cms/story/{story.pk}/preview/?language=en")
    assert "The count was wrong." in page.content.decode()
