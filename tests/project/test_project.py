"""Project hygiene that CI holds us to: schema file, migrations, catalog, settings."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

from api.schema import schema

BASE = Path(settings.BASE_DIR)


def test_schema_graphql_is_exported_from_the_code():
    committed = (BASE / "schema.graphql").read_text(encoding="utf-8")
    assert committed == schema.as_str() + "\n", "schema.graphql is stale: run `make schema`"


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


def test_every_message_has_a_chinese_translation_and_the_compiled_catalog_is_current():
    po = polib.pofile(str(BASE / "locale/zh_Hans/LC_MESSAGES/django.po"))
    untranslated = [entry.msgid for entry in po if not translated(entry)]
    assert untranslated == []
    mo = polib.mofile(str(BASE / "locale/zh_Hans/LC_MESSAGES/django.mo"))
    # Keyed with the context too: one word may be translated differently in two contexts.
    compiled = {(e.msgctxt, e.msgid): texts(e) for e in mo if e.msgid}
    assert compiled == {(e.msgctxt, e.msgid): texts(e) for e in po}


def translated(entry):
    if "fuzzy" in entry.flags:
        return False
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def texts(entry):
    """An entry's translation: its plural forms in order, or its one text."""
    if entry.msgid_plural:
        return [entry.msgstr_plural[form] for form in sorted(entry.msgstr_plural)]
    return entry.msgstr


def test_the_catalog_covers_every_translatable_string_in_the_code(tmp_path):
    po = polib.pofile(str(BASE / "locale/zh_Hans/LC_MESSAGES/django.po"))
    known = {entry.msgid for entry in po}
    sources = [
        str(path)
        for folder in ("api", "cms")
        for path in sorted((BASE / folder).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    keywords = [
        "--keyword=_",
        "--keyword=gettext_lazy",
        "--keyword=gettext",
        "--keyword=gettext_noop",
    ]
    keywords += ["--keyword=ngettext:1,2", "--keyword=ngettext_lazy:1,2"]
    found = subprocess.run(
        ["xgettext", "--language=Python", *keywords, "--from-code=UTF-8", "-o", "-", *sources],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    extracted = {entry.msgid for entry in polib.pofile(found) if entry.msgid}
    assert extracted - known == set(), "run `make messages` and translate the new strings"


def test_the_server_refuses_to_start_without_a_secret_key_outside_debug(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "DJANGO_DEBUG"}}
    # A checkout where `make run` never ran: no development key in its var/.
    env["DJANGO_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
