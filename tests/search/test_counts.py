"""What a search counts: exactly up to a bound, an estimate flagged as such beyond it, and never
stories the caller may not read, whether the engine lists the matches from its index or walks
the story list (`CMS_SEARCH_PROBE_LIMIT`, PostgreSQL)."""

import pytest

from cms.models import ApiKey, Partner, Story
from tests.factories import make_story, make_tag
from tests.search.documents import find, slugs

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


def test_large_result_sets_give_an_estimate_flagged_as_such(gql, settings):
    settings.CMS_SEARCH_EXACT_COUNT = 2
    for number in range(4):
        make_story(
            f"w{number}",
            languages=("en",),
            hours_ago=number + 1,
            title_en="Wombat " * (4 - number),
            summary_en="x",
        )
    found = find(gql, "en", "wombat", first=2)
    assert found["totalCountIsEstimate"] is True
    assert found["totalCount"] >= 3
    assert slugs(found) == ["w0", "w1"]
    rest = find(gql, "en", "wombat", first=5, after=found["pageInfo"]["endCursor"])
    assert slugs(rest) == ["w2", "w3"]
    ranked = find(gql, "en", "wombat", orderBy="RELEVANCE", first=4)
    assert slugs(ranked) == ["w0", "w1", "w2", "w3"]
    assert find(gql, "en", "wombat w3")["totalCountIsEstimate"] is False
    walked = find(gql, "en", "wombat", first=4)
    settings.CMS_SEARCH_EXACT_COUNT = 1000
    exact = find(gql, "en", "wombat", first=3)
    assert exact["totalCount"] == 4
    assert exact["totalCountIsEstimate"] is False
    assert slugs(walked)[:3] == slugs(exact)


def test_a_list_without_search_counts_exactly(gql):
    make_story("plain", languages=("en",))
    result = gql('{ stories(language: "en") { totalCount totalCountIsEstimate } }')
    assert result["data"]["stories"] == {"totalCount": 1, "totalCountIsEstimate": False}


def test_a_count_among_listed_matches_asks_the_index_only_once(gql, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CMS_SEARCH_EXACT_COUNT = 2
    settings.CMS_SEARCH_PROBE_LIMIT = 20000
    for number in range(4):
        make_story(f"z{number}", title_en="zebra", hours_ago=number + 1)
    make_story("d", title_en="zebra", status=Story.Status.DRAFT, hours_ago=None)
    with CaptureQueriesContext(connection) as queries:
        found = gql(SEARCH)["data"]["stories"]
    assert (found["totalCount"], found["totalCountIsEstimate"]) == (3, True)
    if connection.vendor == "postgresql":
        matched = [q["sql"] for q in queries if "@@" in q["sql"] and "EXPLAIN" not in q["sql"]]
        assert len(matched) == 1, matched
