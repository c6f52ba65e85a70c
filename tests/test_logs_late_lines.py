"""Late lines: a computed window whose input changed since is recomputed, and only such windows.

Host B's lines of one day are ingested after the windows were computed from every other line;
the windows whose input ([look-back start, end)) holds one of those lines are recomputed and end
identical to a run on a store that had every line from the start. Chronological ingestion
recomputes nothing, and a store from before `graph_window.last_event` (analysis schema 1) keeps
its windows and is checked from then on.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from log_fleet import CONFIG, OPTIONS, first_days, write_fleet
from vmwatch_loganomaly import pipeline, results
from vmwatch_loganomaly.ingest import ingest
from vmwatch_loganomaly.series import bins_since
from vmwatch_loganomaly.store import Store
from vmwatch_loganomaly.windows import FilterConfig

from vmwatch.cli import main

DAY_WINDOWS = pipeline.AnalysisConfig()  # 1-day windows reading 7 days back (periodicity filter)
TWO_HOURS = pipeline.AnalysisConfig(length=7200, step=7200, filters=FilterConfig(periodic=False))
LATE_HOST, LATE_DAY = "vm2.fujisawa.cloud.example", "Sep 29 "


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    """(early, late, every line) log files, and the timestamps of the late lines: host B's lines of
    one day are late, every other line is early."""
    folder = tmp_path_factory.mktemp("late")
    log, _ = write_fleet(folder)
    early, late = [], []
    for line in log.read_text().splitlines(keepends=True):
        (late if line.startswith(LATE_DAY) and line.split()[3] == LATE_HOST else early).append(line)
    paths = folder / "early.log", folder / "late.log"
    for path, lines in zip(paths, (early, late)):
        path.write_text("".join(lines))
    stamps = [dt.datetime.strptime("2015 " + line[:15], "%Y %b %d %H:%M:%S").replace(tzinfo=dt.UTC).timestamp()
              for line in late]  # fmt: skip
    assert len(late) > 500
    return paths[0], paths[1], stamps


@pytest.fixture(scope="module")
def early_store(split, tmp_path_factory):
    """A store with the early lines only."""
    db = tmp_path_factory.mktemp("early") / "early.db"
    ingest(db, [str(split[0])], OPTIONS)
    return db


@pytest.fixture(scope="module")
def full_store(split, tmp_path_factory):
    """The reference: early then late lines ingested before any window was computed."""
    db = tmp_path_factory.mktemp("full") / "full.db"
    ingest(db, [str(split[0])], OPTIONS)
    ingest(db, [str(split[1])], OPTIONS)
    return db


def run(db, config, **kwargs):
    with Store.open(db, create=False) as store:
        return pipeline.run(store, config, workers=0, **kwargs)


def stored(db, config):
    """start → stored window (its id changes when the window is written again)."""
    with Store.open(db, create=False) as store:
        return {w.start: w for w in results.windows(store, results.analysis_id(store, config.to_json()))}


def snapshot(db, config):
    """Every window of an analysis with its edges and decisions (ids and timings left out)."""
    with Store.open(db, create=False) as store:
        return [(w.start, w.end, w.series, w.nodes, sorted(results.edges_of(store, w.id)),
                 results.decisions(store, w.id)) for w in results.windows(store, results.analysis_id(store, config.to_json()))]  # fmt: skip


def touched(windows, stamps, data_start, lookback):
    """The oracle: windows whose [max(data start, end - look-back), end) holds a late line."""
    return {s for s, e in windows if any(max(data_start, min(s, e - lookback)) <= t < e for t in stamps)}


@pytest.mark.parametrize("config", [DAY_WINDOWS, TWO_HOURS], ids=["1d", "2h"])
def test_late_lines_recompute_exactly_the_windows_they_touch(
    split, early_store, full_store, tmp_path, config
):
    _, late, stamps = split
    db = tmp_path / "late.db"
    shutil.copy(early_store, db)
    first = run(db, config)
    before = stored(db, config)
    assert first.computed == len(before) and first.recomputed == 0
    ingest(db, [str(late)], OPTIONS)
    second = run(db, config)
    after = stored(db, config)
    rewritten = {s for s in before if after[s].id != before[s].id}
    data_start = CONFIG.t0  # the fleet's first line: midnight, on both grids
    expected = touched([(w.start, w.end) for w in before.values()], stamps, data_start, config.lookback)
    assert 0 < len(expected) < len(before)
    assert rewritten == expected
    assert (second.windows, second.computed, second.recomputed) == (len(before), len(expected), len(expected))
    assert run(full_store, config).computed == len(before)
    assert snapshot(db, config) == snapshot(full_store, config)
    assert run(db, config).computed == 0  # up to date now


def test_chronological_ingest_recomputes_nothing(split, tmp_path):
    early = split[0]
    part, db = tmp_path / "part.log", tmp_path / "grow.db"
    first_days(early, part, 6)
    ingest(db, [str(part)], OPTIONS)
    assert run(db, DAY_WINDOWS).computed == 6 and run(db, TWO_HOURS).computed == 72
    shutil.copy(early, part)  # the file grew by two days
    ingest(db, [str(part)], OPTIONS)
    with Store.open(db, create=False) as store:
        events = results.last_event(store)
    for config, new in ((DAY_WINDOWS, 2), (TWO_HOURS, 24)):
        summary = run(db, config)
        assert (summary.computed, summary.recomputed) == (new, 0), config.label
        # the old windows were checked up to the newest event: the next check reads only later ones
        assert {w.last_event for w in stored(db, config).values()} == {events}


def test_schema_1_store_keeps_its_windows_and_is_checked_from_then_on(split, early_store, tmp_path):
    db = tmp_path / "old.db"
    shutil.copy(early_store, db)
    run(db, DAY_WINDOWS)
    with Store.open(db, create=False) as store, store.transaction() as sql:  # as vmwatch before it
        sql.execute("ALTER TABLE graph_window DROP COLUMN last_event")
        sql.execute("UPDATE meta SET value='1' WHERE key='analysis_schema'")
        (events,) = sql.execute("SELECT max(rowid) FROM event").fetchone()
    before = stored(db, DAY_WINDOWS)  # migrated on opening the analysis tables
    with Store.open(db, create=False) as store:
        assert store.meta("analysis_schema") == str(results.ANALYSIS_SCHEMA)
    assert {w.last_event for w in before.values()} == {events}
    summary = run(db, DAY_WINDOWS)
    assert (summary.computed, summary.recomputed) == (0, 0)  # taken as up to date
    ingest(db, [str(split[1])], OPTIONS)
    summary = run(db, DAY_WINDOWS)
    assert summary.recomputed == summary.computed == 5  # Sep 29 and the 4 days reading it


def test_cli_reports_recomputed_windows(split, early_store, tmp_path, capsys):
    db = tmp_path / "cli.db"
    shutil.copy(early_store, db)
    args = ["logs", "windows", "--store", str(db), "--workers", "0", "-q"]
    assert main(args) == 0
    assert "recomputed" not in capsys.readouterr().out
    assert (
        main(["logs", "ingest", "--store", str(db), "--tz", "UTC", "--year", "2015", "-q", str(split[1])])
        == 0
    )
    capsys.readouterr()
    assert main(args) == 0
    assert "5 windows recomputed: late lines" in capsys.readouterr().out
    assert main([*args, "--format", "json"]) == 0
    assert '"recomputed": 0' in capsys.readouterr().out


def test_bins_since_floors_on_the_grid(tmp_path):
    with Store.open(tmp_path / "s.db") as store:
        with store.transaction() as db:
            db.executemany("INSERT INTO event(ts, host, template) VALUES (?, 1, 1)",
                           [(-90.0,), (10.0,), (59.9,), (60.0,), (-0.5,), (130.0,), (20.0,)])  # fmt: skip
        bins, newest = bins_since(store, 0)
        assert bins.tolist() == [-2, -1, 0, 1, 2] and newest.tolist() == [1, 5, 7, 4, 6]
        bins, newest = bins_since(store, 5, width=60.0, origin=30.0)
        assert bins.tolist() == [-1, 1] and newest.tolist() == [7, 6]
        assert bins_since(store, 7)[0].size == 0
