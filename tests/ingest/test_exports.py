"""Story exports (`manage.py export_stories`, the admin's list action): every language
version with both AI labels, live stories unless asked, bounded reads, clear errors, and a
format `import_stories` takes back, keeping the original producer of the AI text."""

import io
import itertools
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.disclosure import rules as disclosure
from cms.ingest import exports
from cms.models import Author, Story, StoryAuthor, StoryTranslation
from cms.stories import publishing
from tests.factories import make_source, make_story, make_tag, make_user

pytestmark = pytest.mark.django_db

LABELS = {
    ("ai_reviewed", "en"): "AI-generated, reviewed by the editors",
    ("ai_reviewed", "zh-hans"): "人工智能生成，经编辑审核",
    ("machine_from_ai", "zh-hans"): "由人工智能生成的原文机器翻译",
    ("human", "en"): "Written by a person",
    ("human", "zh-hans"): "由人工撰写",
}
PRODUCER_A = "001191110000MA0000000A00000"
PRODUCER_B = "001191310000MA0000000B00000"
STORY = """query($slug: String!, $language: String) { story(slug: $slug, language: $language) {
  analysis { text } disclosure { grade label aigc } } }"""


def export(*args):
    out = io.StringIO()
    call_command("export_stories", *args, stdout=out, stderr=io.StringIO())
    return [json.loads(text) for text in out.getvalue().splitlines()]


def import_file(path, *args):
    out = io.StringIO()
    call_command("import_stories", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def producer_a(settings):
    settings.CMS_AIGC_PRODUCER_CODE = PRODUCER_A
    settings.CMS_AIGC_PROPAGATOR_CODE = PRODUCER_A
    return settings


def bilingual(slug="chips", **fields):
    """A live story, its English AI-generated and reviewed, its Chinese a machine
    translation of it (reviewed too), with a tag, a source and a byline."""
    story = make_story(
        slug,
        tags=[make_tag(f"{slug}-tag", en="Chips", zh_hans="芯片")],
        source=make_source(f"{slug}-source"),
        source_url="https://example.com/chips",
        analysis_en="The **analysis**.",
        analysis_zh_hans="分析。",
        ai_involvement_zh_hans="machine_from_ai",
        **fields,
    )
    author = Author.objects.create(
        slug=f"{slug}-desk", name="The AI News desk", kind="organization"
    )
    StoryAuthor.objects.create(story=story, author=author)
    return story


# What a line holds.


def test_a_line_holds_every_language_version_with_its_grade_and_both_labels(producer_a):
    story = bilingual()
    (line,) = export()
    assert line["external_id"] == f"urn:ainews:story:{story.pk}"
    assert (line["slug"], line["state"], line["source"]) == ("chips", "published", "chips-source")
    assert line["tags"] == ["chips-tag"]
    assert line["bylines"] == [
        {"slug": "chips-desk", "name": "The AI News desk", "kind": "organization"}
    ]
    assert line["published_at"].endswith("+00:00")
    english, chinese = line["translations"]["en"], line["translations"]["zh-hans"]
    assert english["title"] == "chips en title" and chinese["title"] == "chips zh-hans title"
    assert english["tldr"] == ["chips en bullet"] and english["faq"] == []
    # The explicit label, translated: a field, and the analysis's opening paragraph.
    assert english["label"] == LABELS["ai_reviewed", "en"]
    assert english["analysis"] == f"{LABELS['ai_reviewed', 'en']}\n\nThe **analysis**."
    assert chinese["label"] == LABELS["machine_from_ai", "zh-hans"]
    assert chinese["analysis"] == f"{LABELS['machine_from_ai', 'zh-hans']}\n\n分析。"
    assert (english["grade"], english["ai_involvement"]) == ("ai_reviewed", "ai_generated")
    assert chinese["grade"] == chinese["ai_involvement"] == "machine_from_ai"
    assert english["reviewed"]["role"] == "editor"
    assert english["digital_source_type"] == disclosure.iptc_uri("ai_reviewed")
    # The implicit label: this publication produced the text, so it is producer and, as
    # the first to label it, propagator with the same id.
    for code, version in line["translations"].items():
        aigc = version["AIGC"]
        assert list(aigc) == list(disclosure.AIGC_FIELDS)
        assert aigc["Label"] == "1"
        assert aigc["ContentProducer"] == aigc["ContentPropagator"] == PRODUCER_A
        assert aigc["ProduceID"] == aigc["PropagateID"]
        assert aigc["ProduceID"].startswith(f"{PRODUCER_A}-{story.pk}-{code}-")


def test_text_a_person_wrote_is_labelled_and_carries_no_aigc(producer_a):
    make_story("people", ai_involvement="human", analysis_en="")
    (line,) = export()
    for code in ("en", "zh-hans"):
        version = line["translations"][code]
        assert version["label"] == LABELS["human", code]
        assert version["AIGC"] is None and version["reviewed"] is None
    assert line["translations"]["en"]["analysis"] == LABELS["human", "en"]
    assert line["ai_generated"] is False


def test_a_version_whose_grade_is_unknown_is_left_out_and_said_so():
    story = make_story("broken")
    StoryTranslation.objects.filter(master=story, language_code="en").update(ai_involvement="guess")
    out, err = io.StringIO(), io.StringIO()
    call_command("export_stories", stdout=out, stderr=err)
    (line,) = [json.loads(text) for text in out.getvalue().splitlines()]
    assert list(line["translations"]) == ["zh-hans"]
    assert "broken (en) left out: its AI grade 'guess' is unknown" in err.getvalue()


def test_only_live_stories_are_exported_unless_another_status_is_asked():
    make_story("live")
    make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    make_story("ahead", hours_ago=-5)
    make_story("old", status=Story.Status.ARCHIVED)
    expired = make_story("gone", hours_ago=10)
    Story.objects.filter(pk=expired.pk).update(expires_at=expired.published_at)
    assert [line["slug"] for line in export()] == ["live"]
    assert [line["slug"] for line in export("--status", "draft")] == ["draft"]
    assert [line["slug"] for line in export("--status", "scheduled")] == ["ahead"]
    assert [line["slug"] for line in export("--status", "archived")] == ["old"]
    assert [line["slug"] for line in export("--status", "all")] == [
        "live",
        "draft",
        "ahead",
        "old",
        "gone",
    ]
    assert export("--status", "scheduled")[0]["state"] == "scheduled"


def test_the_language_filter_keeps_that_version_of_the_stories_that_have_it():
    make_story("both")
    make_story("english", languages=("en",))
    lines = export("--language", "zh_Hans")
    assert [line["slug"] for line in lines] == ["both"]
    assert list(lines[0]["translations"]) == ["zh-hans"]


def test_since_keeps_the_stories_saved_from_then_on():
    old = make_story("old")
    make_story("new")
    Story.objects.filter(pk=old.pk).update(modified_at="2020-01-01T00:00:00Z")
    assert [line["slug"] for line in export("--since", "2021-06-01")] == ["new"]
    assert [line["slug"] for line in export("--since", "2019-12-31T23:00:00+08:00")] == [
        "old",
        "new",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--language", "fr"], "Unknown language 'fr'"),
        (["--since", "yesterday"], "not an ISO 8601 date"),
        (["--since", "2026-02-30"], "not an ISO 8601 date"),
        (["--since", "9999-12-31T23:00:00-15:00"], "out of range"),
        (["--status", "everything"], "invalid choice"),
        (["--output", "/nonexistent/folder/stories.jsonl"], "No such folder"),
    ],
)
def test_bad_options_are_clear_errors(args, message):
    with pytest.raises(CommandError, match=message):
        export(*args)


def test_an_output_file_gets_the_lines_and_the_count_is_said(tmp_path):
    make_story("filed")
    path = tmp_path / "stories.jsonl"
    out = io.StringIO()
    call_command("export_stories", "--output", str(path), stdout=out)
    assert "1 stories exported" in out.getvalue()
    (text,) = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(text)["slug"] == "filed"


def test_the_export_reads_a_fixed_number_of_queries_per_chunk():
    numbers = itertools.count()

    def queries(count, chunk_size):
        Story.objects.all().delete()
        for _number in range(count):
            story = make_story(tags=[make_tag(f"tag-{next(numbers)}")])
            author = Author.objects.create(slug=f"author-{next(numbers)}", name="A")
            StoryAuthor.objects.create(story=story, author=author)
        with CaptureQueriesContext(connection) as captured:
            lines = list(exports.lines(exports.select(), chunk_size=chunk_size))
        assert len(lines) == count
        return len(captured)

    one_chunk = queries(3, chunk_size=10)
    assert queries(9, chunk_size=10) == one_chunk
    # Three full chunks, then the empty read that ends the walk.
    assert queries(9, chunk_size=3) == 3 * one_chunk + 1


# Back in: the round trip.


def test_an_export_imported_elsewhere_keeps_the_producer_and_adds_the_importer_as_propagator(
    settings, producer_a, tmp_path, gql
):
    story = bilingual()
    make_story("people", ai_involvement="human")
    original = {
        row.language_code: (row.title, row.analysis, row.tldr)
        for row in StoryTranslation.objects.filter(master=story)
    }
    produced = {code: version["AIGC"] for code, version in export()[0]["translations"].items()}
    path = tmp_path / "stories.jsonl"
    call_command("export_stories", "--output", str(path), stdout=io.StringIO())

    # Elsewhere: another publication, with the same tags and sources, and none of the stories.
    Story.objects.all().delete()
    settings.CMS_AIGC_PRODUCER_CODE = PRODUCER_B
    settings.CMS_AIGC_PROPAGATOR_CODE = PRODUCER_B
    assert "2 created, 0 updated, 0 refused." in import_file(path)

    imported = Story.objects.get(slug="chips")
    assert imported.state == "draft"
    assert imported.external_id == f"urn:ainews:story:{story.pk}"
    assert [link.tag.slug for link in imported.tag_links.all()] == ["chips-tag"]
    rows = {row.language_code: row for row in StoryTranslation.objects.filter(master=imported)}
    # The text as it was: the label paragraph the export added is not kept twice.
    assert {code: (r.title, r.analysis, r.tldr) for code, r in rows.items()} == original
    # Reviewed here, not there: the importer's editors review it again.
    assert rows["en"].ai_involvement == "ai_generated"
    assert rows["zh-hans"].ai_involvement == "machine_from_ai"
    people = StoryTranslation.objects.filter(master__slug="people")
    assert {row.ai_involvement for row in people} == {"human"}
    assert all(row.aigc == {} for row in people)

    # There, once an editor reviewed and published it, readers' API shows both parties.
    editor = make_user("elsewhere-editor", "Publisher")
    disclosure.record_review(imported, editor)
    publishing.take("publish", imported, editor)
    for code in ("en", "zh-hans"):
        found = gql(STORY, {"slug": "chips", "language": code})["data"]["story"]
        aigc = found["disclosure"]["aigc"]
        assert aigc["ContentProducer"] == PRODUCER_A
        assert aigc["ProduceID"] == produced[code]["ProduceID"]
        assert aigc["ContentPropagator"] == PRODUCER_B
        assert aigc["PropagateID"].startswith(f"{PRODUCER_B}-{imported.pk}-{code}-")
        assert aigc["ReservedCode2"] == ""
        # Labelled once, by this publication's API.
        assert found["analysis"]["text"] == {"en": "The analysis.", "zh-hans": "分析。"}[code]

    # And its own export passes the original producer on.
    (again,) = export()
    for code, version in again["translations"].items():
        assert version["AIGC"]["ContentProducer"] == PRODUCER_A
        assert version["AIGC"]["ProduceID"] == produced[code]["ProduceID"]
        assert version["AIGC"]["ContentPropagator"] == PRODUCER_B


def test_re_importing_an_export_here_changes_nothing(producer_a, tmp_path):
    story = bilingual()
    before = {row.language_code: row.content_hash for row in story.translations.all()}
    path = tmp_path / "stories.jsonl"
    call_command("export_stories", "--output", str(path), stdout=io.StringIO())
    line = json.loads(path.read_text(encoding="utf-8"))
    line["external_id"] = "pipeline-7"
    Story.objects.filter(pk=story.pk).update(external_id="pipeline-7")
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    assert "0 created, 1 updated, 0 refused." in import_file(path, "--publish")
    after = {row.language_code: row.content_hash for row in story.translations.all()}
    assert after == before
    assert Story.objects.get(pk=story.pk).is_live()


def test_an_import_line_with_two_different_aigc_objects_is_refused(tmp_path):
    line = {
        "external_id": "twice",
        "translations": {
            "en": {
                "title": "T",
                "aigc": {"ContentProducer": "X"},
                "AIGC": {"ContentProducer": "Y"},
            }
        },
    }
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps(line) + "\n")
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="1 line"):
        call_command("import_stories", str(path), stdout=io.StringIO(), stderr=stderr)
    assert "translations.en.AIGC: Give the AIGC fields once." in stderr.getvalue()
    assert not Story.objects.exists()


# The admin's list action.


def test_the_list_action_downloads_the_selected_stories_in_the_same_format(client, producer_a):
    chosen = bilingual()
    make_story("draft", status=Story.Status.DRAFT, hours_ago=None)
    other = make_story("other")
    client.force_login(make_user("writer", "Writer"))
    response = client.post(
        "/admin/cms/story/",
        {"action": "export_selected", "_selected_action": [chosen.pk, other.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="stories-')
    downloaded = [json.loads(text) for text in b"".join(response.streaming_content).splitlines()]
    assert downloaded == export()
    # In any state: the selection is the editor's.
    draft = Story.objects.get(slug="draft")
    response = client.post(
        "/admin/cms/story/", {"action": "export_selected", "_selected_action": [draft.pk]}
    )
    (line,) = [json.loads(text) for text in b"".join(response.streaming_content).splitlines()]
    assert line["state"] == "draft"


def test_the_list_action_needs_permission_to_see_stories(client):
    story = make_story("secret")
    client.force_login(make_user("visitor"))
    response = client.post(
        "/admin/cms/story/", {"action": "export_selected", "_selected_action": [story.pk]}
    )
    assert response.status_code == 403
    assert not response.streaming


def test_the_list_action_is_offered_in_both_languages(client):
    make_story("listed")
    client.force_login(make_user("writer", "Writer"))
    page = client.get("/admin/cms/story/").content.decode()
    assert "Export selected stories (JSON Lines)" in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/admin/cms/story/"})
    assert "导出所选报道（JSON Lines）" in client.get("/admin/cms/story/").content.decode()
