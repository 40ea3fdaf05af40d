"""The layering docs/architecture.md describes: `cms/` never imports `api/`, and the
GraphQL types and root fields import without a circle."""

import ast
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


def test_no_cms_module_imports_the_api():
    offenders = sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "cms").rglob("*.py")
        for module in imported_modules(path)
        if module == "api" or module.startswith("api.")
    )
    assert offenders == []


def test_the_import_checker_sees_an_api_import(tmp_path):
    module = tmp_path / "offender.py"
    module.write_text("from api.caching import keys\nimport api.schema\n", encoding="utf-8")
    assert list(imported_modules(module)) == ["api.caching", "api.schema"]


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
