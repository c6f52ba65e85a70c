"""Event series from the store: sparse counts per bin and group (or group and host), and the analysis tables."""

from __future__ import annotations

import numpy as np
import pytest
from vmwatch_loganomaly import pipeline, results
from vmwatch_loganomaly.errors import StoreError
from vmwatch_loganomaly.series import count_events, group_counts, node_group, node_name
from vmwatch_loganomaly.store import Store


def test_sparse_counts_slice_and_dense():
    ts = np.array([0.0, 30.0, 61.0, 61.5, 200.0, 3600.0])
    counts = count_events(ts, np.array([0, 0, 1, 0, 1, 2]), ["a", "b", "c"], width=60.0)
    assert counts.bins.tolist() == [0, 1, 1, 3, 60] and counts.counts.tolist() == [2, 1, 1, 1, 1]
    part = counts.slice(60.0, 240.0)
    assert part.bins.tolist() == [1, 1, 3]
    dense = counts.dense(0.0, 240.0)
    assert dense.keys == ("a", "b") and dense.counts.tolist() == [[2, 0], [1, 1], [0, 0], [0, 1]]
    assert counts.active(0.0, 120.0).tolist() == [0, 1]
    assert counts.dense(0.0, 120.0, only=[2]).counts.tolist() == [[0], [0]]
    with pytest.raises(ValueError):
        counts.slice(30.0, 120.0)  # not on the bin grid


def test_node_names():
    assert node_name(12) == "12" and node_name((12, "vm1.site")) == "12@vm1.site"
    assert node_group("12@vm1.site") == 12 and node_group("7") == 7


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "s.db") as s:
        with s.transaction() as db:
            db.executemany("INSERT INTO host(id, name) VALUES (?, ?)", [(1, "h1"), (2, "h2")])
            db.executemany("INSERT INTO template(id, template, seed) VALUES (?, ?, ?)",
                           [(1, "a **", "a 1"), (2, "a ** b", "a 1 b"), (3, "c", "c")])  # fmt: skip
            db.executemany("INSERT INTO event(ts, host, template) VALUES (?, ?, ?)",
                           [(10.0, 1, 1), (20.0, 2, 2), (70.0, 1, 3), (130.0, 2, 3)])  # fmt: skip
        yield s


def test_group_counts_by_group_and_by_host(store):
    by_group = group_counts(store, {1: 1, 2: 1, 3: 3})
    assert by_group.keys == (1, 3) and by_group.dense(0.0, 180.0).counts.tolist() == [[2, 0], [0, 1], [0, 1]]
    by_host = group_counts(store, {1: 1, 2: 1}, per_host=True)  # template 3 ungrouped: its own group
    assert by_host.keys == ((1, "h1"), (1, "h2"), (3, "h1"), (3, "h2"))
    assert group_counts(store, {}, start=60.0, end=120.0).keys == (3,)


def test_ensure_groups_keeps_the_operators_groups(store):
    store.write_groups([(1, 1), (2, 2)])  # an operator's grouping keeps 2 apart
    assert pipeline.ensure_groups(store) == {1: 1, 2: 2, 3: 3}


def test_analysis_tables_are_versioned(store):
    aid = results.analysis_id(store, pipeline.AnalysisConfig().to_json())
    assert results.analysis_id(store, pipeline.AnalysisConfig().to_json(), create=False) == aid
    assert store.meta("schema_version") == "1"  # the first half's schema is untouched
    with store.transaction() as db:
        db.execute("UPDATE meta SET value='99' WHERE key='analysis_schema'")
    with pytest.raises(StoreError, match="upgrade vmwatch"):
        results.analyses(store)


def test_write_window_replaces(store):
    aid = results.analysis_id(store, "{}")
    r = results.WindowResult(
        0.0, 60.0, 3, ("1", "3"), (("1", "3", True),), (("1", "kept", "passed", 2, ""),), 0.1
    )
    results.write_window(store, aid, r, 0)
    results.write_window(store, aid, r, 0)
    (w,) = results.windows(store, aid)
    assert (w.nodes, w.edges) == (2, 1) and results.edges_of(store, w.id) == [("1", "3", True)]
    assert results.nodes(store, w.id) == ["1"]
