"""Windows through causal discovery, in parallel and incrementally (steps 5-7 end to end).

`run(store, config)`:
1. template groups: the store's (`vmwatch logs groups`); templates not grouped yet (new since)
   are grouped with the default settings first (stable: old groups keep their ids);
2. the complete windows of the data (`windows.spans`; a window is complete once the data reach
   its last bin) that this configuration has not computed yet: adding a day of logs computes only
   the new windows (`recompute=True` redoes them all). Computed windows whose input changed since
   (late lines: events ingested after the window was computed whose bins lie in the window or its
   look-back) are computed again, and only those (`stale`);
3. one task per window: the window's sparse counts plus the look-back the periodicity filter
   needs (7 days), only the series present in the window; workers build the binarised matrix
   (`windows.window`, filter decisions kept) and the CPDAG (`causal.pc`);
4. each finished window is written at once with its edges and decisions (`results`), so a killed
   run resumes where it stopped. The edge history is read from those tables, so it is current as
   soon as a window lands.

Workers: a `concurrent.futures` process pool by default (`workers` processes, default: CPUs),
in-process with `workers=0`, or a Dask cluster given its scheduler address (`dask.distributed`,
imported only then). Tasks are submitted a few at a time per worker, so memory stays bounded.
Every window's result depends only on the data, never on the executor or the order.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from vmwatch_loganomaly import groups as grouping
from vmwatch_loganomaly import results
from vmwatch_loganomaly.causal import LOGDAG_SAMPLE_GUARD, PCOptions, pc
from vmwatch_loganomaly.errors import ConfigError
from vmwatch_loganomaly.series import EventCounts, bins_since, group_counts, node_name
from vmwatch_loganomaly.windows import DAY, FilterConfig, SeriesCounts, WindowConfig, spans, window


@dataclasses.dataclass(frozen=True)
class AnalysisConfig:
    """Everything a window's graph depends on; stored as canonical JSON (one `analysis` row each).

    length, step, origin: windows [origin + k·step, + length) in seconds (1 day by default);
    bin_width: seconds per bin (60); per_host: a node per (group, host) instead of per group;
    filters: logdag's series filters; alpha, sample_guard, max_depth: the PC settings (logdag's
    α = 0.01 and its small-sample guard n < 10·2^|S| → independent by default).
    """

    length: float = DAY
    step: float = DAY
    origin: float = 0.0
    bin_width: float = 60.0
    per_host: bool = False
    filters: FilterConfig = dataclasses.field(default_factory=FilterConfig)
    alpha: float = 0.01
    sample_guard: float | None = LOGDAG_SAMPLE_GUARD
    max_depth: int | None = None

    def __post_init__(self) -> None:
        if self.bin_width <= 0:
            raise ConfigError(f"bin width must be positive, not {self.bin_width}")
        for name in ("length", "step"):
            value = getattr(self, name)
            if value <= 0 or abs(value / self.bin_width - round(value / self.bin_width)) > 1e-9:
                raise ConfigError(f"window {name} must be a positive multiple of the bin width, not {value}")
        try:
            _ = self.pc_options
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    @property
    def windows(self) -> WindowConfig:
        return WindowConfig(self.length, self.step, self.origin, self.filters)

    @property
    def pc_options(self) -> PCOptions:
        return PCOptions(self.alpha, self.sample_guard, self.max_depth)

    @property
    def lookback(self) -> float:
        """How far before a window's end its series are read (the periodicity filter's samples)."""
        f = self.filters
        periodic = max(f.periodic_samples) if f.enabled and f.periodic and f.periodic_samples else 0.0
        return max(self.length, periodic)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AnalysisConfig:
        data = json.loads(text)
        filters = data.pop("filters")
        filters["periodic_samples"] = tuple(filters["periodic_samples"])
        return cls(filters=FilterConfig(**filters), **data)

    @property
    def label(self) -> str:
        """`1d`, `2h`, `30h/1d` (length/step when they differ), `+host` for per-host graphs."""
        text = duration_label(self.length)
        if self.step != self.length:
            text += "/" + duration_label(self.step)
        return text + ("+host" if self.per_host else "")


def duration_label(seconds: float) -> str:
    for unit, size in (("d", DAY), ("h", 3600.0), ("m", 60.0)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def parse_duration(text: str) -> float:
    """`1d`, `2h`, `90m`, `30s` or plain seconds → seconds."""
    units = {"d": DAY, "h": 3600.0, "m": 60.0, "s": 1.0}
    text = text.strip()
    try:
        if text and text[-1] in units:
            return float(text[:-1]) * units[text[-1]]
        return float(text)
    except ValueError:
        raise ConfigError(f"not a duration: {text!r} (use 1d, 2h, 90m, 30s or seconds)") from None


@dataclasses.dataclass(frozen=True)
class WindowTask:
    """One window's input: sparse counts of the series present in it, from `lookback_start`."""

    start: float
    end: float
    lookback_start: float
    counts: EventCounts
    filters: FilterConfig
    options: PCOptions


def compute(task: WindowTask) -> results.WindowResult:
    """A window's graph: filters and binarisation (`windows.window`), then PC (pure; runs in workers)."""
    started = time.perf_counter()
    series: SeriesCounts = task.counts.dense(task.lookback_start, task.end, only=range(len(task.counts.keys)))
    w = window(series, task.start, task.end, task.filters)
    names = tuple(node_name(k) for k in w.keys)
    graph = pc(w.matrix, task.options, names)
    decisions = tuple(
        (node_name(d.key), d.action, d.reason, d.events, d.detail)
        for d in w.decisions
        if d.reason != "absent"
    )
    return results.WindowResult(
        task.start, task.end, len(series.keys), names, tuple(graph.edges()), decisions,
        time.perf_counter() - started,
    )  # fmt: skip


@dataclasses.dataclass(frozen=True)
class RunSummary:
    analysis: int
    label: str
    windows: int  # complete windows in the data
    computed: int  # computed by this run
    recomputed: int  # of those, computed before but their input changed since (late lines)
    seconds: float
    pc_seconds: float  # summed over the computed windows (worker time)


def ensure_groups(store) -> dict[int, int]:
    """template id → group id, grouping the templates not grouped yet (default settings)."""
    assignment = store.groups()
    texts = {tid: text for tid, text in store.db.execute("SELECT id, template FROM template")}
    if set(texts) - set(assignment):
        if assignment:  # keep the operator's groups; new templates join them by the default rule
            fresh = grouping.group_templates(texts)
            assignment = {**fresh, **assignment}
        else:
            assignment = grouping.group_templates(texts)
        store.write_groups(sorted(assignment.items()))
    return assignment


def data_bounds(store, config: AnalysisConfig) -> tuple[float, float] | None:
    """[start of the first bin with data, end of the last one) on the bin grid; None without events."""
    first, last = store.db.execute("SELECT min(ts), max(ts) FROM event").fetchone()
    if first is None:
        return None
    w, o = config.bin_width, config.origin
    return o + math.floor((first - o) / w) * w, o + (math.floor((last - o) / w) + 1) * w


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a run computes: `pending` windows of the `windows` complete in the data, `stale` of them
    computed before (their input changed since); `data_start` as read, and the store's last event
    rowid read before it (recorded with each window computed from this plan)."""

    analysis: int
    pending: list[tuple[float, float]]
    windows: int
    stale: int
    data_start: float
    last_event: int


def plan(store, config: AnalysisConfig, recompute: bool = False) -> Plan:
    """The windows still to compute: new ones, and stale ones (see `stale_windows`)."""
    aid = results.analysis_id(store, config.to_json())
    # read first: rows ingested while this run reads its input have higher rowids, so the next
    # run checks them again (a needless recompute at worst, never a missed one)
    last = results.last_event(store)
    bounds = data_bounds(store, config)
    if bounds is None:
        return Plan(aid, [], 0, 0, 0.0, last)
    every = spans(bounds[0], bounds[1], config.windows)
    if recompute:
        results.delete_analysis_windows(store, aid)
        return Plan(aid, every, len(every), 0, bounds[0], last)
    stored = results.windows(store, aid)
    stale = stale_windows(store, stored, bounds[0], config)
    # the others reflect every event up to `last`: the next run checks only the events after it
    results.advance(store, [w.id for w in stored if w.start not in stale and w.last_event < last], last)
    done = {w.start for w in stored} - stale
    pending = [s for s in every if s[0] not in done]
    return Plan(aid, pending, len(every), sum(1 for s in pending if s[0] in stale), bounds[0], last)


def input_start(start: float, end: float, data_start: float, config: AnalysisConfig) -> float:
    """Where a window's input begins: `config.lookback` before its end (not after its start), not
    before the data. Its result depends only on the events in [input_start, end)."""
    return max(data_start, min(start, end - config.lookback))


def stale_windows(
    store, stored: Iterable[results.StoredWindow], data_start: float, config: AnalysisConfig
) -> set[float]:
    """Starts of the computed windows whose input changed since: an event ingested after the
    window (rowid > its `last_event`) lies in [input_start, end). Chronological ingestion adds
    events after every computed window's end, so it makes none stale.

    One pass over the events ingested since the oldest `last_event` (`series.bins_since`)."""
    stored = list(stored)
    if not stored:
        return set()
    bins, newest = bins_since(store, min(w.last_event for w in stored), config.bin_width, config.origin)
    if not bins.size:
        return set()
    grid = lambda t: round((t - config.origin) / config.bin_width)
    stale = set()
    for w in stored:
        lo, hi = np.searchsorted(bins, [grid(input_start(w.start, w.end, data_start, config)), grid(w.end)])
        if hi > lo and newest[lo:hi].max() > w.last_event:
            stale.add(w.start)
    return stale


def tasks(counts: EventCounts, pending: Iterable[tuple[float, float]], data_start: float,
          config: AnalysisConfig) -> Iterator[WindowTask]:  # fmt: skip
    """One task per window, built lazily (each holds only its own slice of the counts)."""
    for start, end in pending:
        lookback_start = input_start(start, end, data_start, config)
        part = counts.slice(lookback_start, end)
        active = counts.active(start, end)
        keep = np.isin(part.series, active)
        remap = np.full(len(counts.keys), -1, dtype=np.int64)
        remap[active] = np.arange(active.size)
        sub = EventCounts(
            counts.origin, counts.width, tuple(counts.keys[i] for i in active),
            part.bins[keep], remap[part.series[keep]], part.counts[keep],
        )  # fmt: skip
        yield WindowTask(start, end, lookback_start, sub, config.filters, config.pc_options)


def run(
    store,
    config: AnalysisConfig = AnalysisConfig(),
    workers: int | None = None,
    scheduler: str | None = None,
    recompute: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RunSummary:
    """Compute the windows of `config` not in the store yet (see the module docstring)."""
    started = time.perf_counter()
    assignment = ensure_groups(store)
    p = plan(store, config, recompute)
    pc_seconds = 0.0
    if p.pending:
        lo = min(input_start(s, e, p.data_start, config) for s, e in p.pending)
        hi = max(e for _, e in p.pending)
        counts = group_counts(store, assignment, config.bin_width, config.origin, config.per_host, lo, hi)
        jobs = tasks(counts, p.pending, p.data_start, config)
        # a stale window stays readable until its new result replaces it (one transaction)
        for done, result in enumerate(execute(jobs, workers, scheduler), start=1):
            results.write_window(store, p.analysis, result, p.last_event)
            pc_seconds += result.seconds
            if progress:
                progress(done, len(p.pending))
    elapsed = time.perf_counter() - started
    return RunSummary(p.analysis, config.label, p.windows, len(p.pending), p.stale, elapsed, pc_seconds)


def execute(
    jobs: Iterable[WindowTask], workers: int | None = None, scheduler: str | None = None
) -> Iterator[results.WindowResult]:
    """Results of `compute` over the tasks, in completion order."""
    if scheduler:
        yield from _dask(jobs, scheduler)
    elif workers == 0:
        yield from map(compute, jobs)
    else:
        yield from _pool(jobs, workers or os.cpu_count() or 1)


def _pool(jobs: Iterable[WindowTask], workers: int) -> Iterator[results.WindowResult]:
    queue = iter(jobs)
    with cf.ProcessPoolExecutor(max_workers=workers) as pool:
        running = {pool.submit(compute, t) for t in _take(queue, 2 * workers)}
        while running:
            finished, running = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                yield future.result()
            running |= {pool.submit(compute, t) for t in _take(queue, len(finished))}


def _dask(jobs: Iterable[WindowTask], address: str) -> Iterator[results.WindowResult]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ConfigError(
            'a scheduler address needs dask.distributed: pip install "dask[distributed]"'
        ) from None
    queue = iter(jobs)
    try:
        client = Client(address, timeout=30)
    except OSError as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        slots = 2 * max(1, sum(client.nthreads().values()))
        pending = as_completed([client.submit(compute, t, pure=False) for t in _take(queue, slots)])
        for future in pending:
            yield future.result()
            future.release()
            for t in _take(queue, 1):
                pending.add(client.submit(compute, t, pure=False))


def _take(queue: Iterator, n: int) -> list:
    out: list = []
    if n <= 0:
        return out
    for item in queue:
        out.append(item)
        if len(out) >= n:
            break
    return out
