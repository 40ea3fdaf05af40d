"""GB 45438-2025 implicit labels as Annex E reads: the first writer's propagator fields,
what an incoming label keeps, the `aigc:` namespace of the feeds on the publication's own
site and the document served there, and the deploy check of the producer's code."""

import io
import json
import os
import subprocess
import sys

import feedparser
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from api.settings import aigc_namespace
from cms.disclosure import rules as disclosure
from cms.models import Story, StoryTranslation
from cms.stories import publishing
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db

STORY = """query($slug: String!, $language: String) { story(slug: $slug, language: $language) {
  disclosure { aigc } } }"""


def aigc_of(gql, slug, language):
    return gql(STORY, {"slug": slug, "language": language})["data"]["story"]["disclosure"]["aigc"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_text_produced_here_names_this_publication_as_propagator_with_the_same_id(
    gql, settings, language
):
    # Annex E, note 1: the first to write the label sets the propagator fields to its own.
    settings.CMS_AIGC_PRODUCER_CODE = "001191110000MA0000000A00000"
    settings.CMS_AIGC_PROPAGATOR_CODE = "001191310000MA0000000B00000"
    make_story("ours")
    aigc = aigc_of(gql, "ours", language)
    assert aigc["ContentProducer"] == aigc["ContentPropagator"] == "001191110000MA0000000A00000"
    assert aigc["ProduceID"] == aigc["PropagateID"]
    assert aigc["ReservedCode1"] == aigc["ReservedCode2"] == ""


def test_an_incoming_label_keeps_the_producers_fields_and_drops_the_last_propagators(gql, settings):
    settings.CMS_AIGC_PROPAGATOR_CODE = "001191310000MA0000000B00000"
    story = make_story("theirs", status=Story.Status.DRAFT, hours_ago=None)
    StoryTranslation.objects.filter(master=story, language_code="en").update(
        aigc={
            "Label": "1",
            "ContentProducer": "MODEL-CO",
            "ProduceID": "gen-1",
            "ReservedCode1": "signed-by-producer",
            "ContentPropagator": "LAST-HOST",
            "PropagateID": "host-9",
            "ReservedCode2": "signed-by-last-host",
        }
    )
    publisher = make_user("desk-publisher", "Publisher")
    disclosure.record_review(story, publisher)
    publishing.take("publish", story, publisher)
    aigc = aigc_of(gql, "theirs", "en")
    assert (aigc["ContentProducer"], aigc["ProduceID"], aigc["ReservedCode1"]) == (
        "MODEL-CO",
        "gen-1",
        "signed-by-producer",
    )
    assert aigc["ContentPropagator"] == "001191310000MA0000000B00000"
    assert aigc["PropagateID"] not in ("host-9", "gen-1")
    # The propagator's reserved code is the propagator's: this publication signs nothing.
    assert aigc["ReservedCode2"] == ""


@pytest.mark.parametrize("value", ["0", "yes", "AIGC"])
def test_an_incoming_label_value_outside_1_2_3_is_refused(tmp_path, value):
    line = {
        "external_id": "odd-label",
        "translations": {"en": {"title": "T", "aigc": {"Label": value, "ProduceID": "p"}}},
    }
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps(line) + "\n")
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_stories", str(path), stdout=io.StringIO(), stderr=stderr)
    assert "The AIGC Label is “1”, “2” or “3” (GB 45438-2025)." in stderr.getvalue()
    assert not Story.objects.exists()


# The namespace.


def test_the_namespace_defaults_to_the_publications_own_site():
    assert django_settings.CMS_AIGC_NAMESPACE == "https://news.example.com/ns/aigc/1.0"
    assert aigc_namespace("https://www.example.cn/{language}/") == (
        "https://www.example.cn/ns/aigc/1.0"
    )
    for address in ("news.example.com/{language}/", "https://{language}.example.com/"):
        with pytest.raises(ImproperlyConfigured, match="CMS_AIGC_NAMESPACE"):
            aigc_namespace(address)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_feeds_declare_the_configured_namespace_and_still_parse(client, settings, language):
    settings.CMS_AIGC_NAMESPACE = "https://www.example.cn/ns/aigc/1.0"
    make_story("namespaced")
    for name in ("rss.xml", "atom.xml"):
        feed = feedparser.parse(client.get(f"/feeds/{language}/{name}").content)
        assert not feed.bozo, feed.bozo_exception
        assert feed.namespaces["aigc"] == "https://www.example.cn/ns/aigc/1.0"
        (entry,) = feed.entries
        assert entry["aigc_label"] == disclosure.label("ai_reviewed", language)
        assert entry["aigc_contentproducer"] == "AI News"
    (item,) = client.get(f"/feeds/{language}/feed.json").json()["items"]
    assert item["_disclosure"]["about"] == "https://www.example.cn/ns/aigc/1.0"


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "AI disclosure elements of AI News"), ("zh-hans", "的人工智能内容标识元素")],
)
def test_the_namespace_document_describes_every_element(client, language, title):
    response = client.get("/ns/aigc/1.0", headers={"accept-language": language})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "public" in response["Cache-Control"]
    page = response.content.decode()
    assert title in page
    assert "https://news.example.com/ns/aigc/1.0" in page
    for name in ("digitalSourceType", "label", "AIGC", *disclosure.AIGC_FIELDS):
        # Each at the anchor its JSON-LD term names (`…/ns/aigc/1.0#Label`).
        assert f'<dt id="{name}"><code>aigc:{name}</code>' in page
    assert "<code>https://news.example.com/ns/aigc/1.0#AIGC</code>" in page
    assert ("JSON-LD" if language == "en" else "前缀 <code>aigc</code> 下的术语") in page
    assert client.post("/ns/aigc/1.0").status_code == 405


# The deploy check.


def deploy_check(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CMS_"))}
    environment.update(
        DJANGO_SECRET_KEY="k3J9v$wq2!Lr8zXe0pT5mN7bC1yH4uG6fD2sA9qW3eR5tY7uI0oP_lK8jH6gF4dS",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--tag", "compliance"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_the_deploy_check_asks_for_a_producer_code_instead_of_a_name_with_a_space():
    result = deploy_check()
    assert "cms.W001" in result.stderr + result.stdout
    assert "CMS_AIGC_PRODUCER_CODE or CMS_AIGC_PRODUCER_NAME" in result.stderr + result.stdout
    result = deploy_check(CMS_AIGC_PRODUCER_CODE="001191110000MA0000000A00000")
    assert "cms.W001" not in result.stderr + result.stdout, result.stderr
