"""Reading live coverage: `Story.liveEntries` newest first with cursors, pinned entries and
key events, in the served language (or its fallback), within a key's rights, at a
constant SQL cost; a cached answer changes when an entry is published; LiveBlogPosting
JSON-LD."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.caching import keys
from api.caching.versions import generation, next_publication_at, versions_at
from cms.models import ApiKey, Partner, Story
from cms.stories import live
from tests.api.caching.helpers import get
from tests.conftest import without_cost
from tests.factories import make_story, make_tag, make_user
from tests.media_factories import make_author, make_image

pytestmark = pytest.mark.django_db

PAGE = """query($slug: String!, $language: String, $first: Int = 20, $after: String) {
  story(slug: $slug, language: $language) {
    language liveStatus coverageStartTime coverageEndTime
    liveEntries(first: $first, after: $after) {
      edges { cursor node { id language text { html text } publishedAt correctedAt correction
        keyEvent pinned image { alt } author { name bio } disclosure { grade label } } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
    pinnedEntries { id } keyEvents { id }
  }
}"""


@pytest.fixture
def publisher():
    return make_user("publisher", "Publisher")


def covered(publisher, slug="hearing", **options):
    story = make_story(slug, **options)
    live.start(story.pk, publisher)
    return story


def entry(story, publisher, text, minutes_ago, language="en", **options):
    return live.publish(
        story.pk,
        publisher,
        language=language,
        text=text,
        now=timezone.now() - timedelta(minutes=minutes_ago),
        **options,
    )


def read(gql, slug="hearing", **variables):
    result = gql(PAGE, {"slug": slug, **variables})
    assert "errors" not in result, result
    return result["data"]["story"]


def texts(story):
    return [edge["node"]["text"]["text"] for edge in story["liveEntries"]["edges"]]


def test_entries_come_newest_first_and_pages_follow_by_cursor(gql, publisher):
    story = covered(publisher)
    for minute in range(5):
        entry(story, publisher, f"entry {minute}", minutes_ago=minute)

    first = read(gql, first=2)
    assert texts(first) == ["entry 0", "entry 1"]
    assert first["liveEntries"]["pageInfo"]["hasNextPage"] is True
    second = read(gql, first=2, after=first["liveEntries"]["pageInfo"]["endCursor"])
    assert texts(second) == ["entry 2", "entry 3"]
    assert second["liveEntries"]["pageInfo"]["hasPreviousPage"] is True
    last = read(gql, first=2, after=second["liveEntries"]["pageInfo"]["endCursor"])
    assert texts(last) == ["entry 4"]
    assert last["liveEntries"]["pageInfo"]["hasNextPage"] is False
    assert first["liveStatus"] == "LIVE"
    assert first["coverageStartTime"] and first["coverageEndTime"] is None


def test_an_entry_shows_its_parts_and_its_correction(gql, publisher):
    story = covered(publisher)
    author = make_author("jane", "Jane Doe", en="Reports from Washington.")
    story.author_links.create(author=author)
    image = make_image(alt_en="The hearing room")
    story.image_links.create(image=image)
    published = entry(
        story,
        publisher,
        "The CEO is **sworn in**.",
        minutes_ago=1,
        key_event=True,
        pinned=True,
        image=image.pk,
        author=author.pk,
        ai_involvement="ai_assisted",
    )
    live.correct(story.pk, publisher, published.pk, text="The CEO is *sworn in*.", note="Style.")

    (edge,) = read(gql)["liveEntries"]["edges"]
    node = edge["node"]
    assert node["text"] == {
        "html": "<p>The CEO is <em>sworn in</em>.</p>",
        "text": "The CEO is sworn in.",
    }
    assert (node["keyEvent"], node["pinned"], node["correction"]) == (True, True, "Style.")
    assert node["correctedAt"] is not None
    assert node["image"] == {"alt": "The hearing room"}
    assert node["author"] == {"name": "Jane Doe", "bio": "Reports from Washington."}
    assert node["disclosure"]["grade"] == "AI_ASSISTED"
    assert node["disclosure"]["label"]


def test_pinned_entries_and_key_events_are_listed_apart(gql, publisher):
    story = covered(publisher)
    plain = entry(story, publisher, "plain", 3)
    pinned = entry(story, publisher, "pinned", 2, pinned=True)
    key = entry(story, publisher, "key", 1, key_event=True)
    page = read(gql)
    assert [e["node"]["id"] for e in page["liveEntries"]["edges"]] == [
        str(key.pk),
        str(pinned.pk),
        str(plain.pk),
    ]
    assert page["pinnedEntries"] == [{"id": str(pinned.pk)}]
    assert page["keyEvents"] == [{"id": str(key.pk)}]


def test_entries_are_served_in_the_story_s_language_or_its_fallback(gql, publisher):
    story = covered(publisher)
    entry(story, publisher, "in English", 2)
    entry(story, publisher, "中文条目", 1, language="zh-hans")
    assert texts(read(gql, language="zh-hans")) == ["中文条目"]
    assert texts(read(gql, language="en")) == ["in English"]
    english_only = covered(publisher, "english-only", languages=("en",))
    entry(english_only, publisher, "only English", 1)
    fallback = read(gql, "english-only", language="zh-hans")
    assert fallback["language"] == "en"
    assert texts(fallback) == ["only English"]


def test_withdrawn_entries_are_gone(gql, publisher):
    story = covered(publisher)
    gone = entry(story, publisher, "wrong", 1)
    live.withdraw(story.pk, publisher, gone.pk)
    assert texts(read(gql)) == []


def test_a_story_without_coverage_has_no_entries(gql):
    make_story("plain")
    page = read(gql, "plain")
    assert page["liveStatus"] is None
    assert page["liveEntries"]["edges"] == []


@pytest.mark.parametrize("bad", ["nope", "x" * 600, "WyJwdWJsaXNoZWQiLCIxIiwxXQ"])
def test_a_cursor_that_is_not_ours_is_refused_clearly(gql, publisher, bad):
    covered(publisher)
    result = gql(PAGE, {"slug": "hearing", "after": bad})
    assert "Invalid cursor in `after`" in result["errors"][0]["message"]


@pytest.mark.parametrize("first", [0, 101])
def test_first_out_of_bounds_is_refused(gql, publisher, first):
    covered(publisher)
    document = """query($first: Int!) { story(slug: "hearing") {
      liveEntries(first: $first) { edges { node { id } } } } }"""
    result = gql(document, {"first": first})
    assert "`first` must be between 1 and 100" in result["errors"][0]["message"]


def key_client(client, **restrictions):
    partner = Partner.objects.create(name="P")
    tags = restrictions.pop("tags", [])
    scopes = restrictions.pop("scopes", ["read"])
    key, secret = ApiKey.issue(partner=partner, name="k", scopes=scopes, **restrictions)
    key.tags.set(tags)
    return lambda document, variables: without_cost(
        client.post(
            "/graphql",
            json.dumps({"query": document, "variables": variables}),
            content_type="application/json",
            headers={"authorization": f"Bearer {secret}"},
        ).json()
    )


def test_a_key_s_languages_and_tags_hold_for_entries(client, publisher):
    allowed = make_tag("ai")
    story = covered(publisher, tags=[allowed])
    entry(story, publisher, "in English", 2)
    entry(story, publisher, "中文条目", 1, language="zh-hans")

    chinese_key = key_client(client, languages=["zh-hans"], scopes=["read", "full_text"])
    answer = chinese_key(PAGE, {"slug": "hearing", "language": "zh-hans"})
    assert texts(answer["data"]["story"]) == ["中文条目"]
    assert chinese_key(PAGE, {"slug": "hearing", "language": "en"})["data"]["story"] is None

    other_tag = key_client(client, tags=[make_tag("other")])
    answer = other_tag(PAGE, {"slug": "hearing"})
    assert answer["data"]["story"] is None


def test_an_entry_s_text_is_the_story_s_body_partner_keys_read_it_with_full_text_only(
    client, publisher
):
    story = covered(publisher)
    entry(story, publisher, "The CEO is **sworn in**.", 2, key_event=True)
    entry(story, publisher, "A model wrote this.", 1, ai_involvement="ai_reviewed")
    document = PAGE.replace("pinnedEntries", "analysis { text } structuredData pinnedEntries")

    summary_only = key_client(client)(document, {"slug": "hearing"})["data"]["story"]
    assert summary_only["analysis"] is None
    nodes = [edge["node"] for edge in summary_only["liveEntries"]["edges"]]
    assert [node["text"] for node in nodes] == [None, None]
    # What is not the body still reads: times, flags and each entry's own disclosure.
    assert [node["keyEvent"] for node in nodes] == [False, True]
    assert [node["disclosure"]["grade"] for node in nodes] == ["AI_REVIEWED", "HUMAN"]
    updates = summary_only["structuredData"][0]["liveBlogUpdate"]
    assert [sorted(update) for update in updates] == [
        ["@type", "datePublished", "digitalSourceType", "inLanguage"]
    ] * 2

    full_text = key_client(client, scopes=["read", "full_text"])(document, {"slug": "hearing"})
    story = full_text["data"]["story"]
    assert story["analysis"] is not None
    assert texts(story) == ["A model wrote this.", "The CEO is sworn in."]
    updates = story["structuredData"][0]["liveBlogUpdate"]
    assert [update["articleBody"] for update in updates] == texts(story)


def count_queries(gql, document, variables):
    cache.clear()
    versions_at([keys.STORIES, keys.TAGS], generation())
    next_publication_at()
    with CaptureQueriesContext(connection) as queries:
        result = gql(document, variables)
    assert "errors" not in result, result
    return len(queries)


def test_the_sql_of_a_page_of_entries_does_not_grow_with_the_entries(gql, publisher):
    story = covered(publisher)
    author = make_author("jane", "Jane Doe", en="Bio.")
    story.author_links.create(author=author)
    images = [make_image(alt_en=f"image {n}") for n in range(3)]
    for image in images:
        story.image_links.create(image=image)
    counts = {}
    for total in (1, 30):
        while story.live_entries.count() < total:
            number = story.live_entries.count()
            entry(
                story,
                publisher,
                f"entry {number}",
                minutes_ago=number,
                image=images[number % 3].pk,
                author=author.pk,
            )
        counts[total] = count_queries(gql, PAGE, {"slug": "hearing", "first": 30})
    assert counts[1] == counts[30]


def test_a_list_of_live_stories_reads_their_entries_in_constant_sql(gql, publisher):
    document = """{ stories(first: 20) { edges { node { slug
      liveEntries(first: 5) { edges { node { text { text } } } } } } } }"""
    counts = {}
    for total in (1, 6):
        while Story.objects.count() < total:
            story = covered(publisher, f"live-{Story.objects.count()}")
            for minute in range(3):
                entry(story, publisher, f"{story.slug} {minute}", minute)
        counts[total] = count_queries(gql, document, {})
    assert counts[1] == counts[6]


def test_publishing_an_entry_changes_the_cached_answer(client, publisher):
    story = covered(publisher)
    entry(story, publisher, "first", 2)
    variables = {"slug": "hearing"}
    assert get(client, PAGE, variables)["Cache-Status"].endswith("fwd=miss; stored")
    cached = get(client, PAGE, variables)
    assert cached["Cache-Status"].startswith("ainews-origin; hit")
    assert texts(cached.json()["data"]["story"]) == ["first"]
    entry(story, publisher, "second", 1)
    after = get(client, PAGE, variables)
    assert after["Cache-Status"].endswith("fwd=miss; stored")
    assert texts(after.json()["data"]["story"]) == ["second", "first"]


def test_a_live_story_s_json_ld_is_a_live_blog_posting(gql, publisher):
    story = covered(publisher)
    entry(story, publisher, "The hearing **opens**.", 2)
    entry(story, publisher, "The CEO speaks.", 1)
    live.end(story.pk, publisher)
    result = gql('{ story(slug: "hearing") { structuredData } }')
    article = result["data"]["story"]["structuredData"][0]
    assert article["@type"] == "LiveBlogPosting"
    assert article["coverageStartTime"] and article["coverageEndTime"]
    assert [update["articleBody"] for update in article["liveBlogUpdate"]] == [
        "The CEO speaks.",
        "The hearing opens.",
    ]
    assert article["liveBlogUpdate"][0]["@type"] == "BlogPosting"


def test_each_live_blog_update_declares_its_own_ai_involvement(gql, publisher):
    story = covered(publisher, ai_involvement="ai_generated")
    entry(story, publisher, "A person wrote this.", 2)
    entry(story, publisher, "AI drafted; an editor checked.", 1, ai_involvement="ai_reviewed")
    result = gql('{ story(slug: "hearing") { structuredData } }')
    article = result["data"]["story"]["structuredData"][0]
    assert article["digitalSourceType"] == "https://schema.org/TrainedAlgorithmicMediaDigitalSource"
    assert [update["digitalSourceType"] for update in article["liveBlogUpdate"]] == [
        "https://schema.org/TrainedAlgorithmicMediaDigitalSource",
        "https://schema.org/DigitalArtDigitalSource",
    ]


def test_a_story_readers_cannot_see_shows_no_entries_even_in_preview(gql, publisher):
    story = covered(publisher, "draft", status=Story.Status.DRAFT, hours_ago=None)
    entry(story, publisher, "secret", 1)
    assert gql(PAGE, {"slug": "draft"})["data"]["story"] is None
