"""ninjs per story over HTTP: the public reads live stories only, cached and keyed for the
edge like other public answers; a key reads within its rights, never cached; the schema
the documents name is served beside them."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from api.caching import edge
from cms.models import ApiKey, Partner, Story
from cms.serving import ninjs
from cms.stories import publishing
from tests import ninjs_validation
from tests.factories import make_source, make_story, make_tag, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    tag = make_tag("security", en="Security", zh_hans="安全")
    return make_story(
        "s", tags=[tag], source=make_source("semafor", en="Semafor"), analysis_en="Deep."
    )


def key_for(**fields):
    partner = Partner.objects.create(name="Partner")
    return ApiKey.issue(partner=partner, name="k", **fields)


def read(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


@pytest.mark.parametrize("version", ninjs.VERSIONS)
def test_a_live_story_is_served_as_valid_ninjs_in_each_language(client, story, version):
    for code in ("en", "zh-hans"):
        document = read(client.get(f"/ninjs/{code}/s.json", {"version": version}))
        assert ninjs_validation.problems(document, version) == []
        assert document["uri"] == ninjs.story_uri(story.pk, code)


def test_public_answers_are_cached_keyed_for_the_edge_and_change_with_the_story(client, story):
    first = client.get("/ninjs/en/s.json")
    assert first["Cache-Status"].endswith("fwd=miss; stored")
    assert first["Content-Language"] == "en"
    assert first["Cache-Control"].startswith("public, max-age=")
    surrogate = first["Surrogate-Key"].split()
    assert {f"story:{story.pk}", f"source:{story.source_id}"} <= set(surrogate)
    assert set(edge.purge_keys([f"story:{story.pk}"])) & set(surrogate)
    second = client.get("/ninjs/en/s.json")
    assert "hit" in second["Cache-Status"] and second.content == first.content
    assert (
        client.get("/ninjs/en/s.json", headers={"if-none-match": first["ETag"]}).status_code == 304
    )
    story.set_current_language("en")
    story.title = "A new title"
    story.save()
    changed = read(client.get("/ninjs/en/s.json"))
    assert changed["headlines"][0]["value"] == "A new title"
    assert int(changed["version"]) > int(json.loads(first.content)["version"])


@pytest.mark.parametrize(
    "state",
    ["draft", "review", "scheduled", "expired", "archived", "no such story", "other language"],
)
def test_stories_readers_cannot_see_are_not_found_like_missing_ones(client, state):
    if state in ("draft", "review", "archived"):
        make_story("s", status=state, hours_ago=None if state != "archived" else 1)
    elif state == "scheduled":
        make_story("s", hours_ago=-2)
    elif state == "expired":
        story = make_story("s", hours_ago=5)
        Story.objects.filter(pk=story.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    elif state == "other language":
        make_story("s", languages=("zh-hans",))
    response = client.get("/ninjs/en/s.json")
    assert response.status_code == 404
    assert json.loads(response.content)["error"]["code"] == "NOT_FOUND"
    assert "Surrogate-Key" not in response


def test_a_story_published_later_appears_once_live_never_from_a_stale_404(client):
    story = make_story("s", hours_ago=-2)
    assert client.get("/ninjs/en/s.json").status_code == 404
    Story.objects.filter(pk=story.pk).update(published_at=timezone.now() - timedelta(minutes=1))
    assert read(client.get("/ninjs/en/s.json"))["pubstatus"] == "usable"


def test_keys_read_within_their_rights_and_are_never_shared(client, story):
    _limited, secret = key_for(scopes=["read"], languages=["zh-hans"])
    auth = {"authorization": f"Bearer {secret}"}
    assert client.get("/ninjs/en/s.json", headers=auth).status_code == 404
    response = client.get("/ninjs/zh-hans/s.json", headers=auth)
    document = read(response)
    assert document["representationtype"] == "partial" and "bodies" not in document
    assert response["Cache-Control"] == "private, no-store"
    assert "Surrogate-Key" not in response
    full, _secret = key_for(scopes=["read", "full_text"])
    token = full.issue_feed_token()
    document = read(client.get("/ninjs/en/s.json", {"token": token}))
    assert document["representationtype"] == "full" and document["bodies"]
    other_tag = make_tag("policy")
    tagged, secret = key_for(scopes=["read", "full_text"])
    tagged.tags.set([other_tag])
    assert (
        client.get("/ninjs/en/s.json", headers={"authorization": f"Bearer {secret}"}).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("params", "headers", "status"),
    [
        ({"version": "9"}, {}, 400),
        ({"version": "x" * 5000}, {}, 400),
        ({"token": "ankf_nope_nope"}, {}, 401),
        ({"token": "ankf_\x00_nope"}, {}, 401),
        ({"version": "2.2\x00"}, {}, 400),
        ({"key": "ank_x"}, {}, 401),
        ({}, {"authorization": "Bearer ank_nope_nope"}, 401),
    ],
)
def test_bad_requests_get_clear_json_errors(client, story, params, headers, status):
    response = client.get("/ninjs/en/s.json", params, headers=headers)
    assert response.status_code == status
    error = json.loads(response.content)["error"]
    assert error["code"] and error["message"]
    assert len(response.content) < 1000


@pytest.mark.parametrize(
    "path", ["/ninjs/fr/s.json", "/ninjs/en/%00.json", "/ninjs/en/" + "a" * 3000 + ".json"]
)
def test_odd_addresses_are_not_found(client, story, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("version", ninjs.VERSIONS)
def test_the_extension_schema_is_served_and_validates_what_is_served(client, story, version):
    response = client.get(f"/ninjs/schema/{version}.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["$id"] == ninjs.extension_id(version)
    document = read(client.get("/ninjs/en/s.json", {"version": version}))
    assert document[ninjs.CAMEL["pubstatus"] if version == "3.1" else "pubstatus"] == "usable"
    standard = document["standard"]
    assert (standard["version"], standard["schema"]) == (version, schema["$id"])
    assert client.get("/ninjs/schema/1.0.json").status_code == 404


@pytest.mark.parametrize(
    ("asked", "address"),
    [("EN", "/ninjs/en/s.json"), ("zh-Hans", "/ninjs/zh-hans/s.json?version=3.1")],
)
def test_a_language_spelled_otherwise_leads_to_the_item_s_one_address(
    client, story, asked, address
):
    query = {"version": "3.1"} if "version" in address else {}
    moved = client.get(f"/ninjs/{asked}/s.json", query)
    assert (moved.status_code, moved["Location"]) == (301, address)
    assert moved["Cache-Control"] == "no-store"
    assert client.get(moved["Location"]).status_code == 200


def test_an_old_slug_leads_to_the_current_address_and_a_draft_s_stays_unknown(client, story):
    story.slug = "renamed"
    story.save()
    moved = client.get("/ninjs/en/s.json", {"version": "3.1"})
    assert moved.status_code == 301
    assert moved["Location"] == "/ninjs/en/renamed.json?version=3.1"
    assert read(client.get(moved["Location"]))["uri"] == ninjs.story_uri(story.pk, "en")
    draft = make_story("draft-new", status=Story.Status.DRAFT, hours_ago=None)
    draft.slug = "draft-newer"
    draft.save()
    assert client.get("/ninjs/en/draft-new.json").status_code == 404


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_killed_storys_item_answers_gone_with_the_notice(client, story, language):
    assert client.get(f"/ninjs/{language}/s.json").status_code == 200
    notice = {"en": "A court ordered its removal.", "zh-hans": "法院下令删除。"}
    publishing.kill(story, make_user("pia", "Publisher"), notice)
    for headers in ({}, {"authorization": f"Bearer {key_for(scopes=['read'])[1]}"}):
        response = client.get(f"/ninjs/{language}/s.json", headers=headers)
        assert response.status_code == 410
        assert response["Cache-Control"] == "no-store"
        error = json.loads(response.content)["error"]
        assert error["code"] == "GONE" and error["notice"] == notice[language]
    assert client.get("/ninjs/en/never-was.json").status_code == 404
