"""`vmwatch serve` at run time: backends → pollers → snapshot cache → exporters.

Exporters start before the first read so that `up 0` is visible while a hypervisor is down. A
failing exporter is logged and the others go on. SIGTERM and SIGINT stop everything cleanly.

State changes: an `EventHub` follows the cache (polling diffs) and every backend that offers
native lifecycle events (`on_state_change`); each native event also asks its poller for a read
at once, so the snapshot (rows, vmNumber, vmTableLastChange) catches up within one read.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass

import pluggy

from vmwatch import plugins
from vmwatch.backend import Exporter
from vmwatch.config import BackendConfig, Config
from vmwatch.events import EventHub
from vmwatch.indexer import Indexer, state_file
from vmwatch.poller import Poller, SnapshotCache

log = logging.getLogger(__name__)


class NoBackend(Exception):
    """Nothing to watch: no backend configured, none detected and no demo available."""


@dataclass
class Runtime:
    cache: SnapshotCache
    pollers: list[Poller]
    exporters: list[tuple[str, Exporter]]
    events: EventHub | None = None


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
    types = plugins.backend_types(pm)
    state_dir = config.state_dir
    if persist:
        state_dir.mkdir(parents=True, exist_ok=True)

    def make_indexer(name: str) -> Indexer:
        path = state_file(state_dir, name)
        return Indexer(path, hold=config.index_hold, persist=persist)

    pollers = []
    for entry in choose_backends(config, pm, demo):
        backend = types[entry.type].create(entry.name, entry.options)
        poller = Poller(
            backend,
            entry.type,
            cache,
            make_indexer,
            interval=config.refresh_interval,
            backoff_max=config.backoff_max,
        )
        follow_events(backend, poller, hub)
        pollers.append(poller)
    return Runtime(cache=cache, pollers=pollers, exporters=[], events=hub)


def follow_events(backend, poller: Poller, hub: EventHub) -> None:
    """Wire a backend's optional native events to the hub, and ask for a read after each."""
    if hasattr(backend, "on_state_change"):

        def on_state_change(event, name=backend.name) -> None:
            hub.on_native(name, event)
            poller.request_refresh()

        backend.on_state_change(on_state_change)
    if hasattr(backend, "on_resync"):
        backend.on_resync(poller.request_refresh)


def start_exporters(runtime: Runtime, config: Config, pm: pluggy.PluginManager) -> None:
    """Start every enabled exporter and analyser; one that fails is logged and skipped."""
    kinds = {**plugins.exporter_types(pm), **plugins.analyser_types(pm)}
    for entry in (*config.exporters, *config.analysers):
        try:
            exporter = kinds[entry.name].create(entry.options)
            exporter.start(runtime.cache)
        except Exception:
            log.exception("exporter %s failed to start; going on without it", entry.name)
            continue
        runtime.exporters.append((entry.name, exporter))
        log.info("exporter %s started", entry.name)
    for name, exporter in list(runtime.exporters):
        if hasattr(exporter, "use_exporters"):
            try:
                exporter.use_exporters(list(runtime.exporters))
            except Exception:
                log.exception("exporter %s could not use the others; going on without it", name)


def stop_exporters(runtime: Runtime) -> None:
    for name, exporter in reversed(runtime.exporters):
        try:
            exporter.stop()
        except Exception:
            log.exception("exporter %s failed to stop cleanly", name)
    runtime.exporters.clear()


async def run(runtime: Runtime) -> None:
    """Run every poller until SIGTERM/SIGINT (or cancellation)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(p.run(), name=f"poller-{p.backend.name}") for p in runtime.pollers]
    try:
        await stop.wait()
        log.info("stopping")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


def serve(config: Config, pm: pluggy.PluginManager, demo: bool = False) -> int:
    runtime = build(config, pm, demo=demo)
    start_exporters(runtime, config, pm)
    try:
        asyncio.run(run(runtime))
    finally:
        stop_exporters(runtime)
    return 0
