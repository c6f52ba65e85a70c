"""Windows over binned series: alignment, overlap, binarisation and the recorded filter decisions."""

from __future__ import annotations

import numpy as np
import pytest
from vmwatch_loganomaly.windows import (
    DAY,
    DROPPED,
    KEPT,
    RESIDUE,
    FilterConfig,
    SeriesCounts,
    WindowConfig,
    bin_events,
    spans,
    window,
    windows,
)

MIN = 60.0
BINS_PER_DAY = 1440
rng = np.random.default_rng(7)


def series_of(columns: dict[str, np.ndarray], start: float = 0.0) -> SeriesCounts:
    keys = tuple(columns)
    return SeriesCounts(start, MIN, keys, np.column_stack([columns[k] for k in keys]).astype(np.int64))


def test_bin_events_counts_per_bin_and_series():
    s = bin_events(
        np.array([0.0, 59.9, 60.0, 130.0, 500.0]), np.array([0, 0, 1, 0, 1]), ["a", "b"], 0.0, 180.0
    )
    assert s.counts.tolist() == [[2, 0], [0, 1], [1, 0]]  # 500 s is past the end
    assert s.end == 180.0


def test_spans_are_aligned_complete_and_may_overlap():
    day = WindowConfig()
    assert spans(0.0, 3 * DAY, day) == [(0.0, DAY), (DAY, 2 * DAY), (2 * DAY, 3 * DAY)]
    assert spans(3600.0, 3 * DAY, day) == [(DAY, 2 * DAY), (2 * DAY, 3 * DAY)]  # the partial first day waits
    overlapping = WindowConfig(length=30 * 3600, step=DAY)
    assert spans(0.0, 3 * DAY, overlapping) == [(0.0, 30 * 3600), (DAY, DAY + 30 * 3600)]
    two_hours = WindowConfig(length=7200, step=7200)
    assert len(spans(0.0, DAY, two_hours)) == 12


def test_adding_data_adds_windows_without_moving_old_ones():
    config = WindowConfig(length=7200, step=3600)
    assert spans(0.0, DAY, config) == spans(0.0, 2 * DAY, config)[: len(spans(0.0, DAY, config))]


def test_binarised_matrix_and_absent_series():
    counts = np.zeros(120, dtype=np.int64)
    counts[[3, 50, 51]] = [4, 1, 2]
    s = series_of({"burst": counts, "silent": np.zeros(120)})
    w = window(s, 0.0, 120 * MIN)
    assert w.keys == ("burst",)
    assert w.matrix.dtype == np.uint8 and w.matrix[:, 0].sum() == 3 and w.matrix.max() == 1
    assert w.why("silent").action == DROPPED and w.why("silent").reason == "absent"
    assert w.why("burst").reason == "untested"  # 7 events over 49 minutes: too little to filter
    with pytest.raises(KeyError):
        w.why("nope")


def test_constant_series_is_dropped():
    s = series_of({"every-minute": np.ones(240), "rare": (rng.random(240) < 0.05).astype(int)})
    w = window(s, 0.0, 240 * MIN, FilterConfig(enabled=False))
    assert w.why("every-minute").reason == "constant" and w.keys == ("rare",)


def test_periodic_job_is_dropped_and_its_off_schedule_lines_kept():
    days = 3
    cron = np.zeros(days * BINS_PER_DAY, dtype=np.int64)
    cron[::5] = 1  # every five minutes
    extra = cron.copy()
    off = [2 * BINS_PER_DAY + 101, 2 * BINS_PER_DAY + 702, 2 * BINS_PER_DAY + 1203]
    extra[off] = 1  # three runs off schedule on day 3 (minutes not multiple of 5)
    s = series_of({"cron": cron, "cron+extra": extra})
    w = window(s, 2 * DAY, 3 * DAY)
    assert w.why("cron").action == DROPPED and w.why("cron").reason == "periodic"
    assert "period 300 s" in w.why("cron").detail
    d = w.why("cron+extra")
    assert d.action == RESIDUE and d.reason == "periodic"
    assert w.keys == ("cron+extra",)
    assert sorted(np.flatnonzero(w.matrix[:, 0]) + 2 * BINS_PER_DAY) == off


def test_constant_rate_noise_is_dropped_and_bursts_kept():
    noise = rng.poisson(0.02, BINS_PER_DAY)  # ~29 events spread evenly over the day
    burst = np.zeros(BINS_PER_DAY, dtype=np.int64)
    burst[600:640] = rng.poisson(1.0, 40)  # an hour of trouble
    burst[[10, 1300]] = 1  # stray lines so the span passes the size test
    s = series_of({"noise": noise, "burst": burst})
    w = window(s, 0.0, DAY)
    assert w.why("noise").reason == "constant-rate" and w.why("noise").action == DROPPED
    assert w.why("burst").action == KEPT and w.why("burst").reason == "passed"
    assert w.keys == ("burst",)
    unfiltered = window(s, 0.0, DAY, FilterConfig(enabled=False))
    assert unfiltered.keys == ("noise", "burst")


def test_windows_cover_the_series():
    s = series_of({"a": rng.poisson(0.1, 2 * BINS_PER_DAY)})
    ws = windows(s, WindowConfig(length=7200, step=7200, filters=FilterConfig(enabled=False)))
    assert len(ws) == 24 and all(w.matrix.shape == (120, 1) for w in ws)
    assert sum(int(w.matrix.sum()) for w in ws) == int((s.counts >= 1).sum())


def test_window_outside_the_series_is_an_error():
    s = series_of({"a": np.ones(10)})
    with pytest.raises(ValueError, match="not inside"):
        window(s, 0.0, 20 * MIN)


def test_a_window_feeds_the_causal_graph():
    from vmwatch_loganomaly.causal import pc

    link = (rng.random(BINS_PER_DAY) < 0.03).astype(np.int64)
    bond = link * (rng.random(BINS_PER_DAY) < 0.9)
    s = series_of({"link down": link, "bond degraded": bond, "silent": np.zeros(BINS_PER_DAY)})
    w = window(s, 0.0, DAY, FilterConfig(enabled=False))
    graph = pc(w.matrix, names=[str(k) for k in w.keys])
    assert graph.edges() == [("link down", "bond degraded", False)]
    assert w.why("silent").reason == "absent"
