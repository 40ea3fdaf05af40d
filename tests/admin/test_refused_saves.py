"""A refused save shows again exactly what was typed: every list row, in both languages."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.models import Story
from tests.admin.test_admin import story_form
from tests.adminforms import errors, read_form
from tests.factories import make_story

pytestmark = pytest.mark.django_db

LISTS = {
    "tldr": ("text",),
    "key_data": ("entity", "detail", "metric"),
    "insights": ("title", "body"),
    "faq": ("question", "answer"),
}

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

# One reason for the form to be refused, each a different kind of check.
refusals = st.sampled_from(
    [
        {"title": ""},  # a required field
        {"impact": "101"},  # a score out of range
        {"slug": "taken"},  # a unique slug
    ]
)


def submitted(lists, orders):
    """The rows tables' part of the POST body, with order numbers typed as given."""
    body = {}
    for field, rows in lists.items():
        body[f"{field}-count"] = str(len(rows))
        for position, row in enumerate(rows):
            body[f"{field}-{position}-order"] = orders[field][position]
            for key, value in row.items():
                body[f"{field}-{position}-{key}"] = value
    return body


def shown_again(page, lists):
    """What the refused page's rows tables hold, read as a browser would submit them."""
    form = read_form(page)
    shown = {}
    for field, rows in lists.items():
        shown[field] = [
            {key: form.get(f"{field}-{position}-{key}") for key in row}
            for position, row in enumerate(rows)
        ]
    return form, shown


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lists=typed_lists, refusal=refusals, language=st.sampled_from(["en", "zh-hans"]))
def test_a_refused_save_shows_every_typed_row_again_in_either_language(
    admin_client, lists, refusal, language
):
    if not Story.objects.filter(slug="taken").exists():
        make_story("taken")
    # Typed in reverse, so the refused page must keep the rows' places and their numbers.
    orders = {f: [str(len(rows) - i) for i in range(len(rows))] for f, rows in lists.items()}
    lists_prefixes = tuple(f"{field}-" for field in LISTS)
    body = {key: value for key, value in story_form().items() if not key.startswith(lists_prefixes)}
    body.update(submitted(lists, orders))
    body.update(refusal)

    response = admin_client.post(f"/admin/cms/story/add/?language={language}", body)

    assert response.status_code == 200
    assert errors(response)
    form, shown = shown_again(response.content.decode(), lists)
    assert shown == lists
    for field, rows in lists.items():
        assert [form[f"{field}-{i}-order"] for i in range(len(rows))] == orders[field]
        # Nothing but the typed rows and the empty ones to add more: no invented row.
        extra = int(form[f"{field}-count"]) - len(rows)
        for position in range(len(rows), len(rows) + extra):
            assert not any(form.get(f"{field}-{position}-{key}") for key in LISTS[field]), (
                f"{field} row {position} was invented"
            )
    assert Story.objects.filter(slug="robots-fold-laundry").count() == 0


def test_a_refused_save_of_a_chinese_tab_keeps_its_rows_and_the_stored_english_ones(admin_client):
    story = make_story("s", tldr_en=["English bullet"], tldr_zh_hans=["旧要点"])
    url = f"/admin/cms/story/{story.pk}/change/?language=zh-hans"
    page = admin_client.get(url).content.decode()
    body = read_form(page)
    body.update(
        {
            "title": "",
            "tldr-0-text": "新的第一条",
            "tldr-1-text": "第二条,含逗号",
            "tldr-1-order": "0.5",
        }
    )

    response = admin_client.post(url, body)

    assert "This field is required." in errors(response) or "这个字段是必填项。" in errors(response)
    form = read_form(response.content.decode())
    assert form["tldr-0-text"] == "新的第一条"
    assert form["tldr-1-text"] == "第二条,含逗号"
    assert form["tldr-1-order"] == "0.5"
    assert "entries" not in {form.get(f"tldr-{i}-text") for i in range(5)}
    assert Story.objects.language("zh-hans").get(pk=story.pk).tldr == ["旧要点"]
    assert Story.objects.language("en").get(pk=story.pk).tldr == ["English bullet"]
