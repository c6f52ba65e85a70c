"""Occurrence statistics of one template (or group): counts, inter-arrival times, periodicity, bursts.

Pure functions of a sorted array of timestamps (epoch seconds).

- `occurrence`: count, first/last seen, inter-arrival mean, median and standard deviation (the
  study's scatter: a large mean/median gap marks a template that is usually frequent but
  sometimes silent for long).
- `periodicity`: logdag's FFT test. The series is binned (60 s by default), the amplitude
  spectrum taken without the mean; peaks are local maxima above `peak_ratio` (0.4) × the largest;
  the series is periodic when there are at least two peaks and the spacing of the (at most 10)
  strongest is regular (std/mean of the gaps < `regularity`, 0.1). The period is the bin span divided by the mean gap;
  the strength is the share of spectral energy at the harmonics of that period. Series with fewer than 5 events or
  spanning less than 6 hours are not tested.
- `bursts`: bins (1 hour by default) far above the series' own baseline: count ≥ `min_count` and
  above median + k × scale, where scale is the larger of 1.4826 × MAD and √median (Poisson noise),
  at least 1; for a periodic series the baseline is taken per phase of its period. Adjacent
  burst bins merge into one burst.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

MIN_EVENTS = 5
MIN_SPAN = 6 * 3600.0
MAX_BINS = 1 << 20
MAX_PEAKS = 10


@dataclasses.dataclass(frozen=True)
class Occurrence:
    """Count, first/last timestamps and inter-arrival statistics (None with fewer than 2 events)."""

    count: int
    first: float | None
    last: float | None
    mean: float | None
    median: float | None
    std: float | None


@dataclasses.dataclass(frozen=True)
class Periodicity:
    """Result of the FFT test: `period` in seconds when periodic, `strength` in [0, 1]."""

    periodic: bool
    period: float | None
    strength: float
    tested: bool = True


@dataclasses.dataclass(frozen=True)
class Burst:
    """A run of bins far above the baseline: [start, end) in epoch seconds."""

    start: float
    end: float
    count: int
    peak: int
    baseline: float


def _array(ts: Sequence[float] | np.ndarray) -> np.ndarray:
    arr = np.asarray(ts, dtype=float)
    if arr.size > 1 and np.any(np.diff(arr) < 0):
        arr = np.sort(arr)
    return arr


def occurrence(ts: Sequence[float] | np.ndarray) -> Occurrence:
    """Count, first/last and inter-arrival mean/median/std of timestamps."""
    arr = _array(ts)
    if arr.size == 0:
        return Occurrence(0, None, None, None, None, None)
    if arr.size == 1:
        return Occurrence(1, float(arr[0]), float(arr[0]), None, None, None)
    gaps = np.diff(arr)
    return Occurrence(
        int(arr.size),
        float(arr[0]),
        float(arr[-1]),
        float(gaps.mean()),
        float(np.median(gaps)),
        float(gaps.std()),
    )


def bin_counts(ts: Sequence[float] | np.ndarray, width: float, start: float | None = None) -> np.ndarray:
    """Events per bin of `width` seconds from `start` (default: the first event) to the last event."""
    arr = _array(ts)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    origin = float(arr[0]) if start is None else start
    idx = np.floor((arr - origin) / width).astype(np.int64)
    return np.bincount(idx[idx >= 0])


def periodicity(
    ts: Sequence[float] | np.ndarray,
    bin_width: float = 60.0,
    peak_ratio: float = 0.4,
    regularity: float = 0.1,
) -> Periodicity:
    """logdag's FFT periodicity test (see the module docstring)."""
    arr = _array(ts)
    if arr.size < MIN_EVENTS or arr[-1] - arr[0] < MIN_SPAN:
        return Periodicity(False, None, 0.0, tested=False)
    width = max(bin_width, (arr[-1] - arr[0]) / MAX_BINS)
    counts = bin_counts(arr, width).astype(float)
    spectrum = np.abs(np.fft.rfft(counts - counts.mean()))
    spectrum[0] = 0.0
    top = spectrum.max()
    if top <= 0:
        return Periodicity(False, None, 0.0)
    inner = spectrum[1:-1]
    local_max = (
        np.flatnonzero((inner >= spectrum[:-2]) & (inner >= spectrum[2:]) & (inner >= peak_ratio * top)) + 1
    )
    if local_max.size < 2:
        return Periodicity(False, None, 0.0)
    if local_max.size > MAX_PEAKS:  # jitter adds weak high harmonics: judge by the strongest
        local_max = np.sort(local_max[np.argsort(-spectrum[local_max], kind="stable")[:MAX_PEAKS]])
    gaps = np.diff(local_max).astype(float)
    if gaps.std() / gaps.mean() >= regularity:
        return Periodicity(False, None, 0.0)
    # Strength: share of the spectral energy at the harmonics of the fundamental (±1 bin).
    fundamental = gaps.mean()
    harmonics = np.rint(np.arange(fundamental, spectrum.size, fundamental)).astype(np.int64)
    near = np.zeros(spectrum.size, dtype=bool)
    for offset in (-1, 0, 1):
        near[np.clip(harmonics + offset, 1, spectrum.size - 1)] = True
    energy = spectrum**2
    strength = float(energy[near].sum() / energy.sum())
    return Periodicity(True, float(counts.size * width / fundamental), strength)


def bursts(
    ts: Sequence[float] | np.ndarray,
    bin_width: float = 3600.0,
    k: float = 5.0,
    min_count: int = 20,
    period: float | None = None,
) -> list[Burst]:
    """Runs of bins far above the series' baseline (see the module docstring).

    With a `period` (from `periodicity`) spanning at least two bins and covered at least twice,
    each bin is compared with the bins at the same phase (the same hour of the day for a daily
    series), so a daily job is not a daily burst, while extra lines off its schedule are.
    """
    arr = _array(ts)
    if arr.size < min_count:
        return []
    origin = math.floor(arr[0] / bin_width) * bin_width  # bins aligned to the clock
    counts = bin_counts(arr, bin_width, origin).astype(float)
    phases = np.zeros(counts.size, dtype=np.int64)
    if period is not None and period >= 2 * bin_width and counts.size * bin_width >= 2 * period:
        per_period = max(int(round(period / bin_width)), 1)
        phases = np.arange(counts.size) % per_period
    baseline = np.zeros(counts.size)
    scale = np.ones(counts.size)
    for phase in np.unique(phases):
        sel = phases == phase
        median = float(np.median(counts[sel]))
        mad = float(np.median(np.abs(counts[sel] - median)))
        baseline[sel] = median
        scale[sel] = max(1.4826 * mad, math.sqrt(median), 1.0)
    hot = (counts >= min_count) & (counts > baseline + k * scale)
    out: list[Burst] = []
    i = 0
    while i < counts.size:
        if not hot[i]:
            i += 1
            continue
        j = i
        while j + 1 < counts.size and hot[j + 1]:
            j += 1
        run = counts[i : j + 1]
        out.append(
            Burst(origin + i * bin_width, origin + (j + 1) * bin_width, int(run.sum()), int(run.max()),
                  float(baseline[i : j + 1].mean()))
        )  # fmt: skip
        i = j + 1
    return out
