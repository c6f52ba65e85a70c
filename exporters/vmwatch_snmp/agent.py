"""The embedded agent's lifecycle: its own thread and asyncio loop, views rebuilt per snapshot.

`start(cache)` binds the UDP socket in the caller's thread (so "address in use" or "permission
denied" for port 161 is raised right there), then builds the pysnmp engine inside the agent's
loop and returns once it serves. `stop()` closes the transport and the socket and joins the
thread. Views are built when the cache publishes a snapshot, in the publishing thread, and swapped
in whole, so a request never sees half a snapshot and never waits for a build.

Contexts: the default context ("") serves the first snapshot by hypervisor name; every snapshot
is also served in a context named after it (SNMPv3 contextName), for vmwatch instances that
watch several hypervisors.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import socket
import threading

from vmwatch_mib import MibView, NotificationSwitches, build_view, process_switches

from vmwatch.model import Snapshot
from vmwatch.poller import SnapshotCache
from vmwatch_snmp.access import AccessPolicy
from vmwatch_snmp.engine import add_udp_transport, build_engine
from vmwatch_snmp.fastpath import FastPath
from vmwatch_snmp.notify import (
    AgentNotRunning,
    NotificationError,
    NotificationSender,
    community_security_names,
)
from vmwatch_snmp.options import AgentSettings
from vmwatch_snmp.responder import Responder, ResponderStats
from vmwatch_snmp.system import LocalObjects
from vmwatch_snmp.tree import MibTree

log = logging.getLogger(__name__)
START_TIMEOUT = 30.0


class AgentError(Exception):
    """The agent could not start (address in use, no permission for the port, engine set-up)."""


class SnmpAgent:
    """An SNMP agent serving VM-MIB from a `SnapshotCache`; the `snmp` exporter."""

    def __init__(
        self, settings: AgentSettings, switches: NotificationSwitches | None = None, fast_path: bool = True
    ) -> None:
        """`fast_path=False` sends every request through pysnmp (tests and benchmarks compare)."""
        self.settings = settings
        self.use_fast_path = fast_path
        self.switches = switches or process_switches(settings.per_vm_notifications, settings.bulk_notifications)
        self._policy = AccessPolicy(settings)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engine = None
        self._responder: Responder | None = None
        self._fast_path: FastPath | None = None
        self._local: LocalObjects | None = None
        self._sender: NotificationSender | None = None
        self._cache: SnapshotCache | None = None
        self._views: dict[str, MibView] = {}
        self._trees: dict[bytes, MibTree] = {}
        self._views_lock = threading.Lock()
        self._running = False

    # --- Exporter protocol --------------------------------------------------------------------

    def start(self, cache: SnapshotCache) -> None:
        """Bind, start the loop thread, build the engine; return once requests are answered."""
        if self._thread is not None:
            raise AgentError("already started")
        self._sock = self._bind()
        self._cache = cache
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, failure), name="vmwatch-snmp-agent", daemon=True
        )
        self._thread.start()
        if not ready.wait(START_TIMEOUT):
            self.stop()
            raise AgentError(f"SNMP agent on {self.settings.listen} did not start within {START_TIMEOUT:.0f} s")
        if failure:
            self.stop()
            raise AgentError(f"SNMP agent on {self.settings.listen} failed to start: {failure[0]}") from failure[0]
        self._running = True
        # Views before subscribing would miss nothing: the listener rebuilds from the cache anyway.
        cache.subscribe(self._on_snapshot)
        self._rebuild()
        log.info("SNMP agent listening on %s", self.address_text)

    def stop(self) -> None:
        """Close the transport and the socket, stop the loop, join the thread. Never raises."""
        self._running = False
        if self._cache is not None:
            self._cache.unsubscribe(self._on_snapshot)
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            try:
                loop.call_soon_threadsafe(self._shutdown)
            except RuntimeError:  # loop already closed
                pass
            thread.join(10)
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        self._thread = None
        self._loop = None

    # --- what tests and the plugin read -----------------------------------------------------------

    @property
    def address(self) -> tuple[str, int]:
        """The bound (host, port); the port is the real one when 0 was configured."""
        assert self._sock is not None, "not started"
        host, port = self._sock.getsockname()[:2]
        return host, port

    @property
    def address_text(self) -> str:
        host, port = self.address
        return f"{self.settings.listen.domain}:{'[' + host + ']' if ':' in host else host}:{port}"

    @property
    def stats(self) -> ResponderStats:
        assert self._responder is not None, "not started"
        return self._responder.stats

    # --- notifications (issue 4): sent from the agent's engine, so v3 traps carry its engine ID ---

    @property
    def has_targets(self) -> bool:
        """True when `[[exporter.snmp.targets]]` names notification receivers."""
        return bool(self.settings.targets)

    def send_notification(self, varbinds, context: bytes = b"") -> None:
        """Send one notification (snmpTrapOID.0 first) to every target; thread-safe. Returns once
        traps are sent and informs acknowledged. Raises AgentNotRunning or NotificationError."""
        loop, sender = self._loop, self._sender
        if not self._running or loop is None or sender is None:
            raise AgentNotRunning("the embedded SNMP agent is not running")
        future = asyncio.run_coroutine_threadsafe(sender.send(varbinds, context), loop)
        try:
            future.result(sender.longest_wait())
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise NotificationError("the agent's loop did not finish sending in time") from None

    @property
    def fast_path_answers(self) -> int:
        """Requests answered by the fast path (SNMPv2c GET/GETNEXT/GETBULK) rather than pysnmp."""
        return self._fast_path.answered if self._fast_path is not None else 0

    def counter(self, name: str) -> int:
        """One of pysnmp's SNMPv2-MIB counters (snmpInPkts, snmpInASNParseErrs ...)."""
        if self._engine is None:
            return 0
        (symbol,) = self._engine.get_mib_builder().import_symbols("__SNMPv2-MIB", name)
        return int(symbol.syntax)

    # --- views ------------------------------------------------------------------------------

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        if self._running:
            self._rebuild(snapshot)

    def _rebuild(self, changed: Snapshot | None = None) -> None:
        """Rebuild the view of `changed` (all views when None) and swap in a new tree table."""
        assert self._cache is not None and self._local is not None
        snapshots = self._cache.snapshots()
        with self._views_lock:
            current = {s.name for s in snapshots}
            views = {name: view for name, view in self._views.items() if name in current}
            for snapshot in snapshots:
                if changed is None or snapshot.name == changed.name or snapshot.name not in views:
                    source = changed if changed is not None and snapshot.name == changed.name else snapshot
                    views[snapshot.name] = build_view(source, self.switches)
            default = views[snapshots[0].name] if snapshots else build_view(None, self.switches)
            trees = {name.encode(): MibTree(self._local, view) for name, view in views.items()}
            trees[b""] = MibTree(self._local, default)
            self._views = views
            self._trees = trees  # one reference swap: the responder sees old or new, whole

    def _tree(self, context_name: bytes) -> MibTree | None:
        return self._trees.get(context_name)

    # --- loop thread ----------------------------------------------------------------------------

    def _bind(self) -> socket.socket:
        listen = self.settings.listen
        family = socket.AF_INET6 if listen.domain == "udp6" else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.bind((listen.host, listen.port))
        except OSError as exc:
            sock.close()
            hint = " (ports below 1024 need root)" if exc.errno == 13 else ""
            raise AgentError(f"cannot listen on {listen}: {exc.strerror or exc}{hint}") from exc
        sock.setblocking(False)
        return sock

    def _run(self, ready: threading.Event, failure: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            try:
                loop.run_until_complete(self._setup())
            except BaseException as exc:  # noqa: BLE001 -- handed to start(), which raises AgentError
                failure.append(exc)
                return
            finally:
                ready.set()
            loop.run_forever()
        finally:
            try:
                pending = asyncio.all_tasks(loop)  # pysnmp's timer task, endpoint futures
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    async def _setup(self) -> None:
        snmp_engine = build_engine(self.settings)
        self._local = LocalObjects(
            self.settings.sys_name,
            self.settings.sys_contact,
            self.settings.sys_location,
            self.settings.engine_id,
            self.counter,
            engine_boots=int(snmp_engine.get_mib_builder().import_symbols("__SNMP-FRAMEWORK-MIB", "snmpEngineBoots")[0].syntax),
        )
        self._engine = snmp_engine
        with self._views_lock:
            empty = MibTree(self._local, build_view(None, self.switches))
            self._trees = {b"": empty}
        self._responder = Responder(snmp_engine, self._policy, self._tree, self.switches)
        if self.use_fast_path:
            self._fast_path = FastPath(snmp_engine, self.settings, self._policy, self._tree, self._responder)
        assert self._sock is not None
        transport = add_udp_transport(snmp_engine, self._sock, self._fast_path)
        for _ in range(200):  # the datagram endpoint is created by a task pysnmp scheduled
            if transport.transport is not None:
                break
            await asyncio.sleep(0.005)
        else:
            raise AgentError("pysnmp did not open the UDP endpoint")
        self._sender = NotificationSender(
            snmp_engine,
            self.settings.targets,
            {user.name: user for user in self.settings.users},
            self._local.up_time,
            community_security_names(self.settings.communities, self.settings.write_community),
        )
        self._sender.configure()

    def _shutdown(self) -> None:
        """In the loop thread: close pysnmp's transports (and so the socket), then stop."""
        try:
            if self._responder is not None and self._engine is not None:
                self._responder.close(self._engine)
            if self._engine is not None and self._engine.transport_dispatcher is not None:
                self._engine.close_dispatcher()
        except Exception:  # stop() must not raise
            log.debug("closing the SNMP engine failed", exc_info=True)
        finally:
            asyncio.get_running_loop().stop()
