"""Images an editor places in the analysis: `![[image:ID]]` lines, their checks and every output."""

import json
import re
import xml.etree.ElementTree as ET
from html import unescape
from html.parser import HTMLParser

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.caching.responses import next_publication_at
from cms.core import richtext
from cms.media import figures
from cms.models import ApiKey, Image, Partner, Story, StoryImage, StoryTranslation
from tests.adminforms import errors as page_errors
from tests.adminforms import open_form
from tests.conftest import without_cost
from tests.factories import make_story, make_user
from tests.media_factories import attach_images, make_image

pytestmark = pytest.mark.django_db

MEDIA = "http://127.0.0.1:8000/media/"
TEXTS = {
    "en": ("A robot folds a towel", "The robot at work.", "Photo: Lab"),
    "zh-hans": ("机器人在叠毛巾", "工作中的机器人。", "图片：实验室"),
}
QUERY = """query($slug: String!, $l: String) { story(slug: $slug, language: $l) {
  analysis { html text }
  analysisImages { url alt caption credit renditions(widths: [640]) { url width } }
  structuredData } }"""


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def robot_image(**overrides):
    texts = {}
    for code, (alt, caption, credit) in TEXTS.items():
        suffix = code.replace("-", "_")
        texts.update({f"alt_{suffix}": alt, f"caption_{suffix}": caption})
        texts[f"credit_{suffix}"] = credit
    texts.update(overrides)
    return make_image(**texts)


def illustrated_story(slug="robots-fold", images=None, **fields):
    """A live story whose analyses (both languages) place `images` between paragraphs."""
    images = images if images is not None else [robot_image()]
    lines = "\n\n".join(f"![[image:{image.pk}]]" for image in images)
    story = make_story(
        slug,
        analysis_en=f"First paragraph.\n\n{lines}\n\nLast paragraph.",
        analysis_zh_hans=f"第一段。\n\n{lines}\n\n最后一段。",
        **fields,
    )
    attach_images(story, images)
    return story


class Figures(HTMLParser):
    """The figures of an HTML fragment: each one's tags and attributes, and caption text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "figure":
            self.found.append({"tags": [], "caption": ""})
        if self.found:
            self.found[-1]["tags"].append((tag, dict(attrs)))
        self.in_caption = self.in_caption or tag == "figcaption"

    def handle_endtag(self, tag):
        if tag == "figcaption":
            self.in_caption = False

    def handle_data(self, data):
        if self.in_caption:
            self.found[-1]["caption"] += data


def figures_of(html):
    parser = Figures()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_placed_image_becomes_a_figure_with_srcset_and_the_version_s_texts(gql, language):
    image = robot_image()
    illustrated_story(images=[image])
    story = gql(QUERY, {"slug": "robots-fold", "l": language})["data"]["story"]
    alt, caption, credit = TEXTS[language]
    (figure,) = figures_of(story["analysis"]["html"])
    tags = dict(figure["tags"])
    img = tags["img"]
    assert img["alt"] == alt and img["loading"] == "lazy"
    assert (img["width"], img["height"]) == ("1280", "720")
    assert img["sizes"] and img["src"].startswith(MEDIA + f"renditions/{image.pk}/")
    widths = [entry.rsplit(" ", 1)[1] for entry in img["srcset"].split(", ")]
    assert widths == ["320w", "640w", "960w", "1280w"]
    assert all(entry.startswith(MEDIA) for entry in img["srcset"].split(", "))
    assert {"image/webp"} <= {attrs["type"] for tag, attrs in figure["tags"] if tag == "source"}
    assert figure["caption"] == f"{caption} {credit}"
    # Between the paragraphs, as placed; the plain text leaves the figure out.
    html = story["analysis"]["html"]
    assert html.index("<figure") < html.index("Last" if language == "en" else "最后")
    assert story["analysis"]["text"].split("\n\n") == (
        ["First paragraph.", "Last paragraph."] if language == "en" else ["第一段。", "最后一段。"]
    )
    (listed,) = story["analysisImages"]
    assert (listed["alt"], listed["caption"], listed["credit"]) == (alt, caption, credit)
    assert listed["url"] == MEDIA + image.file.name
    srcset_urls = [entry.split(" ")[0] for entry in img["srcset"].split(", ")]
    assert listed["renditions"] == [{"url": srcset_urls[1], "width": 640}]


def test_json_ld_lists_the_placed_images_after_the_lead_image(gql):
    lead, placed = robot_image(), robot_image(caption_en="A chart of towels")
    illustrated_story(images=[placed], image=lead)
    article = gql(QUERY, {"slug": "robots-fold", "l": "en"})["data"]["story"]["structuredData"][0]
    urls = [entry["url"] for entry in article["image"]]
    assert [url.rsplit("/", 1)[1] for url in urls] == [
        "16x9-1280.jpeg",
        "4x3-960.jpeg",
        "1x1-640.jpeg",
        "original-1280.jpeg",
    ]
    assert f"/renditions/{placed.pk}/" in urls[-1]
    assert article["image"][-1]["caption"] == "A chart of towels"


def test_images_are_listed_in_the_order_of_the_analysis_once_each(gql):
    first, second = robot_image(), robot_image()
    story = make_story(
        "order",
        analysis_en=f"![[image:{second.pk}]]\n\nText\n\n![[image:{first.pk}]]\n\n"
        f"![[image:{second.pk}]]",
    )
    attach_images(story, [first, second])
    found = gql(QUERY, {"slug": "order", "l": "en"})["data"]["story"]
    assert len(figures_of(found["analysis"]["html"])) == 3
    shown = [image["url"] for image in found["analysisImages"]]
    assert shown == [MEDIA + image.file.name for image in (second, first)]


def test_the_syntax_inside_code_is_shown_not_placed():
    image = robot_image()
    story = make_story(
        "code",
        analysis_en=f"Write `![[image:{image.pk}]]`:\n\n```\n![[image:{image.pk}]]\n```",
    )
    attach_images(story, [image])
    row = StoryTranslation.objects.get(master=story, language_code="en")
    assert "<figure" not in row.analysis_html
    assert row.analysis_html.count(f"![[image:{image.pk}]]") == 2
    assert row.analysis_images == []
    assert figures.problems(row.analysis, "en", {image.pk}) == []


def test_editor_html_can_still_not_bring_its_own_images_or_figures():
    html = richtext.render('<figure><img src="x" onerror="alert(1)"></figure>\n\n![[image:1]]')
    assert "<img" not in html and "<figure" not in html


def test_editing_a_placed_image_renders_the_analyses_again_and_the_answer_changes(gql):
    image = robot_image()
    illustrated_story(images=[image])
    query = """{ story(slug: "robots-fold", language: "en") { analysis { html } } }"""
    before = gql(query)["data"]["story"]["analysis"]["html"]
    assert 'alt="A robot folds a towel"' in gql(query)["data"]["story"]["analysis"]["html"]
    image = Image.objects.get(pk=image.pk)
    image.set_current_language("en")
    image.alt = "A robot folds two towels"
    image.save()
    assert 'alt="A robot folds two towels"' in gql(query)["data"]["story"]["analysis"]["html"]
    image.focal_x = 0.1
    image.save()
    after = gql(query)["data"]["story"]["analysis"]["html"]
    old_version = re.search(r"renditions/\d+/(\w+)/", before).group(1)
    assert old_version not in after and "<figure" in after


def test_a_placement_of_an_image_not_attached_renders_nothing_rather_than_failing():
    image = robot_image()
    story = make_story("loose", analysis_en=f"Text\n\n![[image:{image.pk}]]")
    row = StoryTranslation.objects.get(master=story, language_code="en")
    assert "<figure" not in row.analysis_html and "image:" not in row.analysis_html
    attach_images(story, [image])
    row.refresh_from_db()
    assert row.analysis_html.count("<figure") == 1 and row.analysis_images == [image.pk]
    StoryImage.objects.filter(story=story).delete()
    row.refresh_from_db()
    assert "<figure" not in row.analysis_html and row.analysis_images == []


def test_an_attached_image_cannot_be_deleted(admin_client):
    image = robot_image()
    illustrated_story(images=[image])
    response = admin_client.post(f"/admin/cms/image/{image.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200
    assert Image.objects.filter(pk=image.pk).exists()


# The admin: the list of the story's images, and the checks of each tab's analysis.


def errors(response):
    return [unescape(message) for message in page_errors(response)]


def story_form(admin_client, story, language):
    data = open_form(admin_client, f"/admin/cms/story/{story.pk}/change/?language={language}")
    data.pop("_workflow", None)
    return data


def post_story(admin_client, story, language, data):
    return admin_client.post(f"/admin/cms/story/{story.pk}/change/?language={language}", data)


def with_image_rows(data, image_ids):
    """The form's image list replaced by `image_ids` (existing rows kept, new ones added)."""
    initial = int(data["image_links-INITIAL_FORMS"])
    rows = {data.get(f"image_links-{n}-image"): n for n in range(initial)}
    for n in range(initial):
        if data[f"image_links-{n}-image"] not in {str(i) for i in image_ids}:
            data[f"image_links-{n}-DELETE"] = "on"
    extra = [i for i in image_ids if str(i) not in rows]
    for offset, image_id in enumerate(extra):
        data[f"image_links-{initial + offset}-image"] = str(image_id)
        data[f"image_links-{initial + offset}-story"] = str(data.get("image_links-0-story", ""))
    data["image_links-TOTAL_FORMS"] = str(initial + len(extra))
    return data


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_editor_adds_an_image_to_the_list_and_places_it_in_one_save(admin_client, language):
    story = make_story("robots-fold")
    image = robot_image()
    data = with_image_rows(story_form(admin_client, story, language), [image.pk])
    data["analysis"] = f"Intro.\n\n![[image:{image.pk}]]\n\nMore."
    response = post_story(admin_client, story, language, data)
    assert response.status_code == 302, errors(response)
    row = StoryTranslation.objects.get(master=story, language_code=language)
    (figure,) = figures_of(row.analysis_html)
    assert dict(figure["tags"])["img"]["alt"] == TEXTS[language][0]
    page = admin_client.get(f"/admin/cms/story/{story.pk}/change/?language={language}")
    assert f"![[image:{image.pk}]]" in page.content.decode()


@pytest.mark.parametrize(
    ("analysis", "message"),
    [
        ("![[image:999999]]", "There is no image 999999"),
        ("See ![[image:{pk}]] here.", "on a line of its own"),
        ("![[image:chart]]", "does not name an image"),
        ("![[image:{other}]]", "is not among this story's images"),
    ],
)
def test_a_bad_placement_is_an_error_on_the_analysis_not_a_500(admin_client, analysis, message):
    image, other = robot_image(), robot_image()
    story = illustrated_story(images=[image])
    data = story_form(admin_client, story, "en")
    data["analysis"] = analysis.format(pk=image.pk, other=other.pk)
    response = post_story(admin_client, story, "en", data)
    assert response.status_code == 200
    assert any(message in error for error in errors(response)), errors(response)
    assert "<figure" in StoryTranslation.objects.get(master=story, language_code="en").analysis_html


def test_an_image_without_alt_text_in_the_tab_s_language_cannot_be_placed_there(admin_client):
    english_only = make_image(alt_en="A chart")
    story = make_story("robots-fold")
    attach_images(story, [english_only])
    data = story_form(admin_client, story, "zh-hans")
    data["analysis"] = f"![[image:{english_only.pk}]]"
    response = post_story(admin_client, story, "zh-hans", data)
    assert any("no alt text in Simplified Chinese" in e for e in errors(response)), errors(response)
    data = story_form(admin_client, story, "en")
    data["analysis"] = f"![[image:{english_only.pk}]]"
    assert post_story(admin_client, story, "en", data).status_code == 302
    decorative = make_image(decorative=True)
    attach_images(story, [decorative])
    data = story_form(admin_client, story, "zh-hans")
    data["analysis"] = f"![[image:{decorative.pk}]]"
    assert post_story(admin_client, story, "zh-hans", data).status_code == 302


def test_the_errors_speak_chinese_in_a_chinese_admin(admin_client):
    story = illustrated_story()
    admin_client.post("/i18n/setlang/", {"language": "zh-hans"})
    data = story_form(admin_client, story, "en")
    data["analysis"] = "![[image:999999]]"
    response = post_story(admin_client, story, "en", data)
    assert any("没有编号为 999999 的图片" in e for e in errors(response)), errors(response)


def test_an_image_another_language_still_places_cannot_leave_the_list(admin_client):
    image = robot_image()
    story = illustrated_story(images=[image])
    data = with_image_rows(story_form(admin_client, story, "en"), [])
    data["analysis"] = "No image here any more."
    response = post_story(admin_client, story, "en", data)
    assert response.status_code == 200
    assert any("placed in the Simplified Chinese analysis" in e for e in errors(response))
    assert StoryImage.objects.filter(story=story).count() == 1


def test_a_translator_places_only_images_already_in_the_list(client):
    client.force_login(make_user("li", "Translator", languages=["zh-hans"]))
    attached, loose = robot_image(), robot_image()
    story = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    attach_images(story, [attached])
    data = story_form(client, story, "zh-hans")
    assert "image_links-TOTAL_FORMS" not in data
    data["analysis"] = f"![[image:{loose.pk}]]"
    response = post_story(client, story, "zh-hans", data)
    assert any("is not among this story's images" in e for e in errors(response))
    data["analysis"] = f"![[image:{attached.pk}]]"
    assert post_story(client, story, "zh-hans", data).status_code == 302
    row = StoryTranslation.objects.get(master=story, language_code="zh-hans")
    assert row.analysis_images == [attached.pk]


# Ingestion: `images` names the library's images; placements are checked per field.

UPSERT = """mutation($input: StoryInput!) { upsertStory(input: $input) {
  errors { field message } story { slug } } }"""


@pytest.fixture
def pipeline():
    partner = Partner.objects.create(name="Pipeline")
    _key, secret = ApiKey.issue(partner=partner, name="pipeline", scopes=["read", "ingest"])
    return secret


def upsert(client, secret, data):
    response = client.post(
        "/graphql",
        json.dumps({"query": UPSERT, "variables": {"input": data}}),
        content_type="application/json",
        headers={"authorization": f"Bearer {secret}"},
    )
    return without_cost(response.json())["data"]["upsertStory"]


def pipeline_story(images, analysis):
    return {
        "externalId": "pipeline-1",
        "slug": "robots-fold",
        "images": images,
        "translations": [
            {"language": "en", "title": "Robots", "tldr": ["One"], "analysis": analysis},
            {"language": "zh-hans", "title": "机器人", "tldr": ["一"], "analysis": analysis},
        ],
    }


def test_the_pipeline_attaches_and_places_images(client, pipeline):
    image = robot_image()
    result = upsert(client, pipeline, pipeline_story([image.pk], f"A\n\n![[image:{image.pk}]]"))
    assert result["errors"] == []
    story = Story.objects.get(slug="robots-fold")
    assert list(story.image_links.values_list("image_id", flat=True)) == [image.pk]
    for row in story.translations.all():
        assert row.analysis_images == [image.pk] and "<figure" in row.analysis_html


@pytest.mark.parametrize(
    ("images", "analysis", "field", "message"),
    [
        ([999999], "Text", "images", "There is no image 999999"),
        ([], "![[image:{pk}]]", "translations.en.analysis", "not among this story's images"),
        ([], "![[image:999999]]", "translations.en.analysis", "There is no image 999999"),
        (None, "In ![[image:{pk}]] text", "translations.en.analysis", "line of its own"),
    ],
)
def test_the_pipeline_gets_a_field_error_for_a_bad_image(
    client, pipeline, images, analysis, field, message
):
    image = robot_image()
    data = pipeline_story(images, analysis.format(pk=image.pk))
    if images is None:
        data.pop("images")
    result = upsert(client, pipeline, data)
    assert result["story"] is None
    assert any(e["field"] == field and message in e["message"] for e in result["errors"]), result
    assert not Story.objects.exists()


def test_the_pipeline_cannot_remove_an_image_a_kept_version_places(client, pipeline):
    image = robot_image()
    assert upsert(client, pipeline, pipeline_story([image.pk], f"![[image:{image.pk}]]"))["story"]
    english_only = pipeline_story([], "No image.")
    english_only["translations"] = english_only["translations"][:1]
    result = upsert(client, pipeline, english_only)
    assert [e["field"] for e in result["errors"]] == ["images"]
    assert "Simplified Chinese analysis" in result["errors"][0]["message"]
    both = pipeline_story([], "No image.")
    assert upsert(client, pipeline, both)["errors"] == []
    assert not StoryImage.objects.exists()


def test_import_stories_reports_a_bad_placement_on_its_line(tmp_path):
    image = robot_image()
    line = {
        "external_id": "pipeline-9",
        "images": [image.pk],
        "translations": {"en": {"title": "T", "analysis": "![[image:999999]]"}},
    }
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps(line), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_stories", str(path), verbosity=0)
    line["translations"]["en"]["analysis"] = f"![[image:{image.pk}]]"
    path.write_text(json.dumps(line), encoding="utf-8")
    call_command("import_stories", str(path), verbosity=0)
    row = StoryTranslation.objects.get(master__external_id="pipeline-9")
    assert row.analysis_images == [image.pk]


def test_import_stories_names_the_field_of_a_bad_placement(tmp_path, capsys):
    line = {"external_id": "p", "translations": {"en": {"title": "T", "analysis": "![[image:7]]"}}}
    listed = {**line, "external_id": "q", "images": ["one"]}
    path = tmp_path / "stories.jsonl"
    path.write_text(f"{json.dumps(line)}\n{json.dumps(listed)}", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_stories", str(path), verbosity=0)
    err = capsys.readouterr().err
    assert "line 1: translations.en.analysis: There is no image 7" in err
    assert "line 2: images: Give a list of at most 50 image numbers." in err


# Feeds and SQL.


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_full_text_feeds_carry_the_figures_with_absolute_addresses(client, language):
    illustrated_story()
    partner = Partner.objects.create(name="Partner")
    key, _secret = ApiKey.issue(partner=partner, name="feeds", scopes=["read", "full_text"])
    token = key.issue_feed_token()
    feed = json.loads(client.get(f"/feeds/{language}/feed.json", {"token": token}).content)
    (figure,) = figures_of(feed["items"][0]["content_html"])
    img = dict(figure["tags"])["img"]
    assert img["src"].startswith(MEDIA) and img["alt"] == TEXTS[language][0]
    rss = ET.fromstring(client.get(f"/feeds/{language}/rss.xml", {"token": token}).content)
    description = rss.find(".//item/description").text
    assert img["src"] in description
    public = json.loads(client.get(f"/feeds/{language}/feed.json").content)
    assert "<figure" not in public["items"][0]["content_html"]


LIST = """query($first: Int!) { stories(language: "zh-hans", first: $first) { edges { node {
  slug analysis { html } analysisImages { url alt caption renditions(format: WEBP) { url } }
  image { url alt } structuredData } } } }"""


def count_queries(gql, first):
    next_publication_at()
    with CaptureQueriesContext(connection) as queries:
        result = gql(LIST, {"first": first})
    assert "errors" not in result, result
    return len(queries)


def test_the_sql_of_a_page_does_not_grow_with_its_size_or_its_placed_images(gql):
    for number in range(6):
        placed = [robot_image() for _ in range(1 + 2 * (number % 2))]
        illustrated_story(f"s{number}", images=placed, image=robot_image(), hours_ago=number + 1)
    counts = {first: count_queries(gql, first) for first in (1, 2, 6)}
    assert len(set(counts.values())) == 1, counts


def test_swapping_a_placed_image_for_another_in_its_row_is_refused_too(admin_client):
    placed, other = robot_image(), robot_image()
    story = illustrated_story(images=[placed])
    data = story_form(admin_client, story, "en")
    data["image_links-0-image"] = str(other.pk)
    data["analysis"] = f"![[image:{other.pk}]]"
    response = post_story(admin_client, story, "en", data)
    assert any("placed in the Simplified Chinese analysis" in e for e in errors(response))
    assert list(story.image_links.values_list("image_id", flat=True)) == [placed.pk]


def test_a_translator_posting_an_image_list_of_their_own_is_not_believed(client):
    client.force_login(make_user("li", "Translator", languages=["zh-hans"]))
    attached, loose = robot_image(), robot_image()
    story = make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    attach_images(story, [attached])
    data = story_form(client, story, "zh-hans")
    # The list the translator's form does not have, posted all the same.
    data.update({"image_links-TOTAL_FORMS": "1", "image_links-INITIAL_FORMS": "0"})
    data["image_links-0-image"] = str(loose.pk)
    data["analysis"] = f"![[image:{loose.pk}]]"
    response = post_story(client, story, "zh-hans", data)
    assert any("is not among this story's images" in e for e in errors(response))
    assert StoryTranslation.objects.get(master=story, language_code="zh-hans").analysis_images == []


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_lead_image_cannot_be_another_story_s_unpublished_image(admin_client, language):
    admin_client.cookies["django_language"] = language
    embargoed_photo, live_photo, unused = robot_image(), robot_image(), robot_image()
    make_story("embargoed", status=Story.Status.DRAFT, hours_ago=None, image=embargoed_photo)
    make_story("live", image=live_photo)
    story = make_story("mine", status=Story.Status.DRAFT, hours_ago=None)
    data = story_form(admin_client, story, language)
    data["image"] = str(embargoed_photo.pk)
    response = post_story(admin_client, story, language, data)
    assert response.status_code == 200
    message = {
        "en": "belongs to another story that readers cannot see yet",
        "zh-hans": "属于另一篇读者尚看不到的报道",
    }[language]
    assert any(message in e for e in errors(response)), errors(response)
    story.refresh_from_db()
    assert story.image_id is None
    for allowed in (live_photo, unused):
        data = story_form(admin_client, story, language)
        data["image"] = str(allowed.pk)
        assert post_story(admin_client, story, language, data).status_code == 302
        story.refresh_from_db()
        assert story.image_id == allowed.pk
