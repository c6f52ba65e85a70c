"""Thin I/O against libvirt: one long-lived read-only connection, read into `DomainReading`s.

Each refresh lists every domain (`listAllDomains(0)`: running, paused and shut off alike), asks
for bulk stats (`domainListGetStats`) and, when the driver answers only `state.*` there (the test
driver does; QEMU returns everything), fills the same key format call by call. Shut-off domains
get no stats calls. `mapping.map_domain` then turns each reading into a VirtualMachine.

libvirt errors become typed errors: a broken connection → BackendUnavailable (the poller closes
and reconnects with backoff); a domain that vanished mid-refresh → skipped; a datum the driver or
the domain cannot give now → left out; anything else → BackendError naming domain and call.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libvirt

from vmwatch.backend import BackendError, BackendUnavailable
from vmwatch.events import BackendStateChange
from vmwatch.model import Host, ticks
from vmwatch_libvirt.events import LifecycleFeed, ensure_event_loop
from vmwatch_libvirt.mapping import (
    DomainConfig,
    DomainReading,
    HostFacts,
    MappingError,
    is_active,
    map_domain,
    map_hypervisor,
    parse_domain_xml,
)

log = logging.getLogger(__name__)

# Codes that mean the connection itself is gone, whatever the liveness check says.
CONNECTION_LOST = frozenset({libvirt.VIR_ERR_RPC, libvirt.VIR_ERR_NO_CONNECT, libvirt.VIR_ERR_INVALID_CONN})
# Codes that mean "this datum is not available for this domain or device right now": the driver
# lacks the call, the domain stopped since it was listed, the device has no medium, the guest
# agent is silent. The value is left out; the refresh goes on.
NOT_AVAILABLE = frozenset(
    {
        libvirt.VIR_ERR_NO_SUPPORT,
        libvirt.VIR_ERR_OPERATION_INVALID,
        libvirt.VIR_ERR_INVALID_ARG,
        libvirt.VIR_ERR_OPERATION_UNSUPPORTED,
        libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED,
        libvirt.VIR_ERR_AGENT_UNRESPONSIVE,
        libvirt.VIR_ERR_OPERATION_TIMEOUT,
        libvirt.VIR_ERR_OPERATION_FAILED,
        libvirt.VIR_ERR_NO_SOURCE,
        libvirt.VIR_ERR_SYSTEM_ERROR,  # e.g. an image file that cannot be stat'ed (live connection)
    }
)
# Skip stats that would wait for a domain job (QEMU): a stuck guest must not stall the refresh.
BULK_FLAGS = getattr(libvirt, "VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT", 0)
QEMU_PID_DIR = Path("/run/libvirt/qemu")
SYSTEM_SOCKETS = (Path("/run/libvirt/virtqemud-sock-ro"), Path("/run/libvirt/libvirt-sock-ro"))

# memoryStats() key → bulk key suffix (balloon.*); all in KiB except the fault counts.
MEMORY_KEYS = {
    "actual": "current", "swap_in": "swap_in", "swap_out": "swap_out", "major_fault": "major_fault",
    "minor_fault": "minor_fault", "unused": "unused", "available": "available", "usable": "usable",
    "rss": "rss", "disk_caches": "disk_caches",
}  # fmt: skip
# blockStatsFlags() key → bulk key suffix (block.N.*); times in ns.
BLOCK_FLAG_KEYS = {
    "rd_operations": "rd.reqs", "rd_bytes": "rd.bytes", "rd_total_times": "rd.times",
    "wr_operations": "wr.reqs", "wr_bytes": "wr.bytes", "wr_total_times": "wr.times",
    "flush_operations": "fl.reqs", "flush_total_times": "fl.times", "errs": "errors",
}  # fmt: skip
NET_KEYS = ("rx.bytes", "rx.pkts", "rx.errs", "rx.drop", "tx.bytes", "tx.pkts", "tx.errs", "tx.drop")


class DomainVanished(Exception):
    """The domain was undefined or (transient) destroyed after it was listed."""


def _silence(_ctx: Any, _err: Any) -> None:
    """libvirt's default handler prints every error to stderr; ours are raised as exceptions."""


def is_local_uri(uri: str) -> bool:
    """True when the URI names no remote host (qemu:///system, test+unix:///default?socket=...)."""
    host = urllib.parse.urlsplit(uri).hostname
    return not host or host in ("localhost", "127.0.0.1", "::1")


def read_host_uptime(path: Path = Path("/proc/uptime")) -> float | None:
    """Seconds since this machine booted, or None when /proc is not readable."""
    try:
        return float(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def process_start_ticks(stat: str) -> int:
    """Field 22 (starttime, clock ticks after boot) of a /proc/PID/stat line.

    The command name (field 2) may hold spaces and parentheses, so split after its last ')'.
    """
    return int(stat.rsplit(")", 1)[1].split()[19])


def qemu_started_ago(name: str, host_uptime: float, pid_dir: Path = QEMU_PID_DIR) -> float | None:
    """Seconds since the QEMU process of domain `name` started, from its pid file; None if unknown."""
    try:
        pid = int((pid_dir / f"{name}.pid").read_text().strip())
        start = process_start_ticks(Path(f"/proc/{pid}/stat").read_text())
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, host_uptime - start / os.sysconf("SC_CLK_TCK"))


def host_if_indexes() -> dict[str, int]:
    """ifIndex of every interface of this machine by name (one netlink dump)."""
    try:
        return {name: index for index, name in socket.if_nameindex()}
    except OSError:
        return {}


def detect_local() -> dict[str, str] | None:
    """Options for the local system libvirt when its read-only socket exists, else None."""
    if any(path.exists() for path in SYSTEM_SOCKETS):
        return {"uri": "qemu:///system"}
    return None


class UpTimeTracker:
    """When each active domain last started, for vmUpTime.

    A domain is known by UUID and libvirt domain id (a new id means it was started again). Its
    start is taken from `started_ago()` when that knows (QEMU pid files), else from the moment
    vmwatch first saw it active; `keep_only` forgets domains that left the active states.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._started: dict[str, tuple[int, float]] = {}

    def up_time(self, uuid: str, domain_id: int, started_ago: Callable[[], float | None]) -> int:
        """TimeTicks since the domain started."""
        now = self._clock()
        entry = self._started.get(uuid)
        if entry is None or entry[0] != domain_id:
            entry = self._started[uuid] = (domain_id, now - (started_ago() or 0.0))
        return ticks(now - entry[1])

    def keep_only(self, uuids: set[str]) -> None:
        for uuid in self._started.keys() - uuids:
            del self._started[uuid]


@dataclass(frozen=True)
class DomainLists:
    """UUIDs from filtered domain lists of this refresh; None where the driver cannot filter."""

    autostart: frozenset[str] | None
    transient: frozenset[str] | None
    managed_save: frozenset[str] | None


def _unknown() -> None:
    return None


class LibvirtBackend:
    """One read-only libvirt connection; `read()` returns the one host behind it."""

    def __init__(
        self, name: str, uri: str, clock: Callable[[], float] = time.monotonic, events: bool = True
    ) -> None:
        self.name = name
        self.uri = uri
        # Lifecycle events (events.py): registered on every connection once someone listens.
        self.events = LifecycleFeed(name) if events else None
        self._conn: libvirt.virConnect | None = None
        self._uptimes = UpTimeTracker(clock)
        self._driver = ""
        self._hv_version = self._lib_version = 0
        self._host_name = ""
        self._local = is_local_uri(uri)
        self._qemu_system = False
        self._block_stats_flags = True  # blockStatsFlags gives latencies; dropped if unsupported
        # XML text → parsed config: a domain's XML rarely changes, and parsing is the largest
        # cost of a refresh at 1000 domains. Rebuilt every refresh, so it holds no dead domains.
        self._configs: dict[str, DomainConfig] = {}
        self._next_configs: dict[str, DomainConfig] = {}

    # --- connection -----------------------------------------------------------------------------

    def connect(self) -> None:
        """Open the read-only connection and read the host's fixed facts."""
        libvirt.registerErrorHandler(_silence, None)
        self.close()
        if self.events is not None and self.events.wanted:
            ensure_event_loop()  # before opening: a connection binds to the event loop it finds
        try:
            conn = libvirt.openReadOnly(self.uri)
        except libvirt.libvirtError as exc:
            raise BackendUnavailable(
                f"{self.name}: cannot connect to libvirt at {self.uri}: {exc.get_error_message()} "
                "(is libvirtd or virtqemud running, and may this user read its socket?)"
            ) from None
        try:
            self._driver = conn.getType()
            self._hv_version = _or_zero(conn.getVersion)
            self._lib_version = _or_zero(conn.getLibVersion)
            self._host_name = _or_empty(conn.getHostname)
            uri = conn.getURI()
        except libvirt.libvirtError as exc:
            _close_quietly(conn)
            raise BackendUnavailable(
                f"{self.name}: libvirt at {self.uri} failed right after connecting: {exc}"
            ) from None
        self._conn = conn
        if self.events is not None and self.events.wanted:
            self.events.attach(conn)
        self._local = is_local_uri(uri)
        self._qemu_system = (
            self._driver == "QEMU" and self._local and urllib.parse.urlsplit(uri).path == "/system"
        )
        self._block_stats_flags = True

    def close(self) -> None:
        """Close the connection; never raises (a dead connection is simply dropped)."""
        conn, self._conn = self._conn, None
        if self.events is not None:
            self.events.detach()
        if conn is not None:
            _close_quietly(conn)

    # --- lifecycle events (optional backend contract, see vmwatch.backend.Backend) -------------

    def on_state_change(self, listener: Callable[[BackendStateChange], None]) -> None:
        """Call `listener(change)` from libvirt's event thread for every domain state change.
        Takes effect from the next connect (the poller's first one, or a reconnect)."""
        if self.events is not None:
            self.events.add_listener(listener)

    def on_resync(self, callback: Callable[[], None]) -> None:
        """Call `callback()` when a refresh is needed now: a domain was defined or undefined
        (rows change), or the connection closed."""
        if self.events is not None:
            self.events.add_resync(callback)

    # --- reading --------------------------------------------------------------------------------

    def read(self) -> tuple[Host, ...]:
        """Read every domain of the host, whatever its state, as one Host."""
        conn = self._conn
        if conn is None:
            raise BackendUnavailable(f"{self.name}: not connected to {self.uri}")
        try:
            return (self._read(conn),)
        except libvirt.libvirtError as exc:
            raise self._error(conn, exc, "read") from None

    def _read(self, conn: libvirt.virConnect) -> Host:
        host_uptime = read_host_uptime() if self._local else None
        domains = conn.listAllDomains(0)
        # three filtered lists instead of three calls per domain
        lists = DomainLists(
            autostart=self._uuids(conn, libvirt.VIR_CONNECT_LIST_DOMAINS_AUTOSTART),
            transient=self._uuids(conn, libvirt.VIR_CONNECT_LIST_DOMAINS_TRANSIENT),
            managed_save=self._uuids(conn, libvirt.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE),
        )
        records = self._bulk_stats(conn, domains)
        # the test driver (and any driver without bulk stats) answers state.* only
        rich = records is not None and any(
            not key.startswith("state.") for r in records.values() for key in r
        )
        host_cpus = self._host_cpus(conn)
        readings: list[DomainReading] = []
        self._next_configs = {}
        for dom in domains:
            try:
                reading = self._read_domain(conn, dom, records, rich, lists, host_uptime)
            except DomainVanished:
                log.debug("%s: domain %s vanished during the refresh", self.name, dom.name())
                continue
            if reading is not None:
                readings.append(reading)
        self._configs, self._next_configs = self._next_configs, {}
        self._uptimes.keep_only({str(r.config.uuid) for r in readings if is_active(r.state)})
        facts = HostFacts(
            driver=self._driver,
            hv_version=self._hv_version,
            lib_version=self._lib_version,
            host_name=self._host_name,
            up_time=ticks(host_uptime) if host_uptime is not None else 0,
            host_cpus=host_cpus,
            if_indexes=host_if_indexes() if self._local else {},
            bridges=self._network_bridges(conn) if _needs_bridges(readings) else {},
        )
        return Host(hypervisor=map_hypervisor(facts), vms=tuple(map_domain(r, facts) for r in readings))

    def _uuids(self, conn: libvirt.virConnect, flag: int) -> frozenset[str] | None:
        """UUIDs of the domains listAllDomains(flag) returns; None when the driver cannot filter."""
        try:
            return frozenset(dom.UUIDString() for dom in conn.listAllDomains(flag))
        except libvirt.libvirtError as exc:
            if exc.get_error_code() in NOT_AVAILABLE and self._alive(conn):
                return None
            raise

    def _host_cpus(self, conn: libvirt.virConnect) -> int:
        """Host CPUs as vcpuPinInfo counts them (virNodeGetCPUMap); 0 when unknown."""
        try:
            return conn.getCPUMap(0)[0]
        except libvirt.libvirtError as exc:
            if exc.get_error_code() in NOT_AVAILABLE and self._alive(conn):
                return 0
            raise

    def _bulk_stats(self, conn: libvirt.virConnect, domains: list) -> dict[str, dict] | None:
        """UUID → bulk stats of the listed domains (vanished ones are left out); None if unsupported."""
        if not domains:
            return {}
        try:
            return {dom.UUIDString(): stats for dom, stats in conn.domainListGetStats(domains, 0, BULK_FLAGS)}
        except libvirt.libvirtError as exc:
            if exc.get_error_code() in NOT_AVAILABLE and self._alive(conn):
                return None
            raise

    def _read_domain(
        self,
        conn: libvirt.virConnect,
        dom: libvirt.virDomain,
        records: dict[str, dict] | None,
        rich: bool,
        lists: DomainLists,
        host_uptime: float | None,
    ) -> DomainReading | None:
        """Everything about one domain; None when it vanished before the bulk call."""
        uuid = dom.UUIDString()
        record: dict = {}
        if records is not None:
            record = records.get(uuid)
            if record is None:
                return None
        if "state.state" in record:
            state, reason = record["state.state"], record.get("state.reason", 0)
        else:  # no bulk stats, or a driver that left the state group out
            state, reason = self._call(conn, dom, dom.state, 0)
        config = self._config(conn, dom)
        active = is_active(state)
        if rich:
            stats = record
        elif active:
            stats = self._domain_stats(conn, dom, config)
        else:
            stats = {}  # shut off: every stats call would fail with "domain is not running"
        pinning = None
        if config.vcpu_placement == "auto":  # numad's choice is not in the XML: ask
            pinning = self._call(conn, dom, dom.vcpuPinInfo, 0, optional=True)
        up_time = 0
        if active:
            if self._qemu_system and host_uptime is not None:
                started_ago = functools.partial(qemu_started_ago, config.name, host_uptime)
            else:
                started_ago = _unknown
            up_time = self._uptimes.up_time(uuid, dom.ID(), started_ago)
        return DomainReading(
            config=config,
            state=state,
            reason=reason,
            stats=stats,
            autostart=None if lists.autostart is None else uuid in lists.autostart,
            persistent=None if lists.transient is None else uuid not in lists.transient,
            managed_save=None if lists.managed_save is None else uuid in lists.managed_save,
            pinning=tuple(tuple(row) for row in pinning) if pinning else None,
            up_time=up_time,
        )

    def _config(self, conn: libvirt.virConnect, dom: libvirt.virDomain) -> DomainConfig:
        xml = self._call(conn, dom, dom.XMLDesc, 0)
        config = self._configs.get(xml)
        if config is None:
            try:
                config = parse_domain_xml(xml)
            except MappingError as exc:
                raise BackendError(f"{self.name}: domain {dom.name()}: {exc}") from None
        self._next_configs[xml] = config
        return config

    def _domain_stats(
        self, conn: libvirt.virConnect, dom: libvirt.virDomain, config: DomainConfig
    ) -> dict[str, Any]:
        """The per-domain path: the bulk-stats keys, filled one call at a time."""
        stats: dict[str, Any] = {}
        call = self._call
        info = call(conn, dom, dom.info, optional=True)  # [state, maxMem KiB, memory KiB, vcpus, cpuTime ns]
        if info:
            stats["balloon.maximum"], stats["balloon.current"] = info[1], info[2]
            stats["vcpu.current"], stats["cpu.time"] = info[3], info[4]
        vcpus = call(conn, dom, dom.vcpus, optional=True)
        if vcpus:
            for number, vcpu_state, cpu_time, _cpu in vcpus[0]:
                stats[f"vcpu.{number}.state"] = vcpu_state
                stats[f"vcpu.{number}.time"] = cpu_time
        memory = call(conn, dom, dom.memoryStats, optional=True) or {}
        for key, value in memory.items():
            if key in MEMORY_KEYS:
                stats[f"balloon.{MEMORY_KEYS[key]}"] = value

        n = 0
        for disk in config.disks:
            if not disk.source:  # an empty drive has no stats
                continue
            prefix = f"block.{n}."
            stats[prefix + "name"] = disk.target
            stats[prefix + "path"] = disk.source
            self._block_stats(conn, dom, disk.target, prefix, stats)
            block_info = call(conn, dom, dom.blockInfo, disk.target, optional=True)
            if block_info:
                stats[prefix + "capacity"], stats[prefix + "allocation"], stats[prefix + "physical"] = (
                    block_info[:3]
                )
            n += 1
        stats["block.count"] = n

        n = 0
        for nic in config.interfaces:
            device = nic.target or nic.mac  # libvirt accepts the MAC where the host device is unknown
            if not device:
                continue
            values = call(conn, dom, dom.interfaceStats, device, optional=True)
            if values:
                stats[f"net.{n}.name"] = device
                for key, value in zip(NET_KEYS, values):  # (rx bytes, pkts, errs, drop, tx ...)
                    stats[f"net.{n}.{key}"] = value
                n += 1
        stats["net.count"] = n
        return stats

    def _block_stats(self, conn, dom, device: str, prefix: str, stats: dict[str, Any]) -> None:
        """block.N.* counters of one disk: blockStatsFlags (with times) where the driver has it."""
        if self._block_stats_flags:
            try:
                values = dom.blockStatsFlags(device, 0)
            except libvirt.libvirtError as exc:
                code, alive = exc.get_error_code(), self._alive(conn)
                if code == libvirt.VIR_ERR_NO_SUPPORT and alive:
                    self._block_stats_flags = False  # only the plain call on this driver: stop asking
                elif code in NOT_AVAILABLE and alive:
                    return  # no counters for this disk now (the domain stopped, ...)
                else:
                    what = f"blockStatsFlags({device}) of domain {dom.name()}"
                    raise self._error(conn, exc, what, dom) from None
            else:
                for key, value in values.items():
                    if key in BLOCK_FLAG_KEYS:
                        stats[prefix + BLOCK_FLAG_KEYS[key]] = value
                return
        # (rd_req, rd_bytes, wr_req, wr_bytes, errs)
        values = self._call(conn, dom, dom.blockStats, device, optional=True)
        if values:
            for key, value in zip(("rd.reqs", "rd.bytes", "wr.reqs", "wr.bytes", "errors"), values):
                stats[prefix + key] = value

    def _network_bridges(self, conn: libvirt.virConnect) -> dict[str, str]:
        """libvirt network name → bridge name; {} where the network driver is absent."""
        bridges: dict[str, str] = {}
        try:
            networks = conn.listAllNetworks(0)
        except libvirt.libvirtError as exc:
            if not self._alive(conn):
                raise
            log.debug("%s: cannot list networks: %s", self.name, exc)
            return bridges
        for network in networks:
            try:
                bridges[network.name()] = network.bridgeName()
            except libvirt.libvirtError as exc:  # e.g. a macvtap network has no bridge
                if not self._alive(conn):
                    raise
                log.debug("%s: network %s has no bridge: %s", self.name, network.name(), exc)
        return bridges

    # --- errors ---------------------------------------------------------------------------------

    def _call(self, conn, dom, method: Callable, *args: Any, optional: bool = False) -> Any:
        """Call a virDomain method; turn its libvirt error into the typed one (None if optional and
        the datum is not available)."""
        try:
            return method(*args)
        except libvirt.libvirtError as exc:
            if optional and exc.get_error_code() in NOT_AVAILABLE and self._alive(conn):
                return None
            raise self._error(conn, exc, f"{method.__name__} of domain {dom.name()}", dom) from None

    def _alive(self, conn: libvirt.virConnect) -> bool:
        try:
            return conn.isAlive() == 1
        except libvirt.libvirtError:
            return False

    def _error(self, conn, exc: libvirt.libvirtError, what: str, dom=None) -> Exception:
        code = exc.get_error_code()
        if dom is not None and code == libvirt.VIR_ERR_NO_DOMAIN:
            return DomainVanished(dom.name())
        message = exc.get_error_message() or str(exc)
        if code in CONNECTION_LOST or not self._alive(conn):
            return BackendUnavailable(
                f"{self.name}: lost the connection to libvirt at {self.uri} ({what}: {message})"
            )
        return BackendError(f"{self.name}: libvirt {what} failed: {message} (error code {code})")


def _needs_bridges(readings: list[DomainReading]) -> bool:
    return any(nic.network and not nic.bridge for r in readings for nic in r.config.interfaces)


def _or_zero(call: Callable[[], int]) -> int:
    try:
        return call()
    except libvirt.libvirtError:
        return 0


def _or_empty(call: Callable[[], str]) -> str:
    try:
        return call() or ""
    except libvirt.libvirtError:
        return ""


def _close_quietly(conn: libvirt.virConnect) -> None:
    try:
        conn.close()
    except Exception:  # a connection to a dead daemon may fail to close: it is gone anyway
        log.debug("closing a libvirt connection failed", exc_info=True)
