"""vmwatch's runtime in the test process, wired the way `vmwatch serve` wires it.

`InProcess(raw_config)` validates the config with the installed plugins (plus the notifications
plugin), builds the runtime (`service.build`), starts the exporters (`service.start_exporters`,
which also connects the notifier to the agentx/snmp exporters) and runs the pollers in a thread
of their own (serve's signal handling needs the main thread, which pytest has).
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

from services import wait_for

from vmwatch import plugins, service
from vmwatch.config import validate


def plugin_manager():
    import vmwatch_notify.plugin as notify_plugin

    pm = plugins.make_manager()
    if not any(p is notify_plugin for p in pm.get_plugins()):  # before its entry point is installed
        pm.register(notify_plugin, name="notifications")
    return pm


def base_config(state_dir: Path, uri: str, interval: float = 30.0) -> dict[str, Any]:
    """A config watching one libvirt backend named "kvm", with Prometheus off."""
    return {
        "vmwatch": {"refresh_interval": interval, "state_dir": str(state_dir)},
        "backend": [{"name": "kvm", "type": "libvirt", "uri": uri}],
        "exporter": {"prometheus": {"enabled": False}},
    }


class InProcess:
    def __init__(self, raw: dict[str, Any]) -> None:
        from vmwatch_mib.switches import reset_process_switches

        reset_process_switches()  # a fresh process: the enable objects start from the config
        self.pm = plugin_manager()
        config, problems = validate(
            raw, plugins.backend_types(self.pm), plugins.exporter_types(self.pm), plugins.analyser_types(self.pm)
        )
        assert not problems, problems
        self.config = config
        self.runtime = service.build(config, self.pm, persist=False)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="test-pollers", daemon=True)
        self.tasks: list[asyncio.Task] = []

    @property
    def cache(self):
        return self.runtime.cache

    @property
    def hub(self):
        return self.runtime.events

    def exporter(self, name: str):
        return dict(self.runtime.exporters)[name]

    @property
    def notifier(self):
        return self.exporter("notifications").notifier

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.tasks = [self.loop.create_task(p.run()) for p in self.runtime.pollers]
        try:
            self.loop.run_until_complete(asyncio.gather(*self.tasks, return_exceptions=True))
        finally:
            self.loop.close()

    def start(self, first_snapshot: bool = True) -> InProcess:
        service.start_exporters(self.runtime, self.config, self.pm)
        self.thread.start()
        if first_snapshot:
            wait_for(lambda: all(self.cache.snapshot(p.backend.name) for p in self.runtime.pollers), 30,
                     "the first snapshots")
        return self

    def stop(self) -> None:
        for task in self.tasks:
            self.loop.call_soon_threadsafe(task.cancel)
        self.thread.join(10)
        service.stop_exporters(self.runtime)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until the notifier has sent everything (no open bulk window, empty queues)."""
        assert self.notifier.wait_idle(timeout), self.notifier.report()


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


DOMAIN_XML = """<domain type='test'>
  <name>{name}</name><uuid>{uuid}</uuid>
  <memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64'>hvm</type></os>
</domain>"""


def define_guests(libvirtd, count: int, prefix: str = "guest", start: bool = True) -> list:
    """Define (and start) `count` persistent test-driver domains over the daemon's held connection."""
    import uuid

    domains = []
    for n in range(1, count + 1):
        dom = libvirtd.keeper.defineXML(DOMAIN_XML.format(name=f"{prefix}{n}", uuid=uuid.UUID(int=n)))
        if start:
            dom.create()
        domains.append(dom)
    return domains
