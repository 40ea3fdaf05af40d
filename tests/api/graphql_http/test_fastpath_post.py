"""Cached answers asked for by POST (Apollo Client's default) are served before Django, as
GETs are: the same bytes and headers as the full stack, no SQL, no middleware; what the fast
path cannot read goes to the view, which answers it as it always did."""

import io
import json

import pytest
from django.test import RequestFactory

from api.graphql_http import fastpath
from api.wsgi import django_application
from cms.models import ApiKey, Partner, Story
from cms.stories import preview
from tests.api.graphql_http.helpers import QUERY, via_fast_path
from tests.factories import make_story

pytestmark = pytest.mark.django_db

VOLATILE = {"X-Request-ID", "Content-Length"}
PAGE = {"query": "query($slug: String!) { story(slug: $slug) { title } }", "variables": {}}


def page(slug="s"):
    return {**PAGE, "variables": {"slug": slug}}


def post(headers=None, body=None, **options):
    return via_fast_path(headers, method="POST", body=page() if body is None else body, **options)


def stable(headers):
    return {name: value for name, value in headers.items() if name not in VOLATILE}


@pytest.mark.parametrize(
    "headers",
    [{}, {"accept-language": "zh-CN"}, {"content-type": "application/json; charset=utf-8"}],
)
def test_a_post_hit_has_the_same_bytes_and_headers_as_the_full_stack(client, headers):
    make_story("s")
    body = json.dumps(page())
    content_type = headers.get("content-type", "application/json")
    others = {k: v for k, v in headers.items() if k != "content-type"}
    django = client.post("/graphql", body, content_type, headers=others)
    assert django["Cache-Status"].endswith("fwd=miss; stored")
    django_again = client.post("/graphql", body, content_type, headers=others)
    status, fast_headers, fast_body, queries = post(headers)
    assert status == "200 OK"
    assert fast_body == django_again.content == django.content
    assert queries == 0
    assert stable(fast_headers) == {k: v for k, v in django_again.items() if k not in VOLATILE}
    assert fast_headers["Content-Length"] == str(len(fast_body))
    assert fast_headers["Cache-Status"].startswith("ainews-origin; hit")


def test_a_post_is_answered_from_what_a_get_stored_and_never_with_304(client):
    make_story("s")
    stored = client.get("/graphql", QUERY)
    status, headers, body, _queries = post({"if-none-match": stored["ETag"]}, body=QUERY)
    assert (status, body, headers["ETag"]) == ("200 OK", stored.content, stored["ETag"])
    # Edges cache GETs only: a POST's answer names no surrogate keys.
    assert "Surrogate-Key" not in headers and "Surrogate-Key" in stored


def test_a_post_miss_is_read_once_and_its_body_is_still_there_for_django():
    make_story("s")
    fastpath._readings.clear()
    status, headers, body, _queries = post(django_may_answer=True)
    assert status == "200 OK"
    assert headers["Cache-Status"].endswith("fwd=miss; stored")
    assert json.loads(body)["data"] == {"story": {"title": "s en title"}}
    assert post()[0] == "200 OK"


BAD_BODIES = {
    "not JSON": (b"{not json", {}),
    "a JSON array": (b"[1, 2]", {}),
    "empty": (b"", {}),
    "query not a string": (json.dumps({"query": 5}).encode(), {}),
    "NUL in variables": (json.dumps({"query": "{ __typename }", "variables": {"a": "\0"}}), {}),
    "form-encoded": (
        b"query=%7B__typename%7D", {"content-type": "application/x-www-form-urlencoded"},
    ),
    "text": (json.dumps(QUERY).encode(), {"content-type": "text/plain"}),
    "not acceptable": (json.dumps(QUERY).encode(), {"accept": "text/csv"}),
    "no document": (json.dumps({"variables": {}}).encode(), {}),
    "a malformed persisted query": (
        json.dumps({"extensions": {"persistedQuery": {"version": 2}}}).encode(), {},
    ),
    "an unknown hash": (
        json.dumps({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "a" * 64}}}),
        {},
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", BAD_BODIES)
def test_a_body_the_fast_path_cannot_answer_is_answered_exactly_as_the_view_answers_it(name):
    make_story("s")
    body, headers = BAD_BODIES[name]
    body = body if isinstance(body, bytes) else body.encode()
    through = post(headers, body=body, django_may_answer=True)
    django = post(headers, body=body, app=django_application)
    assert through[0] == django[0]
    assert not through[0].startswith(("200 OK", "5")) or name == "an unknown hash"
    assert through[2] == django[2]
    assert stable(through[1]) == stable(django[1])


def test_a_body_longer_than_allowed_is_refused_unread_as_before(settings):
    settings.CMS_MAX_BODY_BYTES = 64
    body = json.dumps({"query": "{ __typename }", "variables": {"pad": "x" * 100}}).encode()
    through = post(body=body, django_may_answer=True)
    django = post(body=body, app=django_application)
    assert through[0] == django[0]
    assert through[0].startswith("413 ")
    assert through[2] == django[2]
    assert json.loads(through[2])["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def test_a_body_shorter_than_its_content_length_goes_to_the_view():
    make_story("s")
    post(django_may_answer=True)  # Stored.
    body = json.dumps(page()).encode()
    environ = RequestFactory().post("/graphql", body, "application/json").environ
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body) + 10)
    assert fastpath.cached_answer(environ) is None
    assert environ["wsgi.input"].read() == body  # Put back for Django, as it came.


def test_a_content_type_django_cannot_read_goes_to_the_view_with_its_body():
    make_story("s")
    post(django_may_answer=True)  # Stored.
    body = json.dumps(page()).encode()
    environ = RequestFactory().post("/graphql", body, "application/json").environ
    environ["CONTENT_TYPE"] = "application/json; a*=x''y"
    assert fastpath.cached_answer(environ) is None
    assert environ["wsgi.input"].read() == body


@pytest.mark.parametrize(
    "headers",
    [{"accept-language": "zh-CN"}, {"accept": "application/graphql-response+json"}],
)
def test_each_language_and_media_type_has_its_own_entry(headers):
    make_story("s")
    post(django_may_answer=True)
    with pytest.raises(AssertionError, match="fell through to Django"):
        post(headers)
    _status, answered, _body, _queries = post(headers, django_may_answer=True)
    assert answered["Cache-Status"].endswith("fwd=miss; stored")
    assert post(headers)[0] == "200 OK"


def test_a_partners_key_and_the_public_never_share_an_entry():
    make_story("s")
    _key, secret = ApiKey.issue(partner=Partner.objects.create(name="P"), name="k", scopes=["read"])
    keyed = {"authorization": f"Bearer {secret}"}
    for _ in range(2):
        status, headers, _body, _queries = post(keyed, django_may_answer=True)
        assert (status, headers["Cache-Control"]) == ("200 OK", "private, no-store")
    with pytest.raises(AssertionError, match="fell through to Django"):
        post()  # The key's entry is not the public's.
    post(django_may_answer=True)
    assert post()[1]["Cache-Control"].startswith("public")
    with pytest.raises(AssertionError, match="fell through to Django"):
        post(keyed)  # Nor is the public's the key's.


@pytest.mark.parametrize("headers", [{"cache-control": "no-cache"}, {"host": "evil.example"}])
def test_fresh_or_foreign_posts_go_to_django(headers):
    make_story("s")
    post(django_may_answer=True)
    with pytest.raises(AssertionError, match="fell through to Django"):
        post(headers)


def test_a_draft_is_never_served_from_a_post_hit(admin_user):
    draft = make_story("draft", status=Story.Status.DRAFT, hours_ago=None, title_en="Draft title")
    previewing = {"preview-token": preview.issue(draft, admin_user)}
    _status, headers, body, _queries = post(previewing, body=page("draft"), django_may_answer=True)
    assert b"Draft title" in body and headers["Cache-Control"] == "private, no-store"
    with pytest.raises(AssertionError, match="fell through to Django"):
        post(previewing, body=page("draft"))  # A preview is never answered from the cache.
    # The preview stored nothing the public could be answered with.
    _status, _headers, body, _queries = post(body=page("draft"), django_may_answer=True)
    assert json.loads(body)["data"] == {"story": None}
    assert post(body=page("draft"))[2] == body


def test_an_unpublished_story_leaves_the_post_cache_at_once():
    story = make_story("s")
    post(django_may_answer=True)
    assert b"s en title" in post()[2]
    story.status = Story.Status.DRAFT
    story.save()
    with pytest.raises(AssertionError, match="fell through to Django"):
        post()
    _status, _headers, body, _queries = post(django_may_answer=True)
    assert json.loads(body)["data"] == {"story": None}
