"""The fuzzers, grown by each class of hostile input of the third red-team pass: generated
counting attacks, query strings on sitemaps and redirects, spreadsheet cells, image shapes
and ingestion languages. Never a 5xx, never malformed output, never a count one client
could steer. (Text in every output and export round trips: tests/core/test_text_rule.py,
tests/ingest/test_round_trips.py.)"""

import csv
import io
import json
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.ops.clients import address_group
from cms.core.text import FORMULA_LEADS, fit, spreadsheet_safe
from cms.ingest import pipeline
from cms.models import Image, Story
from tests.api.caching.helpers import stored_answers
from tests.counting.support import flush_counts
from tests.factories import make_story, make_user
from tests.media_factories import picture_bytes

pytestmark = pytest.mark.django_db

# How many generated inputs each fuzzer below sends per run (the note adds them up).
EXAMPLES = {
    "counting": 40,
    "sitemap_query": 60,
    "redirect_query": 60,
    "csv_cells": 200,
    "image_shapes": 25,
    "ingest_languages": 60,
}


def fuzz(name):
    return settings(
        max_examples=EXAMPLES[name],
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


addresses = st.sampled_from(
    ["192.0.2.1", "192.0.2.2", "2001:db8:1:1::1", "2001:db8:1:1::ff", "2001:db8:1:2::1"]
)


@pytest.mark.counted_once
@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz("counting")
@given(
    requests=st.lists(
        st.tuples(addresses, st.integers(1, 7), st.sampled_from(["recordView", "recordShare"])),
        min_size=1,
        max_size=8,
    )
)
def test_generated_counting_attacks_count_each_client_once(requests):
    Story.objects.all().delete()
    cache.clear()
    make_story("target")
    for address, aliases, field in requests:
        network = ', network: "x"' if field == "recordShare" else ""
        document = "mutation { " + " ".join(
            f'a{n}: {field}(slug: "target"{network}) {{ __typename }}' for n in range(aliases)
        ) + " }"  # fmt: skip
        response = Client(REMOTE_ADDR=address).post(
            "/graphql", json.dumps({"query": document}), content_type="application/json"
        )
        assert response.status_code == 200 and "errors" not in response.json()
    flush_counts()

    def clients(wanted):
        return len({address_group(a) for a, _n, field in requests if field == wanted})

    story = Story.objects.get(slug="target")
    assert (story.view_count, story.share_count) == (clients("recordView"), clients("recordShare"))


query_strings = st.lists(st.tuples(st.text(max_size=12), st.text(max_size=30)), max_size=5).map(
    urlencode
) | st.text(max_size=60)


@override_settings(CMS_RATE_LIMIT=10**9)
@fuzz("sitemap_query")
@given(query=query_strings, section=st.sampled_from(["en", "zh-hans", "news-en"]))
def test_generated_sitemap_query_strings_store_one_entry_and_answer_xml(query, section):
    cache.clear()
    if not Story.objects.exists():
        make_story("mapped")
    for path in (f"/sitemaps/{section}.xml?{query}", f"/sitemaps/{section}.xml", "/sitemap.xml"):
        response = Client().get(path)
        assert response.status_code in (200, 404), path
        if response.status_code == 200:
            ET.fromstring(response.content)
    assert stored_answers("sitemap:") <= 3


@fuzz("redirect_query")
@given(query=query_strings | st.text(max_size=40))
def test_generated_redirect_queries_give_a_printable_location(query):
    if not Story.objects.filter(slug="renamed").exists():
        make_story("renamed")
        from cms.models import StorySlug

        StorySlug.objects.get_or_create(slug="before", story=Story.objects.get(slug="renamed"))
    response = Client().post(
        "/graphql",
        json.dumps(
            {
                "query": "query($p: String!) { redirect(path: $p) { location } }",
                "variables": {"p": f"/en/stories/before?{query}"},
            }
        ),
        content_type="application/json",
    )
    # A NUL character is refused before anything runs (400); anything else is answered.
    assert response.status_code == (400 if "\x00" in query else 200), response.content
    if response.status_code == 400:
        return
    found = response.json()["data"]["redirect"]
    if found is not None:
        assert all(0x20 < ord(c) < 0x7F for c in found["location"]), found


@fuzz("csv_cells")
@given(cell=st.text(max_size=30) | st.sampled_from(FORMULA_LEADS).map(lambda c: c + "1+1"))
def test_generated_csv_cells_never_start_a_formula(cell):
    out = io.StringIO()
    csv.writer(out).writerow([spreadsheet_safe(cell)])
    (row,) = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert not row[0].startswith(FORMULA_LEADS)
    # What was typed is kept, after an apostrophe where it would run (less what no output
    # can carry).
    typed = fit(cell)
    assert row[0] == ("'" + typed if typed.startswith(FORMULA_LEADS) else typed)


@fuzz("image_shapes")
@given(width=st.integers(1, 2500), height=st.integers(1, 2500))
def test_generated_image_shapes_are_accepted_or_refused_clearly(width, height):
    Image.objects.all().delete()
    editor = Client()
    editor.force_login(make_user(f"e{width}x{height}", superuser=True))
    with override_settings(CMS_IMAGE_MAX_SIDE=2000, CMS_IMAGE_WIDTHS=[160]):
        response = editor.post(
            "/admin/cms/image/add/?language=en",
            {
                "file": SimpleUploadedFile("p.png", picture_bytes(width, height, kind="PNG")),
                "alt": "A",
                "focal_x": "0.5",
                "focal_y": "0.5",
                "rights": "CC BY 4.0",
            },
        )
    assert response.status_code in (200, 302)
    fits = max(width, height) <= 2000 and max(width, height) <= 10 * min(width, height)
    assert Image.objects.exists() == fits


@fuzz("ingest_languages")
@given(
    codes=st.lists(st.sampled_from(["en", "EN", "zh-hans", "zh_Hans", "ZH-HANS", "fr"]), max_size=4)
)
def test_generated_language_lists_are_written_or_refused_never_dropped(codes):
    data = {"external_id": "langs", "translations": {code: {"title": code} for code in codes}}
    Story.objects.filter(external_id="langs").delete()
    try:
        story, _created = pipeline.upsert(data)
    except pipeline.IngestError as error:
        assert error.errors
        assert not Story.objects.filter(external_id="langs").exists()
        return
    # Written: every language given is there, none silently replaced.
    assert sorted(story.translations.values_list("title", flat=True)) == sorted(
        data["translations"]
    )
