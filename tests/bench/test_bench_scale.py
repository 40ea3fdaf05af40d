"""The scale figures (bench/scale.py): every sync page in both forms, and a table that says
when a page's SQL grows with the archive."""

from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def scale(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import scale

    return scale


def page(sql):
    return {"items": 200, "bytes": 1_500_000, "rps": 1.5, "p50": 600, "p99": 900, "errors": 0,
            "sql": sql}  # fmt: skip


def test_each_sync_page_is_asked_in_both_forms_with_the_partners_key(scale):
    scenarios = scale.sync_scenarios("secret", "deep-token", "done-token")
    assert len(scenarios) == 6
    for name, (method, path, body, headers) in scenarios.items():
        assert headers == {"Authorization": "Bearer secret"}
        if name.startswith("GET /sync"):
            assert method == "GET" and path.startswith(f"/sync?first={scale.SYNC_FIRST}")
        else:
            assert method == "POST" and path == "/graphql" and "sync(" in body["query"]
    tokens = [body["variables"]["token"] for _m, _p, body, _h in scenarios.values() if body]
    assert tokens == [None, "deep-token", "done-token"]


@pytest.mark.parametrize(("sql", "verdict"), [((17, 17), "constant"), ((17, 19), "NOT constant")])
def test_the_sync_table_says_whether_sql_per_page_is_constant_in_archive_size(scale, sql, verdict):
    sizes = {
        size: {"sync": {"pages": {"GET /sync: first page": page(count)}, "load": [2.0, 3.0]}}
        for size, count in zip((10_000, 100_000), sql, strict=True)
    }
    table = scale.sync_section(sizes)
    assert f"SQL per page, counted in-process: {verdict} in archive size" in table
    assert "| GET /sync: first page | 100,000 | 200 | 1.5 MB |" in table
