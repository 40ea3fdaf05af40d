"""The house's floors (docs/architecture.md), held by import-linter's contracts in
pyproject.toml: `cms/` never imports `api/`, no import reaches up a floor, nothing imports in a
circle; and the contracts themselves fail on each kind of break."""

import ast
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from hypothesis import assume, given
from hypothesis import strategies as st

from cms.models import Story

ROOT = Path(settings.BASE_DIR)


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def lint_imports(root):
    """Run import-linter's contracts (pyproject.toml) over the packages under `root`."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def house(tmp_path):
    """A copy of the code and its contracts, to break on purpose."""
    for package in ("cms", "api"):
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def add_import(path, line):
    path.write_text(f"{line}\n" + path.read_text(encoding="utf-8"), encoding="utf-8")


def test_the_code_keeps_every_floor_and_closes_no_circle():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "BROKEN" not in result.stdout


def test_an_import_that_reaches_up_a_floor_breaks_the_build(house):
    add_import(house / "cms/models/tag.py", "from cms.stories import publishing  # noqa")
    result = lint_imports(house)
    assert result.returncode == 1
    assert "cms floors: each capability imports only the floors below it BROKEN" in result.stdout
    assert "cms.models.tag -> cms.stories.publishing" in result.stdout


def test_an_import_between_two_capabilities_of_one_floor_breaks_the_build(house):
    add_import(house / "cms/counting/ranking.py", "from cms.search import engine  # noqa")
    result = lint_imports(house)
    assert result.returncode == 1
    assert "cms floors: each capability imports only the floors below it BROKEN" in result.stdout


def test_a_circle_inside_a_floor_breaks_the_build(house):
    add_import(house / "cms/core/languages.py", "from cms.core import sharing  # noqa")
    add_import(house / "cms/core/sharing.py", "from cms.core import languages  # noqa")
    result = lint_imports(house)
    assert result.returncode == 1
    assert "No circles" in result.stdout and "BROKEN" in result.stdout


def test_a_domain_import_of_the_api_breaks_the_build(house):
    add_import(house / "cms/core/values.py", "from api import settings  # noqa")
    result = lint_imports(house)
    assert result.returncode == 1
    assert "cms does not import api BROKEN" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward_import", "contract"),
    [
        # ops at the bottom reaching up to the HTTP layer.
        ("api/ops/probes.py", "from api.graphql_http import persisted", "api floors BROKEN"),
        # The schema reaching up to the HTTP layer for its errors.
        ("api/schema/ids.py", "from api.graphql_http import view", "api floors BROKEN"),
        # The versions reaching up to the response cache: a circle inside caching.
        ("api/caching/versions.py", "from api.caching import responses", "caching floors BROKEN"),
        # Reading a request and persisted queries importing each other.
        (
            "api/graphql_http/persisted.py",
            "from api.graphql_http import request",
            "graphql_http floors BROKEN",
        ),
    ],
)
def test_an_api_import_that_reaches_up_a_floor_breaks_the_build(
    house, module, upward_import, contract
):
    add_import(house / module, f"{upward_import}  # noqa")
    result = lint_imports(house)
    assert result.returncode == 1
    assert contract in result.stdout


def test_graphql_types_do_not_import_the_root_fields():
    assert "api.schema.query" not in set(imported_modules(ROOT / "api/schema/types.py"))
    relative = ast.parse((ROOT / "api/schema/types.py").read_text(encoding="utf-8"))
    assert not any(
        isinstance(node, ast.ImportFrom) and node.level and node.module == "query"
        for node in ast.walk(relative)
    )


@pytest.mark.django_db
@given(
    status=st.sampled_from(list(Story.Status)),
    offset=st.one_of(st.none(), st.integers(-(10**6), 10**6)),
    expiry=st.one_of(st.none(), st.integers(-(10**6), 10**6)),
)
def test_the_live_rule_in_sql_and_in_memory_agree(status, offset, expiry):
    now = timezone.now()
    published_at = None if offset is None else now + timedelta(seconds=offset)
    expires_at = None if expiry is None else now + timedelta(seconds=expiry)
    # A published story always has a time (a database constraint).
    assume(not (status == Story.Status.PUBLISHED and published_at is None))
    story = Story(slug="rule", status=status, published_at=published_at, expires_at=expires_at)
    Story.objects.all().delete()
    Story.objects.bulk_create([story])
    assert Story.objects.published(now).filter(slug="rule").exists() == story.is_live(now)
