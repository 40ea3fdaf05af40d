"""The story pipeline writes stories: `upsertStory` and `manage.py import_stories`."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.models import ApiKey, Partner, Story
from tests.conftest import without_cost
from tests.factories import make_source, make_tag, review

pytestmark = pytest.mark.django_db

UPSERT = """mutation($input: StoryInput!) { upsertStory(input: $input) {
  created errors { field message } story { externalId slug status languages } } }"""


def story_input(**overrides):
    data = {
        "externalId": "pipeline-42",
        "hot": 60,
        "quality": 70,
        "impact": 80,
        "tags": ["security"],
        "source": "semafor",
        "translations": [
            {
                "language": "en",
                "title": "Robots fold laundry",
                "summary": "A lab demo.",
                "tldr": ["One", "Two"],
                "keyData": [{"entity": "Lab", "detail": "Towels", "metric": "12/h"}],
                "analysis": "It **works**.",
                "faq": [{"question": "Shirts?", "answer": "Not yet."}],
            },
            {"language": "zh-hans", "title": "机器人叠衣服", "tldr": ["只有一条"]},
        ],
    }
    data.update(overrides)
    return data


@pytest.fixture
def pipeline():
    make_tag("security", en="Security")
    make_source("semafor")
    partner = Partner.objects.create(name="Pipeline")
    quotas = {"per_minute": 10**6, "per_day": 10**7}
    _key, ingest = ApiKey.issue(
        partner=partner, name="pipeline", scopes=["read", "ingest"], **quotas
    )
    _key, publisher = ApiKey.issue(
        partner=partner, name="publisher", scopes=["read", "ingest", "publish"], **quotas
    )
    return {"ingest": ingest, "publish": publisher}


def reviewed_draft(client, secret, **overrides):
    """The pipeline's story as a draft an editor has reviewed: the pipeline may then publish
    it (`CMS_AI_PUBLISH_REQUIRES_REVIEW`), as long as its text stays as reviewed."""
    result = upsert(client, secret, story_input(**overrides))["data"]["upsertStory"]
    assert result["errors"] == []
    story = Story.objects.get(external_id=overrides.get("externalId", "pipeline-42"))
    review(story)
    return story


def upsert(client, secret, data):
    response = client.post(
        "/graphql",
        json.dumps({"query": UPSERT, "variables": {"input": data}}),
        content_type="application/json",
        headers={"authorization": f"Bearer {secret}"} if secret else {},
    )
    return without_cost(response.json())


def test_a_new_story_is_created_as_a_draft_with_every_language(client, pipeline):
    result = upsert(client, pipeline["ingest"], story_input())
    assert result == {
        "data": {
            "upsertStory": {
                "created": True,
                "errors": [],
                "story": {
                    "externalId": "pipeline-42",
                    "slug": "robots-fold-laundry",
                    "status": "draft",
                    "languages": ["en", "zh-hans"],
                },
            }
        }
    }
    story = Story.objects.get(external_id="pipeline-42")
    story.set_current_language("zh-hans")
    assert story.tldr == ["只有一条"]
    story.set_current_language("en")
    assert story.key_data == [{"entity": "Lab", "detail": "Towels", "metric": "12/h"}]
    assert [link.tag.slug for link in story.tag_links.all()] == ["security"]
    assert not Story.objects.published().exists()


def test_sending_the_same_story_again_updates_it(client, pipeline):
    upsert(client, pipeline["ingest"], story_input())
    again = story_input(hot=99)
    again["translations"][0]["title"] = "Robots fold laundry, faster"
    result = upsert(client, pipeline["ingest"], again)["data"]["upsertStory"]
    assert (result["created"], result["errors"]) == (False, [])
    assert Story.objects.count() == 1
    story = Story.objects.get()
    story.set_current_language("en")
    assert (story.hot, story.title, story.slug) == (
        99,
        "Robots fold laundry, faster",
        "robots-fold-laundry",
    )


def test_only_keys_that_may_publish_can_publish(client, pipeline):
    refused = upsert(client, pipeline["ingest"], story_input(publish=True))["data"]["upsertStory"]
    assert refused["errors"] == [
        {"field": "publish", "message": "This caller may not publish; leave `publish` false."}
    ]
    assert not Story.objects.exists()
    reviewed_draft(client, pipeline["ingest"])
    published = upsert(client, pipeline["publish"], story_input(publish=True))["data"][
        "upsertStory"
    ]
    assert published["story"]["status"] == "published"
    assert Story.objects.published().count() == 1
    change = upsert(client, pipeline["ingest"], story_input(hot=1))["data"]["upsertStory"]
    assert change["errors"] == [
        {
            "field": "externalId",
            "message": "This story is published; only a caller that may publish may change it.",
        }
    ]
    assert Story.objects.get().hot == 60


def test_field_errors_say_where_and_write_nothing(client, pipeline):
    bad = story_input(hot=101, tags=["nope"])
    bad["translations"][1]["title"] = ""
    result = upsert(client, pipeline["ingest"], bad)["data"]["upsertStory"]
    assert result["story"] is None
    assert {"field": "tags", "message": "Unknown slug “nope”."} in result["errors"]
    assert not Story.objects.exists()
    bad = story_input(hot=101)
    bad["translations"][1]["title"] = ""
    fields = {
        e["field"] for e in upsert(client, pipeline["ingest"], bad)["data"]["upsertStory"]["errors"]
    }
    assert fields == {"hot"}
    bad = story_input()
    bad["translations"][1]["title"] = ""
    errors = upsert(client, pipeline["ingest"], bad)["data"]["upsertStory"]["errors"]
    assert errors == [{"field": "translations.zh-hans.title", "message": "This field is required."}]
    assert not Story.objects.exists()


def test_without_the_ingest_scope_writing_is_forbidden(client, pipeline):
    partner = Partner.objects.get()
    _key, reader = ApiKey.issue(partner=partner, name="reader", scopes=["read"])
    for secret in (reader, None):
        result = upsert(client, secret, story_input())
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert not Story.objects.exists()


def snake(data):
    return {
        "external_id": data["externalId"],
        "hot": data["hot"],
        "tags": data["tags"],
        "translations": {
            t["language"]: {"title": t["title"], "tldr": t.get("tldr", [])}
            for t in data["translations"]
        },
    }


def test_import_stories_imports_good_lines_and_reports_bad_ones(tmp_path, pipeline, capsys):
    good = snake(story_input())
    second = snake(story_input(externalId="pipeline-43"))
    second["translations"]["en"]["title"] = "Another story"
    bad_score = snake(story_input(externalId="pipeline-44", hot=500))
    lines = [json.dumps(good), "{not json", json.dumps(bad_score), "", json.dumps(second)]
    path = tmp_path / "stories.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(CommandError, match="2 line"):
        call_command("import_stories", str(path), verbosity=0)
    err = capsys.readouterr().err
    assert "line 2: not valid JSON" in err
    assert "line 3: hot:" in err
    assert sorted(Story.objects.values_list("external_id", flat=True)) == [
        "pipeline-42",
        "pipeline-43",
    ]


def test_import_stories_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_stories", str(tmp_path / "missing.jsonl"), verbosity=0)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.fixed_dictionaries(
        {"externalId": st.text(max_size=210)},
        optional={
            "slug": st.text(max_size=60),
            "hot": st.integers(-1000, 1000),
            "publishedAt": st.text(max_size=30),
            "tags": st.lists(st.text(max_size=10), max_size=3),
            "source": st.text(max_size=10),
            "sourceUrl": st.text(max_size=40),
            "translations": st.lists(
                st.fixed_dictionaries(
                    {
                        "language": st.sampled_from(["en", "zh-hans", "EN", "fr", ""]),
                        "title": st.text(max_size=40),
                    },
                    optional={
                        "tldr": st.lists(st.text(max_size=20), max_size=3),
                        "keyData": st.lists(
                            st.fixed_dictionaries({"entity": st.text(max_size=10)}), max_size=2
                        ),
                        "analysis": st.text(max_size=80),
                    },
                ),
                max_size=3,
            ),
        },
    )
)
def test_arbitrary_pipeline_input_is_written_whole_or_refused_clearly(client, pipeline, data):
    data.setdefault("translations", [])
    before = Story.objects.count()
    result = upsert(client, pipeline["ingest"], data)
    if "errors" in result:  # Refused by the schema itself: a GraphQL input error.
        assert result["errors"][0]["extensions"]["code"] in {
            "BAD_USER_INPUT",
            "BAD_REQUEST",  # Text with a NUL character, refused before anything runs.
            "GRAPHQL_VALIDATION_FAILED",
        }
        assert Story.objects.count() == before
        return
    payload = result["data"]["upsertStory"]
    if payload["errors"]:
        assert payload["story"] is None
        assert all(error["field"] is not None and error["message"] for error in payload["errors"])
        assert Story.objects.count() == before
    else:
        story = Story.objects.get(external_id=data["externalId"])
        assert story.status == "draft"
        assert sorted(story.get_available_languages()) == payload["story"]["languages"]


def test_the_pipeline_leaves_a_story_in_review_or_archived_where_editors_put_it(client, pipeline):
    upsert(client, pipeline["ingest"], story_input())
    for status in (Story.Status.REVIEW, Story.Status.ARCHIVED):
        Story.objects.update(status=status)
        result = upsert(client, pipeline["publish"], story_input(publish=False))
        assert result["data"]["upsertStory"]["story"]["status"] == status
    review(Story.objects.get())
    result = upsert(client, pipeline["publish"], story_input(publish=True))
    assert result["data"]["upsertStory"]["story"]["status"] == "published"
    result = upsert(client, pipeline["publish"], story_input(publish=False))
    assert result["data"]["upsertStory"]["story"]["status"] == "draft"


def test_the_pipeline_says_which_language_is_original_and_which_version_a_machine_wrote(
    client, pipeline
):
    data = story_input(originalLanguage="zh-hans")
    data["translations"][0]["machineTranslated"] = True
    result = upsert(client, pipeline["ingest"], data)["data"]["upsertStory"]
    assert result["errors"] == []
    story = Story.objects.get()
    assert story.original_language == "zh-hans"
    origins = dict(story.translations.values_list("language_code", "origin"))
    assert origins == {"en": "machine", "zh-hans": "human"}
    refused = upsert(client, pipeline["ingest"], story_input(originalLanguage="fr"))
    assert refused["data"]["upsertStory"]["errors"] == [
        {"field": "originalLanguage", "message": "Unsupported language “fr”."}
    ]


def test_the_pipeline_s_hot_score_is_the_ranking_s_estimate_and_a_new_one_restarts_it(
    client, pipeline
):
    from cms.counting.ranking import recompute_hot

    assert upsert(client, pipeline["ingest"], story_input(hot=60))["data"]["upsertStory"]["created"]
    story = Story.objects.get(external_id="pipeline-42")
    assert (story.hot, story.hot_prior, story.hot_prior_views) == (60, 60, 0)
    review(story)
    Story.objects.filter(pk=story.pk).update(status="published", published_at=timezone.now())
    recompute_hot()
    assert Story.objects.get(pk=story.pk).hot == 60  # Nobody read it yet.
    Story.objects.filter(pk=story.pk).update(view_count=400)
    recompute_hot()
    read = Story.objects.get(pk=story.pk).hot
    assert read != 60  # Readers moved it.
    # The same estimate again changes nothing; another one is where the ranking starts anew.
    upsert(client, pipeline["publish"], story_input(hot=60))
    assert Story.objects.get(pk=story.pk).hot == read
    upsert(client, pipeline["publish"], story_input(hot=90))
    story = Story.objects.get(pk=story.pk)
    assert (story.hot, story.hot_prior, story.hot_prior_views) == (90, 90, 400)
    recompute_hot()
    assert Story.objects.get(pk=story.pk).hot == 90


def test_traditional_text_sent_as_simplified_chinese_is_refused_field_by_field():
    """Traditional text labelled Simplified (as a bare `zh` in ninjs is read) must not become
    the Simplified version (以繁體字發送的「简体」版本被逐欄拒絕，不寫入任何內容)."""
    from cms.ingest.pipeline import IngestError, upsert

    data = {
        "external_id": "tw-1",
        "translations": {
            "zh-hans": {
                "title": "臺灣半導體產業的發展",
                "summary": "简体摘要",
                "tldr": ["晶圓廠產能滿載", "需求倍增"],
                "analysis": "詳細分析。",
            }
        },
    }
    with pytest.raises(IngestError) as raised:
        upsert(data)
    fields = {field for field, _message in raised.value.errors}
    assert fields == {f"translations.zh-hans.{name}" for name in ("title", "tldr", "analysis")}
    assert "Traditional Chinese" in raised.value.errors[0][1]
    assert not Story.objects.exists()
    data["translations"]["zh-hans"].update(title="台湾半导体产业的发展", tldr=["晶圆厂产能满载"])
    data["translations"]["zh-hans"]["analysis"] = "详细分析。"
    story, created = upsert(data)
    assert created and story.translations.get(language_code="zh-hans").title.startswith("台湾")
