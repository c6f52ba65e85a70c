"""Windows through causal discovery: executors agree, runs are incremental, incidents stand out."""

from __future__ import annotations

import shutil

import pytest
from log_fleet import OPTIONS, first_days, ingested
from vmwatch_loganomaly import edges, incidents, pipeline, results
from vmwatch_loganomaly.ingest import ingest
from vmwatch_loganomaly.store import Store

DAY_WINDOWS = pipeline.AnalysisConfig()
TWO_HOURS = pipeline.AnalysisConfig(length=7200, step=7200)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    return ingested(tmp_path_factory.mktemp("fleet"))


def copy_of(db, tmp_path, name):
    target = tmp_path / name
    shutil.copy(db, target)
    return target


def snapshot(db, config):
    """Every window of an analysis with its edges and decisions (timings left out)."""
    with Store.open(db, create=False) as store:
        aid = results.analysis_id(store, config.to_json(), create=False)
        out = []
        for w in results.windows(store, aid):
            out.append((w.start, w.end, w.series, w.nodes, sorted(results.edges_of(store, w.id)),
                        results.decisions(store, w.id)))  # fmt: skip
        return out


def run(db, config, **kwargs):
    with Store.open(db, create=False) as store:
        return pipeline.run(store, config, **kwargs)


def test_config_round_trip_and_labels():
    config = pipeline.AnalysisConfig(length=30 * 3600, step=86400, per_host=True)
    assert pipeline.AnalysisConfig.from_json(config.to_json()) == config
    assert config.label == "30h/1d+host" and TWO_HOURS.label == "2h"
    assert pipeline.parse_duration("2h") == 7200 and pipeline.parse_duration("90") == 90
    with pytest.raises(pipeline.ConfigError):
        pipeline.AnalysisConfig(length=90, bin_width=60)
    with pytest.raises(pipeline.ConfigError):
        pipeline.parse_duration("two days")


def test_process_pool_dask_and_serial_give_the_same_graphs(fleet, tmp_path):
    import distributed  # part of the logs extra: missing is a failure, not a skip

    db, _, _ = fleet
    serial, pool, dask = (copy_of(db, tmp_path, n) for n in ("serial.db", "pool.db", "dask.db"))
    assert run(serial, TWO_HOURS, workers=0).computed == 96
    assert run(pool, TWO_HOURS, workers=2).computed == 96
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        summary = run(dask, TWO_HOURS, scheduler=cluster.scheduler_address)
    assert summary.computed == 96 and summary.windows == 96
    expected = snapshot(serial, TWO_HOURS)
    assert sum(len(w[4]) for w in expected) > 50
    assert snapshot(pool, TWO_HOURS) == expected
    assert snapshot(dask, TWO_HOURS) == expected


def test_incremental_run_computes_only_new_windows(fleet, tmp_path):
    db, log, _ = fleet
    whole = copy_of(db, tmp_path, "whole.db")
    assert run(whole, DAY_WINDOWS, workers=0).computed == 8
    # the same log ingested in two steps: six days, then the rest appended to the file
    part = tmp_path / "fleet.log"
    lines = log.read_text().splitlines(keepends=True)
    partial = tmp_path / "grow.db"
    first_days(log, part, 6)
    ingest(partial, [str(part)], OPTIONS)
    first = run(partial, DAY_WINDOWS, workers=0)
    assert (first.windows, first.computed) == (6, 6)
    assert run(partial, DAY_WINDOWS, workers=0).computed == 0  # nothing new: nothing computed
    part.write_text("".join(lines))  # the file grew by two days
    ingest(partial, [str(part)], OPTIONS)
    second = run(partial, DAY_WINDOWS, workers=0)
    assert (second.windows, second.computed) == (8, 2)
    assert snapshot(partial, DAY_WINDOWS) == snapshot(whole, DAY_WINDOWS)
    # the history is read from the stored windows: current as soon as they land
    with Store.open(partial, create=False) as store:
        stored, we = results.window_edges(store, second.analysis)
        assert len(stored) == 8 and edges.history(we)
    assert run(partial, DAY_WINDOWS, workers=0, recompute=True).computed == 8


@pytest.mark.parametrize("config", [DAY_WINDOWS, TWO_HOURS], ids=["1d", "2h"])
def test_power_loss_is_the_top_rare_edge_peak(fleet, tmp_path, config):
    db, _, truth = fleet
    store_path = copy_of(db, tmp_path, "e2e.db")
    summary = run(store_path, config, workers=0)
    with Store.open(store_path, create=False) as store:
        _, we = results.window_edges(store, summary.analysis)
    hist = edges.history(we)
    scores = edges.score_windows(we, hist, edges.rare_threshold(hist, 0.8))
    known = incidents.load_truth(truth)
    evaluation = incidents.evaluate(scores, known, incidents.peaks(scores))
    assert evaluation.ranks["power_loss"] == 1
    top = max(scores, key=lambda s: s.score)
    power = next(i for i in known if i.kind == "power_loss")
    assert power.overlaps(top.start, top.end)
    normal = [s.rare for s in scores if not any(i.overlaps(s.start, s.end) for i in known)]
    incident = [s.rare for s in scores if any(i.overlaps(s.start, s.end) for i in known)]
    assert max(incident) > max(normal)
    if config is TWO_HOURS:  # 8 day windows, 5 of them with an incident: no "usual day" to peak above
        assert evaluation.recall >= 1 / 3 and evaluation.precision >= 0.5, evaluation
