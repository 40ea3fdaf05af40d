"""A draft's or embargoed story's images never reach the public: `/media/` answers 404 to
anyone but a preview token's holder or the newsroom, until the story is live."""

import io
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.utils import timezone

from api.caching import edge
from cms.media import images
from cms.models import Story
from cms.stories import preview as previews
from cms.stories import publishing
from tests.factories import make_story, make_user
from tests.media_factories import attach_images, make_author, make_image, set_authors

pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def draft():
    """A draft with a lead image and an image placed in both analyses."""
    lead = make_image(alt_en="Lead", alt_zh_hans="头图")
    placed = make_image(alt_en="Chart", alt_zh_hans="图表")
    story = make_story(
        "embargoed",
        status=Story.Status.DRAFT,
        hours_ago=None,
        image=lead,
        analysis_en=f"![[image:{placed.pk}]]",
        analysis_zh_hans=f"![[image:{placed.pk}]]",
    )
    attach_images(story, [placed])
    return story


def addresses(story):
    """Paths of the story's images: each original and a rendition of each."""
    found = []
    for image in (story.image, story.image_links.get().image):
        found.append("/media/" + image.file.name)
        found.append("/media/" + images.renditions(image, "webp", "1x1", [320])[0].name)
    return found


def step(story, name, publish_at=None):
    story = Story.objects.get(pk=story.pk)
    with publishing.change(story) as change:
        change.step(name, publish_at=publish_at)
        story.save()
    return story


def statuses(client, paths, **kwargs):
    return [client.get(path, **kwargs).status_code for path in paths]


def test_a_draft_s_images_are_not_found_by_the_public(client, draft):
    paths = addresses(draft)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 404
        # Never stored: the same address is public once the story is.
        assert response["Cache-Control"] == "no-store"
        assert "Surrogate-Control" not in response
    # As an address that names nothing: nobody learns that the image exists.
    assert client.get("/media/images/none.jpg").content == client.get(paths[0]).content


def test_a_preview_token_shows_them_privately(client, draft):
    issuer = make_user("editor", superuser=True)
    token = previews.issue(draft, issuer)
    media = previews.media_token(previews.read(token))
    paths = addresses(draft)
    assert statuses(client, paths, query_params={"preview": media}) == [200] * 4
    assert statuses(client, paths, headers={previews.HEADER: token}) == [200] * 4
    response = client.get(paths[1], query_params={"preview": media})
    assert response["Cache-Control"] == "private, no-store"
    assert "Surrogate-Key" not in response and "Surrogate-Control" not in response
    other = make_story("other", status=Story.Status.DRAFT, hours_ago=None)
    assert (
        statuses(
            client,
            paths,
            query_params={
                "preview": previews.media_token(previews.read(previews.issue(other, issuer)))
            },
        )
        == [404] * 4
    )
    assert statuses(client, paths, query_params={"preview": media + "x"}) == [404] * 4


def test_the_newsroom_sees_them_in_a_staff_session(client, draft):
    client.force_login(make_user("writer", "Writer"))
    assert statuses(client, addresses(draft)) == [200] * 4
    client.force_login(make_user("reader"))  # Staff, but may not view stories.
    assert statuses(client, addresses(draft)) == [404] * 4


def test_published_they_are_public_and_keyed_for_the_edge_then_gone_when_unpublished(
    client, draft, settings
):
    paths = addresses(draft)
    story = step(draft, "publish")
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200
        assert response["Cache-Control"].startswith("public, max-age=31536000")
        assert "immutable" in response["Cache-Control"]
        assert f"story:{story.pk}" in response["Surrogate-Key"].split()
        assert response["Cache-Tag"] == response["Surrogate-Key"].replace(" ", ",")
        assert "max-age=" in response["Surrogate-Control"]
        # The purge the unpublishing records names a key every copy carries.
        assert set(edge.purge_keys([f"story:{story.pk}"])) & set(response["Surrogate-Key"].split())
    step(story, "unpublish")
    assert statuses(client, paths) == [404] * 4


def test_an_embargoed_story_s_images_wait_for_its_publish_time(client, draft):
    story = step(draft, "schedule", publish_at=timezone.now() + timedelta(hours=2))
    assert story.state == "scheduled"
    assert statuses(client, addresses(story)) == [404] * 4
    Story.objects.filter(pk=story.pk).update(published_at=timezone.now() - timedelta(minutes=1))
    assert statuses(client, addresses(story)) == [200] * 4


def test_they_leave_the_public_when_the_story_expires(client, draft):
    story = step(draft, "publish")
    soon = timezone.now() + timedelta(hours=1)
    Story.objects.filter(pk=story.pk).update(expires_at=soon)
    response = client.get(addresses(story)[0])
    browser = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert 3500 <= browser <= 3600  # No longer than the story is public.
    Story.objects.filter(pk=story.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert statuses(client, addresses(story)) == [404] * 4


def test_an_image_a_live_story_also_shows_stays_public(client, draft):
    make_story("live", image=draft.image)
    lead_original, lead_rendition, *placed = addresses(draft)
    assert statuses(client, [lead_original, lead_rendition]) == [200, 200]
    assert statuses(client, placed) == [404, 404]


def test_an_avatar_is_public_only_with_a_live_story_s_byline(client):
    avatar = make_image(alt_en="Jane")
    jane = make_author("jane", "Jane Doe")
    jane.avatar = avatar
    jane.save()
    path = "/media/" + avatar.file.name
    story = make_story("signed", status=Story.Status.DRAFT, hours_ago=None)
    set_authors(story, [jane])
    assert client.get(path).status_code == 404
    step(story, "publish")
    assert client.get(path).status_code == 200


def test_the_api_s_preview_gives_addresses_that_carry_the_token(client, gql, draft):
    token = previews.issue(draft, make_user("editor", superuser=True))
    query = """{ story(slug: "embargoed", language: "zh-hans") {
      image { url renditions(widths: [320]) { url } }
      analysisImages { url } analysis { html } } }"""
    found = gql(query, **{previews.HEADER: token})["data"]["story"]
    urls = [found["image"]["url"], found["image"]["renditions"][0]["url"]]
    urls.append(found["analysisImages"][0]["url"])
    src = found["analysis"]["html"].split(' src="')[1].split('"')[0]
    urls.append(src.replace("&amp;", "&"))
    assert all("?preview=" in url for url in urls), urls
    for url in urls:
        assert client.get(url.removeprefix(SITE)).status_code == 200, url
        assert client.get(url.removeprefix(SITE).split("?")[0]).status_code == 404
    # Once the story is live its addresses are the public ones.
    step(draft, "publish")
    found = gql(query, **{previews.HEADER: token})["data"]["story"]
    assert "?preview=" not in found["image"]["url"] + found["analysis"]["html"]


def test_the_admin_preview_shows_a_draft_s_images_from_this_server(admin_client, draft, settings):
    settings.CMS_MEDIA_URL = "https://cdn.example.com/media/"
    out = io.StringIO()
    call_command("render_figures", stdout=out)
    assert "Rendered 1 stories again." in out.getvalue()
    assert "https://cdn.example.com/media/renditions/" in str(
        draft.translations.get(language_code="en").analysis_html
    )
    page = admin_client.get(f"/admin/cms/story/{draft.pk}/preview/?language=en").content.decode()
    assert "cdn.example.com" not in page
    src = page.split('<div class="reader-analysis-body">')[1].split(' src="')[1].split('"')[0]
    assert src.startswith("/media/renditions/")
    assert admin_client.get(src).status_code == 200


def test_image_files_are_reachable_through_no_other_route(client, draft, settings):
    name = draft.image.file.name
    for path in (f"/static/{name}", f"/{name}", f"/static/media/{name}"):
        assert client.get(path).status_code == 404, path
    media_root = settings.MEDIA_ROOT.resolve()
    assert not media_root.is_relative_to(settings.STATIC_ROOT.resolve())
    assert getattr(settings, "WHITENOISE_ROOT", None) is None


@pytest.mark.parametrize("name", ["images/\x00.jpg", "x" * 400, "renditions/1/../../x"])
def test_odd_names_are_not_found_never_an_error(client, name):
    assert client.get("/media/" + name).status_code == 404


def test_image_addresses_in_a_preview_carry_a_media_only_token_that_opens_no_draft(gql, draft):
    token = previews.issue(draft, make_user("editor", superuser=True))
    query = '{ story(slug: "embargoed", language: "en") { title image { url } } }'
    found = gql(query, **{previews.HEADER: token})["data"]["story"]
    carried = parse_qs(urlsplit(found["image"]["url"]).query)["preview"][0]
    assert token not in found["image"]["url"] and carried != token
    # Copied out of an address, the token shows the image but never the draft itself.
    refused = gql.client.post(
        "/graphql", {"query": query}, "application/json", headers={previews.HEADER: carried}
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "PREVIEW_TOKEN_INVALID"
    with pytest.raises(previews.PreviewError):
        previews.read(carried)
