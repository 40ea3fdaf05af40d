"""Live coverage: who may publish entries, what is refused, how entries are rendered, who
may read them (the story's rule), and what partners are told."""

import pytest
from django.utils import translation

from cms.models import LiveEntry, LiveStatus, Partner, Story, WebhookDelivery, WebhookEndpoint
from cms.models.live import MAX_ENTRY_LENGTH
from cms.serving.audience import Audience
from cms.stories import live
from tests.factories import make_story, make_tag, make_user
from tests.media_factories import make_author, make_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def publisher():
    return make_user("publisher", "Publisher")


@pytest.fixture
def covered(publisher):
    story = make_story("hearing")
    live.start(story.pk, publisher)
    return story


def publish(story, user, text="**Breaking**: the hearing opens.", **options):
    language = options.pop("language", "en")
    return live.publish(story.pk, user, language=language, text=text, **options)


def test_starting_coverage_makes_the_story_live_and_ending_it_keeps_its_times(publisher):
    story = make_story("launch")
    live.start(story.pk, publisher)
    story.refresh_from_db()
    assert story.live_status == LiveStatus.LIVE
    started = story.coverage_started_at
    assert started is not None and story.coverage_ended_at is None

    live.end(story.pk, publisher)
    story.refresh_from_db()
    assert story.live_status == LiveStatus.ENDED
    assert story.coverage_ended_at >= started

    live.start(story.pk, publisher)
    story.refresh_from_db()
    assert (story.live_status, story.coverage_started_at, story.coverage_ended_at) == (
        LiveStatus.LIVE,
        started,
        None,
    )


def test_a_story_form_save_does_not_undo_the_coverage(publisher):
    story = make_story("launch")
    stale = Story.objects.get(pk=story.pk)
    live.start(story.pk, publisher)
    stale.quality = 80
    stale.save()
    story.refresh_from_db()
    assert (story.live_status, story.quality) == (LiveStatus.LIVE, 80)


def test_an_entry_is_rendered_and_sanitized_as_the_analysis_is(covered, publisher):
    entry = publish(
        covered,
        publisher,
        text="**Now**: <script>alert(1)</script> [docs](javascript:alert(1)) and [x](https://a.example)",
    )
    assert "<strong>Now</strong>" in entry.text_html
    assert "<script" not in entry.text_html
    assert "javascript:" not in entry.text_html
    assert 'href="https://a.example"' in entry.text_html
    assert entry.text_plain.startswith("Now:")
    assert entry.written_by == publisher
    assert entry.ai_involvement == "human"


@pytest.mark.parametrize("role", ["Writer", "Editor", "Translator"])
def test_only_publishers_publish_entries(covered, role):
    user = make_user(role.lower(), role)
    with pytest.raises(live.Refused) as refused:
        publish(covered, user)
    assert refused.value.status == 403
    assert not LiveEntry.objects.exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"text": "   "}, "Write the entry before publishing it."),
        ({"text": "x" * (MAX_ENTRY_LENGTH + 1)}, "at most 5000 are taken"),
        ({"text": "bad \x0b char"}, "U+000B"),
        ({"language": "fr"}, "Say which language the entry is in"),
        ({"ai_involvement": "ai_generated"}, "Say how much AI wrote the entry"),
        ({"key_event": "yes"}, "“key_event” must be true or false."),
        ({"author": 999999}, "one of the story's authors"),
        ({"image": 999999}, "only the story's own images"),
    ],
)
def test_bad_entries_are_refused_with_a_clear_message(covered, publisher, options, message):
    options.setdefault("text", "An entry.")
    with pytest.raises(live.Refused) as refused:
        publish(covered, publisher, **options)
    assert refused.value.status == 400
    assert message in refused.value.message
    assert not LiveEntry.objects.exists()


def test_refusals_are_in_the_person_s_language(covered, publisher):
    with translation.override("zh-hans"), pytest.raises(live.Refused) as refused:
        publish(covered, publisher, text="")
    assert refused.value.message == "请先写好条目再发布。"


def test_an_entry_may_show_the_story_s_own_images_only(covered, publisher):
    own, other = make_image(), make_image()
    covered.image_links.create(image=own)
    assert publish(covered, publisher, image=own.pk).image == own
    with pytest.raises(live.Refused):
        publish(covered, publisher, image=other.pk)


def test_entries_are_published_only_while_coverage_runs(publisher):
    story = make_story("outage")
    with pytest.raises(live.Refused) as never_started:
        publish(story, publisher)
    assert never_started.value.status == 409
    live.start(story.pk, publisher)
    publish(story, publisher)
    live.end(story.pk, publisher)
    with pytest.raises(live.Refused) as ended:
        publish(story, publisher)
    assert "has ended" in ended.value.message
    assert LiveEntry.objects.count() == 1


def test_a_correction_is_shown_with_its_note_and_needs_one(covered, publisher):
    entry = publish(covered, publisher, text="The CEO said 10 million.")
    with pytest.raises(live.Refused) as no_note:
        live.correct(covered.pk, publisher, entry.pk, text="The CEO said 1 million.", note=" ")
    assert no_note.value.status == 400
    live.correct(
        covered.pk, publisher, entry.pk, text="The CEO said 1 million.", note="The figure."
    )
    entry.refresh_from_db()
    assert "1 million" in entry.text_html
    assert entry.correction_note == "The figure."
    assert entry.corrected_at is not None


def test_a_withdrawn_entry_reaches_nobody_and_cannot_be_corrected(covered, publisher):
    entry = publish(covered, publisher)
    live.withdraw(covered.pk, publisher, entry.pk)
    assert not LiveEntry.objects.readable(Audience.of("en")).exists()
    with pytest.raises(live.Refused) as refused:
        live.correct(covered.pk, publisher, entry.pk, text="again", note="n")
    assert refused.value.status == 409


def test_an_entry_of_another_story_is_not_found(covered, publisher):
    other = make_story("other")
    live.start(other.pk, publisher)
    entry = publish(other, publisher)
    with pytest.raises(live.Refused) as refused:
        live.withdraw(covered.pk, publisher, entry.pk)
    assert refused.value.status == 404


@pytest.mark.parametrize(
    "hidden",
    [
        {"status": Story.Status.DRAFT, "hours_ago": None},
        {"status": Story.Status.REVIEW},
        {"hours_ago": -5},  # embargoed: published for later
        {"status": Story.Status.ARCHIVED},
    ],
)
def test_entries_of_a_story_readers_cannot_see_reach_nobody(publisher, hidden):
    story = make_story("embargoed", **hidden)
    live.start(story.pk, publisher)
    publish(story, publisher)
    for language in ("en", "zh-hans"):
        assert not LiveEntry.objects.readable(Audience.of(language)).exists()


def test_entries_follow_a_partner_key_s_languages_and_tags(covered, publisher):
    from cms.models import ApiKey

    publish(covered, publisher, language="en")
    publish(covered, publisher, language="zh-hans", text="听证会开始。")
    partner = Partner.objects.create(name="P")
    key, _secret = ApiKey.issue(partner=partner, name="k", languages=["zh-hans"])
    assert list(
        LiveEntry.objects.readable(Audience.of("zh-hans", key)).values_list(
            "language_code", flat=True
        )
    ) == ["zh-hans"]
    key.tags.set([make_tag("elsewhere")])
    assert not LiveEntry.objects.readable(Audience.of("zh-hans", key)).exists()


def endpoint(*events, scopes=("read", "full_text")):
    from cms.models import ApiKey

    partner = Partner.objects.create(name="P")
    ApiKey.issue(partner=partner, name="k", scopes=list(scopes))
    return WebhookEndpoint.objects.create(
        partner=partner,
        url="https://partner.example.com/hooks",
        events=list(events),
    )


def test_partners_hear_of_published_and_corrected_entries_and_the_end(covered, publisher):
    endpoint("live.entry_published", "live.entry_corrected", "live.ended")
    entry = publish(covered, publisher, key_event=True)
    live.correct(covered.pk, publisher, entry.pk, text="Fixed.", note="A typo.")
    live.withdraw(covered.pk, publisher, entry.pk)
    live.end(covered.pk, publisher)
    deliveries = list(WebhookDelivery.objects.order_by("pk"))
    assert [d.event for d in deliveries] == [
        "live.entry_published",
        "live.entry_corrected",
        "live.ended",
    ]
    published = deliveries[0].payload["data"]
    assert published["entry"]["id"] == entry.pk
    assert published["entry"]["keyEvent"] is True
    assert "<strong>Breaking</strong>" in published["entry"]["html"]
    assert published["live"]["status"] == "live"
    assert deliveries[1].payload["data"]["entry"]["correction"] == "A typo."
    assert deliveries[2].payload["data"]["live"]["coverageEndTime"] is not None


def test_an_entry_s_text_reaches_only_partners_with_the_full_text_right(covered, publisher):
    summary_only = endpoint("live.entry_published", scopes=["read"])
    full_text = endpoint("live.entry_published")
    publish(covered, publisher, ai_involvement="ai_assisted")
    told = {d.endpoint_id: d.payload["data"]["entry"] for d in WebhookDelivery.objects.all()}
    assert "<strong>Breaking</strong>" in told[full_text.pk]["html"]
    assert (told[summary_only.pk]["html"], told[summary_only.pk]["text"]) == (None, None)
    # What is not the body is told to both, the entry's own disclosure included.
    assert told[summary_only.pk]["disclosure"] == told[full_text.pk]["disclosure"]
    assert told[summary_only.pk]["disclosure"]["grade"] == "ai_assisted"


def test_partners_hear_nothing_of_a_draft_s_entries(publisher):
    endpoint()
    story = make_story("prepared", status=Story.Status.DRAFT, hours_ago=None)
    live.start(story.pk, publisher)
    publish(story, publisher)
    live.end(story.pk, publisher)
    assert not WebhookDelivery.objects.exists()


def test_an_entry_webhook_goes_only_to_endpoints_wanting_its_language(covered, publisher):
    wanted = endpoint()
    wanted.languages = ["zh-hans"]
    wanted.save()
    publish(covered, publisher, language="en")
    assert not WebhookDelivery.objects.exists()
    publish(covered, publisher, language="zh-hans", text="开始。")
    assert WebhookDelivery.objects.count() == 1


def test_an_author_from_the_byline_or_the_editor_signs_the_entry(covered, publisher):
    author, editor, stranger = (
        make_author(slug, name) for slug, name in (("jane", "Jane"), ("ed", "Ed"), ("x", "X"))
    )
    covered.author_links.create(author=author)
    Story.objects.filter(pk=covered.pk).update(editor=editor)
    assert publish(covered, publisher, author=author.pk).author == author
    assert publish(covered, publisher, author=editor.pk).author == editor
    with pytest.raises(live.Refused):
        publish(covered, publisher, author=stranger.pk)
