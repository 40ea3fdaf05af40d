"""Translations of live stories wait for an editor's approval; readers see only approved text."""

import re
from html import unescape

import feedparser
import pytest
from django.test import Client
from django.utils import translation

from cms.models import (
    Partner,
    PendingTranslation,
    Story,
    StoryTranslation,
    WebhookDelivery,
    WebhookEndpoint,
)
from cms.stories import revisions
from tests.adminforms import open_form
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db

STORY_PAGE = """query($slug: String!, $language: String) {
  story(slug: $slug, language: $language) { title summary language availableLanguages } }"""


def change_url(story, language="en"):
    return f"/admin/cms/story/{story.pk}/change/?language={language}"


def in_admin(user, ui="en"):
    """A browser logged in as `user`, with the admin in language `ui`."""
    client = Client()
    client.force_login(user)
    assert client.post("/i18n/setlang/", {"language": ui, "next": "/admin/"}).status_code == 302
    return client


def say(ui, text, **values):
    """`text` as the admin says it in language `ui`."""
    with translation.override(ui):
        return translation.gettext(text) % values


def page_text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def read(gql, story, language="zh-hans"):
    return gql(STORY_PAGE, {"slug": story.slug, "language": language})["data"]["story"]


def feed_titles(client, language="zh-hans"):
    response = client.get(f"/feeds/{language}/rss.xml")
    assert response.status_code == 200
    return [entry.title for entry in feedparser.parse(response.content).entries]


def live_text(story, language="zh-hans", field="title"):
    row = StoryTranslation.objects.filter(master=story, language_code=language).first()
    return getattr(row, field) if row else None


def propose(client, story, language="zh-hans", **changes):
    data = open_form(client, change_url(story, language))
    data.update(changes)
    return client.post(change_url(story, language), data)


def forms_of(response, css_class):
    """(action, field names) of each form with `css_class` on the page."""
    page = response.content.decode()
    found = re.findall(
        rf'<form method="post" action="([^"]+)" class="{css_class}">(.*?)</form>', page, re.S
    )
    return [(unescape(action), re.findall(r'name="([^"]+)"', body)) for action, body in found]


@pytest.fixture
def newsroom():
    return {
        "translator": make_user("translator", "Translator", languages=["zh-hans"]),
        "editor": make_user("editor", "Editor"),
        "writer": make_user("writer", "Writer"),
        "publisher": make_user("publisher", "Publisher"),
    }


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_a_translator_s_change_to_a_live_story_waits_until_an_editor_approves_it(
    gql, client, newsroom, ui
):
    story = make_story("live", title_zh_hans="旧标题")
    endpoint = WebhookEndpoint.objects.create(
        partner=Partner.objects.create(name="P"), url="https://hooks.example.com/"
    )
    assert read(gql, story)["title"] == "旧标题"  # Now in the response cache.
    before = Story.objects.get(pk=story.pk)

    translator = in_admin(newsroom["translator"], ui)
    response = propose(translator, story, title="新标题", summary="新摘要")
    assert response.status_code == 302
    assert response["Location"] == change_url(story, "zh-hans")
    form_page = translator.get(response["Location"])
    text = page_text(form_page)
    assert (
        say(
            ui,
            "Your change to the %(language)s version awaits an editor's approval. "
            "Readers see the approved version until then; you can go on editing yours.",
            language=say(ui, "Simplified Chinese"),
        )
        in text
    )
    assert say(ui, "Your change awaits approval") in text

    # Readers, feeds and cached answers still have the approved text; nothing was saved.
    assert live_text(story) == "旧标题"
    assert read(gql, story) == {
        "title": "旧标题",
        "summary": "live zh-hans summary",
        "language": "zh-hans",
        "availableLanguages": ["en", "zh-hans"],
    }
    assert "旧标题" in feed_titles(client) and "新标题" not in feed_titles(client)
    after = Story.objects.get(pk=story.pk)
    assert (after.edit_version, after.updated_at) == (before.edit_version, before.updated_at)
    assert not revisions.versions_of(story.pk).filter(revision__user=newsroom["translator"])
    assert not WebhookDelivery.objects.exists()
    proposal = PendingTranslation.objects.get()
    assert (proposal.title, proposal.summary, proposal.proposed_by.username) == (
        "新标题",
        "新摘要",
        "translator",
    )
    assert proposal.base_edit_version == before.edit_version

    editor = in_admin(newsroom["editor"], ui)
    editor_page = editor.get(change_url(story))
    assert say(ui, "Translations awaiting approval") in page_text(editor_page)
    [(approve_url, _fields)] = forms_of(editor_page, "pending-approve")
    response = editor.post(approve_url)
    assert response.status_code == 302
    assert response["Location"] == change_url(story)
    assert say(
        ui,
        "Approved: readers now see the new %(language)s version of “%(story)s”.",
        language=say(ui, "Simplified Chinese"),
        story="live en title" if ui == "en" else "新标题",
    ) in page_text(editor.get(response["Location"]))

    assert read(gql, story)["title"] == "新标题"
    assert "新标题" in feed_titles(client)
    story = Story.objects.get(pk=story.pk)
    assert story.updated_at > before.updated_at
    assert story.edit_version == before.edit_version + 1
    row = StoryTranslation.objects.get(master=story, language_code="zh-hans")
    assert (row.title, row.summary, row.edited_by.username) == ("新标题", "新摘要", "translator")
    latest = revisions.versions_of(story.pk).first()
    assert latest.revision.user.username == "editor"
    with translation.override(ui):
        assert revisions.describe(latest.revision) == say(
            ui,
            "Approved the %(language)s version proposed by %(user)s.",
            language=say(ui, "Simplified Chinese"),
            user="translator",
        )
    assert list(WebhookDelivery.objects.values_list("event", flat=True)) == ["story.updated"]
    assert WebhookDelivery.objects.get().endpoint == endpoint
    proposal.refresh_from_db()
    assert (proposal.status, proposal.reviewed_by.username) == ("approved", "editor")
    assert "own-proposal" not in translator.get(change_url(story, "zh-hans")).content.decode()


def test_the_admin_speaks_chinese_about_a_waiting_translation(newsroom):
    story = make_story("live")
    translator = in_admin(newsroom["translator"], "zh-hans")
    response = propose(translator, story, title="新标题")
    text = page_text(translator.get(response["Location"]))
    assert "你对简体中文版本的修改正在等待编辑批准。" in text
    editor = in_admin(newsroom["editor"], "zh-hans")
    assert "等待批准的翻译" in page_text(editor.get(change_url(story)))


def test_the_translator_goes_on_editing_their_proposal_and_can_withdraw_it(newsroom):
    story = make_story("live", title_zh_hans="旧标题")
    translator = in_admin(newsroom["translator"])
    assert propose(translator, story, title="第一稿").status_code == 302
    data = open_form(translator, change_url(story, "zh-hans"))
    assert data["title"] == "第一稿"  # The form shows the proposal, not the live text.
    data["summary"] = "第二稿摘要"
    assert translator.post(change_url(story, "zh-hans"), data).status_code == 302
    proposal = PendingTranslation.objects.get()
    assert (proposal.title, proposal.summary) == ("第一稿", "第二稿摘要")

    response = propose(
        translator, story, title="旧标题", summary="live zh-hans summary"
    )  # Back to what readers see: nothing to approve.
    assert response.status_code == 302
    assert not PendingTranslation.objects.exists()
    assert "nothing waits for approval" in page_text(translator.get(response["Location"]))
    assert live_text(story) == "旧标题"


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_an_editor_rejects_a_translation_with_a_reason_the_translator_reads(gql, newsroom, ui):
    story = make_story("live", title_zh_hans="旧标题")
    translator = in_admin(newsroom["translator"], ui)
    propose(translator, story, title="不好的标题")
    editor = in_admin(newsroom["editor"], ui)
    [(reject_url, fields)] = forms_of(editor.get(change_url(story)), "pending-reject")
    assert "reason" in fields

    response = editor.post(reject_url, {"reason": "  "})
    assert response.status_code == 302
    assert say(ui, "Say why the translation is rejected: its translator reads it.") in page_text(
        editor.get(response["Location"])
    )
    assert PendingTranslation.objects.get().status == "pending"

    assert editor.post(reject_url, {"reason": "术语不对 <b>bold</b>"}).status_code == 302
    proposal = PendingTranslation.objects.get()
    assert (proposal.status, proposal.reason, proposal.reviewed_by.username) == (
        "rejected",
        "术语不对 <b>bold</b>",
        "editor",
    )
    assert read(gql, story)["title"] == "旧标题"
    page = translator.get(change_url(story, "zh-hans"))
    assert say(ui, "Your last change was rejected") in page_text(page)
    assert "术语不对 &lt;b&gt;bold&lt;/b&gt;" in page.content.decode()
    assert open_form(translator, change_url(story, "zh-hans"))["title"] == "旧标题"
    assert editor.post(reject_url, {"reason": "again"}).status_code == 302
    assert PendingTranslation.objects.get().reason == "术语不对 <b>bold</b>"


def test_writers_translators_and_strangers_cannot_approve_or_reject(newsroom):
    story = make_story("live", title_zh_hans="旧标题")
    translator = in_admin(newsroom["translator"])
    propose(translator, story, title="新标题")
    proposal = PendingTranslation.objects.get()
    approve = f"/admin/cms/pendingtranslation/{proposal.pk}/approve/"
    reject = f"/admin/cms/pendingtranslation/{proposal.pk}/reject/"
    for user in (newsroom["translator"], newsroom["writer"], make_user("nobody")):
        client = in_admin(user)
        assert client.post(approve).status_code == 403
        assert client.post(reject, {"reason": "no"}).status_code == 403
    assert "pending-approve" not in translator.get(change_url(story, "zh-hans")).content.decode()
    writer = in_admin(newsroom["writer"])
    assert writer.get("/admin/cms/pendingtranslation/").status_code == 403
    editor = in_admin(newsroom["editor"])
    assert editor.get(approve).status_code == 405
    assert editor.post("/admin/cms/pendingtranslation/999999/approve/").status_code == 404
    assert editor.post("/admin/cms/pendingtranslation/x/approve/").status_code == 404
    assert PendingTranslation.objects.get().status == "pending"
    assert live_text(story) == "旧标题"


def test_a_translator_s_new_language_version_of_a_live_story_waits_too(gql, newsroom):
    story = make_story("english-only", languages=("en",))
    translator = in_admin(newsroom["translator"])
    assert propose(translator, story, title="只有英文", summary="摘要").status_code == 302
    assert live_text(story) is None
    served = read(gql, story)
    assert (served["language"], served["availableLanguages"]) == ("en", ["en"])

    publisher = in_admin(newsroom["publisher"])
    proposal = PendingTranslation.objects.get()
    assert proposal.base_content_hash == ""
    response = publisher.post(f"/admin/cms/pendingtranslation/{proposal.pk}/approve/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/cms/pendingtranslation/"
    served = read(gql, story)
    assert (served["title"], served["availableLanguages"]) == ("只有英文", ["en", "zh-hans"])


@pytest.mark.parametrize("status", [Story.Status.DRAFT, Story.Status.REVIEW])
def test_drafts_and_stories_in_review_are_still_translated_directly(newsroom, status):
    story = make_story("unpublished", status=status, hours_ago=None)
    translator = in_admin(newsroom["translator"])
    assert propose(translator, story, title="直接保存").status_code == 302
    assert live_text(story) == "直接保存"
    assert not PendingTranslation.objects.exists()


def test_a_scheduled_story_s_translation_waits_too(newsroom):
    story = make_story("later", hours_ago=-5)
    translator = in_admin(newsroom["translator"])
    assert propose(translator, story, title="稍后").status_code == 302
    assert live_text(story) == "later zh-hans title"
    assert PendingTranslation.objects.get().title == "稍后"


def test_a_proposal_overtaken_by_a_change_to_the_live_version_cannot_be_approved(newsroom):
    story = make_story("live", title_zh_hans="旧标题")
    translator = in_admin(newsroom["translator"])
    propose(translator, story, title="译者的标题")
    editor = in_admin(newsroom["editor"])
    assert propose(editor, story, title="编辑的更正").status_code == 302
    page = editor.get(change_url(story))
    assert "approving it would undo that change" in page_text(page)
    proposal = PendingTranslation.objects.get()
    response = editor.post(f"/admin/cms/pendingtranslation/{proposal.pk}/approve/")
    assert "approving it would undo that change" in page_text(editor.get(response["Location"]))
    assert live_text(story) == "编辑的更正"
    assert PendingTranslation.objects.get().status == "pending"

    # The translator sees why, and saving their proposal again brings it up to date.
    assert "bring yours up to date" in page_text(translator.get(change_url(story, "zh-hans")))
    assert propose(translator, story).status_code == 302
    assert editor.post(f"/admin/cms/pendingtranslation/{proposal.pk}/approve/").status_code == 302
    assert live_text(story) == "译者的标题"


@pytest.mark.parametrize("ui", ["en", "zh-hans"])
def test_editors_decide_from_the_list_of_pending_translations(newsroom, ui):
    first = make_story("first", title_zh_hans="一")
    second = make_story("second", title_zh_hans="二")
    translator = in_admin(newsroom["translator"], ui)
    propose(translator, first, title="一（新）")
    propose(translator, second, title="二（新）")
    mine, theirs = (
        PendingTranslation.objects.get(story=first),
        PendingTranslation.objects.get(story=second),
    )
    listing = translator.get("/admin/cms/pendingtranslation/")
    assert listing.status_code == 200
    assert 'name="action"' not in listing.content.decode()  # Translators see, editors decide.

    editor = in_admin(newsroom["editor"], ui)
    listing = editor.get("/admin/cms/pendingtranslation/?status__exact=pending")
    page = listing.content.decode()
    assert f"/admin/cms/pendingtranslation/{mine.pk}/change/" in page
    assert 'value="approve_selected"' in page and 'value="reject_selected"' in page
    review = editor.get(f"/admin/cms/pendingtranslation/{mine.pk}/change/")
    assert review.status_code == 200
    assert "一（新）" in page_text(review) and say(ui, "Readers see") in page_text(review)

    response = editor.post(
        "/admin/cms/pendingtranslation/",
        {"action": "approve_selected", "_selected_action": [mine.pk], "index": 0},
    )
    assert response.status_code == 302
    assert live_text(first) == "一（新）"

    ask = editor.post(
        "/admin/cms/pendingtranslation/",
        {"action": "reject_selected", "_selected_action": [theirs.pk], "index": 0},
    )
    assert ask.status_code == 200
    assert say(ui, "Reject translations") in page_text(ask)
    assert PendingTranslation.objects.get(pk=theirs.pk).status == "pending"
    response = editor.post(
        "/admin/cms/pendingtranslation/",
        {"action": "reject_selected", "_selected_action": [theirs.pk], "reason": "太长"},
    )
    assert response.status_code == 302
    rejected = PendingTranslation.objects.get(pk=theirs.pk)
    assert (rejected.status, rejected.reason) == ("rejected", "太长")
    assert live_text(second) == "二"


def test_the_dashboard_lists_pending_translations(newsroom):
    story = make_story("live", title_en="Live story")
    translator = in_admin(newsroom["translator"])
    propose(translator, story, title="新标题")
    editor = in_admin(newsroom["editor"])
    page = editor.get("/admin/").content.decode()
    section = page[page.index('id="attention-pending"') :]
    section = section[: section.index("</div>")]
    assert "Live story" in section and "Simplified Chinese" in section
    assert "/admin/cms/pendingtranslation/?status__exact=pending" in section


def test_the_preview_shows_editors_the_pending_text_clearly_marked(gql, newsroom):
    story = make_story("live", title_zh_hans="旧标题")
    translator = in_admin(newsroom["translator"])
    propose(translator, story, title="待批准的标题", analysis="**新的**分析")
    editor = in_admin(newsroom["editor"])
    preview = editor.get(f"/admin/cms/story/{story.pk}/preview/?language=zh-hans")
    page = preview.content.decode()
    assert 'class="preview-pending"' in page
    assert '<h1 class="reader-title">待批准的标题</h1>' in page
    assert "<strong>新的</strong>分析" in page
    approved = editor.get(f"/admin/cms/story/{story.pk}/preview/?language=zh-hans&approved=1")
    assert '<h1 class="reader-title">旧标题</h1>' in approved.content.decode()
    # The preview token shows readers' text too: the API never serves pending text.
    token = re.search(r'id="preview-token-value"[^>]*>([^<]+)<', page).group(1).strip()
    served = gql(
        STORY_PAGE, {"slug": story.slug, "language": "zh-hans"}, **{"Preview-Token": token}
    )
    assert served["data"]["story"]["title"] == "旧标题"


def test_a_publisher_deletes_a_live_story_with_a_waiting_translation(newsroom):
    story = make_story("live")
    propose(in_admin(newsroom["translator"]), story, title="新标题")
    proposal = PendingTranslation.objects.get()
    editor = in_admin(newsroom["editor"])
    assert editor.post(f"/admin/cms/pendingtranslation/{proposal.pk}/delete/").status_code == 403
    publisher = in_admin(newsroom["publisher"])
    response = publisher.post(f"/admin/cms/story/{story.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Story.objects.filter(pk=story.pk).exists()
    assert not PendingTranslation.objects.exists()


def test_the_list_of_pending_translations_costs_the_same_queries_for_few_or_many(newsroom):
    editor = in_admin(newsroom["editor"])
    translator = in_admin(newsroom["translator"])

    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert editor.get("/admin/cms/pendingtranslation/").status_code == 200
        return len(captured)

    for n in range(2):
        propose(translator, make_story(f"few-{n}"), title=f"标题 {n}")
    few = queries()
    for n in range(8):
        propose(translator, make_story(f"many-{n}"), title=f"标题 {n}")
    assert queries() == few
