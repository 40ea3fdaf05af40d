"""A refused save shows again exactly what was typed: every list row, in both languages.

Whatever refuses it (a field's check, an edit conflict, a workflow step the editor may not
take, a disclosure rule, a permission lost while the form was open), the page that comes
back holds every field as submitted, the lists in the order the editor arranged them and
the inline rows, so the next save stores what the editor meant.
"""

import itertools
from contextlib import contextmanager

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.admin.concurrency import ConcurrencyFormMixin
from cms.models import Image, State, Story, StoryTag, StoryTranslation
from cms.stories import publishing, revisions
from tests.admin.test_admin import story_form
from tests.adminforms import errors, open_form, read_form
from tests.factories import make_story, make_tag, make_user, review
from tests.media_factories import make_image

pytestmark = pytest.mark.django_db

LISTS = {
    "tldr": ("text",),
    "key_data": ("entity", "detail", "metric"),
    "insights": ("title", "body"),
    "faq": ("question", "answer"),
}
LIST_PREFIXES = tuple(f"{field}-" for field in LISTS)

# What an editor types in a cell: any printable text, either language, several lines.
cell = (
    st.text(
        alphabet=st.characters(
            categories=("L", "N", "P", "S", "Zs"), exclude_characters="\r\x0b\x0c\x85\u2028\u2029"
        )
        | st.sampled_from("中文要点模型\n"),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


def rows_of(columns):
    return st.lists(st.fixed_dictionaries({key: cell for key in columns}), max_size=4)


typed_lists = st.fixed_dictionaries({field: rows_of(columns) for field, columns in LISTS.items()})
# The order the page's script wrote for each row after the editor moved them around.
arrangements = st.fixed_dictionaries(
    {field: st.permutations(range(1, 5)) for field in LISTS},
)

# A field's own check refuses the form.
FIELD_CHECKS = [{"title": ""}, {"impact": "101"}, {"slug": "taken"}]
KINDS = ["field check", "edit conflict", "workflow", "disclosure", "permission"]

serial = itertools.count()


def submitted(lists, orders):
    """The rows tables' part of the POST body, rows in page order with their hidden orders."""
    body = {}
    for field, rows in lists.items():
        body[f"{field}-count"] = str(len(rows))
        for position, row in enumerate(rows):
            body[f"{field}-{position}-order"] = str(orders[field][position])
            for key, value in row.items():
                body[f"{field}-{position}-{key}"] = value
    return body


def arranged(lists, orders):
    """The rows in the order their numbers give: what the editor saw before saving."""
    return {
        field: [
            row
            for _order, row in sorted(
                zip(orders[field][: len(rows)], rows, strict=True), key=lambda e: e[0]
            )
        ]
        for field, rows in lists.items()
    }


def shown_again(form, lists):
    """What the refused page's rows tables hold, read as a browser would submit them."""
    shown = {}
    for field, rows in lists.items():
        count = int(form[f"{field}-count"])
        shown[field] = [
            {key: form.get(f"{field}-{position}-{key}", "") for key in LISTS[field]}
            for position in range(count)
        ]
        # An empty list offers one empty row to type into; nothing else is invented.
        if not rows and shown[field] == [dict.fromkeys(LISTS[field], "")]:
            shown[field] = []
    return shown


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def newsroom():
    """One person per role, a tag for the tag inline, and the admin as someone else."""
    return {
        "writer": make_user("writer", "Writer"),
        "editor": make_user("editor", "Editor"),
        "publisher": make_user("publisher", "Publisher"),
        "other": make_user("other", superuser=True),
        "tag": make_tag("robotics", en="Robotics", zh_hans="机器人"),
    }


def refused_form(kind, newsroom, language, field_check):
    """Who submits, where, what the page showed them, and the change that refuses it."""
    if kind == "field check":
        if not Story.objects.filter(slug="taken").exists():
            make_story("taken")
        base = {k: v for k, v in story_form().items() if not k.startswith(LIST_PREFIXES)}
        base["slug"] = f"new-{next(serial)}"
        return client_of(newsroom["other"]), "/admin/cms/story/add/", base, field_check
    story = make_story(f"draft-{next(serial)}", status=Story.Status.DRAFT, hours_ago=None)
    if kind == "permission":
        review(story)  # So that the publisher may put it live.
    url = f"/admin/cms/story/{story.pk}/change/"
    actor = newsroom["editor"] if kind == "edit conflict" else newsroom["writer"]
    client = client_of(actor)
    base = open_form(client, f"{url}?language={language}")
    if kind == "edit conflict":
        # Someone else saves this language's title after the page was opened.
        theirs = client_of(newsroom["other"])
        data = open_form(theirs, f"{url}?language={language}")
        data["title"] = "Their title"
        assert theirs.post(f"{url}?language={language}", data).status_code == 302
        return client, url, base, {}
    if kind == "workflow":
        return client, url, base, {"_workflow": "publish"}
    if kind == "disclosure":
        return client, url, base, {"ai_involvement": "human"}
    # The publisher puts it live as the writer saves (their save waits for the row lock,
    # as in tests/core/test_roles.py): a writer's edit of a live story needs an editor.
    return client, url, base, {}


@contextmanager
def racing(kind, newsroom):
    """For a permission refusal, the publisher's step taken while the writer's save runs."""
    if kind != "permission":
        yield
        return
    locked = ConcurrencyFormMixin._locked_edit_version

    def publish_first(form, story):
        if Story.objects.get(pk=story.pk).state == State.DRAFT:
            with revisions.recorded(newsroom["publisher"]):
                publishing.take("publish", Story.objects.get(pk=story.pk), newsroom["publisher"])
        return locked(form, story)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ConcurrencyFormMixin, "_locked_edit_version", publish_first)
        yield


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lists=typed_lists,
    orders=arrangements,
    kind=st.sampled_from(KINDS),
    field_check=st.sampled_from(FIELD_CHECKS),
    language=st.sampled_from(["en", "zh-hans"]),
    summary=cell,
    tag_position=st.integers(0, 30),
)
def test_a_refused_save_shows_every_typed_field_again_whatever_refused_it(
    newsroom, lists, orders, kind, field_check, language, summary, tag_position
):
    client, url, body, refusal = refused_form(kind, newsroom, language, field_check)
    body = {k: v for k, v in body.items() if not k.startswith(LIST_PREFIXES)}
    title = f"{summary[:20]} {kind}"
    body.update(submitted(lists, orders), title=title, summary=summary)
    # A new row of the tag inline, typed as the editor typed it.
    start = int(body.get("tag_links-TOTAL_FORMS") or 0)
    body.update(
        {
            "tag_links-TOTAL_FORMS": str(start + 1),
            f"tag_links-{start}-tag": str(newsroom["tag"].pk),
            f"tag_links-{start}-position": str(tag_position),
        }
    )
    body.update(refusal)

    with racing(kind, newsroom):
        response = client.post(f"{url}?language={language}", body)

    assert response.status_code == 200, (kind, response.status_code)
    assert errors(response), kind
    form = read_form(response.content.decode())
    assert shown_again(form, lists) == arranged(lists, orders), kind
    for field, rows in lists.items():
        assert [form[f"{field}-{i}-order"] for i in range(len(rows))] == [
            str(i + 1) for i in range(len(rows))
        ]
    typed = {**{"title": title, "summary": summary}, **refusal}
    typed.pop("_workflow", None)
    assert {key: form.get(key) for key in typed} == typed, kind
    assert form[f"tag_links-{start}-tag"] == str(newsroom["tag"].pk)
    assert form[f"tag_links-{start}-position"] == str(tag_position)
    # Nothing typed was stored.
    stored = StoryTranslation.objects.filter(master__slug=body["slug"], language_code=language)
    assert title not in stored.values_list("title", flat=True)
    assert not StoryTag.objects.filter(story__slug=body["slug"], position=tag_position).exists()


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("edit conflict", "after you opened it"),
        ("workflow", "Publish now"),
        ("disclosure", "Only an editor may lower the AI involvement: ask an editor."),
        ("permission", "This story went live while you were editing it"),
    ],
)
def test_each_kind_of_refusal_is_the_one_the_property_test_means(newsroom, kind, message):
    client, url, body, refusal = refused_form(kind, newsroom, "en", None)
    body.update(refusal, summary="Typed")
    with racing(kind, newsroom):
        response = client.post(f"{url}?language=en", body)
    assert response.status_code == 200
    assert any(message in error for error in errors(response)), errors(response)


def test_a_refused_save_of_a_chinese_tab_keeps_its_rows_and_the_stored_english_ones(admin_client):
    story = make_story("s", tldr_en=["English bullet"], tldr_zh_hans=["旧要点"])
    url = f"/admin/cms/story/{story.pk}/change/?language=zh-hans"
    page = admin_client.get(url).content.decode()
    body = read_form(page)
    # The editor moved the new second row above the first one, then saved without a title.
    body.update(
        {
            "title": "",
            "tldr-count": "2",
            "tldr-0-text": "新的第一条",
            "tldr-0-order": "2",
            "tldr-1-text": "第二条,含逗号",
            "tldr-1-order": "1",
        }
    )

    response = admin_client.post(url, body)

    assert "This field is required." in errors(response) or "这个字段是必填项。" in errors(response)
    form = read_form(response.content.decode())
    assert (form["tldr-0-text"], form["tldr-0-order"]) == ("第二条,含逗号", "1")
    assert (form["tldr-1-text"], form["tldr-1-order"]) == ("新的第一条", "2")
    assert form["tldr-count"] == "2"
    assert "entries" not in {form.get(f"tldr-{i}-text") for i in range(5)}
    assert Story.objects.language("zh-hans").get(pk=story.pk).tldr == ["旧要点"]
    assert Story.objects.language("en").get(pk=story.pk).tldr == ["English bullet"]


image_texts = st.fixed_dictionaries({"caption": cell, "credit": cell, "rights": cell})


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    texts=image_texts,
    language=st.sampled_from(["en", "zh-hans"]),
    refusal=st.sampled_from([{"alt": ""}, {"focal_x": "1.5"}, {"focal_y": "-1"}]),
)
def test_a_refused_image_save_shows_every_typed_field_again(admin_client, texts, language, refusal):
    image = make_image(alt_en="A robot", alt_zh_hans="机器人")
    url = f"/admin/cms/image/{image.pk}/change/?language={language}"
    body = open_form(admin_client, url, form_id="image_form")
    body.update(texts, alt="Typed alt")
    body.update(refusal)

    response = admin_client.post(url, body)

    assert response.status_code == 200
    assert errors(response)
    form = read_form(response.content.decode(), form_id="image_form")
    typed = {**texts, "alt": "Typed alt", **refusal}
    assert {key: form.get(key) for key in typed} == typed
    assert Image.objects.get(pk=image.pk).rights == "CC BY 4.0"
