"""`vmwatch serve` at run time: backends → pollers → snapshot cache → exporters.

Exporters start before the first read so that `up 0` is visible while a hypervisor is down. A
failing exporter is logged and the others go on. SIGTERM and SIGINT stop everything cleanly.

State changes: an `EventHub` follows the cache (polling diffs) and every backend that offers
native lifecycle events (`on_state_change`); each native event also asks its poller for a read
at once, so the snapshot (rows, vmNumber, vmTableLastChange) catches up within one read.

SIGHUP re-reads the configuration (see vmwatch.reload): an invalid one is logged problem by
problem and the old one stays; a valid one is applied without losing snapshots or indexes.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pluggy

from vmwatch import plugins, reload
from vmwatch.backend import Exporter
from vmwatch.config import BackendConfig, Config, ConfigError, PluginConfig
from vmwatch.events import EventHub
from vmwatch.indexer import Indexer, state_file
from vmwatch.poller import Poller, SnapshotCache

log = logging.getLogger(__name__)


class NoBackend(Exception):
    """Nothing to watch: no backend configured, none detected and no demo available."""


class MissingExtra(NoBackend):
    """A configured backend (or the demo, which is libvirt's) needs an extra that is not installed."""


@dataclass
class Runtime:
    cache: SnapshotCache
    pollers: list[Poller]
    exporters: list[tuple[str, Exporter]]
    events: EventHub | None = None
    config: Config | None = None
    backends: tuple[BackendConfig, ...] = ()  # the entries the pollers were made from
    plugin_configs: dict[str, PluginConfig] = field(default_factory=dict)  # running exporters' entries
    tasks: dict[str, asyncio.Task] = field(default_factory=dict)  # poller task per backend name
    persist: bool = True  # write index state (False for `vmwatch snapshot`)


def choose_backends(config: Config, pm: pluggy.PluginManager, demo: bool) -> tuple[BackendConfig, ...]:
    """The configured backends; with none (or with `demo`), a detected local hypervisor or the demo host."""
    types = plugins.backend_types(pm)
    if config.backends and not demo:
        return config.backends
    if not demo:
        for kind in sorted(types.values(), key=lambda t: t.name):
            options = kind.detect() if kind.detect else None
            if options is not None:
                log.info("no backend configured: using the local %s hypervisor", kind.name)
                return (BackendConfig(name="local", type=kind.name, options=options),)
    for kind in sorted(types.values(), key=lambda t: t.name):
        if kind.demo is not None:
            if not demo:
                log.info("no backend configured and no hypervisor found: serving the built-in demo host")
            options = kind.demo(config.state_dir / "demo")
            return (BackendConfig(name="demo", type=kind.name, options=options),)
    raise NoBackend("no backend configured, no local hypervisor found, and no installed backend has a demo")


def build(config: Config, pm: pluggy.PluginManager, demo: bool = False, persist: bool = True) -> Runtime:
    """Create the cache and one poller per backend (nothing connects or listens yet)."""
    cache = SnapshotCache(stale_after=config.stale_after)
    hub = EventHub()
    hub.attach(cache)
    if persist:
        config.state_dir.mkdir(parents=True, exist_ok=True)
    runtime = Runtime(cache=cache, pollers=[], exporters=[], events=hub, config=config, persist=persist)
    runtime.backends = choose_backends(config, pm, demo)
    runtime.pollers = [make_poller(entry, runtime, pm) for entry in runtime.backends]
    return runtime


def make_poller(entry: BackendConfig, runtime: Runtime, pm: pluggy.PluginManager) -> Poller:
    """A poller for one backend entry, using the runtime's current config (nothing connects yet)."""
    config = runtime.config
    assert config is not None
    persist = runtime.persist
    state_dir = config.state_dir

    def make_indexer(name: str) -> Indexer:
        current = runtime.config or config  # index_hold as of now, after any reload
        return Indexer(state_file(state_dir, name), hold=current.index_hold, persist=persist)

    try:
        backend = plugins.backend_types(pm)[entry.type].create(entry.name, entry.options)
    except ImportError as exc:  # the backend's extra is not installed
        raise MissingExtra(
            f"backend {entry.name} (type {entry.type}) needs a module that is not installed ({exc}): "
            f"pip install 'vmwatch[{entry.type}]'"
        ) from exc
    poller = Poller(
        backend,
        entry.type,
        runtime.cache,
        make_indexer,
        interval=config.refresh_interval,
        backoff_max=config.backoff_max,
    )
    if runtime.events is not None:
        follow_events(backend, poller, runtime.events)
    return poller


def follow_events(backend, poller: Poller, hub: EventHub) -> None:
    """Wire a backend's optional native events to the hub, and ask for a read after each."""
    if hasattr(backend, "on_state_change"):

        def on_state_change(event, name=backend.name) -> None:
            hub.on_native(name, event)
            poller.request_refresh()

        backend.on_state_change(on_state_change)
    if hasattr(backend, "on_resync"):
        backend.on_resync(poller.request_refresh)


def start_exporters(
    runtime: Runtime, config: Config, pm: pluggy.PluginManager, only: list[PluginConfig] | None = None
) -> None:
    """Start every enabled exporter and analyser (or `only` these); one that fails is logged and skipped."""
    kinds = {**plugins.exporter_types(pm), **plugins.analyser_types(pm)}
    for entry in (*config.exporters, *config.analysers) if only is None else only:
        try:
            exporter = kinds[entry.name].create(entry.options)
            exporter.start(runtime.cache)
        except Exception:
            log.exception("exporter %s failed to start; going on without it", entry.name)
            continue
        runtime.exporters.append((entry.name, exporter))
        runtime.plugin_configs[entry.name] = entry
        log.info("exporter %s started", entry.name)
    introduce_exporters(runtime)


def introduce_exporters(runtime: Runtime) -> None:
    """Give exporters that use the others (notifications) the current list."""
    for name, exporter in list(runtime.exporters):
        if hasattr(exporter, "use_exporters"):
            try:
                exporter.use_exporters(list(runtime.exporters))
            except Exception:
                log.exception("exporter %s could not use the others; going on without it", name)


def stop_exporter(runtime: Runtime, name: str) -> None:
    """Stop one running exporter by name (a reload that changed or removed it)."""
    for i, (running, exporter) in enumerate(runtime.exporters):
        if running == name:
            del runtime.exporters[i]
            runtime.plugin_configs.pop(name, None)
            try:
                exporter.stop()
            except Exception:
                log.exception("exporter %s failed to stop cleanly", name)
            return


def stop_exporters(runtime: Runtime) -> None:
    for name, exporter in reversed(runtime.exporters):
        try:
            exporter.stop()
        except Exception:
            log.exception("exporter %s failed to stop cleanly", name)
    runtime.exporters.clear()


def start_poller(runtime: Runtime, poller: Poller) -> None:
    name = poller.backend.name
    runtime.tasks[name] = asyncio.create_task(poller.run(), name=f"poller-{name}")


async def stop_poller(runtime: Runtime, poller: Poller) -> None:
    task = runtime.tasks.pop(poller.backend.name, None)
    if task is not None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    runtime.pollers.remove(poller)


def consumers_to_restart(runtime: Runtime, change: reload.Plan, new: Config) -> list[PluginConfig]:
    """Exporters that use the others (`use_exporters`: notifications picks its sinks) and whose
    own options did not change, when any other exporter starts, stops or restarts: a fresh one
    gets the new list once. (Giving a running one a second list would start a second notifier.)"""
    touched = {p.name for p in (*change.plugins_started, *change.plugins_restarted)} | set(change.plugins_stopped)
    if not touched:
        return []
    wanted = {p.name: p for p in (*new.exporters, *new.analysers)}
    names = [n for n, e in runtime.exporters if hasattr(e, "use_exporters") and n not in touched and n in wanted]
    for name in names:
        log.info("reload: %s: restarting to follow the exporters it uses", name)
    return [wanted[n] for n in names]


async def apply_reload(runtime: Runtime, new: Config, pm: pluggy.PluginManager, demo: bool = False) -> reload.Plan:
    """Apply a validated new config to the running service (see vmwatch.reload)."""
    old = runtime.config
    assert old is not None
    backends = choose_backends(new, pm, demo)
    change = reload.plan(old, new, runtime.backends, backends)
    for line in change.describe():
        log.info("reload: %s", line)
    runtime.config = replace(new, state_dir=old.state_dir)  # state_dir needs a restart
    runtime.cache.stale_after = new.stale_after
    if "log_level" in change.core:
        logging.getLogger().setLevel(getattr(logging, new.log_level.upper()))
    by_name = {p.backend.name: p for p in runtime.pollers}
    for poller in runtime.pollers:
        poller.interval = new.refresh_interval
        poller.backoff_max = new.backoff_max
        poller.set_hold(new.index_hold)
    for name in change.backends_removed:
        poller = by_name[name]
        await stop_poller(runtime, poller)
        for host in poller.host_names():
            runtime.cache.forget(host)
        runtime.cache.forget_backend(name)
    for entry in (*change.backends_changed, *change.backends_added):
        try:
            poller = make_poller(entry, runtime, pm)
        except Exception:
            log.exception("backend %s could not be created; keeping what ran before", entry.name)
            continue
        if entry.name in by_name:
            poller.adopt(by_name[entry.name])
            await stop_poller(runtime, by_name[entry.name])
        runtime.pollers.append(poller)
        start_poller(runtime, poller)
    runtime.backends = tuple(backends)
    restart = [*change.plugins_restarted, *consumers_to_restart(runtime, change, new)]
    for name in (*change.plugins_stopped, *(p.name for p in restart)):
        stop_exporter(runtime, name)
    if change.plugins_started or restart:
        start_exporters(runtime, new, pm, only=[*restart, *change.plugins_started])
    for poller in runtime.pollers:
        poller.request_refresh()  # the new interval counts from a read now
    return change


async def run(
    runtime: Runtime, reread: Callable[[], Config] | None = None, pm: pluggy.PluginManager | None = None, demo=False
) -> None:
    """Run every poller until SIGTERM/SIGINT (or cancellation); SIGHUP calls `reread` and applies it."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    hangup = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if reread is not None:
        loop.add_signal_handler(signal.SIGHUP, hangup.set)
    for poller in runtime.pollers:
        start_poller(runtime, poller)
    try:
        while not stop.is_set():
            waiters = [asyncio.create_task(stop.wait()), asyncio.create_task(hangup.wait())]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            if hangup.is_set() and not stop.is_set():
                hangup.clear()
                await reload_once(runtime, reread, pm, demo)
        log.info("stopping")
    finally:
        tasks = list(runtime.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        runtime.tasks.clear()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)


async def reload_once(runtime: Runtime, reread, pm, demo: bool) -> None:
    """Re-read the config; on any problem log each one and keep running as before."""
    log.info("SIGHUP: reloading the configuration")
    try:
        new = await asyncio.to_thread(reread)
    except ConfigError as exc:
        for line in exc.lines:
            log.error("reload refused: %s", line)
        log.error("reload refused: still running with the previous configuration")
        return
    except Exception:
        log.exception("reload failed; still running with the previous configuration")
        return
    try:
        change = await apply_reload(runtime, new, pm, demo)
    except Exception:
        log.exception("reload could not be applied completely")
        return
    log.info("reload done (%s)", "no changes" if change.empty() else f"{len(change.describe())} changes")


def serve(
    config: Config, pm: pluggy.PluginManager, demo: bool = False, reread: Callable[[], Config] | None = None
) -> int:
    """Run the service until SIGTERM/SIGINT; `reread()` gives the config again on SIGHUP."""
    runtime = build(config, pm, demo=demo)
    start_exporters(runtime, config, pm)
    try:
        asyncio.run(run(runtime, reread, pm, demo))
    finally:
        stop_exporters(runtime)
    return 0
