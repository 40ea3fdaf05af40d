"""A search's count never includes stories the caller may not read, on either side of the
exact-count bound, whether the engine lists the matches from its index or walks the story list
(`CMS_SEARCH_PROBE_LIMIT`, PostgreSQL)."""

import pytest

from cms.models import ApiKey, Partner, Story
from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db

SEARCH = """{ stories(language: "en", search: "zebra") {
  totalCount totalCountIsEstimate edges { node { slug } } } }"""


@pytest.fixture(params=[2, 20000], ids=["walked", "listed"])
def probe_limit(request, settings):
    settings.CMS_SEARCH_PROBE_LIMIT = request.param
    return request.param


@pytest.mark.parametrize("bound", [2, 1000])
def test_drafts_never_move_a_search_count(gql, settings, bound, probe_limit):
    settings.CMS_SEARCH_EXACT_COUNT = bound
    make_story("live", title_en="zebra live")
    for number in range(3):
        make_story(
            f"draft-{number}",
            title_en="zebra secret draft",
            status=Story.Status.DRAFT,
            hours_ago=None,
        )
    make_story("later", title_en="zebra scheduled", hours_ago=-5)
    found = gql(SEARCH)["data"]["stories"]
    assert found == {
        "totalCount": 1,
        "totalCountIsEstimate": False,
        "edges": [{"node": {"slug": "live"}}],
    }


def test_a_keys_forbidden_tags_never_move_its_search_count(client, settings, probe_limit):
    settings.CMS_SEARCH_EXACT_COUNT = 2
    allowed, other = make_tag("sec", en="Security"), make_tag("pol", en="Policy")
    make_story("mine", title_en="zebra allowed", tags=[allowed])
    for number in range(3):
        make_story(f"theirs-{number}", title_en="zebra other", tags=[other])
    key, secret = ApiKey.issue(partner=Partner.objects.create(name="P"), name="k", scopes=["read"])
    key.tags.set([allowed])
    response = client.post(
        "/graphql",
        {"query": SEARCH},
        content_type="application/json",
        headers={"authorization": f"Bearer {secret}"},
    )
    found = response.json()["data"]["stories"]
    assert (found["totalCount"], found["totalCountIsEstimate"]) == (1, False)


def test_beyond_the_bound_the_count_says_more_than_the_bound(gql, settings, probe_limit):
    settings.CMS_SEARCH_EXACT_COUNT = 2
    for number in range(4):
        make_story(f"z{number}", title_en="zebra", hours_ago=number + 1)
    found = gql(SEARCH)["data"]["stories"]
    assert (found["totalCount"], found["totalCountIsEstimate"]) == (3, True)


def test_beyond_the_bound_drafts_do_not_make_up_the_difference(gql, settings, probe_limit):
    settings.CMS_SEARCH_EXACT_COUNT = 2
    for number in range(2):
        make_story(f"z{number}", title_en="zebra", hours_ago=number + 1)
    for number in range(5):
        make_story(f"d{number}", title_en="zebra", status=Story.Status.DRAFT, hours_ago=None)
    found = gql(SEARCH)["data"]["stories"]
    assert (found["totalCount"], found["totalCountIsEstimate"]) == (2, False)
