"""A partner's delta sync: the first sync, then only what changed, with tombstones."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from cms.models import ApiKey, Partner, Story
from cms.stories import publishing
from cms.sync import pages, tokens
from tests.factories import make_story, make_tag

from .mirror import Mirror, readable_titles

pytestmark = pytest.mark.django_db


def issue(languages=(), tags=(), scopes=("read", "full_text")):
    partner, _created = Partner.objects.get_or_create(name="Mirror Weekly")
    key, _secret = ApiKey.issue(
        partner=partner, name="sync", scopes=list(scopes), languages=list(languages)
    )
    key.tags.set(tags)
    return key


def edit_title(story, language, title):
    with publishing.change(story) as change:
        story.set_current_language(language)
        story.title = title
        story.mark_updated(change.now)
        story.save()


def step(story, name, publish_at=None):
    with publishing.change(story) as change:
        change.step(name, publish_at=publish_at)
        story.save()


def test_the_first_sync_holds_every_version_the_key_may_read_and_nothing_else():
    for _ in range(5):
        make_story()
    make_story(status=Story.Status.DRAFT, hours_ago=None)
    make_story(hours_ago=-5)  # scheduled
    make_story(languages=("zh-hans",))
    key = issue()
    mirror = Mirror(key).sync(first=2)
    assert mirror.titles() == readable_titles(key)
    assert len(mirror.versions) == 11
    assert mirror.pages >= 4


def test_a_synced_version_carries_what_the_story_page_shows():
    story = make_story(
        title_en="Chips, again",
        key_data_en=[{"entity": "TSMC", "detail": "capacity", "metric": "+10%"}],
        faq_en=[{"question": "Why?", "answer": "Demand."}],
    )
    mirror = Mirror(issue()).sync()
    version = mirror.versions[(story.pk, "en")]
    assert version["title"] == "Chips, again"
    assert version["slug"] == story.slug
    assert version["keyData"] == [{"entity": "TSMC", "detail": "capacity", "metric": "+10%"}]
    assert version["faq"] == [{"question": "Why?", "answer": "Demand."}]
    assert version["availableLanguages"] == ["en", "zh-hans"]
    assert version["analysis"]["text"].startswith(f"{story.slug} en analysis")
    assert version["url"].endswith(story.slug) or story.slug in version["url"]
    assert version["aiGenerated"] is True and version["disclaimer"]
    assert "viewCount" not in version and "hot" not in version


def test_a_key_without_full_text_gets_no_analysis():
    story = make_story()
    mirror = Mirror(issue(scopes=("read",))).sync()
    assert mirror.versions[(story.pk, "en")]["analysis"] is None


def test_after_the_first_sync_only_changes_come_with_their_reasons():
    edited, unpublished, archived, untouched = (make_story() for _ in range(4))
    key = issue()
    mirror = Mirror(key).sync()
    edit_title(edited, "en", "Corrected headline")
    step(unpublished, "unpublish")
    step(archived, "archive")
    page = pages.page(key, mirror.token, 100)
    mirror.apply(page)
    assert not page.has_more
    seen = {(item["storyId"], item["language"]): item for item in page.items}
    assert {story_id for story_id, _code in seen} == {edited.pk, unpublished.pk, archived.pk}
    assert seen[(edited.pk, "en")]["version"]["title"] == "Corrected headline"
    assert seen[(unpublished.pk, "en")]["reason"] == pages.UNPUBLISHED
    assert seen[(archived.pk, "zh-hans")]["reason"] == pages.ARCHIVED
    assert mirror.titles() == readable_titles(key)
    assert (untouched.pk, "en") in mirror.versions


def test_nothing_changed_gives_an_empty_page_and_the_copy_stays_up_to_date():
    make_story()
    key = issue()
    mirror = Mirror(key).sync()
    page = pages.page(key, mirror.token, 10)
    assert page.items == [] and not page.has_more


def test_a_removed_language_and_a_deleted_story_are_tombstoned():
    story, doomed = make_story(), make_story()
    doomed_id = doomed.pk
    key = issue()
    mirror = Mirror(key).sync()
    with publishing.change(story):
        story.delete_translation("zh-hans")
        story.save()
    with transaction.atomic():  # as the admin deletes a story
        publishing.withdraw(doomed)
        doomed.delete()
    page = pages.page(key, mirror.token, 10)
    reasons = {(item["storyId"], item["language"]): item.get("reason") for item in page.items}
    assert reasons[(story.pk, "zh-hans")] == pages.LANGUAGE_REMOVED
    assert reasons[(story.pk, "en")] is None
    assert reasons[(doomed_id, "en")] == pages.DELETED
    mirror.apply(page)
    assert mirror.titles() == readable_titles(key)


def test_a_scheduled_story_enters_the_sync_at_its_time_and_never_before(monkeypatch):
    start = timezone.now()
    story = make_story(hours_ago=-2)
    key = issue()
    mirror = Mirror(key).sync()
    assert (story.pk, "en") not in mirror.versions
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(hours=1, minutes=59))
    mirror.sync()
    assert (story.pk, "en") not in mirror.versions
    # Its time comes: no transaction happens, no worker runs, yet the next sync has it.
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(hours=2, seconds=1))
    mirror.sync()
    assert (story.pk, "en") in mirror.versions
    assert mirror.titles() == readable_titles(key)


def test_an_expiring_story_leaves_the_copy_at_its_expiry_time(monkeypatch):
    start = timezone.now()
    story = make_story(expires_at=start + timedelta(hours=1))
    key = issue()
    mirror = Mirror(key).sync()
    assert (story.pk, "en") in mirror.versions
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(hours=1, seconds=1))
    page = pages.page(key, mirror.token, 10)
    assert {item["reason"] for item in page.items} == {pages.EXPIRED_REASON}
    mirror.apply(page)
    assert mirror.versions == {}


def test_a_restricted_key_syncs_only_its_languages_and_tags():
    security = make_tag("security", en="Security")
    chips = make_tag("chips", en="Chips")
    mine = make_story(tags=[security])
    make_story(tags=[chips])
    key = issue(languages=["zh-hans"], tags=[security])
    mirror = Mirror(key).sync()
    assert set(mirror.versions) == {(mine.pk, "zh-hans")}
    assert mirror.versions[(mine.pk, "zh-hans")]["availableLanguages"] == ["zh-hans"]


def test_a_key_whose_rights_narrow_gets_tombstones_for_what_it_no_longer_reads():
    security = make_tag("security", en="Security")
    tagged, other = make_story(tags=[security]), make_story()
    key = issue()
    mirror = Mirror(key).sync()
    assert len(mirror.versions) == 4
    key.tags.set([security])
    key.languages = ["en"]
    key.save()
    page = pages.page(key, mirror.token, 10)
    mirror.apply(page)
    reasons = {(i["storyId"], i["language"]): i.get("reason") for i in page.items}
    assert reasons[(other.pk, "en")] == pages.NOT_READABLE
    assert reasons[(tagged.pk, "zh-hans")] == pages.NOT_READABLE
    mirror.sync()
    assert set(mirror.versions) == {(tagged.pk, "en")}
    # And widened again: the versions come back.
    key.tags.set([])
    key.languages = []
    key.save()
    mirror.sync(first=1)
    assert mirror.titles() == readable_titles(key)
    assert len(mirror.versions) == 4


def test_rights_changed_in_the_middle_of_a_round_are_honoured_at_once():
    stories = [make_story() for _ in range(4)]
    key = issue()
    mirror = Mirror(key)
    mirror.apply(pages.page(key, None, 1))
    key.languages = ["en"]
    key.save()
    page = pages.page(key, mirror.token, 1)
    assert all(item["language"] == "en" or item["type"] == pages.TOMBSTONE for item in page.items)
    mirror.apply(page)
    mirror.sync()
    assert mirror.titles() == readable_titles(key)
    assert {story_id for story_id, _code in mirror.versions} == {s.pk for s in stories}


def test_a_page_asked_for_again_with_the_same_token_is_safe_to_apply_again():
    for _ in range(4):
        make_story()
    key = issue()
    mirror = Mirror(key)
    first = pages.page(key, None, 2)
    mirror.apply(first)
    again = pages.page(key, first.token, 2)
    retried = pages.page(key, first.token, 2)
    assert again.items == retried.items
    mirror.apply(again)
    mirror.apply(retried)
    mirror.sync()
    assert mirror.titles() == readable_titles(key)


def test_a_forged_token_another_keys_token_and_an_expired_token_are_refused(settings):
    make_story()
    key, other = issue(), issue()
    token = pages.page(key, None, 10).token
    with pytest.raises(tokens.TokenError) as refused:
        pages.page(key, token[:-3] + "xyz", 10)
    assert refused.value.code == "SYNC_TOKEN_INVALID"
    with pytest.raises(tokens.TokenError) as refused:
        pages.page(other, token, 10)
    assert refused.value.code == "SYNC_TOKEN_WRONG_KEY"
    settings.CMS_SYNC_TOKEN_MAX_AGE = -1
    with pytest.raises(tokens.TokenError) as refused:
        pages.page(key, token, 10)
    assert refused.value.code == "SYNC_TOKEN_EXPIRED"
    assert "without a token" in refused.value.message


def test_a_rolled_back_change_leaves_nothing_in_the_log():
    story = make_story()
    key = issue()
    mirror = Mirror(key).sync()
    with pytest.raises(RuntimeError), publishing.change(story):
        story.set_current_language("en")
        story.title = "Never saved"
        story.save()
        raise RuntimeError
    page = pages.page(key, mirror.token, 10)
    assert page.items == []


def test_a_story_seen_at_its_time_but_never_announced_is_tombstoned_when_unpublished(
    monkeypatch,
):
    start = timezone.now()
    story = make_story(hours_ago=-1)
    key = issue()
    mirror = Mirror(key).sync()
    # Its time comes; the scheduler has not run yet, but the sync (like readers) sees it.
    monkeypatch.setattr(timezone, "now", lambda: start + timedelta(hours=2))
    mirror.sync()
    assert (story.pk, "en") in mirror.versions
    step(story, "unpublish")
    mirror.sync()
    assert mirror.versions == {}
