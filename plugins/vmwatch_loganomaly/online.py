"""The `loganomaly` analyser: live syslog → templates → per-bin counts → causal graph per window.

Configured by `[analyser.loganomaly]` (see `OPTIONS`); started by `vmwatch serve` like an
exporter (`start(cache)` / `stop()`). Threads, each with one job:

- the receiver's socket threads (`receiver`) and, for `files`, one tail thread (`tail`) put lines
  on one bounded queue;
- the analysis thread takes lines, parses them (`lines.Parser`, RFC 3164/5424/ISO), classifies
  them (`templates.TemplateMiner`, learning new templates; a new template joins a group at once
  and keeps it), counts events per (bin, group) and flushes counts, host counters and templates
  to the store every `flush` seconds (`livestore`);
- when a window has closed (its end plus one bin has passed), its graph is computed OFF that
  thread, in a one-worker pool (`pipeline.compute`: filters, PC-stable), then stored and judged
  against the edge history (`live.judge`); the Prometheus exporter keeps answering meanwhile;
- VM state changes from the event hub (`cache.events`) enter as events of their own (`live`).

Restart: templates, groups, counts and windows come back from the store; windows closed while
vmwatch was down are computed from the stored counts, so the history has no holes.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import datetime as dt
import logging
import queue
import threading
import time
from collections import Counter, deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vmwatch.backend import Options, Problem
from vmwatch_loganomaly import live
from vmwatch_loganomaly.causal import PCOptions
from vmwatch_loganomaly.edges import WindowEdges
from vmwatch_loganomaly.errors import ConfigError, MalformedLine
from vmwatch_loganomaly.lines import Clock, Parser, YearGuess, zone
from vmwatch_loganomaly.livestore import LiveStore
from vmwatch_loganomaly.pipeline import WindowTask, compute, parse_duration
from vmwatch_loganomaly.receiver import Receiver, ReceiverConfig
from vmwatch_loganomaly.tail import Follower
from vmwatch_loganomaly.templates import TemplateMiner, TemplateState
from vmwatch_loganomaly.windows import FilterConfig

if TYPE_CHECKING:
    from vmwatch.poller import SnapshotCache

log = logging.getLogger(__name__)

OPTIONS = {
    "state": "SQLite file for templates, counts and windows (default /var/lib/vmwatch/loganomaly-live.sqlite)",
    "bind": "address the syslog receiver listens on (default 127.0.0.1; 0.0.0.0 or :: for remote hosts)",
    "udp_port": "syslog UDP port (default 5514; false: no UDP)",
    "tcp_port": "syslog TCP port (default 5514; false: no TCP)",
    "files": "log files to follow across rotation (default none)",
    "bin": "bin length (default 60s; down to seconds for tests)",
    "window": "window length, a multiple of the bin (default 1h)",
    "rare_windows": "an edge seen in at most this many windows is rare (default 5)",
    "warmup": "windows before rare edges are reported (default 24)",
    "top_k": "rare edges exposed with their templates (default 10)",
    "alpha": "significance level of the G² tests (default 0.01)",
    "filters": "logdag's periodic/constant series filters (default true)",
    "max_depth": "largest conditioning set of the PC algorithm (default: no limit; 0: pairwise dependence only)",
    "timezone": "zone of RFC 3164 timestamps (default UTC)",
    "max_line": "longest line kept, in bytes (default 8192)",
    "queue_size": "lines buffered before dropping (default 100000)",
    "max_hosts": "hosts counted by name; more are counted as 'other' (default 1000)",
    "max_templates": "templates learnt at most; lines beyond are counted by host only (default 20000)",
    "flush": "seconds between writes of counts to the store (default 1)",
    "alertmanager_url": "post an alert to this Alertmanager (http://host:9093) when a window has rare edges",
    "alert_rare_edges": "rare edges in a window that make an alert for alertmanager_url (default 3)",
}


@dataclasses.dataclass(frozen=True)
class LiveConfig:
    """Validated `[analyser.loganomaly]` options."""

    state: Path = Path("/var/lib/vmwatch/loganomaly-live.sqlite")
    receiver: ReceiverConfig = dataclasses.field(default_factory=ReceiverConfig)
    files: tuple[str, ...] = ()
    bin_seconds: float = 60.0
    window_bins: int = 60
    rare_windows: int = 5
    warmup: int = 24
    top_k: int = 10
    alpha: float = 0.01
    filters: bool = True
    max_depth: int | None = None
    timezone: str = "UTC"
    max_hosts: int = 1000
    max_templates: int = 20_000
    flush: float = 1.0
    alertmanager_url: str | None = None
    alert_rare_edges: int = 3

    @property
    def window_seconds(self) -> float:
        return self.bin_seconds * self.window_bins


def parse_options(options: Options) -> tuple[LiveConfig, list[Problem]]:
    """Options → config, or the problems found (every one, not only the first)."""
    problems = [
        Problem(k, f"unknown key (expected one of {', '.join(OPTIONS)})") for k in options if k not in OPTIONS
    ]
    values: dict[str, Any] = {}

    def number(key: str, kind: type, default, minimum) -> Any:
        value = options.get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (kind is int and not isinstance(value, int))
        ):
            problems.append(Problem(key, f"must be a {kind.__name__}, not {value!r}"))
            return default
        if value < minimum:
            problems.append(Problem(key, f"must be at least {minimum}, not {value}"))
            return default
        return kind(value)

    def port(key: str) -> int | None:
        value = options.get(key, 5514)
        if value is False:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
            problems.append(Problem(key, f"must be a port number or false, not {value!r}"))
            return None
        return value

    bind = options.get("bind", "127.0.0.1")
    if not isinstance(bind, str) or not bind:
        problems.append(Problem("bind", f"must be an address, not {bind!r}"))
        bind = "127.0.0.1"
    receiver = ReceiverConfig(
        bind=bind, udp_port=port("udp_port"), tcp_port=port("tcp_port"),
        max_line=number("max_line", int, 8192, 256), queue_size=number("queue_size", int, 100_000, 1),
    )  # fmt: skip
    durations = {}
    for key, default in (("bin", "60s"), ("window", "1h")):
        text = options.get(key, default)
        try:
            durations[key] = parse_duration(str(text))
            if durations[key] <= 0:
                raise ConfigError("must be positive")
        except ConfigError as exc:
            problems.append(Problem(key, str(exc)))
            durations[key] = parse_duration(default)
    bins = durations["window"] / durations["bin"]
    if abs(bins - round(bins)) > 1e-9 or round(bins) < 2:
        problems.append(Problem("window", "must be a multiple of the bin, at least two bins"))
        bins = 60
    files = options.get("files", [])
    if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
        problems.append(Problem("files", f"must be a list of file paths, not {files!r}"))
        files = []
    try:
        zone(options.get("timezone", "UTC"))
    except ConfigError as exc:
        problems.append(Problem("timezone", str(exc)))
    url = options.get("alertmanager_url")
    if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
        problems.append(Problem("alertmanager_url", f"must be an http(s) URL, not {url!r}"))
        url = None
    filters = options.get("filters", True)
    if not isinstance(filters, bool):
        problems.append(Problem("filters", f"must be true or false, not {filters!r}"))
        filters = True
    state = options.get("state", str(LiveConfig.state))
    if not isinstance(state, str) or not state:
        problems.append(Problem("state", f"must be a file path, not {state!r}"))
        state = str(LiveConfig.state)
    alpha = options.get("alpha", 0.01)
    if isinstance(alpha, bool) or not isinstance(alpha, float | int) or not 0 < alpha < 1:
        problems.append(Problem("alpha", f"must be in (0, 1), not {alpha!r}"))
        alpha = 0.01
    max_depth = options.get("max_depth")
    if max_depth is not None and (
        isinstance(max_depth, bool) or not isinstance(max_depth, int) or max_depth < 0
    ):
        problems.append(Problem("max_depth", f"must be a whole number ≥ 0, not {max_depth!r}"))
        max_depth = None
    values.update(
        state=Path(state), receiver=receiver, files=tuple(files), bin_seconds=durations["bin"],
        window_bins=round(bins), rare_windows=number("rare_windows", int, 5, 1), warmup=number("warmup", int, 24, 0),
        top_k=number("top_k", int, 10, 0), alpha=float(alpha), filters=filters, max_depth=max_depth,
        timezone=options.get("timezone", "UTC") if isinstance(options.get("timezone", "UTC"), str) else "UTC",
        max_hosts=number("max_hosts", int, 1000, 1), max_templates=number("max_templates", int, 20_000, 1), flush=number("flush", float, 1.0, 0.01),
        alertmanager_url=url, alert_rare_edges=number("alert_rare_edges", int, 3, 1),
    )  # fmt: skip
    return LiveConfig(**values), problems


def check(options: Options) -> list[Problem]:
    """Problems with `[analyser.loganomaly]` options."""
    return parse_options(options)[1]


@dataclasses.dataclass(frozen=True)
class RareEdge:
    """One rare edge of the last window, with its ends' template groups and readable texts."""

    from_group: str
    to_group: str
    from_template: str
    to_template: str
    tfidf: float


@dataclasses.dataclass(frozen=True)
class LastWindow:
    """The verdict on the latest closed window, as metrics show it."""

    start: float
    end: float
    edges: int
    rare: int
    score: float
    rare_edges: tuple[RareEdge, ...]
    seconds: float


class LiveAnalyser:
    """The running analyser (see the module docstring)."""

    def __init__(self, config: LiveConfig, clock=time.time):
        self.config = config
        self.clock = clock
        self.receiver = Receiver(config.receiver)
        self.store: LiveStore | None = None
        self.miner: TemplateMiner | None = None
        self.group_of: dict[int, int] = {}
        self.texts: dict[int, str] = {}  # group → a readable template text (its first template)
        self.vm_templates: dict[str, int] = {}
        self.hosts: Counter[str] = Counter()  # lines by host since the store's totals
        self.parse_errors: Counter[str] = Counter()
        self.new_templates = 0
        self.unclassified = 0
        self.windows_computed = 0
        self.window_errors = 0
        self.last: LastWindow | None = None
        self.alerts_sent = 0
        self.alert_errors = 0
        self._pending: Counter[tuple[int, int]] = Counter()
        self._pending_hosts: dict[str, list[int]] = {}
        self._pending_templates: dict[int, float] = {}
        self._vm_events: deque = deque(maxlen=10_000)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pool: cf.ThreadPoolExecutor | None = None
        self._future: cf.Future | None = None
        self._next_window: int | None = None  # first bin of the next window to close
        self._cache: SnapshotCache | None = None
        self._host_totals: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self, cache: SnapshotCache | None) -> None:
        """Restore the state, bind the receiver, start the threads; raise on a fatal setup error."""
        cfg = self.config
        self.store = LiveStore(cfg.state)
        rows = self.store.templates()
        mined = [s for s, _ in rows if s.id < live.VM_EVENT_BASE]
        self.miner = TemplateMiner(states=mined)
        self.grouping = live.GroupIndex()
        for state, group in rows:
            self.group_of[state.id] = group
            if state.id < live.VM_EVENT_BASE:
                self.grouping.add(state.id, state.template, group)
            self.texts.setdefault(group, state.template)
            if state.id >= live.VM_EVENT_BASE:
                self.vm_templates[state.template] = state.id
        self._host_totals = self.store.host_counts()
        nxt = self.store.meta("next_window")
        self._next_window = int(nxt) if nxt is not None else None
        last = self.store.last_window()
        if last is not None:
            self.windows_computed = last["windows"]
        self.parser = Parser(Clock(zone(cfg.timezone)), YearGuess(dt.datetime.now(dt.UTC).date()))
        self._pool = cf.ThreadPoolExecutor(1, thread_name_prefix="loganomaly-window")
        self.receiver.start()
        events = getattr(cache, "events", None) if cache is not None else None
        if events is not None:
            events.subscribe(self._on_state_change)
        self._cache = cache
        self._spawn(self._analyse, "loganomaly")
        if cfg.files:
            followers = [Follower(p) for p in cfg.files]  # opened now: lines written after start() count
            self._spawn(lambda: self._tail(followers), "loganomaly-tail")

    def stop(self) -> None:
        """Flush what is counted, stop every thread, close the store; must not raise."""
        self._stop.set()
        events = getattr(self._cache, "events", None)
        if events is not None:
            events.unsubscribe(self._on_state_change)
        self.receiver.stop()
        for t in self._threads:
            t.join(timeout=10)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        if self.store is not None:
            try:
                self._flush()
            except Exception:
                log.exception("loganomaly: last flush failed")
            self.store.close()

    def _spawn(self, target, name: str) -> None:
        t = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(t)
        t.start()

    # --- input -------------------------------------------------------------------------------

    def _on_state_change(self, change) -> None:
        """Event hub listener: queue and return (the hub calls it on its own thread)."""
        from vmwatch.events import state_label

        self._vm_events.append(
            (
                self.clock(),
                change.hypervisor,
                state_label(change.previous_oper_state),
                state_label(change.new_oper_state),
            )
        )

    def _tail(self, followers: list[Follower]) -> None:
        while not self._stop.wait(0.25):
            for f in followers:
                try:
                    lines = f.poll()
                except OSError:
                    log.exception("loganomaly: cannot read %s", f.path)
                    continue
                for line in lines:
                    try:
                        self.receiver.lines.put_nowait((str(f.path), line, self.clock()))
                    except queue.Full:
                        self.receiver.counts.dropped += 1
        for f in followers:
            f.close()

    # --- the analysis thread ------------------------------------------------------------------

    def _analyse(self) -> None:
        lines = self.receiver.lines
        next_flush = time.monotonic() + self.config.flush
        while not self._stop.is_set():
            try:
                peer, line, arrival = lines.get(timeout=0.1)
            except queue.Empty:
                pass
            else:
                self._line(peer, line, arrival)
                for _ in range(min(lines.qsize(), 10_000)):  # drain a burst without timeouts
                    self._line(*lines.get_nowait())
            while self._vm_events:
                self._vm_event(*self._vm_events.popleft())
            if time.monotonic() >= next_flush:
                next_flush = time.monotonic() + self.config.flush
                try:
                    self._flush()
                    self._close_windows()
                except Exception:
                    log.exception("loganomaly: flush failed; retrying")

    def _count(self, host: str, lines: int, errors: int) -> None:
        if (
            host not in self._host_totals
            and host not in self._pending_hosts
            and len(self._host_totals) + len(self._pending_hosts) >= self.config.max_hosts
        ):
            host = "other"
        pending = self._pending_hosts.setdefault(host, [0, 0])
        pending[0] += lines
        pending[1] += errors

    def _line(self, peer: str, line: str, arrival: float) -> None:
        try:
            rec = self.parser.parse(line)
        except MalformedLine:
            self._count(peer, 0, 1)
            return
        self._count(rec.host or peer, 1, 0)
        if len(self.miner) >= self.config.max_templates:
            # Bounded memory under any input: past the cap nothing new is learnt (the line is
            # counted by host, not in any series); LogNewTemplatesFlood has fired long before.
            self.unclassified += 1
            return
        tid = self.miner.classify(rec.program, rec.pid, rec.message)
        group = self.group_of.get(tid)
        if group is None:
            group = self._new_template(tid)
        self._pending[(live.bin_of(arrival, self.config.bin_seconds), group)] += 1

    def _new_template(self, tid: int) -> int:
        """Group a template seen for the first time (kept for good), remember it for the store."""
        text = self.miner.template(tid)
        group = self.grouping.add(tid, text)
        self.group_of[tid] = group
        self.texts.setdefault(group, text)
        self._pending_templates[tid] = self.clock()
        self.new_templates += 1
        return group

    def _vm_event(self, t: float, hypervisor: str, previous: str, new: str) -> None:
        text = live.vm_event_template(previous, new)
        tid = self.vm_templates.get(text)
        if tid is None:
            tid = live.VM_EVENT_BASE + len(self.vm_templates)
            self.vm_templates[text] = tid
            self.group_of[tid] = tid
            self.texts[tid] = text
            self._pending_templates[tid] = t
            self.new_templates += 1
        self._count(hypervisor, 1, 0)
        self._pending[(live.bin_of(t, self.config.bin_seconds), tid)] += 1

    def _flush(self) -> None:
        """Write pending counts, host counters and new or changed templates in one transaction."""
        templates = []
        changed = {s.id: s for s in self.miner.changes()}
        for tid in set(changed) | set(self._pending_templates):
            if tid >= live.VM_EVENT_BASE:
                state = TemplateState(tid, self.texts[tid], self.texts[tid])
            else:
                state = changed.get(tid) or TemplateState(
                    tid, self.miner.template(tid), self.miner.seeds[tid]
                )
            templates.append((state, self.group_of[tid], self._pending_templates.get(tid, self.clock())))
        if not (self._pending or self._pending_hosts or templates):
            return
        hosts = {h: (n, e) for h, (n, e) in self._pending_hosts.items()}
        self.store.add_counts(self._pending, hosts, templates)
        with self._lock:
            for h, (n, e) in hosts.items():
                old = self._host_totals.get(h, (0, 0))
                self._host_totals[h] = (old[0] + n, old[1] + e)
        self._pending = Counter()
        self._pending_hosts = {}
        self._pending_templates = {}

    # --- windows -----------------------------------------------------------------------------

    def _close_windows(self) -> None:
        """Submit the oldest closed window not computed yet (one at a time, off this thread)."""
        if self._future is not None and not self._future.done():
            return
        cfg = self.config
        now_bin = live.bin_of(self.clock(), cfg.bin_seconds)
        if self._next_window is None:
            first = self.store.first_bin()
            if first is None:
                return
            self._next_window = live.window_of(first, cfg.window_bins)
        start = self._next_window
        end = start + cfg.window_bins
        if now_bin < end + 1:  # one bin of grace for late lines
            return
        self._future = self._pool.submit(self._compute_window, start, end)

    def _compute_window(self, first_bin: int, end_bin: int) -> None:
        """Worker: one window's graph, stored and judged; the next window is due afterwards."""
        cfg = self.config
        started = time.perf_counter()
        try:
            rows = self.store.counts(first_bin, end_bin)
            start, end = first_bin * cfg.bin_seconds, end_bin * cfg.bin_seconds
            counts = live.event_counts(rows, cfg.bin_seconds)
            if len(counts.keys) >= 2:
                filters = FilterConfig() if cfg.filters else FilterConfig(enabled=False)
                task = WindowTask(
                    start, end, start, counts, filters, PCOptions(alpha=cfg.alpha, max_depth=cfg.max_depth)
                )
                result = compute(task)
                edges, nodes = result.edges, len(result.nodes)
            else:
                edges, nodes = (), len(counts.keys)
            window = WindowEdges(start, end, tuple(edges))
            history = [w for w in self.store.windows() if w.start < start] + [window]
            verdict = live.judge(history, cfg.rare_windows, cfg.warmup)
            seconds = time.perf_counter() - started
            self.store.write_window(window, nodes, len(verdict.rare), verdict.score, seconds,
                                    [list(k) for k, _ in verdict.rare])  # fmt: skip
            self.store.set_meta("next_window", str(end_bin))
            self._next_window = end_bin
            self.windows_computed = verdict.windows
            self.last = LastWindow(
                start, end, verdict.edges, len(verdict.rare), verdict.score,
                tuple(self._rare_edge(k, s) for k, s in verdict.rare[: cfg.top_k]), seconds,
            )  # fmt: skip
            log.info("loganomaly: window %s: %d edges, %d rare, score %.2f (%.2f s)",
                     dt.datetime.fromtimestamp(start, dt.UTC).isoformat(), verdict.edges, len(verdict.rare),
                     verdict.score, seconds)  # fmt: skip
            if cfg.alertmanager_url and len(verdict.rare) >= cfg.alert_rare_edges:
                self._post_alert()
        except Exception:
            self.window_errors += 1
            log.exception("loganomaly: window at bin %d failed", first_bin)
            self._next_window = end_bin  # skip it rather than retry forever
            self.store.set_meta("next_window", str(end_bin))

    def _rare_edge(self, key: tuple[str, str], tfidf: float) -> RareEdge:
        a, b = key
        return RareEdge(
            a, b, live.short(self.texts.get(int(a), "?")), live.short(self.texts.get(int(b), "?")), tfidf
        )

    def _post_alert(self) -> None:
        from vmwatch_loganomaly import alerting

        try:
            alerting.post(self.config.alertmanager_url, alerting.alert(self.last))
            self.alerts_sent += 1
        except OSError:
            self.alert_errors += 1
            log.exception("loganomaly: posting to %s failed", self.config.alertmanager_url)

    # --- for metrics --------------------------------------------------------------------------

    def host_totals(self) -> dict[str, tuple[int, int]]:
        """Lines and parse errors by host, durable across restarts (flushed counts)."""
        with self._lock:
            return dict(self._host_totals)

    def templates_known(self) -> int:
        return len(self.group_of)

    def prometheus_collector(self):
        """A prometheus_client collector of this analyser's metrics (the Prometheus exporter registers it)."""
        from vmwatch_loganomaly.livemetrics import LiveCollector

        return LiveCollector(self)


def create(options: Options) -> LiveAnalyser:
    config, problems = parse_options(options)
    if problems:
        raise ConfigError("; ".join(f"{p.key}: {p.reason}" for p in problems))
    return LiveAnalyser(config)
