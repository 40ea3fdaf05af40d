"""Values no database can hold are bad input that names the argument, never a server error."""

import base64
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cms.models import ApiKey, Partner, Story
from tests.factories import make_story

pytestmark = pytest.mark.django_db

LIST = "query($f: StoryFilter, $a: String, $o: StoryOrder) { stories(filter: $f, after: $a, orderBy: $o) { edges { node { slug } } } }"  # noqa: E501
NODE = "query($id: ID!) { node(id: $id) { id } }"


def only_error(result):
    (error,) = result["errors"]
    return error["message"], error["extensions"]["code"]


def cursor(*values):
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("bound", "value"),
    [
        ("publishedAfter", "9999-12-31T23:00:00-05:00"),
        ("publishedBefore", "0001-01-01T00:00:00+14:00"),
        ("publishedAfter", "0001-01-01T05:00:00+14:00"),
    ],
)
def test_a_time_bound_outside_the_years_1_to_9999_utc_is_bad_input_naming_it(gql, bound, value):
    make_story("live")
    message, code = only_error(gql(LIST, {"f": {bound: value}}))
    assert code == "BAD_USER_INPUT"
    assert message.startswith(f"`{bound}` is out of range")


def test_an_out_of_range_time_written_in_the_document_is_bad_input_too(gql):
    make_story("live")
    document = '{ stories(filter: {publishedAfter: "9999-12-31T23:00:00-05:00"}) { totalCount } }'
    message, code = only_error(gql(document))
    assert (code, message.split(" is")[0]) == ("BAD_USER_INPUT", "`publishedAfter`")


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00-23:59", "2026-01-02T00:00:00+23:00"])
def test_offsets_python_accepts_but_postgresql_does_not_are_compared_in_utc(gql, value):
    make_story("live")
    result = gql(LIST, {"f": {"publishedAfter": value}})
    assert [e["node"]["slug"] for e in result["data"]["stories"]["edges"]] == ["live"]
    after = cursor("published", value, 1)
    assert gql(LIST, {"a": after})["data"]["stories"]["edges"] == []


def test_the_latest_and_earliest_times_that_fit_still_work(gql):
    make_story("live")
    result = gql(
        LIST,
        {
            "f": {
                "publishedAfter": "0001-01-01T00:00:00Z",
                "publishedBefore": "9999-12-31T23:59:59Z",
            }
        },
    )
    assert [e["node"]["slug"] for e in result["data"]["stories"]["edges"]] == ["live"]


@pytest.mark.parametrize(
    "pk", ["9223372036854775808", "99999999999999999999999999", "1" * 5000, "-1", "²", "abc"]
)
def test_a_global_id_beyond_what_the_database_holds_is_bad_input_naming_id(gql, pk):
    make_story("live")
    global_id = base64.b64encode(f"Story:{pk}".encode()).decode()
    result = gql(NODE, {"id": global_id})
    assert result["data"] == {"node": None}
    message, code = only_error(result)
    assert code == "BAD_USER_INPUT"
    assert message.endswith("is not a story id: pass the `id` of a story from this API.")


def test_the_largest_key_that_fits_is_simply_not_found(gql):
    global_id = base64.b64encode(b"Story:9223372036854775807").decode()
    assert gql(NODE, {"id": global_id}) == {"data": {"node": None}}


@pytest.mark.parametrize(
    ("order", "after"),
    [
        ("PUBLISHED_DESC", cursor("published", "2026-01-01T00:00:00+00:00", 2**63)),
        ("PUBLISHED_DESC", cursor("published", "2026-01-01T00:00:00+00:00", -(2**63) - 1)),
        ("PUBLISHED_DESC", cursor("published", "9999-12-31T23:00:00-05:00", 1)),
        ("PUBLISHED_DESC", cursor("published", "0001-01-01T00:00:00+14:00", 1)),
        ("HOT_DESC", cursor("hot", True, 10**30, "2026-01-01T00:00:00+00:00", 1)),
        ("QUALITY_DESC", cursor("quality", 1.5, "2026-01-01T00:00:00+00:00", 1)),
        (
            "PUBLISHED_DESC",
            base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(),
        ),
        ("PUBLISHED_DESC", base64.urlsafe_b64encode(b"[" * 150 + b"]" * 150).decode()),
        ("PUBLISHED_DESC", "A" * 10000),
    ],
)
def test_a_malformed_or_deeply_nested_cursor_is_bad_input_naming_after(gql, order, after):
    make_story("live")
    message, code = only_error(gql(LIST, {"a": after, "o": order}))
    assert code == "BAD_USER_INPUT"
    assert message.startswith("Invalid cursor in `after`")


def test_an_import_line_with_an_impossible_value_is_reported_and_the_rest_imported(
    tmp_path, capsys
):
    def line(external_id, **fields):
        return json.dumps(
            {"external_id": external_id, "translations": {"en": {"title": external_id}}, **fields}
        )

    lines = [
        line("first", hot=5),
        line("infinite").replace("}}}", '}}, "hot": 1e309}'),
        line("words", quality="high"),
        line("huge", impact=10**30),
        line("late", published_at="9999-12-31T23:00:00-05:00"),
        line("flag", ai_generated="yes"),
        line("publish", publish="no"),
        "[" * 100000 + "]" * 100000,
        json.dumps(
            {"external_id": "deep", "translations": {"en": {"tldr": [[[[[[[[["x"]]]]]]]]]}}}
        ),
        line("last", hot=7),
    ]
    path = tmp_path / "stories.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CommandError, match="8 line"):
        call_command("import_stories", str(path), verbosity=0)
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "line 2: hot: Enter a whole number.",
        "line 3: quality: Enter a whole number.",
        "line 4: impact: Ensure this value is less than or equal to 100.",
        "line 5: published_at: Give a time between the years 1 and 9999 UTC.",
        "line 6: ai_generated: Give true or false.",
        "line 7: publish: Give true or false.",
        "line 8: not valid JSON (nested too deeply)",
        "line 9: The story nests more than 8 levels deep.",
    ]
    assert sorted(Story.objects.values_list("external_id", flat=True)) == ["first", "last"]


def test_an_ingested_publish_time_out_of_range_is_a_field_error(client):
    from tests.ingest.test_ingestion import story_input, upsert

    partner = Partner.objects.create(name="Pipeline")
    _key, secret = ApiKey.issue(partner=partner, name="pipeline", scopes=["read", "ingest"])
    data = story_input(publishedAt="9999-12-31T23:00:00-05:00", tags=[], source=None)
    result = upsert(client, secret, data)
    assert result["data"]["upsertStory"]["errors"] == [
        {"field": "publishedAt", "message": "Give a time between the years 1 and 9999 UTC."}
    ]
    assert not Story.objects.exists()


def test_an_ingested_publish_time_with_a_wide_offset_is_stored_in_utc(client):
    from tests.ingest.test_ingestion import story_input, upsert

    partner = Partner.objects.create(name="Pipeline")
    _key, secret = ApiKey.issue(partner=partner, name="pipeline", scopes=["read", "ingest"])
    data = story_input(publishedAt="2026-01-02T00:00:00+23:00", tags=[], source=None)
    assert upsert(client, secret, data)["data"]["upsertStory"]["errors"] == []
    assert Story.objects.get().published_at.isoformat() == "2026-01-01T01:00:00+00:00"
