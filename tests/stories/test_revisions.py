"""Story history and no lost edits: versions, diffs, reverts, and two editors at once."""

import re
import threading
import time
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from cms.ingest.pipeline import upsert
from cms.models import Story, StoryTranslation
from cms.stories import revisions, snapshots
from tests.adminforms import open_form, read_form
from tests.factories import make_story, make_tag, make_user

pytestmark = pytest.mark.django_db

DRAFT = Story.Status.DRAFT


def change_url(story, language="en"):
    return f"/admin/cms/story/{story.pk}/change/?language={language}"


def history_url(story):
    return f"/admin/cms/story/{story.pk}/history/"


def diff_url(story, **query):
    params = "&".join(f"{key}={value}" for key, value in query.items())
    return f"/admin/cms/story/{story.pk}/history/diff/" + (f"?{params}" if params else "")


def revert_url(story, version):
    return f"/admin/cms/story/{story.pk}/history/{version.pk}/revert/"


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice():
    return logged_in(make_user("alice", superuser=True))


@pytest.fixture
def bob():
    return logged_in(make_user("bob", superuser=True))


def fresh(story):
    return Story.objects.get(pk=story.pk)


def text(story, language, field="title"):
    return getattr(StoryTranslation.objects.get(master=story, language_code=language), field)


def tag_slugs(story):
    return [link.tag.slug for link in fresh(story).tag_links.order_by("position")]


def form_errors(response):
    """The form's own (non-field) error messages, one per item, as the editor reads them."""
    page = response.content.decode()
    lists = re.findall(r'<ul class="errorlist nonfield"[^>]*>(.*?)</ul>', page, re.S)
    items = [item for block in lists for item in re.findall(r"<li>(.*?)</li>", block, re.S)]
    return [unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def refusal(who, story, *changes):
    """The messages refusing a save over `who`'s later save of `story` that made `changes`."""
    saved_at = revisions.format_time(fresh(story).modified_at)
    return [
        f"{who} saved this story at {saved_at}, after you opened it. "
        "Your changes were not saved, so that theirs are not lost.",
        "What changed:",
        *changes,
        "What you typed is still in the form below. "
        "Reload the page to see their version, then make your changes again.",
    ]


def versions(story):
    """The story's versions, oldest first."""
    return list(reversed(revisions.versions_of(story.pk)))


def diff_rows(response):
    """(field, language, before, after) for each row of a diff page."""
    page = response.content.decode()
    rows = []
    for attrs, body in re.findall(r'<tr class="change" ([^>]*)>(.*?)</tr>', page, re.S):
        field = re.search(r'data-field="([^"]*)"', attrs).group(1)
        language = re.search(r'data-language="([^"]*)"', attrs)
        cells = [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r'<td class="value [a-z]+">(.*?)</td>', body, re.S)
        ]
        lines = [
            unescape(re.sub(r"<[^>]+>", "", line)).strip()
            for line in re.findall(r"<(?:del|ins)>(.*?)</(?:del|ins)>", body, re.S)
        ]
        rows.append((field, language.group(1) if language else None, cells or lines))
    return rows


def save(client, story, language="en", data=None, **changes):
    """Submit the story's form on a language tab as opened (or `data`), with `changes`."""
    data = dict(data) if data is not None else open_form(client, change_url(story, language))
    data.update(changes)
    return client.post(change_url(story, language), data)


# Every save keeps a version.


def test_every_admin_save_keeps_a_version_with_its_user_and_time(alice, bob):
    story = make_story("s", status=DRAFT, hours_ago=None, title_en="First title")
    start = timezone.now()
    assert save(alice, story, title="Second title").status_code == 302
    assert save(bob, story, "zh-hans", title="第二个标题").status_code == 302

    recorded = versions(story)
    # The story as it was before anyone saved it here is kept first, by no one.
    assert [v.revision.user and v.revision.user.username for v in recorded] == [
        None,
        "alice",
        "bob",
    ]
    assert all(v.revision.date_created >= start for v in recorded)
    assert [revisions.describe(v.revision) for v in recorded] == [
        "Saved outside the admin; recorded as it was when next opened.",
        "Changed Title.",
        "Changed Title.",
    ]
    titles = [
        {code: fields["title"].text for code, fields in snapshot["languages"].items()}
        for snapshot in map(snapshots.snapshot_of_version, recorded)
    ]
    assert titles == [
        {"en": "First title", "zh-hans": "s zh-hans title"},
        {"en": "Second title", "zh-hans": "s zh-hans title"},
        {"en": "Second title", "zh-hans": "第二个标题"},
    ]
    assert [revisions.edit_version_of(v) for v in recorded] == [0, 1, 2]
    assert fresh(story).edit_version == 2


def test_a_story_added_in_the_admin_starts_its_history_with_its_author(alice):
    data = open_form(alice, "/admin/cms/story/add/?language=en")
    data.update({"title": "Brand new", "slug": "brand-new", "summary": "New.", "analysis": "A."})
    assert alice.post("/admin/cms/story/add/?language=en", data).status_code == 302
    story = Story.objects.get(slug="brand-new")
    [version] = versions(story)
    assert (version.revision.user.username, revisions.describe(version.revision)) == (
        "alice",
        "Added.",
    )
    assert snapshots.snapshot_of_version(version)["languages"]["en"]["title"].text == "Brand new"


def test_the_history_page_lists_every_version_with_who_when_and_what(alice, bob):
    story = make_story("s", status=DRAFT, hours_ago=None)
    save(alice, story, title="Alice's title")
    save(bob, story, summary="Bob's summary")
    page = alice.get(history_url(story)).content.decode()
    rows = re.findall(r'<tr class="story-version" data-version="(\d+)">(.*?)</tr>', page, re.S)
    cells = [
        [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        for _pk, row in rows
    ]
    # Newest first: user, comment, links.
    assert [row[2:4] for row in cells] == [
        ["bob", "Changed Summary."],
        ["alice", "Changed Title."],
        ["someone", "Saved outside the admin; recorded as it was when next opened."],
    ]
    assert [int(pk) for pk, _row in rows] == [v.pk for v in reversed(versions(story))]
    assert "(current)" in rows[0][1] and "(current)" not in rows[1][1]
    assert "Revert to this version…" in rows[1][1] and "Revert to this version…" not in rows[0][1]


def test_the_diff_shows_what_changed_in_each_language_and_defaults_to_the_previous_version(
    alice, bob
):
    story = make_story("s", status=DRAFT, hours_ago=None, tldr_en=["One"], summary_zh_hans="旧摘要")
    save(alice, story, title="New English title", **{"tldr-0-text": "One, rewritten"})
    save(bob, story, "zh-hans", summary="新摘要", quality="55")
    first, _alice, _bob = versions(story)

    everything = alice.get(diff_url(story, **{"from": first.pk, "to": _bob.pk}))
    assert everything.status_code == 200
    assert diff_rows(everything) == [
        ("quality", None, ["0", "55"]),
        ("title", "en", ["s en title", "New English title"]),
        ("tldr", "en", ["− 1. One", "+ 1. One, rewritten"]),
        ("summary", "zh-hans", ["− 旧摘要", "+ 新摘要"]),
    ]
    page = everything.content.decode()
    assert "English" in page and "Simplified Chinese" in page

    # Without `from`, a version is compared with the one before it; without `to`, the latest.
    assert diff_rows(alice.get(diff_url(story))) == [
        ("quality", None, ["0", "55"]),
        ("summary", "zh-hans", ["− 旧摘要", "+ 新摘要"]),
    ]
    assert diff_rows(alice.get(diff_url(story, to=_alice.pk))) == [
        ("title", "en", ["s en title", "New English title"]),
        ("tldr", "en", ["− 1. One", "+ 1. One, rewritten"]),
    ]


def test_key_data_rows_read_as_numbered_lines_in_a_diff():
    before = make_story(
        "s",
        key_data_en=[{"entity": "Lab", "detail": "Towels", "metric": "12/h"}],
        faq_en=[{"question": "Shirts?", "answer": "Not yet."}],
    )
    old = snapshots.snapshot_of_story(before)
    StoryTranslation.objects.filter(master=before, language_code="en").update(
        key_data=[
            {"entity": "Lab", "detail": "Towels", "metric": "15/h"},
            {"entity": "Rival", "detail": "Socks", "metric": "3/h"},
        ]
    )
    [change] = snapshots.diff(old, snapshots.snapshot_of_story(fresh(before)))
    assert (change.label, change.language, change.old, change.new) == (
        "Key data",
        "en",
        "1. Lab · Towels · 12/h",
        "1. Lab · Towels · 15/h\n2. Rival · Socks · 3/h",
    )
    assert change.lines == (
        ("removed", "1. Lab · Towels · 12/h"),
        ("added", "1. Lab · Towels · 15/h"),
        ("added", "2. Rival · Socks · 3/h"),
    )


# Reverting.


def test_revert_restores_fields_languages_and_tags_and_is_itself_a_new_version(alice, bob):
    security, robots, chips = (make_tag(s, en=s.title()) for s in ("security", "robots", "chips"))
    story = make_story(
        "s",
        status=DRAFT,
        hours_ago=None,
        languages=("en",),
        tags=[security, robots],
        quality=10,
        title_en="Original title",
    )
    data = open_form(alice, change_url(story))
    data.update(
        {
            "title": "Rewritten title",
            "quality": "90",
            "tag_links-0-DELETE": "on",
            "tag_links-1-DELETE": "on",
            "tag_links-2-tag": str(chips.pk),
            "tag_links-2-position": "0",
        }
    )
    assert alice.post(change_url(story), data).status_code == 302
    assert save(alice, story, "zh-hans", title="新的中文版", summary="摘要").status_code == 302
    assert (text(story, "en"), fresh(story).quality, tag_slugs(story)) == (
        "Rewritten title",
        90,
        ["chips"],
    )
    original = versions(story)[0]
    count = fresh(story).edit_version

    confirm = bob.get(revert_url(story, original))
    assert confirm.status_code == 200
    assert [(field, language) for field, language, _cells in diff_rows(confirm)] == [
        ("quality", None),
        ("tags", None),
        ("title", "en"),
        ("title", "zh-hans"),
        ("summary", "zh-hans"),
        ("ai_involvement", "zh-hans"),
    ]
    assert fresh(story).edit_version == count  # Looking changes nothing.

    response = bob.post(revert_url(story, original))
    assert response.status_code == 302
    assert response["Location"] == f"/admin/cms/story/{story.pk}/change/"
    story = fresh(story)
    assert (text(story, "en"), story.quality, tag_slugs(story)) == (
        "Original title",
        10,
        ["security", "robots"],
    )
    assert list(story.translations.values_list("language_code", flat=True)) == ["en"]
    assert story.edit_version == count + 1
    latest = versions(story)[-1]
    assert latest.revision.user.username == "bob"
    reverted_to = revisions.format_time(original.revision.date_created)
    assert revisions.describe(latest.revision) == f"Reverted to the version of {reverted_to}."
    assert (
        snapshots.diff(
            snapshots.snapshot_of_version(original), snapshots.snapshot_of_version(latest)
        )
        == []
    )


def test_revert_keeps_the_workflow_state_and_names_the_author_of_the_version(alice, bob):
    story = make_story("s", status=DRAFT, hours_ago=None, title_en="Draft title")
    save(alice, story, title="Alice's title")
    save(bob, story, title="Bob's title")
    Story.objects.filter(pk=story.pk).update(status=Story.Status.REVIEW)
    alices = versions(story)[1]
    assert bob.post(revert_url(story, alices)).status_code == 302
    story = fresh(story)
    assert (text(story, "en"), story.status) == ("Alice's title", Story.Status.REVIEW)
    reverted_to = revisions.format_time(alices.revision.date_created)
    assert revisions.describe(versions(story)[-1].revision) == (
        f"Reverted to the version of {reverted_to} by alice."
    )


def test_revert_takes_a_post_with_a_csrf_token_and_the_right_to_change_the_story(alice):
    story = make_story("s", status=DRAFT, hours_ago=None)
    save(alice, story, title="Changed")
    original = versions(story)[0]

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(make_user("carol", superuser=True))
    assert strict.post(revert_url(story, original)).status_code == 403
    page = strict.get(revert_url(story, original))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    translator = logged_in(make_user("tina", "Translator", languages=["zh-hans"]))
    assert translator.get(history_url(story)).status_code == 200
    assert translator.post(revert_url(story, original)).status_code == 403
    assert text(story, "en") == "Changed"

    assert (
        strict.post(revert_url(story, original), {"csrfmiddlewaretoken": token}).status_code == 302
    )
    assert text(story, "en") == "s en title"


def test_bad_version_addresses_are_not_found(alice):
    story = make_story("s", status=DRAFT, hours_ago=None)
    other = make_story("other", status=DRAFT, hours_ago=None)
    save(alice, story, title="Changed")
    save(alice, other, title="Other changed")
    others = versions(other)[-1]
    for url in [
        diff_url(story, to="abc"),
        diff_url(story, **{"from": "1.5"}),
        diff_url(story, to=others.pk),
        diff_url(story, to=99999999),
        f"/admin/cms/story/{story.pk}/history/{others.pk}/revert/",
        f"/admin/cms/story/{story.pk}/history/99999999/revert/",
        "/admin/cms/story/99999999/history/diff/",
        "/admin/cms/story/abc/history/diff/",
        "/admin/cms/story/99999999999999999999999/history/diff/",
    ]:
        assert alice.get(url).status_code == 404, url
    assert alice.post(f"/admin/cms/story/{story.pk}/history/{others.pk}/revert/").status_code == 404
    assert alice.get("/admin/cms/story/99999999/history/").status_code == 302
    assert alice.get("/admin/cms/story/99999999999999999999999/change/").status_code == 302
    assert text(other, "en") == "Other changed"


# No lost edits.


def test_a_save_based_on_an_outdated_form_is_refused_naming_who_saved_and_what_changed(alice, bob):
    story = make_story("s", status=DRAFT, hours_ago=None, title_en="Old title")
    alices_form = open_form(alice, change_url(story))
    bobs_form = open_form(bob, change_url(story))

    assert save(alice, story, data=alices_form, title="Alice's title").status_code == 302
    response = save(bob, story, data=bobs_form, summary="Bob's summary", hot_override="70")

    assert response.status_code == 200
    assert form_errors(response) == refusal(
        "alice", story, "Title (English): “Old title” → “Alice's title”"
    )
    # Nothing of Alice's is lost, nothing of Bob's is saved, and his input is still there.
    assert (text(story, "en"), text(story, "en", "summary")) == ("Alice's title", "s en summary")
    assert fresh(story).hot_override is None
    shown = read_form(response.content.decode())
    assert (shown["summary"], shown["hot_override"], shown["title"]) == (
        "Bob's summary",
        "70",
        "Old title",
    )
    # Submitting the same outdated form again is refused again.
    assert save(bob, story, data=shown).status_code == 200
    assert text(story, "en") == "Alice's title"

    # Reloaded, Bob's form is based on Alice's save, and his change goes through.
    assert save(bob, story, summary="Bob's summary").status_code == 302
    assert (text(story, "en"), text(story, "en", "summary")) == ("Alice's title", "Bob's summary")


def test_an_english_editor_and_a_chinese_translator_save_the_same_story_at_once(alice, bob):
    story = make_story("s", title_en="English title", title_zh_hans="中文标题")
    english = open_form(alice, change_url(story, "en"))
    chinese = open_form(bob, change_url(story, "zh-hans"))

    assert save(alice, story, data=english, title="Better English title").status_code == 302
    assert save(bob, story, "zh-hans", data=chinese, title="更好的中文标题").status_code == 302

    story = fresh(story)
    assert (text(story, "en"), text(story, "zh-hans")) == ("Better English title", "更好的中文标题")
    assert [v.revision.user and v.revision.user.username for v in versions(story)] == [
        None,
        "alice",
        "bob",
    ]
    # Alice's English edit told readers the live story was updated; Bob's save kept that.
    alices_update = snapshots.snapshot_of_version(versions(story)[1])["shared"]["updated_at"]
    assert alices_update.value is not None and story.updated_at >= alices_update.value


def test_a_translator_s_save_keeps_the_shared_fields_and_tags_an_editor_changed_meanwhile(alice):
    security = make_tag("security", en="Security")
    story = make_story("s", status=DRAFT, hours_ago=None, quality=20)
    tina = logged_in(make_user("tina", "Translator", languages=["zh-hans"]))
    chinese = open_form(tina, change_url(story, "zh-hans"))
    data = open_form(alice, change_url(story))
    data.update({"quality": "80", "tag_links-0-tag": str(security.pk), "tag_links-0-position": "0"})
    assert alice.post(change_url(story), data).status_code == 302

    # The translator's form writes only Chinese: nothing Alice changed is in it.
    assert save(tina, story, "zh-hans", data=chinese, title="译者的标题").status_code == 302
    assert (fresh(story).quality, tag_slugs(story), text(story, "zh-hans")) == (
        80,
        ["security"],
        "译者的标题",
    )


def test_a_save_let_through_takes_the_fields_it_does_not_show_from_the_locked_row():
    """The story may be loaded before another save commits; what the form lacks is re-read."""
    from django.db import transaction
    from parler.forms import TranslatableModelForm

    from cms.admin.concurrency import ConcurrencyFormMixin

    class ChineseTitleForm(ConcurrencyFormMixin, TranslatableModelForm):
        language_code = "zh-hans"

        class Meta:
            model = Story
            fields = ["title"]

    story = make_story("s", status=DRAFT, hours_ago=None, quality=20)
    revisions.record_if_unrecorded(story.pk)
    opened_at = fresh(story).edit_version
    loaded = fresh(story)  # Loaded by this request before the other save commits.
    other = fresh(story)
    other.quality = 80
    with revisions.recorded():
        other.save()

    form = ChineseTitleForm({"title": "新标题", "base_version": str(opened_at)}, instance=loaded)
    with transaction.atomic():
        assert form.is_valid(), form.errors
        form.save()
    assert (fresh(story).quality, text(story, "zh-hans")) == (80, "新标题")
    assert fresh(story).edit_version == opened_at + 2


def test_a_change_to_what_all_languages_share_refuses_the_other_language_s_stale_form(alice, bob):
    story = make_story("s", status=DRAFT, hours_ago=None, quality=20)
    chinese = open_form(bob, change_url(story, "zh-hans"))
    assert save(alice, story, quality="80").status_code == 302
    response = save(bob, story, "zh-hans", data=chinese, title="新标题")
    assert response.status_code == 200
    assert form_errors(response) == refusal("alice", story, "Quality: “20” → “80”")
    assert (fresh(story).quality, text(story, "zh-hans")) == (80, "s zh-hans title")


def test_a_change_to_the_same_language_s_other_field_refuses_the_stale_form(alice, bob):
    story = make_story("s", status=DRAFT, hours_ago=None, title_zh_hans="标题")
    bobs = open_form(bob, change_url(story, "zh-hans"))
    assert save(alice, story, "zh-hans", summary="爱丽丝的摘要").status_code == 302
    response = save(bob, story, "zh-hans", data=bobs, title="鲍勃的标题")
    assert response.status_code == 200
    assert form_errors(response) == refusal(
        "alice", story, "Summary (Simplified Chinese): “s zh-hans summary” → “爱丽丝的摘要”"
    )
    assert (text(story, "zh-hans"), text(story, "zh-hans", "summary")) == ("标题", "爱丽丝的摘要")


def test_changed_tags_refuse_a_stale_form_that_writes_tags(alice, bob):
    security = make_tag("security", en="Security")
    robots = make_tag("robots", en="Robots")
    story = make_story("s", status=DRAFT, hours_ago=None, tags=[security])
    bobs = open_form(bob, change_url(story))
    data = open_form(alice, change_url(story))
    data.update({"tag_links-1-tag": str(robots.pk), "tag_links-1-position": "1"})
    assert alice.post(change_url(story), data).status_code == 302
    response = save(bob, story, data=bobs, title="Bob's title")
    assert response.status_code == 200
    assert form_errors(response) == refusal(
        "alice", story, "Tags: “Security” → “Security / Robots”"
    )
    assert tag_slugs(story) == ["security", "robots"]


def test_ingestion_and_reverts_count_as_saves_for_forms_open_at_the_time(alice, bob):
    story = make_story("s", status=DRAFT, hours_ago=None, title_en="Before")
    Story.objects.filter(pk=story.pk).update(external_id="pipeline-1")
    stale = open_form(alice, change_url(story))
    upsert({"external_id": "pipeline-1", "translations": {"en": {"title": "Ingested"}}})
    ingested = versions(story)[-1]
    assert (ingested.revision.user, revisions.describe(ingested.revision)) == (
        None,
        "Ingested from the story pipeline.",
    )

    response = save(alice, story, data=stale, summary="Alice's summary")
    assert response.status_code == 200
    assert form_errors(response) == refusal(
        "the story pipeline", story, "Title (English): “Before” → “Ingested”"
    )

    stale = open_form(alice, change_url(story))
    assert bob.post(revert_url(story, versions(story)[0])).status_code == 302
    response = save(alice, story, data=stale, summary="Alice's summary")
    assert response.status_code == 200
    assert form_errors(response) == refusal("bob", story, "Title (English): “Ingested” → “Before”")


def test_a_save_made_outside_the_admin_still_refuses_forms_opened_before_it(alice):
    story = make_story("s", status=DRAFT, hours_ago=None, quality=20)
    stale = open_form(alice, change_url(story))
    story = fresh(story)
    story.quality = 30
    story.save()  # A script's save: no version of its own, but it counts.
    response = save(alice, story, data=stale, quality="25")
    assert response.status_code == 200
    assert form_errors(response) == refusal("Someone", story, "Quality: “20” → “30”")
    assert fresh(story).quality == 30


@pytest.mark.parametrize("mark", [None, "abc", "-1"])
def test_a_form_without_a_readable_version_mark_is_refused(alice, mark):
    story = make_story("s", status=DRAFT, hours_ago=None)
    data = open_form(alice, change_url(story))
    if mark is None:
        del data["base_version"]
    else:
        data["base_version"] = mark
    response = save(alice, story, data=data, title="Unchecked")
    assert response.status_code == 200
    assert form_errors(response) == [
        "This form does not say which version of the story it was opened at, so saving it "
        "could undo someone else's changes. Reload the page and make your changes again."
        if mark is None
        else "This page's version mark is unreadable; reload the page."
    ]
    assert text(story, "en") == "s en title"


def test_deleting_a_language_version_is_recorded_and_counts(alice):
    story = make_story("s", status=DRAFT, hours_ago=None)
    stale = open_form(alice, change_url(story, "zh-hans"))
    count = fresh(story).edit_version
    url = f"/admin/cms/story/{story.pk}/change/delete-translation/zh-hans/"
    assert alice.post(url, {"post": "yes"}).status_code == 302
    assert fresh(story).edit_version == count + 1
    latest = versions(story)[-1]
    assert (latest.revision.user.username, revisions.describe(latest.revision)) == (
        "alice",
        "Deleted the Simplified Chinese version.",
    )
    assert list(snapshots.snapshot_of_version(latest)["languages"]) == ["en"]
    assert save(alice, story, "zh-hans", data=stale, title="回来了").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_cannot_both_pass(monkeypatch):
    """Alice's save holds the story's row; Bob's, arriving meanwhile, waits and is refused."""
    if connection.vendor != "postgresql":
        pytest.skip("Row locks are PostgreSQL's; SQLite runs one writer at a time anyway.")
    from cms.admin.story import StoryAdmin

    story = make_story("s", status=DRAFT, hours_ago=None)
    alice = logged_in(make_user("alice", superuser=True))
    bob = logged_in(make_user("bob", superuser=True))
    alices, bobs = open_form(alice, change_url(story)), open_form(bob, change_url(story))
    inside = threading.Event()
    save_model = StoryAdmin.save_model

    def slow_save_model(self, request, obj, form, change):
        if request.user.username == "alice":
            inside.set()
            time.sleep(1)  # Bob's request arrives while Alice's transaction is open.
        return save_model(self, request, obj, form, change)

    monkeypatch.setattr(StoryAdmin, "save_model", slow_save_model)
    results = {}

    def post(name, client, data, **changes):
        try:
            results[name] = save(client, story, data=data, **changes)
        finally:
            connection.close()

    first = threading.Thread(target=post, args=("alice", alice, alices), kwargs={"title": "A"})
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=post, args=("bob", bob, bobs), kwargs={"summary": "B"})
    second.start()
    first.join(20)
    second.join(20)
    assert (results["alice"].status_code, results["bob"].status_code) == (302, 200)
    assert form_errors(results["bob"]) == refusal(
        "alice", story, "Title (English): “s en title” → “A”"
    )
    assert (text(story, "en"), text(story, "en", "summary")) == ("A", "s en summary")


def test_a_form_opened_at_an_unrecorded_version_is_refused_without_guessing_who(alice):
    story = make_story("s", status=DRAFT, hours_ago=None)
    data = open_form(alice, change_url(story))
    data["base_version"] = "999"
    response = save(alice, story, data=data, title="Unchecked")
    assert response.status_code == 200
    saved_at = revisions.format_time(fresh(story).modified_at)
    assert form_errors(response)[:2] == [
        f"Someone saved this story at {saved_at}, after you opened it. "
        "Your changes were not saved, so that theirs are not lost.",
        "What they changed cannot be listed: see the story's history.",
    ]
    assert text(story, "en") == "s en title"
