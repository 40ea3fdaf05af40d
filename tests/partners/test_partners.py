"""Partners' API keys: hashing, scopes, restrictions, quotas, revocation, rotation, usage."""

import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from cms.models import ApiKey, ApiKeyUsage, Partner
from cms.models.partner import digest
from tests.conftest import without_cost
from tests.factories import make_story, make_tag

pytestmark = pytest.mark.django_db

STORY = '{ story(slug: "s", language: "zh-hans") { language title analysis { text } } }'
VIEWER = """{ viewer { partner keyName keyPrefix scopes languages tags perMinute perDay
  usage { requests } } }"""


@pytest.fixture
def partner():
    return Partner.objects.create(name="Example Daily", contact_email="desk@example.com")


def issue(partner, **fields):
    fields.setdefault("name", "website")
    fields.setdefault("scopes", ["read"])
    return ApiKey.issue(partner=partner, **fields)


def call(client, secret, document, **headers):
    response = client.post(
        "/graphql",
        json.dumps({"query": document}),
        content_type="application/json",
        headers={"authorization": f"Bearer {secret}", **headers},
    )
    return response


def body(response):
    return without_cost(response.json())


def test_a_key_is_stored_only_as_a_hash_with_a_visible_prefix(partner):
    key, secret = issue(partner)
    stored = ApiKey.objects.get(pk=key.pk)
    assert secret.startswith(stored.prefix + "_")
    assert stored.hashed_secret == digest(secret) != secret
    assert secret not in json.dumps(list(ApiKey.objects.values()), default=str)
    assert ApiKey.authenticate(secret) == key
    assert ApiKey.authenticate(secret + "x") is None
    assert ApiKey.authenticate("ank_nothing_here") is None


def test_the_viewer_query_describes_the_key(client, partner):
    tag = make_tag("security", en="Security")
    key, secret = issue(partner, scopes=["read", "full_text"], languages=["en"], per_minute=50)
    key.tags.set([tag])
    response = call(client, secret, VIEWER)
    assert response["Cache-Control"] == "private, no-store"
    assert body(response) == {
        "data": {
            "viewer": {
                "partner": "Example Daily",
                "keyName": "website",
                "keyPrefix": key.prefix,
                "scopes": ["read", "full_text"],
                "languages": ["en"],
                "tags": ["security"],
                "perMinute": 50,
                "perDay": 50000,
                "usage": [{"requests": 1}],
            }
        }
    }
    anonymous = client.post(
        "/graphql", json.dumps({"query": "{ viewer { partner } }"}), content_type="application/json"
    )
    assert body(anonymous) == {"data": {"viewer": None}}


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer ank_0000_wrong", "This API key is not valid: it is mistyped, expired or revoked."),
        ("Basic dXNlcjpwYXNz", "Send your API key as `Authorization: Bearer <key>`."),
        ("Bearer ", "Send your API key as `Authorization: Bearer <key>`."),
    ],
)
def test_a_bad_key_is_401_with_a_clear_error(client, header, message):
    response = client.post(
        "/graphql",
        json.dumps({"query": "{ __typename }"}),
        content_type="application/json",
        headers={"authorization": header},
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["errors"] == [
        {"message": message, "extensions": {"code": "UNAUTHENTICATED"}}
    ]


def test_expired_and_revoked_keys_stop_working_at_once(client, partner):
    make_story("s")
    key, secret = issue(partner)
    assert call(client, secret, STORY).status_code == 200
    key.revoke()
    assert call(client, secret, STORY).status_code == 401
    _other, other_secret = issue(partner, expires_at=timezone.now() - timedelta(seconds=1))
    assert call(client, other_secret, STORY).status_code == 401


def test_a_key_without_the_read_scope_is_forbidden(client, partner):
    _key, secret = issue(partner, scopes=["ingest"])
    response = call(client, secret, STORY)
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"] == {"code": "FORBIDDEN"}


def test_full_text_needs_its_scope(client, partner):
    make_story("s", analysis_zh_hans="深度解读")
    _key, reader = issue(partner)
    _key, full = issue(partner, name="full", scopes=["read", "full_text"])
    assert body(call(client, reader, STORY))["data"]["story"]["analysis"] is None
    assert body(call(client, full, STORY))["data"]["story"]["analysis"] == {"text": "深度解读"}


def test_a_key_limited_to_languages_is_served_only_those(client, partner):
    make_story("s")
    _key, english = issue(partner, languages=["en"])
    _key, chinese = issue(partner, name="zh", languages=["zh-hans"])
    assert body(call(client, english, STORY))["data"]["story"]["language"] == "en"
    only_en = (
        '{ story(slug: "s", language: "en") { title } stories(language: "en") { totalCount } }'
    )
    assert body(call(client, chinese, only_en)) == {
        "data": {"story": None, "stories": {"totalCount": 0}}
    }


def test_a_key_limited_to_tags_sees_only_those_stories(client, partner):
    security = make_tag("security", en="Security")
    policy = make_tag("policy", en="Policy")
    make_story("a", tags=[security])
    make_story("b", tags=[policy])
    key, secret = issue(partner)
    key.tags.set([security])
    document = "{ stories { edges { node { slug } } } tags { slug storyCount } }"
    assert body(call(client, secret, document)) == {
        "data": {
            "stories": {"edges": [{"node": {"slug": "a"}}]},
            "tags": [{"slug": "security", "storyCount": 1}],
        }
    }


@override_settings(CMS_RATE_LIMIT=1)
def test_quotas_are_per_key_with_retry_after(client, partner):
    make_story("s")
    _key, secret = issue(partner, per_minute=2)
    first = call(client, secret, STORY)
    assert (first.status_code, first["RateLimit-Limit"], first["RateLimit-Remaining"]) == (
        200,
        "2",
        "1",
    )
    assert call(client, secret, STORY).status_code == 200
    over = call(client, secret, STORY)
    assert over.status_code == 429
    assert int(over["Retry-After"]) > 0
    assert over.json()["errors"][0]["extensions"] == {"code": "RATE_LIMITED"}


def test_usage_is_counted_per_key_per_day(client, partner):
    key, secret = issue(partner)
    for _ in range(3):
        call(client, secret, "{ __typename }")
    assert list(ApiKeyUsage.objects.filter(key=key).values_list("requests", flat=True)) == [3]


def test_rotation_gives_a_new_secret_and_ends_the_old_one(client, partner):
    key, old = issue(partner, scopes=["read", "full_text"])
    new_key, new = key.rotate()
    assert call(client, old, "{ __typename }").status_code == 401
    assert call(client, new, "{ __typename }").status_code == 200
    assert new_key.scopes == ["read", "full_text"]


def test_answers_to_keys_are_cached_per_key_and_never_shared(client, partner):
    make_story("s", analysis_zh_hans="深度解读")
    _key, reader = issue(partner)
    _key, full = issue(partner, name="full", scopes=["read", "full_text"])
    call(client, full, STORY)
    assert body(call(client, reader, STORY))["data"]["story"]["analysis"] is None
    public = client.post("/graphql", json.dumps({"query": STORY}), content_type="application/json")
    assert body(public)["data"]["story"]["analysis"] == {"text": "深度解读"}


def test_the_admin_shows_a_new_key_once_and_can_revoke_and_rotate(admin_client, partner):
    response = admin_client.post(
        "/admin/cms/apikey/add/",
        {
            "partner": partner.pk,
            "name": "app",
            "scopes": ["read"],
            "per_minute": 60,
            "per_day": 1000,
        },
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    key = ApiKey.objects.get(name="app")
    (shown,) = [m for m in messages if m.startswith("Copy this key now") and key.prefix in m]
    secret = shown.rsplit(" ", 1)[1]
    assert ApiKey.authenticate(secret) == key
    page = admin_client.get(f"/admin/cms/apikey/{key.pk}/change/").content.decode()
    assert secret not in page
    admin_client.post(
        "/admin/cms/apikey/", {"action": "rotate", "_selected_action": [key.pk]}, follow=True
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert ApiKey.objects.filter(name="app", revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"scopes": []}, "scopes"),
        ({"scopes": ["everything"]}, "scopes"),
        ({"languages": ["fr"]}, "languages"),
        ({"per_minute": "-1"}, "per_minute"),
        ({"per_day": "lots"}, "per_day"),
        ({"name": ""}, "name"),
        ({"expires_at_0": "someday", "expires_at_1": "10:00"}, "expires_at"),
    ],
)
def test_the_key_form_refuses_bad_input_clearly_and_saves_nothing(
    admin_client, partner, fields, field
):
    data = {
        "partner": partner.pk,
        "name": "app",
        "scopes": ["read"],
        "per_minute": 60,
        "per_day": 1000,
    }
    data.update(fields)
    response = admin_client.post("/admin/cms/apikey/add/", data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"events": ["story.exploded"]}, "events"),
        ({"languages": ["xx"]}, "languages"),
    ],
)
def test_the_webhook_form_refuses_bad_input_clearly(admin_client, partner, fields, field):
    from cms.models import WebhookEndpoint

    data = {"partner": partner.pk, "url": "https://partner.example/hooks", "active": "on"}
    data.update(fields)
    response = admin_client.post("/admin/cms/webhookendpoint/add/", data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_revoked_key_is_refused_by_every_process_at_once(partner):
    import urllib.error
    import urllib.request
    import uuid

    from django.db import connection

    from tests.servers import servers

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: server processes share the database")
    make_story("s")
    key, secret = issue(partner)
    env = {"REDIS_URL": "redis://127.0.0.1:6379/15", "DJANGO_CACHE_PREFIX": uuid.uuid4().hex}

    def status(base):
        request = urllib.request.Request(
            f"{base}/graphql?query=%7B__typename%7D", headers={"Authorization": f"Bearer {secret}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with servers(2, **env) as (first, second):
        assert (status(first), status(second)) == (200, 200)
        key.revoke()
        assert (status(first), status(second)) == (401, 401)
