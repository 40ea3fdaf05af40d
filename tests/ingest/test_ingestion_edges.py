"""Ingestion edge cases: the same new story sent at once by a retrying pipeline is written
once and never answers INTERNAL_SERVER_ERROR; a language given twice is refused; incoming
AIGC values are checked against GB 45438-2025 Annex E."""

import io
import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client

from cms.ingest import pipeline as ingest
from cms.models import Story
from tests.ingest import test_ingestion
from tests.ingest.test_ingestion import UPSERT, story_input, upsert

pytestmark = pytest.mark.django_db


@pytest.fixture
def pipeline():
    """An ingest key and a publishing one, as the ingestion tests have them."""
    return test_ingestion.pipeline.__wrapped__()


@pytest.mark.parametrize("second", ["en", "EN"])
def test_a_language_given_twice_is_refused_and_nothing_is_written(client, pipeline, second):
    data = story_input(
        translations=[
            {"language": "en", "title": "First"},
            {"language": second, "title": "Second"},
        ]
    )
    payload = upsert(client, pipeline["ingest"], data)["data"]["upsertStory"]
    assert payload["story"] is None
    assert [error["field"] for error in payload["errors"]] == [
        "translations.1.language" if second == "en" else "translations.EN"
    ]
    assert "given more than once" in payload["errors"][0]["message"]
    assert not Story.objects.exists()


def test_an_import_line_giving_a_language_twice_is_refused(tmp_path):
    line = {"external_id": "x", "translations": {"en": {"title": "A"}, "EN": {"title": "B"}}}
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps(line) + "\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_stories", str(path), stdout=io.StringIO(), stderr=err)
    assert "line 1: translations.EN: The language “en” is given more than once." in err.getvalue()


@pytest.mark.parametrize("value", ["Acme News", 'say "hi"', "back\\slash", "新华社", "é"])
def test_an_incoming_aigc_value_outside_annex_e_s_characters_is_refused(value):
    data = {
        "external_id": "aigc",
        "translations": {"en": {"title": "T", "aigc": {"ContentProducer": value}}},
    }
    with pytest.raises(ingest.IngestError) as raised:
        ingest.upsert(data)
    ((field, message),) = raised.value.errors
    assert field == "translations.en.aigc"
    assert "Annex E" in message and "ContentProducer" in message
    assert not Story.objects.exists()


def test_an_incoming_aigc_value_of_annex_e_s_characters_is_kept():
    data = {
        "external_id": "aigc",
        "translations": {
            "en": {"title": "T", "aigc": {"ContentProducer": "001191110000MA0000000A00000"}}
        },
    }
    story, created = ingest.upsert(data)
    assert created
    assert story.translations.get().aigc["ContentProducer"] == "001191110000MA0000000A00000"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_new_story_sent_at_once_is_written_once_without_a_server_error(pipeline):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes writers anyway")
    threads, answers = 6, []
    barrier = threading.Barrier(threads)
    body = json.dumps({"query": UPSERT, "variables": {"input": story_input(externalId="retry")}})

    def send():
        try:
            barrier.wait()
            response = Client().post(
                "/graphql",
                body,
                content_type="application/json",
                headers={"authorization": f"Bearer {pipeline['ingest']}"},
            )
            answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=send) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [status for status, _ in answers] == [200] * threads
    payloads = [answer["data"]["upsertStory"] for _, answer in answers]
    assert all(payload["errors"] == [] for payload in payloads), answers
    assert sum(payload["created"] for payload in payloads) == 1
    assert Story.objects.filter(external_id="retry").count() == 1
