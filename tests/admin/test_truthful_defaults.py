"""Defaults that tell the truth: a story written in the admin is a person's, the
pipeline's stories keep their grade, one rule lowers a grade everywhere, a new story is
offered only what applies to it, and editors give a hand-written story its hot estimate."""

import pytest

from cms.disclosure import rules as disclosure
from cms.models import Story, StoryTranslation
from tests.adminforms import errors, open_form, read_form
from tests.disclosure.test_disclosure import pipeline, pipeline_story, upsert  # noqa: F401
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db
ADD = "/admin/cms/story/add/?language=en"


def written(client, **fields):
    data = open_form(client, ADD)
    data.update({"title": "Typed by hand", "slug": "typed-by-hand", "summary": "S.", **fields})
    return client.post(ADD, data)


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_story_written_in_the_admin_starts_as_written_by_a_person(client, ui):
    client.force_login(make_user("writer", "Writer"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = ui
    assert open_form(client, ADD)["ai_involvement"] == "human"
    assert written(client).status_code == 302
    story = Story.objects.get(slug="typed-by-hand")
    assert story.translations.get().ai_involvement == "human"
    assert story.ai_generated is False


def test_a_new_language_of_an_ai_story_starts_as_ai_text_to_review(client):
    story = make_story("ai", status=Story.Status.DRAFT, hours_ago=None, languages=("en",))
    client.force_login(make_user("writer", "Writer"))
    data = open_form(client, f"/admin/cms/story/{story.pk}/change/?language=zh-hans")
    assert data["ai_involvement"] == "ai_generated"


def test_the_pipelines_story_keeps_its_grade_when_a_writer_saves_it(client, pipeline):  # noqa: F811
    assert upsert(client, pipeline, pipeline_story())["errors"] == []
    story = Story.objects.get(external_id="aigc-1")
    story.status = Story.Status.DRAFT
    story.save()
    client.force_login(make_user("writer", "Writer"))
    url = f"/admin/cms/story/{story.pk}/change/?language=en"
    data = open_form(client, url)
    assert data["ai_involvement"] == "ai_generated"
    data["title"] = "Chips, retitled"
    assert client.post(url, data).status_code == 302
    assert StoryTranslation.objects.get(master=story, language_code="en").ai_involvement == (
        "ai_generated"
    )


def test_the_pipeline_cannot_lower_a_grade_as_a_writer_cannot(client, pipeline):  # noqa: F811
    assert upsert(client, pipeline, pipeline_story())["errors"] == []
    data = pipeline_story()
    data["translations"][0]["aiInvolvement"] = "HUMAN"
    result = upsert(client, pipeline, data)
    assert [(e["field"], e["message"]) for e in result["errors"]] == [
        (
            "translations.en.aiInvolvement",
            "Only an editor may lower the AI involvement: ask an editor.",
        )
    ]
    assert StoryTranslation.objects.get(language_code="en").ai_involvement == "ai_generated"
    # Raising stays anyone's.
    assert disclosure.grade_change_refusal("human", "ai_generated", may_lower=False) is None


def test_the_rule_is_the_one_the_help_text_states():
    field = StoryTranslation._meta.get_field("ai_involvement")
    assert "Only an editor may lower it, giving a reason." in str(field.help_text)
    assert disclosure.grade_change_refusal("ai_generated", "human", may_lower=False)[0] == (
        "ai_involvement"
    )
    assert disclosure.grade_change_refusal("ai_generated", "human", may_lower=True)[0] == (
        "ai_involvement_reason"
    )
    assert (
        disclosure.grade_change_refusal("ai_generated", "human", may_lower=True, reason="Ours")
        is None
    )


@pytest.mark.parametrize("role", ["Writer", "Editor", "Publisher"])
def test_a_new_story_offers_no_minor_edit_correction_or_archive(client, role):
    client.force_login(make_user(role.lower(), role))
    page = client.get(ADD).content.decode()
    assert 'name="minor_edit"' not in page
    assert 'name="correction_note"' not in page
    assert 'value="archive"' not in page
    refused = written(client, _workflow="archive")
    assert "A story that is not saved yet cannot be archived." in errors(refused)
    assert read_form(refused.content.decode())["title"] == "Typed by hand"
    assert not Story.objects.exists()


def test_an_editor_gives_a_hand_written_story_its_hot_estimate(client):
    client.force_login(make_user("editor", "Editor"))
    assert written(client, hot_estimate="70").status_code == 302
    story = Story.objects.get(slug="typed-by-hand")
    assert (story.hot_prior, story.hot) == (70, 70)
    url = f"/admin/cms/story/{story.pk}/change/?language=en"
    data = open_form(client, url)
    assert data["hot_estimate"] == "70"
    data["hot_estimate"] = "40"
    assert client.post(url, data).status_code == 302
    story.refresh_from_db()
    assert (story.hot_prior, story.hot) == (40, 40)


def test_a_writer_cannot_give_the_estimate(client):
    client.force_login(make_user("writer", "Writer"))
    assert 'name="hot_estimate"' not in client.get(ADD).content.decode()
    assert written(client, hot_estimate="90").status_code == 302
    assert Story.objects.get(slug="typed-by-hand").hot_prior is None
