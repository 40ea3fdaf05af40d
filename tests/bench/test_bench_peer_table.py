"""How `make bench` sets each of our modes beside each of the Directus peer's (bench/peer_table.py).

Made-up numbers only: the table's assembly is tested, nothing is measured or timed.
"""

from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def table(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import peer_table

    return peer_table


def numbers(rps, p50=10.0):
    return {"rps": rps, "p50": p50, "p99": 3 * p50, "non2xx": 0, "errors": 0}


def a_run(peer_modes=("off", "on", "on+freeze")):
    ours = {
        "lean front page": {
            "cold": numbers(93),
            "entity-cached": numbers(185),
            "cached GET": numbers(3000),
            "cached POST": numbers(1680),
        },
        "contract front page": {
            "cold": numbers(140),
            "entity-cached": numbers(186),
            "cached GET": numbers(2900),
            "cached POST": numbers(1741),
        },
    }
    theirs = {
        "off": {"ping": numbers(5000), "graphql": numbers(69), "graphql-full": numbers(62)},
        "on": {"ping": numbers(5000), "graphql": numbers(500), "graphql-full": numbers(400)},
        "on+freeze": {"ping": numbers(5000), "graphql": numbers(855), "graphql-full": numbers(300)},
    }
    modes = {mode: theirs[mode] for mode in peer_modes}
    return {"our_modes": ours, "peer": {"modes": modes, "endpoints": modes.get("off")}}


def by_row(table, run):
    return {(page, mode): tuple(row) for page, _endpoint, mode, *row in table.rows(run)}


def test_each_of_our_modes_is_set_beside_each_of_the_peers_modes_with_the_ratio(table):
    rows = by_row(table, a_run())
    assert len(rows) == 8
    _ours, beside, _target, _met = rows["lean front page", "cold"]
    assert beside["off"] == (69, pytest.approx(93 / 69))
    assert beside["on"] == (500, pytest.approx(93 / 500))
    assert beside["on+freeze"] == (855, pytest.approx(93 / 855))
    _ours, beside, _target, _met = rows["contract front page", "cached POST"]
    assert beside["on"] == (400, pytest.approx(1741 / 400))


def test_computed_answers_are_held_against_the_peer_computing_cached_ones_its_fastest_cache(
    table,
):
    rows = by_row(table, a_run())
    assert rows["lean front page", "cold"][2:] == ("off", False)
    assert rows["lean front page", "entity-cached"][2:] == ("off", True)
    # The lean page's fastest cached mode is on+freeze, the contract page's on.
    assert rows["lean front page", "cached POST"][2:] == ("on+freeze", False)
    assert rows["lean front page", "cached GET"][2:] == ("on+freeze", True)
    assert rows["contract front page", "cached POST"][2:] == ("on", True)
    assert table.summary(a_run()) == (6, 8)


def test_the_markdown_table_bolds_the_ratio_the_target_holds_and_says_which_are_missed(table):
    text = table.table(a_run())
    lines = text.splitlines()
    assert len(lines) == 2 + 8
    assert (
        "| lean front page (`graphql`) | cold | 93 | 10.0 | 69: **1.35x** | 500: 0.19x "
        "| 855: 0.11x | vs off: **missed** |"
    ) in lines
    assert (
        "| contract front page (`graphql-full`) | cached POST | 1,741 | 10.0 | 62: 28.08x "
        "| 400: **4.35x** | 300: 5.80x | vs on: met |"
    ) in lines


def test_a_peer_measured_only_with_its_cache_off_leaves_the_cached_targets_unmeasured(table):
    run = a_run(peer_modes=("off",))
    rows = by_row(table, run)
    assert rows["lean front page", "cached GET"][1:] == (
        {"off": (69, pytest.approx(3000 / 69)), "on": None, "on+freeze": None},
        None,
        None,
    )
    # Computed answers only: the lean page cold (1.35x) misses, the three others meet.
    assert table.summary(run) == (3, 4)
    assert "| 3,000 | 10.0 | 69: 43.48x | – | – | not measured |" in table.table(run)


def test_the_report_section_names_every_mode_and_the_count_met(table, monkeypatch):
    import run as bench_run

    monkeypatch.setattr(bench_run.edge_directus, "cited", lambda: None)
    run = a_run()
    run["peer"].update(
        directus="12.4.0", stories=bench_run.SIZES[0], measured_at="now", wrk="-t2 -c8 -d10s"
    )
    run["peer_note"] = "in this run"
    run["results"] = {"plain view (yardstick)": numbers(4000)}
    section = bench_run.peer_section(run)
    assert "6 of 8 met." in section
    for mode in table.OUR_MODES:
        assert f"- {mode}: " in section
    assert table.table(run) in section
    assert "were not measured" not in section
