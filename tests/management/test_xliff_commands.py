"""`export_xliff` and `import_xliff`: the round trip from the command line, and every bad
option or file answered with a clear error, never a traceback."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from translate.storage.xliff2 import Xliff2File

from cms.models import PendingTranslation, Story
from tests.factories import make_story, make_user

pytestmark = pytest.mark.django_db


def export(*args):
    out = io.StringIO()
    call_command("export_xliff", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_a_file_exported_translated_and_imported_becomes_proposals(tmp_path):
    make_story("first")
    make_story("second", status=Story.Status.DRAFT)
    path = tmp_path / "out.xlf"
    export("first", "second", "--target", "zh-hans", "-o", str(path))
    store = Xliff2File.parsestring(path.read_bytes())
    for unit in store.units:
        unit.target = f"译:{unit.source}"
    path.write_bytes(bytes(store))
    make_user("tr", "Translator", languages=["zh-hans"])
    out = io.StringIO()
    call_command("import_xliff", str(path), "--user", "tr", stdout=out)
    assert "2 proposal(s) made, 0 story(ies) unchanged." in out.getvalue()
    assert set(PendingTranslation.objects.values_list("story__slug", flat=True)) == {
        "first",
        "second",
    }


def test_the_source_defaults_to_the_other_language_when_translating_into_the_default():
    make_story("into-english")
    text = export("into-english", "--target", "en")
    assert 'srcLang="zh-Hans" trgLang="en"' in text


def test_without_slugs_the_live_stories_are_exported():
    make_story("live-one")
    make_story("draft-one", status=Story.Status.DRAFT)
    text = export("--target", "zh-hans")
    assert 'original="live-one"' in text and "draft-one" not in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "fr"], "Unknown language 'fr' for --target"),
        (["--target", "en", "--source", "en"], "name the same language"),
        (["nope", "--target", "zh-hans"], "No story with the slug(s): nope."),
        (["--target", "zh-hans", "-o", "/no/such/dir/x.xlf"], "No such folder: /no/such/dir"),
    ],
)
def test_bad_export_options_are_named(args, message):
    make_story("exists")
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        export(*args)


def test_a_refused_import_lists_each_problem_and_imports_nothing(tmp_path):
    story = make_story("refused")
    path = tmp_path / "in.xlf"
    export("refused", "--target", "zh-hans", "-o", str(path))
    path.write_bytes(path.read_bytes().replace(b'id="title"', b'id="headline"'))
    make_user("tr", "Translator", languages=["zh-hans"])
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: 1 problem"):
        call_command("import_xliff", str(path), "--user", "tr", stderr=err)
    assert f"story-{story.pk} · headline: The story has no such text." in err.getvalue()
    assert not PendingTranslation.objects.exists()


@pytest.mark.parametrize(
    ("content", "user", "message"),
    [
        (b"<xliff", "tr", "not well-formed XML"),
        (None, "tr", "No such file"),
        (b"", "ghost", "No active user 'ghost'"),
    ],
)
def test_bad_import_files_and_users_are_named(tmp_path, content, user, message):
    make_user("tr", "Translator", languages=["zh-hans"])
    path = tmp_path / "in.xlf"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_xliff", str(path), "--user", user)


def test_machine_translate_drafts_proposals_and_names_a_used_up_quota(settings):
    from tests.translation.deepl_server import KEY, deepl_server

    make_story("mt-one")
    make_story("mt-two")
    make_user("tr", "Translator", languages=["zh-hans"])
    with deepl_server() as server:
        settings.CMS_DEEPL_AUTH_KEY, settings.CMS_DEEPL_URL = KEY, server.url
        out = io.StringIO()
        args = ("mt-one", "--source", "en", "--target", "zh-hans", "--user", "tr")
        call_command("machine_translate", *args, stdout=out)
        assert out.getvalue() == "mt-one: proposed (zh-hans).\n"
        assert PendingTranslation.objects.get().ai_involvement == "machine_from_ai"
        # Another story (mt-one's draft now waits for review, and is never replaced).
        server.queued.append((456, {"message": "Quota exceeded"}, {}))
        with pytest.raises(CommandError, match="quota for this period is used up"):
            call_command("machine_translate", "mt-two", *args[1:], stdout=io.StringIO())
        assert PendingTranslation.objects.count() == 1


def test_machine_translate_without_a_key_says_it_is_not_set_up(settings):
    settings.CMS_DEEPL_AUTH_KEY = ""
    make_story("mt-off")
    make_user("tr", "Translator", languages=["zh-hans"])
    with pytest.raises(CommandError, match="Machine translation is not set up"):
        call_command(
            "machine_translate", "mt-off", "--source", "en", "--target", "zh-hans", "--user", "tr"
        )
