"""The XLIFF pages outside the browser: who may import, what a bad upload answers, and the
export action's choice of languages."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from cms.models import PendingTranslation
from cms.translation import xliff
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db


def test_someone_who_only_reads_stories_is_refused_the_import_page_with_a_reason(client):
    reader = make_user("reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_story"))
    client.force_login(reader)
    answer = client.get("/admin/cms/story/import-xliff/")
    assert answer.status_code == 403
    assert "Only translators and editors import translations." in answer.content.decode()
    assert "import-xliff" not in client.get("/admin/cms/story/").content.decode()


def test_a_file_that_is_not_xliff_is_answered_on_the_page_and_nothing_is_imported(client):
    make_story("plain")
    client.force_login(make_user("tr", "Translator", languages=["zh-hans"]))
    upload = SimpleUploadedFile("notes.xlf", b"<html><body>hello</body></html>")
    answer = client.post("/admin/cms/story/import-xliff/", {"file": upload})
    assert answer.status_code == 200
    assert "This is not an XLIFF 2.0 file" in answer.content.decode()
    assert not PendingTranslation.objects.exists()


def test_an_oversized_upload_is_refused_before_it_is_read(client, monkeypatch):
    monkeypatch.setattr(xliff, "MAX_BYTES", 10)
    client.force_login(make_user("tr", "Translator", languages=["zh-hans"]))
    upload = SimpleUploadedFile("big.xlf", b"x" * 11)
    answer = client.post("/admin/cms/story/import-xliff/", {"file": upload})
    assert "The file is larger than 0 MB." in answer.content.decode()


def test_the_export_action_asks_for_the_language_pair_then_downloads_the_file(client):
    story = make_story("pairs")
    client.force_login(make_user("tr", "Translator", languages=["zh-hans"]))
    selected = {"action": "export_xliff", "_selected_action": [story.pk]}
    page = client.post("/admin/cms/story/", selected)
    assert page.status_code == 200 and 'value="zh-hans:en"' in page.content.decode()
    again = client.post("/admin/cms/story/", {**selected, "pair": "en:fr"})
    assert 'id="xliff-pair"' in again.content.decode()
    download = client.post("/admin/cms/story/", {**selected, "pair": "zh-hans:en"})
    assert download["Content-Type"] == "application/xliff+xml; charset=utf-8"
    assert b'srcLang="zh-Hans" trgLang="en"' in download.content
    assert 'filename="stories-zh-hans-en-' in download["Content-Disposition"]


def test_the_machine_translation_action_is_offered_only_when_a_service_is_set_up(client, settings):
    from tests.translation.deepl_server import KEY, deepl_server

    story = make_story("mt-admin")
    client.force_login(make_user("tr", "Translator", languages=["zh-hans"]))
    settings.CMS_DEEPL_AUTH_KEY = ""
    assert 'value="machine_translate"' not in client.get("/admin/cms/story/").content.decode()
    with deepl_server() as server:
        settings.CMS_DEEPL_AUTH_KEY, settings.CMS_DEEPL_URL = KEY, server.url
        assert 'value="machine_translate"' in client.get("/admin/cms/story/").content.decode()
        selected = {"action": "machine_translate", "_selected_action": [story.pk]}
        assert 'value="en:zh-hans"' in client.post("/admin/cms/story/", selected).content.decode()
        answer = client.post("/admin/cms/story/", {**selected, "pair": "en:zh-hans"}, follow=True)
        assert "1 machine translation drafted; it waits for review." in answer.content.decode()
        again = client.post("/admin/cms/story/", {**selected, "pair": "en:zh-hans"}, follow=True)
        assert "waiting for review" in again.content.decode()
        server.queued.append((456, {}, {}))
        other = {"action": "machine_translate", "_selected_action": [make_story("other").pk]}
        answer = client.post("/admin/cms/story/", {**other, "pair": "en:zh-hans"}, follow=True)
        assert "quota for this period is used up" in answer.content.decode()
    assert PendingTranslation.objects.get().ai_involvement == "machine_from_ai"
