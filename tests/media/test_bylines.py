"""Bylines: authors in order, the responsible editor, and the publication for unsigned
stories, through the API, JSON-LD and the feeds, in both languages."""

import json
import xml.etree.ElementTree as ET

import pytest

from cms.models import Author
from tests.factories import make_story
from tests.media_factories import make_author, make_image, set_authors

pytestmark = pytest.mark.django_db

QUERY = """query($slug: String!, $l: String) { story(slug: $slug, language: $l) {
  authors { name kind url bio avatar { url alt } }
  editor { name url }
  structuredData } }"""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def signed():
    jane = make_author(
        "jane",
        "Jane Doe",
        profile_url="https://news.example.com/authors/jane",
        en="Jane covers robotics.",
        zh_hans="简报道机器人。",
    )
    jane.avatar = make_image(400, 400, alt_en="Jane Doe", alt_zh_hans="简")
    jane.save()
    li = make_author("li", "Li Wei", en="Li edits.", zh_hans="李编辑。")
    story = make_story("signed", original_language="en", editor=li)
    set_authors(story, [jane, li])
    return story


@pytest.mark.parametrize(
    ("language", "bio"), [("en", "Jane covers robotics."), ("zh-hans", "简报道机器人。")]
)
def test_the_api_names_the_authors_in_order_and_the_editor(gql, signed, language, bio):
    story = gql(QUERY, {"slug": "signed", "l": language})["data"]["story"]
    jane, li = story["authors"]
    assert (jane["name"], jane["kind"], jane["url"], jane["bio"]) == (
        "Jane Doe",
        "PERSON",
        "https://news.example.com/authors/jane",
        bio,
    )
    assert jane["avatar"]["alt"] == ("Jane Doe" if language == "en" else "简")
    assert li["name"] == "Li Wei" and li["avatar"] is None
    assert story["editor"] == {"name": "Li Wei", "url": ""}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_unsigned_story_is_by_the_publication(gql, language):
    make_story("unsigned")
    story = gql(QUERY, {"slug": "unsigned", "l": language})["data"]["story"]
    assert story["authors"] == [
        {
            "name": "AI News",
            "kind": "ORGANIZATION",
            "url": f"https://news.example.com/{language}/",
            "bio": "",
            "avatar": None,
        }
    ]
    assert story["editor"] is None
    article = story["structuredData"][0]
    assert article["author"] == [
        {"@type": "Organization", "name": "AI News", "url": f"https://news.example.com/{language}/"}
    ]


def test_json_ld_names_people_with_their_profiles_and_the_publisher_logo(gql, signed, settings):
    settings.CMS_PUBLISHER_LOGO_URL = "https://news.example.com/logo.png"
    article = gql(QUERY, {"slug": "signed"})["data"]["story"]["structuredData"][0]
    assert article["author"] == [
        {"@type": "Person", "name": "Jane Doe", "url": "https://news.example.com/authors/jane"},
        {"@type": "Person", "name": "Li Wei"},
    ]
    assert article["editor"] == {"@type": "Person", "name": "Li Wei"}
    assert article["publisher"] == {
        "@type": "Organization",
        "name": "AI News",
        "logo": {"@type": "ImageObject", "url": "https://news.example.com/logo.png"},
    }


def test_a_translation_points_at_its_original_and_the_original_does_not(gql, signed):
    english = gql(QUERY, {"slug": "signed", "l": "en"})["data"]["story"]["structuredData"][0]
    chinese = gql(QUERY, {"slug": "signed", "l": "zh-hans"})["data"]["story"]["structuredData"][0]
    assert "translationOfWork" not in english
    assert chinese["translationOfWork"] == {
        "@type": "NewsArticle",
        "@id": "https://news.example.com/en/stories/signed",
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_feeds_name_the_authors(client, signed, language):
    rss = ET.fromstring(client.get(f"/feeds/{language}/rss.xml").content)
    creators = rss.findall(".//item/{http://purl.org/dc/elements/1.1/}creator")
    assert [c.text for c in creators] == ["Jane Doe", "Li Wei"]
    atom = ET.fromstring(client.get(f"/feeds/{language}/atom.xml").content)
    ns = "{http://www.w3.org/2005/Atom}"
    authors = atom.findall(f".//{ns}entry/{ns}author")
    assert [a.find(f"{ns}name").text for a in authors] == ["Jane Doe", "Li Wei"]
    assert authors[0].find(f"{ns}uri").text == "https://news.example.com/authors/jane"
    feed = json.loads(client.get(f"/feeds/{language}/feed.json").content)
    assert feed["items"][0]["authors"] == [
        {"name": "Jane Doe", "url": "https://news.example.com/authors/jane"},
        {"name": "Li Wei"},
    ]


def test_an_editor_sets_the_byline_in_the_admin(admin_client, gql):
    from tests.admin.test_admin import errors, story_form

    jane = make_author("jane", "Jane Doe")
    li = make_author("li", "Li Wei", kind=Author.Kind.PERSON)
    response = admin_client.post(
        "/admin/cms/story/add/?language=en",
        story_form(
            editor=str(li.pk),
            **{
                "author_links-TOTAL_FORMS": "1",
                "author_links-0-author": str(jane.pk),
                "author_links-0-position": "0",
            },
            _workflow="publish",
        ),
    )
    assert response.status_code == 302, errors(response)
    story = gql(QUERY, {"slug": "robots-fold-laundry"})["data"]["story"]
    assert [a["name"] for a in story["authors"]] == ["Jane Doe"]
    assert story["editor"]["name"] == "Li Wei"


def test_the_author_admin_opens_in_both_languages(admin_client, signed):
    author = Author.objects.get(slug="jane")
    for code in ("en", "zh-hans"):
        page = admin_client.get(f"/admin/cms/author/{author.pk}/change/?language={code}")
        assert page.status_code == 200


PAGE = """query($first: Int, $l: String) { stories(first: $first, language: $l) { edges { node {
  image { url alt renditions(ratio: WIDE, widths: [640]) { url } }
  authors { name url avatar { alt } } editor { name } corrections { text }
  openGraph { image } structuredData } } } }"""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_images_bylines_and_corrections_cost_the_same_sql_for_any_page_size(gql, language):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from api.caching.responses import next_publication_at
    from cms.models import Correction

    editor = make_author("li", "Li Wei", zh_hans="李编辑。")
    for number in range(12):
        author = make_author(f"a{number}", f"Author {number}", en="Bio")
        author.avatar = make_image(200, 200, alt_en=f"Author {number}")
        author.save()
        story = make_story(
            f"s{number}",
            hours_ago=number + 1,
            image=make_image(alt_en=f"Image {number}"),
            editor=editor,
        )
        set_authors(story, [author, editor])
        Correction.objects.create(
            story=story, language_code=language, text="Fixed.", corrected_at=story.updated_at
        )
    next_publication_at()

    def count(first):
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            result = gql(PAGE, {"first": first, "l": language})
        assert "errors" not in result, result
        assert len(result["data"]["stories"]["edges"]) == first
        return len(queries)

    assert count(2) == count(12)


def test_json_ld_names_an_editing_desk_as_a_contributor_since_an_editor_is_a_person(gql):
    desk = make_author("desk", "The AI Desk", kind=Author.Kind.ORGANIZATION)
    make_story("desked", editor=desk)
    article = gql(QUERY, {"slug": "desked"})["data"]["story"]["structuredData"][0]
    assert "editor" not in article
    assert article["contributor"] == {"@type": "Organization", "name": "The AI Desk"}
