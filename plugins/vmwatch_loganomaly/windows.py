"""Event series cut into windows and binarised for the causal graph, with every filter decision kept.

Pure functions. Input: counts per (bin, series) — a series is a template group, or a (group,
host) pair when graphs are per host. Output per window: the binary matrix PC takes (bins ×
kept series, count ≥ 1 → 1) and, for every series, why it is in the matrix or not, so an
operator can see why a node is missing from a window's graph.

Windows are aligned to `origin` + k·step (epoch 0 by default: day windows start at midnight
UTC), so adding data later adds windows and never moves the old ones. Length and step are free:
step < length gives overlapping windows (logdag: 30 h every 24 h).

Filters, in logdag's order ("replace+linear"), each optional:
1. absent: no event in the window → dropped.
2. size test: fewer than `min_events` events or spread over less than `min_span` → the
   periodic and constant-rate tests are skipped (too little to judge), the series is kept.
3. periodic: the FFT test of `stats.periodicity` on the last 1 day, then the last 7 days, up to the
   window's end (looking back before the window when the store has it). A periodic series has its
   periodic part removed as logdag does (spectral components above `peak_ratio` × the largest
   kept, the bins where that filtered signal is at least `restore` × its maximum and the series
   fired lose the median count there) and keeps the off-schedule residue; dropped when nothing is
   left.
4. constant rate: with at least `linear_min_events` events, the cumulative count compared with a
   straight line over the window: Σ(cum − line)² / (bins · events) < `linear_threshold` → dropped
   (a series arriving evenly carries no incident; bursts are far from the line).
5. constant: present in every bin after binarisation → dropped (no variation to test).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable, Sequence

import numpy as np

from vmwatch_loganomaly.stats import periodicity

DAY = 86400.0

# Decisions: what happened to a series in a window.
KEPT = "kept"
RESIDUE = "kept-residue"
DROPPED = "dropped"


@dataclasses.dataclass(frozen=True)
class SeriesCounts:
    """Counts per bin for each series: counts[b, j] events of series keys[j] in bin b.

    Bin b covers [start + b·width, start + (b+1)·width).
    """

    start: float
    width: float
    keys: tuple[Hashable, ...]
    counts: np.ndarray

    def __post_init__(self) -> None:
        if self.width <= 0:
            raise ValueError(f"bin width must be positive, got {self.width}")
        if self.counts.ndim != 2 or self.counts.shape[1] != len(self.keys):
            raise ValueError(f"counts must be bins × {len(self.keys)} series, got shape {self.counts.shape}")

    @property
    def end(self) -> float:
        return self.start + self.counts.shape[0] * self.width


def bin_events(
    times: np.ndarray,
    series: np.ndarray,
    keys: Sequence[Hashable],
    start: float,
    end: float,
    width: float = 60.0,
) -> SeriesCounts:
    """Count events (timestamp, series index into keys) into bins of `width` over [start, end)."""
    times = np.asarray(times, dtype=float)
    series = np.asarray(series, dtype=np.int64)
    bins = max(0, math.ceil((end - start) / width))
    inside = (times >= start) & (times < start + bins * width)
    b = ((times[inside] - start) // width).astype(np.int64)
    flat = np.bincount(b * len(keys) + series[inside], minlength=bins * len(keys))
    return SeriesCounts(start, width, tuple(keys), flat.reshape(bins, len(keys)))


@dataclasses.dataclass(frozen=True)
class FilterConfig:
    """logdag's series filters (defaults from its config); `enabled=False` keeps every series that occurs."""

    enabled: bool = True
    min_events: int = 5
    min_span: float = 6 * 3600.0
    periodic: bool = True
    periodic_samples: tuple[float, ...] = (DAY, 7 * DAY)
    peak_ratio: float = 0.4
    regularity: float = 0.1
    restore: float = 0.5
    constant_rate: bool = True
    linear_min_events: int = 10
    linear_threshold: float = 0.5


@dataclasses.dataclass(frozen=True)
class WindowConfig:
    """Window length and step in seconds (1 day by default), aligned to `origin`."""

    length: float = DAY
    step: float = DAY
    origin: float = 0.0
    filters: FilterConfig = FilterConfig()

    def __post_init__(self) -> None:
        if self.length <= 0 or self.step <= 0:
            raise ValueError(f"window length and step must be positive, got {self.length}, {self.step}")


@dataclasses.dataclass(frozen=True)
class Decision:
    """Why a series is (or is not) a node of a window's graph.

    action: kept, kept-residue (periodic part removed) or dropped; reason: absent, constant,
    periodic, constant-rate, untested (too few events to filter), passed; detail: numbers behind it.
    """

    key: Hashable
    action: str
    reason: str
    events: int
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class Window:
    """One window: the binary matrix for PC (bins × kept series) and a decision per series."""

    start: float
    end: float
    keys: tuple[Hashable, ...]
    matrix: np.ndarray
    decisions: tuple[Decision, ...]

    def why(self, key: Hashable) -> Decision:
        """The decision about one series (KeyError when the series is unknown)."""
        for d in self.decisions:
            if d.key == key:
                return d
        raise KeyError(key)

    def dropped(self) -> list[Decision]:
        return [d for d in self.decisions if d.action == DROPPED]


def spans(
    data_start: float, data_end: float, config: WindowConfig = WindowConfig()
) -> list[tuple[float, float]]:
    """Complete windows [s, s + length) inside [data_start, data_end), s = origin + k·step."""
    first = math.ceil((data_start - config.origin) / config.step)
    out = []
    k = first
    while config.origin + k * config.step + config.length <= data_end + 1e-9:
        s = config.origin + k * config.step
        out.append((s, s + config.length))
        k += 1
    return out


def windows(series: SeriesCounts, config: WindowConfig = WindowConfig()) -> list[Window]:
    """Every complete window of the series (see `spans`)."""
    return [window(series, s, e, config.filters) for s, e in spans(series.start, series.end, config)]


def window(series: SeriesCounts, start: float, end: float, filters: FilterConfig = FilterConfig()) -> Window:
    """One window [start, end) of the series, filtered and binarised."""
    b0 = _bin(series, start)
    b1 = _bin(series, end)
    if b0 < 0 or b1 > series.counts.shape[0] or b1 <= b0:
        raise ValueError(f"window [{start}, {end}) is not inside the series [{series.start}, {series.end})")
    kept_keys: list[Hashable] = []
    columns: list[np.ndarray] = []
    decisions: list[Decision] = []
    for j, key in enumerate(series.keys):
        values, decision = _filter(series, j, b0, b1, filters)
        decisions.append(decision)
        if decision.action != DROPPED:
            kept_keys.append(key)
            columns.append(values)
    bins = b1 - b0
    matrix = np.column_stack(columns).astype(np.uint8) if columns else np.zeros((bins, 0), dtype=np.uint8)
    return Window(start, end, tuple(kept_keys), matrix, tuple(decisions))


def _bin(series: SeriesCounts, t: float) -> int:
    return round((t - series.start) / series.width)


def _filter(series: SeriesCounts, j: int, b0: int, b1: int, f: FilterConfig) -> tuple[np.ndarray, Decision]:
    """Binary column of series j in bins [b0, b1) and the decision that produced it."""
    key = series.keys[j]
    counts = series.counts[b0:b1, j].astype(np.int64)
    events = int(counts.sum())
    if events == 0:
        return counts, Decision(key, DROPPED, "absent", 0)
    action, reason, detail = KEPT, "passed", ""
    if f.enabled:
        fired = np.flatnonzero(counts)
        span = (fired[-1] - fired[0] + 1) * series.width
        if events < f.min_events or span < f.min_span:
            reason = "untested"
            detail = f"{events} events over {span / 3600:.1f} h (filters need {f.min_events} over {f.min_span / 3600:.0f} h)"
        else:
            if f.periodic:
                found = _periodic_residue(series, j, b0, b1, f)
                if found is not None:
                    counts, period = found
                    detail = f"period {period:.0f} s"
                    if counts.max(initial=0) <= 0:
                        return counts.clip(0), Decision(key, DROPPED, "periodic", events, detail)
                    action, reason = RESIDUE, "periodic"
            if f.constant_rate:
                rate = _linearity(counts.clip(0))
                if (
                    rate is not None
                    and rate < f.linear_threshold
                    and int(counts.clip(0).sum()) >= f.linear_min_events
                ):
                    return counts, Decision(
                        key, DROPPED, "constant-rate", events, f"deviation {rate:.3f} < {f.linear_threshold}"
                    )
    binary = (counts >= 1).astype(np.uint8)
    if binary.all():
        return binary, Decision(key, DROPPED, "constant", events, "present in every bin")
    return binary, Decision(key, action, reason, events, detail)


def _periodic_residue(
    series: SeriesCounts, j: int, b0: int, b1: int, f: FilterConfig
) -> tuple[np.ndarray, float] | None:
    """(window counts minus the periodic part, period) when a look-back sample is periodic."""
    for length in f.periodic_samples:
        lo = max(0, b1 - round(length / series.width))
        sample = series.counts[lo:b1, j].astype(np.int64)
        fired = np.flatnonzero(sample)
        times = series.start + (lo + np.repeat(fired, sample[fired])) * series.width
        result = periodicity(times, bin_width=series.width, peak_ratio=f.peak_ratio, regularity=f.regularity)
        if result.periodic:
            residue = _remove_periodic_part(sample, f.peak_ratio, f.restore)
            return residue[b0 - lo :], float(result.period)
    return None


def _remove_periodic_part(sample: np.ndarray, peak_ratio: float, restore: float) -> np.ndarray:
    """logdag's fourier_replace: keep strong spectral components, subtract the median count where they fire."""
    spectrum = np.fft.fft(sample)
    strength = np.abs(spectrum)
    spectrum[strength <= peak_ratio * strength.max()] = 0
    filtered = np.real(np.fft.ifft(spectrum))
    on_schedule = (sample > 0) & (filtered >= restore * filtered.max())
    if not on_schedule.any():
        return sample
    periodic = np.zeros(sample.size)
    periodic[on_schedule] = np.median(sample[on_schedule])
    return np.round(sample - periodic).astype(np.int64)


def _linearity(counts: np.ndarray) -> float | None:
    """logdag's constant-rate statistic: Σ(cumulative − straight line)² / (bins · events)."""
    events = int(counts.sum())
    if events == 0:
        return None
    bins = counts.size
    cumulative = np.cumsum(counts)
    line = np.linspace(0, events, bins, endpoint=False)
    return float(((cumulative - line) ** 2).sum() / (bins * events))
