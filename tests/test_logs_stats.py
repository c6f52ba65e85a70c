"""Occurrence statistics, FFT periodicity and bursts on synthetic series."""

from __future__ import annotations

import numpy as np
import pytest
from vmwatch_loganomaly.stats import bin_counts, bursts, occurrence, periodicity

DAY = 86400.0
rng = np.random.default_rng(42)


def test_occurrence():
    occ = occurrence([10.0, 0.0, 4.0, 6.0])  # unsorted on purpose
    assert (occ.count, occ.first, occ.last) == (4, 0.0, 10.0)
    assert occ.mean == pytest.approx(10 / 3)
    assert occ.median == pytest.approx(4.0)
    assert occ.std == pytest.approx(np.std([4.0, 2.0, 4.0]))
    assert occurrence([]).count == 0
    assert occurrence([5.0]).mean is None


def test_bin_counts():
    assert list(bin_counts([0, 1, 59, 60, 181], 60)) == [3, 1, 0, 1]


def test_daily_job_with_jitter_is_periodic():
    ts = np.array([d * DAY + 6 * 3600 + rng.uniform(0, 60) for d in range(21)])
    p = periodicity(ts)
    assert p.periodic and p.period == pytest.approx(DAY, rel=0.01) and p.strength > 0.3


def test_five_minute_poll_is_periodic():
    ts = np.arange(0, 7 * DAY, 300.0) + rng.normal(0, 5, 2016)
    p = periodicity(ts)
    assert p.periodic and p.period == pytest.approx(300, rel=0.01)


def test_poisson_noise_is_not_periodic():
    assert not periodicity(np.sort(rng.uniform(0, 21 * DAY, 3000))).periodic


def test_short_or_sparse_series_are_not_tested():
    assert not periodicity([0, 100, 200]).tested
    assert not periodicity(np.arange(0, 3600, 60.0)).tested  # one hour < 6 h


def test_burst_found_over_background():
    background = rng.uniform(0, 21 * DAY, 3000)
    scan = rng.uniform(10 * DAY, 10 * DAY + 7200, 800)
    found = bursts(np.concatenate([background, scan]))
    assert len(found) == 1
    b = found[0]
    assert b.start == 10 * DAY and b.end == 10 * DAY + 7200 and b.count > 800


def test_daily_job_is_not_a_daily_burst_but_extra_lines_are():
    daily = np.concatenate([d * DAY + 4 * 3600 + rng.uniform(0, 600, 32) for d in range(21)])
    period = periodicity(daily).period
    assert period == pytest.approx(DAY, rel=0.01)
    assert bursts(daily, period=period) == []
    extra = rng.uniform(15 * DAY + 12 * 3600, 15 * DAY + 13 * 3600, 60)
    found = bursts(np.concatenate([daily, extra]), period=period)
    assert [(b.start, b.count) for b in found] == [(15 * DAY + 12 * 3600, 60)]
