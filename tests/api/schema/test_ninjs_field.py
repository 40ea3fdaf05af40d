"""`Story.ninjs`: the story as an IPTC ninjs news item in GraphQL, valid in both versions,
within the caller's rights, and at a cost that does not grow with the page."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.models import ApiKey, Partner, Story
from cms.serving import ninjs
from cms.stories import preview as previews
from tests import ninjs_validation
from tests.factories import make_source, make_story, make_tag, make_user
from tests.media_factories import make_image

pytestmark = pytest.mark.django_db

ONE = """query($slug: String!, $language: String, $version: NinjsVersion!) {
  story(slug: $slug, language: $language) { ninjs(version: $version) }
}"""
LIST = """query($first: Int!) { stories(first: $first) { edges { node { ninjs } } } }"""


@pytest.mark.parametrize("version", ["V2_2", "V3_1"])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_story_s_ninjs_validates_in_each_version(gql, version, language):
    story = make_story("s", tags=[make_tag("llm", en="LLM")], source=make_source())
    result = gql(ONE, {"slug": "s", "language": language, "version": version})
    document = result["data"]["story"]["ninjs"]
    number = version[1:].replace("_", ".")
    assert ninjs_validation.problems(document, number) == []
    assert document["uri"] == ninjs.story_uri(story.pk, language)


def test_a_key_without_full_text_gets_no_bodies(gql):
    make_story("s")
    partner = Partner.objects.create(name="P")
    _key, secret = ApiKey.issue(partner=partner, name="k", scopes=["read"])
    result = gql(ONE, {"slug": "s", "version": "V2_2"}, authorization=f"Bearer {secret}")
    document = result["data"]["story"]["ninjs"]
    assert document["representationtype"] == "partial" and "bodies" not in document


def test_a_previewed_draft_is_withheld_and_a_public_caller_never_sees_it(gql):
    draft = make_story("s", status=Story.Status.DRAFT, hours_ago=None)
    assert gql(ONE, {"slug": "s", "version": "V2_2"})["data"]["story"] is None
    token = previews.issue(draft, make_user("editor", superuser=True))
    result = gql(ONE, {"slug": "s", "version": "V2_2"}, **{previews.HEADER: token})
    document = result["data"]["story"]["ninjs"]
    assert document["pubstatus"] == "withheld"
    assert ninjs_validation.problems(document, "2.2") == []


def test_a_preview_s_image_addresses_carry_its_media_token(gql, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    draft = make_story(
        "s", status=Story.Status.DRAFT, hours_ago=None, image=make_image(alt_en="Lead")
    )
    token = previews.issue(draft, make_user("editor", superuser=True))
    result = gql(ONE, {"slug": "s", "version": "V2_2"}, **{previews.HEADER: token})
    renditions = result["data"]["story"]["ninjs"]["associations"][0]["renditions"]
    site = "http://127.0.0.1:8000"
    for rendition in renditions:
        assert "?preview=" in rendition["href"]
        assert client.get(rendition["href"].removeprefix(site)).status_code == 200
        assert client.get(rendition["href"].removeprefix(site).split("?")[0]).status_code == 404


def test_a_page_of_ninjs_costs_the_same_sql_at_any_size(gql):
    tags = [make_tag(f"t{n}", en=f"T{n}") for n in range(2)]
    source = make_source()
    for number in range(30):
        make_story(f"s{number}", hours_ago=number + 1, tags=tags, source=source)
    counts = {}
    for first in (1, 10, 30):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            result = gql(LIST, {"first": first})
        assert len(result["data"]["stories"]["edges"]) == first
        counts[first] = len(queries)
    assert counts[1] == counts[10] == counts[30], counts
