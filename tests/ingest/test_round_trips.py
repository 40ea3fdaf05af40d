"""Round trips that keep everything: `export_stories` then `import_stories` keeps stories
whose text holds any Unicode line or paragraph separator, and the importer numbers lines
as a JSON Lines reader does (newline only)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.core.text import UNFIT
from cms.models import Story, StoryTranslation
from tests.factories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def annex_e_codes(settings):
    """A deployment names itself in its AIGC fields by codes Annex E allows (a system check
    warns about names with spaces): an import checks the values it is given."""
    settings.CMS_AIGC_PRODUCER_CODE = "001191110000MA0000000A00000"
    settings.CMS_AIGC_PROPAGATOR_CODE = "001191110000MA0000000A00000"


SEPARATORS = ["\u2028", "\u2029", "\u0085"]


def export_then_import(tmp_path):
    path = tmp_path / "stories.jsonl"
    call_command("export_stories", "--output", str(path), stdout=io.StringIO())
    Story.objects.all().delete()
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_stories", str(path), stdout=out, stderr=err)
    except CommandError:
        raise AssertionError(err.getvalue()) from None
    return out.getvalue()


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_a_story_holding_a_unicode_line_separator_survives_export_and_import(tmp_path, separator):
    make_story("sep", title_en=f"One{separator}two", summary_en=f"a{separator}b")
    assert "1 created, 0 updated, 0 refused." in export_then_import(tmp_path)
    row = StoryTranslation.objects.get(language_code="en")
    assert (row.title, row.summary) == (f"One{separator}two", f"a{separator}b")


def test_an_import_error_names_the_line_it_is_on(tmp_path):
    good = [
        json.dumps(
            {"external_id": name, "translations": {"en": {"title": "x\u2028y\u0085z"}}},
            ensure_ascii=False,
        )
        for name in ("a", "b")
    ]
    path = tmp_path / "stories.jsonl"
    path.write_text(f"{good[0]}\n{good[1]}\nnot json\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 line"):
        call_command("import_stories", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("line 3: not valid JSON")
    assert Story.objects.count() == 2


fit_text = st.text(
    st.characters(blacklist_categories=["Cs"]).filter(lambda c: not UNFIT.match(c)),
    min_size=1,
    max_size=30,
).filter(str.strip)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=fit_text, summary=fit_text | st.sampled_from(SEPARATORS), analysis=fit_text)
def test_any_unicode_survives_export_and_import(tmp_path_factory, title, summary, analysis):
    Story.objects.all().delete()
    make_story("any", languages=("en",), title_en=title, summary_en=summary)
    StoryTranslation.objects.filter(language_code="en").update(analysis=analysis)
    before = StoryTranslation.objects.values_list("title", "summary", "analysis").get()
    assert "1 created" in export_then_import(tmp_path_factory.mktemp("round"))
    after = StoryTranslation.objects.values_list("title", "summary", "analysis").get()
    # Django's forms strip surrounding whitespace from text, as the admin does.
    assert after == tuple(value.strip() for value in before)
