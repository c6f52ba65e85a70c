"""The `agentx` exporter: serve VM-MIB through a net-snmp (or any RFC 2741) master agent.

The exporter runs its AgentX driver in a thread of its own (transport.py says why it is a
blocking-socket thread rather than an asyncio loop). Views are rebuilt when the snapshot
cache publishes (one `build_view` per snapshot), never per request. The default context serves
the first hypervisor (by name); with `contexts = true` each hypervisor is also served in an
AgentX context named after it, for backends that manage several hosts.
"""

from __future__ import annotations

import argparse
import logging
import threading
from typing import TYPE_CHECKING, Any

from vmwatch_mib import MibView, build_view, process_switches

import vmwatch
from vmwatch.backend import ExporterType, Options, Problem
from vmwatch.model import Snapshot
from vmwatch_agentx.session import Session, SessionNotOpen
from vmwatch_agentx.transport import DEFAULT_MASTER, AddressError, AgentXClient, parse_address

if TYPE_CHECKING:
    from vmwatch.poller import SnapshotCache

log = logging.getLogger(__name__)

OPTIONS = {
    "master": f"AgentX master address: unix:/path or tcp:host:port (default {DEFAULT_MASTER})",
    "ping_interval": "seconds between keepalive pings to the master; 0 turns them off (default 15)",
    "timeout": "seconds to wait for the master's answers (default 5)",
    "contexts": "also serve each hypervisor in an AgentX context named after it (default false)",
    "per_vm_notifications": "start value of vmPerVMNotificationsEnabled (default true)",
    "bulk_notifications": "start value of vmBulkNotificationsEnabled (default false)",
}
DEFAULTS = {
    "master": DEFAULT_MASTER,
    "ping_interval": 15.0,
    "timeout": 5.0,
    "contexts": False,
    "per_vm_notifications": True,
    "bulk_notifications": False,
}


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check(options: Options) -> list[Problem]:
    """Problems with an `[exporter.agentx]` table: unknown keys and bad values."""
    problems = [
        Problem(key, f"unknown key (expected {', '.join(OPTIONS)})") for key in options if key not in OPTIONS
    ]
    master = options.get("master", DEFAULTS["master"])
    try:
        parse_address(master)
    except AddressError as exc:
        problems.append(Problem("master", str(exc)))
    ping = options.get("ping_interval", DEFAULTS["ping_interval"])
    if not _number(ping) or ping < 0:
        problems.append(Problem("ping_interval", f"must be a number of seconds >= 0, not {ping!r}"))
    timeout = options.get("timeout", DEFAULTS["timeout"])
    if not _number(timeout) or not 1 <= timeout <= 255:
        problems.append(Problem("timeout", f"must be a number of seconds from 1 to 255, not {timeout!r}"))
    for key in ("contexts", "per_vm_notifications", "bulk_notifications"):
        value = options.get(key, DEFAULTS[key])
        if not isinstance(value, bool):
            problems.append(Problem(key, f"must be true or false, not {value!r}"))
    return problems


class AgentXExporter:
    """Serves the cache's snapshots to an AgentX master from a thread of its own."""

    def __init__(self, options: Options) -> None:
        settings = {**DEFAULTS, **options}
        self.address = parse_address(settings["master"])
        self.ping_interval = float(settings["ping_interval"])
        self.timeout = float(settings["timeout"])
        self.use_contexts = bool(settings["contexts"])
        self.switches = process_switches(settings["per_vm_notifications"], settings["bulk_notifications"])
        self._views: dict[bytes | None, MibView] = {None: build_view(None, self.switches)}
        self._by_name: dict[str, MibView] = {}
        self._lock = threading.Lock()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self.client: AgentXClient | None = None
        self.cache: SnapshotCache | None = None

    # --- views ----------------------------------------------------------------------------------

    def view(self, context: bytes | None) -> MibView | None:
        """The view a request in `context` is answered from (None: no such context)."""
        return self._views.get(context)

    def _contexts(self) -> list[bytes | None]:
        return [None] + ([name.encode() for name in self._names()] if self.use_contexts else [])

    def _names(self) -> list[str]:
        return [s.name for s in self.cache.snapshots()] if self.cache is not None else []

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        """Rebuild the view of the hypervisor that just published (in the publishing thread)."""
        if self._stopped:
            return
        names = self._names() or [snapshot.name]
        if not self.use_contexts and snapshot.name != names[0]:
            return  # without contexts only the first hypervisor is served: no view to build
        view = build_view(snapshot, self.switches)
        with self._lock:
            # hypervisors the cache forgot lose their views here
            by_name = {n: self._by_name[n] for n in names if n in self._by_name}
            by_name[snapshot.name] = view
            self._by_name = by_name
            views: dict[bytes | None, MibView] = {None: by_name.get(names[0], view)}
            if self.use_contexts:
                views.update({name.encode(): v for name, v in by_name.items()})
            new = [c for c in views if c is not None and c not in self._views]
            self._views = views
        if new and self.client is not None:
            for context in new:
                self.client.register(context)

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self, cache: SnapshotCache) -> None:
        """Build the views, subscribe to the cache, and connect; returns once the first
        registration has been attempted (whether or not the master was there)."""
        self.cache = cache
        for snapshot in cache.snapshots():
            self._on_snapshot(snapshot)
        cache.subscribe(self._on_snapshot)
        session = Session(
            self.view,
            self.switches,
            self._contexts(),
            timeout=self.timeout,
            ping_interval=self.ping_interval,
        )
        self.client = AgentXClient(session, self.address)
        self._thread = threading.Thread(target=self.client.run, name="vmwatch-agentx", daemon=True)
        self._thread.start()
        self.client.attempted.wait(self.timeout + 5)

    def notify(self, varbinds, context: bytes | None = None, wait: float = 5.0) -> int:
        """Send a notification from any thread; returns its packet ID (the notifications
        plugin's sender). Raises SessionNotOpen when no session is open, TimeoutError when the
        driver stays busy for `wait` seconds."""
        if self.client is None:
            raise SessionNotOpen("the agentx exporter is not running")
        return self.client.notify(list(varbinds), context, wait)

    def stop(self) -> None:
        """Close the session cleanly and end the thread; never raises."""
        self._stopped = True
        if self.cache is not None:
            self.cache.unsubscribe(self._on_snapshot)
        client, thread = self.client, self._thread
        if client is None or thread is None:
            return
        try:
            client.stop()
        except Exception:  # stop() must not raise: the thread is a daemon and dies with us
            log.debug("agentx exporter did not stop cleanly", exc_info=True)
        thread.join(self.timeout + 5)


def create(options: Options) -> AgentXExporter:
    return AgentXExporter(options)


@vmwatch.hookimpl
def vmwatch_exporter_types() -> list[ExporterType]:
    return [
        ExporterType(
            name="agentx",
            description="VM-MIB (RFC 7666) as an AgentX subagent of net-snmp's snmpd",
            check=check,
            create=create,
            enabled_by_default=False,
        )
    ]


@vmwatch.hookimpl
def vmwatch_serve_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("AgentX subagent (net-snmp)")
    group.add_argument(
        "--agentx",
        metavar="MASTER",
        nargs="?",
        const=DEFAULT_MASTER,
        help=f"serve VM-MIB through the AgentX master at MASTER (unix:/path or tcp:host:port); "
        f"default {DEFAULT_MASTER}",
    )


@vmwatch.hookimpl
def vmwatch_apply_arguments(args: argparse.Namespace, raw: dict[str, Any]) -> None:
    master = getattr(args, "agentx", None)
    if master is None:
        return
    exporters = raw.setdefault("exporter", {})
    if not isinstance(exporters, dict):
        return  # reported by validation
    table = exporters.setdefault("agentx", {})
    if isinstance(table, dict):
        table["enabled"] = True
        table["master"] = master
