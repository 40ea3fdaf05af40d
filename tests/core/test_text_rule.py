"""Text fit for every output, decided once (cms/core/text.py): characters XML 1.0 cannot
carry are refused where text comes in, with an error naming the character and where it is;
rows stored before the rule (or written around it) still make well-formed feeds, sitemaps,
JSON-LD, exports, webhooks and GraphQL answers, whatever Unicode they hold."""

import importlib
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.core import text
from cms.ingest import pipeline
from cms.models import Partner, StoryTranslation, Tag, WebhookDelivery, WebhookEndpoint
from cms.models.webhook import Event
from cms.partners import webhooks
from tests.factories import make_story, make_tag, make_user

pytestmark = pytest.mark.django_db

UNFIT = ["\x0b", "\x0c", "\x00", "\x1f", "\ufffe", "\uffff"]
STORY = """query($slug: String!) { story(slug: $slug) { title summary tags { name }
  structuredData structuredDataScript } }"""


def test_the_error_names_the_character_and_where_it_is():
    with pytest.raises(Exception) as raised:
        text.FitText()("Chips\x0bWar")
    error = raised.value
    assert error.code == "unfit_character"
    assert error.params == {"code": "U+000B", "position": 6}
    assert "U+000B at position 6" in error.messages[0]
    with pytest.raises(Exception) as raised:
        text.FitText()([{"question": "Why?", "answer": "Bec\uffffause"}])
    assert "1.answer contains the character U+FFFF at position 4" in raised.value.messages[0]


@pytest.mark.parametrize("character", UNFIT)
def test_ingestion_refuses_a_title_with_a_character_xml_cannot_carry(character):
    data = {"external_id": "bad", "translations": {"en": {"title": f"A{character}B"}}}
    with pytest.raises(pipeline.IngestError) as raised:
        pipeline.upsert(data)
    ((field, message),) = raised.value.errors
    assert field == "translations.en.title"
    assert f"U+{ord(character):04X} at position 2" in message


def test_ingestion_refuses_an_incoming_aigc_value_with_such_a_character():
    data = {
        "external_id": "bad",
        "translations": {"en": {"title": "T", "aigc": {"ContentProducer": "x\x0by"}}},
    }
    with pytest.raises(pipeline.IngestError) as raised:
        pipeline.upsert(data)
    assert raised.value.errors[0][0] == "translations.en.aigc.ContentProducer"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_admin_refuses_a_tag_name_with_a_vertical_tab_and_keeps_what_was_typed(
    client, language
):
    client.force_login(make_user("boss", superuser=True))
    response = client.post(
        f"/admin/cms/tag/add/?language={language}",
        {"slug": "pasted", "name": "Pasted\x0bfrom Word"},
        headers={"accept-language": language},
    )
    assert response.status_code == 200
    assert not Tag.objects.filter(slug="pasted").exists()
    page = response.content.decode()
    assert "U+000B" in page
    assert "Pasted" in page and "from Word" in page


def stored_around_the_rule(slug, title, summary="", tag_name=None):
    """A live story whose English title and summary (and tag name) were written without
    validation, as rows stored before the rule were."""
    tag = make_tag(f"{slug}-tag", en="Tag")
    story = make_story(slug, tags=[tag])
    StoryTranslation.objects.filter(master=story, language_code="en").update(
        title=title, summary=summary
    )
    if tag_name is not None:
        Tag.translations.field.model.objects.filter(master=tag, language_code="en").update(
            name=tag_name
        )
    return story, tag


def xml(response):
    assert response.status_code == 200, response.content[:500]
    return ET.fromstring(response.content)


def every_output_parses(client, story, tag):
    """Every output that shows the story, each read with a strict parser."""
    outputs = {}
    for kind in ("rss.xml", "atom.xml"):
        outputs[kind] = xml(client.get(f"/feeds/en/{kind}"))
        xml(client.get(f"/feeds/en/{kind}", {"tag": tag.slug}))
    outputs["feed.json"] = json.loads(client.get("/feeds/en/feed.json").content)
    for section in ("en", "news-en"):
        outputs[section] = xml(client.get(f"/sitemaps/{section}.xml"))
    xml(client.get("/sitemap.xml"))
    answer = client.post(
        "/graphql", {"query": STORY, "variables": {"slug": story.slug}}, "application/json"
    )
    assert answer.status_code == 200
    found = json.loads(answer.content)["data"]["story"]
    assert json.loads(found["structuredDataScript"]) == found["structuredData"]
    assert "</" not in found["structuredDataScript"]
    out = io.StringIO()
    call_command("export_stories", stdout=out, stderr=io.StringIO())
    for line in out.getvalue().split("\n"):
        if line:
            json.loads(line)
    # What a partner's webhook receives about the story, as the worker would send it.
    partner = Partner.objects.get_or_create(name="Fuzz partner")[0]
    WebhookEndpoint.objects.get_or_create(partner=partner, url="https://partner.example/hook")
    webhooks.enqueue(Event.PUBLISHED, story)
    deliveries = list(WebhookDelivery.objects.filter(payload__data__id=story.pk))
    assert deliveries
    for delivery in deliveries:
        json.loads(webhooks.body_of(delivery).decode("utf-8", "strict"))
    return outputs


@pytest.mark.parametrize("character", UNFIT[:2] + UNFIT[3:])
def test_one_stored_control_character_never_takes_down_a_feed_or_sitemap(client, character):
    story, tag = stored_around_the_rule(
        "word", f"Chips{character}War", f"Sum{character}mary", tag_name=f"Ta{character}g"
    )
    outputs = every_output_parses(client, story, tag)
    titles = [item.findtext("title") for item in outputs["rss.xml"].iter("item")]
    assert "Chips War" in titles or "ChipsWar" in titles


def test_the_data_migration_cleans_rows_stored_before_the_rule():
    story, tag = stored_around_the_rule("old", "Old\x0btitle", "A\x01B\uffff", tag_name="T\x0cg")
    StoryTranslation.objects.filter(master=story, language_code="en").update(
        faq=[{"question": "Q\x01", "answer": "A"}]
    )
    migration = importlib.import_module("cms.migrations.0005_fit_text_failed_renditions")
    migration.clean_stored_text(apps, None)
    row = StoryTranslation.objects.get(master=story, language_code="en")
    assert (row.title, row.summary) == ("Old title", "AB")
    assert row.faq == [{"question": "Q", "answer": "A"}]
    tag.refresh_from_db()
    tag.set_current_language("en")
    assert tag.name == "T g"


def test_a_title_holding_a_script_end_tag_cannot_end_the_json_ld_script(client):
    story = make_story("script", title_en="</script><script>alert(1)</script>")
    answer = client.post(
        "/graphql", {"query": STORY, "variables": {"slug": story.slug}}, "application/json"
    ).json()["data"]["story"]
    script = answer["structuredDataScript"]
    assert "<" not in script and ">" not in script
    assert json.loads(script)[0]["headline"] == "</script><script>alert(1)</script>"


def storable(value):
    """What the database can hold at all: PostgreSQL text cannot carry NUL (SQLite can, and
    keeps it, so there the outputs must cope with it too) and no database holds a lone
    surrogate."""
    if connection.vendor == "postgresql":
        value = value.replace("\x00", "")
    return "".join(c for c in value if not 0xD800 <= ord(c) <= 0xDFFF)


# Any text at all, stored around the rule: every output still parses.
any_text = st.text(
    st.characters(blacklist_categories=["Cs"]) | st.sampled_from(UNFIT[:2] + UNFIT[3:] + ["<"]),
    min_size=1,
    max_size=40,
)


# Every example reads every feed and sitemap: more than one reader's budget of requests.
@override_settings(CMS_RATE_LIMIT=10**9)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=any_text, summary=st.text(max_size=40).filter(lambda t: "\x00" not in t) | any_text,
       tag_name=any_text)  # fmt: skip
def test_any_stored_unicode_leaves_every_output_well_formed(title, summary, tag_name):
    from cms.models import Story

    Story.objects.all().delete()
    Tag.objects.all().delete()
    story, tag = stored_around_the_rule(
        "fuzzed", storable(title.replace("\x00", "")), storable(summary), storable(tag_name)
    )
    every_output_parses(Client(), story, tag)
