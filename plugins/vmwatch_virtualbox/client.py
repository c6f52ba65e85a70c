"""Thin I/O: the VBoxManage backend runs `VBoxManage` and hands its output to the pure parsers.

One refresh runs:
- `list vms` (every registered VM, whatever its state);
- `showvminfo <uuid> --machinereadable` per VM, a few at a time;
- `list --long hdds` once, for disk sizes and formats (optional: sizes are -1 without it);
- `metrics setup` when a VM started since the last setup (VirtualBox only keeps metrics of
  running VMs), then `metrics query` once (optional: no CPU time or memory statistics without it).

Errors: VBoxManage missing or not executable, or VBoxSVC unreachable → BackendUnavailable; a
non-zero exit, a timeout or output the parsers reject → BackendError naming the command; a VM
deleted between `list vms` and its `showvminfo` → skipped. The optional calls only log.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from vmwatch.backend import BackendError, BackendUnavailable
from vmwatch.model import Host, ticks
from vmwatch_virtualbox import listing, machinereadable, metrics
from vmwatch_virtualbox.mapping import (
    MachineFacts,
    MappingError,
    cpu_load,
    facts_from_machinereadable,
    is_active,
    map_hypervisor,
    map_machine,
    memory_stats,
)
from vmwatch_virtualbox.tracking import CpuTimeTracker, UpTimeTracker

log = logging.getLogger(__name__)

DEFAULT_VBOXMANAGE = "VBoxManage"
DEFAULT_TIMEOUT = 30.0
METRICS_PERIOD = 5  # seconds per sample
METRICS_SAMPLES = 3  # kept samples: the CPU load is averaged over the last 15 s
WORKERS = 4  # showvminfo calls at a time
# stderr of VBoxManage when it cannot reach VBoxSVC (the service is down, or not this user's)
SERVICE_DOWN = (
    "Failed to create the VirtualBox object",
    "Failed to initialize COM",
    "COM server is not running",
    "NS_ERROR_SOCKET_FAIL",
    "NS_ERROR_ABORT",
)
# stderr when the VM asked for is gone (deleted after `list vms`)
NOT_FOUND = ("Could not find a registered machine", "VBOX_E_OBJECT_NOT_FOUND")


class VBoxManageFailed(BackendError):
    """VBoxManage exited non-zero; `stderr` holds what it said."""

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


def read_host_uptime(path: Path = Path("/proc/uptime")) -> float | None:
    """Seconds since this machine booted (VBoxManage always talks to the local VBoxSVC)."""
    try:
        return float(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def host_if_indexes() -> dict[str, int]:
    """ifIndex of every interface of this machine by name."""
    try:
        return {name: index for index, name in socket.if_nameindex()}
    except OSError:
        return {}


@dataclass(frozen=True)
class VBoxManage:
    """How to run VBoxManage: the executable (a name looked up on PATH, or a path) and a timeout."""

    executable: str = DEFAULT_VBOXMANAGE
    timeout: float = DEFAULT_TIMEOUT

    def run(self, *args: str) -> str:
        """Run `VBoxManage args...` and return its stdout; raise the typed errors above."""
        command = [self.executable, *args]
        what = "VBoxManage " + " ".join(args)
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=self.timeout, stdin=subprocess.DEVNULL, check=False
            )
        except (FileNotFoundError, NotADirectoryError):
            raise BackendUnavailable(
                f"{self.executable!r} not found: is VirtualBox installed? (set the backend's "
                "'vboxmanage' option to the full path of VBoxManage)"
            ) from None
        except PermissionError:
            raise BackendUnavailable(f"{self.executable!r} is not executable by this user") from None
        except subprocess.TimeoutExpired:
            raise BackendError(f"{what} did not answer within {self.timeout:g} s") from None
        except OSError as exc:
            raise BackendUnavailable(f"cannot run {self.executable!r}: {exc}") from None
        stdout = done.stdout.decode("utf-8", errors="replace")
        stderr = done.stderr.decode("utf-8", errors="replace").strip()
        if done.returncode != 0:
            said = " | ".join(line.strip() for line in stderr.splitlines()[-3:]) or "(nothing on stderr)"
            message = f"{what} exited with {done.returncode}: {said}"
            if any(marker in stderr for marker in SERVICE_DOWN):
                raise BackendUnavailable(message + " (is VBoxSVC running for this user?)")
            raise VBoxManageFailed(message, stderr)
        return stdout


def detect_local(executable: str = DEFAULT_VBOXMANAGE, timeout: float = 5.0) -> dict[str, str] | None:
    """Options for the local VirtualBox when VBoxManage is on PATH and answers `--version`."""
    path = shutil.which(executable)
    if path is None:
        return None
    try:
        listing.parse_version(VBoxManage(path, timeout).run("--version"))
    except (BackendError, listing.ListingError):
        return None
    return {"vboxmanage": path}


class VBoxManageBackend:
    """The VirtualBox of this machine through VBoxManage; `read()` returns its one host."""

    def __init__(
        self,
        name: str,
        vboxmanage: str = DEFAULT_VBOXMANAGE,
        timeout: float = DEFAULT_TIMEOUT,
        use_metrics: bool = True,
        clock: Callable[[], float] = time.time,
        host_cpus: int | None = None,
    ) -> None:
        self.name = name
        self.vbox = VBoxManage(vboxmanage, timeout)
        self.use_metrics = use_metrics
        self._clock = clock
        self._version = ""
        self._uptimes = UpTimeTracker(clock)
        self._cpu_times = CpuTimeTracker(clock, host_cpus or os.cpu_count() or 1)
        self._metrics_for: frozenset[str] = frozenset()  # active VMs when metrics were last set up

    # --- connection -----------------------------------------------------------------------------

    def connect(self) -> None:
        """Check that VBoxManage runs and learn the VirtualBox version."""
        try:
            self._version = listing.parse_version(self.vbox.run("--version"))
        except listing.ListingError as exc:
            raise BackendUnavailable(f"{self.name}: VBoxManage --version: {exc}") from None
        except VBoxManageFailed as exc:
            raise BackendUnavailable(f"{self.name}: {exc}") from None
        self._metrics_for = frozenset()

    def close(self) -> None:
        """Nothing stays open between calls; forget the metrics setup (VBoxSVC may restart)."""
        self._metrics_for = frozenset()

    # --- reading --------------------------------------------------------------------------------

    def read(self) -> tuple[Host, ...]:
        """Read every registered VM, whatever its state, as one Host."""
        if not self._version:
            raise BackendUnavailable(f"{self.name}: not connected")
        try:
            listed = listing.parse_vm_list(self.vbox.run("list", "vms"))
        except listing.ListingError as exc:
            raise BackendError(f"{self.name}: VBoxManage list vms: {exc}") from None
        facts = self._machine_facts([str(vm.uuid) for vm in listed])
        active = [f for f in facts if f.accessible and is_active(f.state)]
        media = self._media() if any(a.image_uuid for f in facts for a in f.attachments) else {}
        rows = self._metrics(active)
        if_indexes = host_if_indexes()
        active_uuids = {str(f.uuid) for f in active}
        # metrics rows name the VM, not its UUID: two active VMs with one name get none
        names = Counter(f.name for f in active)
        self._uptimes.keep_only(active_uuids)
        self._cpu_times.keep_only(active_uuids)
        vms = []
        for f in facts:
            up_time, cpu_time, memory = 0, None, None
            if str(f.uuid) in active_uuids:
                up_time = self._uptimes.up_time(str(f.uuid), f.state_since)
                own = rows if names[f.name] == 1 else {}
                cpu_time = self._cpu_times.cpu_time(str(f.uuid), cpu_load(own, f.name))
                memory = memory_stats(own, f.name)
            vms.append(
                map_machine(
                    f, media, up_time=up_time, cpu_time=cpu_time, memory=memory, if_indexes=if_indexes
                )
            )
        host_uptime = read_host_uptime()
        hypervisor = map_hypervisor(
            self._version, ticks(host_uptime) if host_uptime is not None else 0, socket.gethostname()
        )
        return (Host(hypervisor=hypervisor, vms=tuple(vms)),)

    def _machine_facts(self, uuids: Sequence[str]) -> list[MachineFacts]:
        if not uuids:
            return []
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(uuids))) as pool:
            results = list(pool.map(self._showvminfo, uuids))
        return [f for f in results if f is not None]

    def _showvminfo(self, uuid: str) -> MachineFacts | None:
        try:
            text = self.vbox.run("showvminfo", uuid, "--machinereadable")
        except VBoxManageFailed as exc:
            if any(marker in exc.stderr for marker in NOT_FOUND):
                log.debug("%s: VM %s vanished during the refresh", self.name, uuid)
                return None
            raise BackendError(f"{self.name}: {exc}") from None
        try:
            return facts_from_machinereadable(machinereadable.parse(text))
        except (machinereadable.MachineReadableError, MappingError) as exc:
            raise BackendError(
                f"{self.name}: VBoxManage showvminfo {uuid} --machinereadable: {exc}"
            ) from None

    def _media(self) -> dict[str, listing.Medium]:
        """Hard disks by UUID; {} (sizes unknown) when the list cannot be read."""
        try:
            return listing.parse_media(self.vbox.run("list", "--long", "hdds"))
        except (VBoxManageFailed, listing.ListingError) as exc:
            log.warning("%s: no disk sizes this refresh: list --long hdds: %s", self.name, exc)
            return {}

    def _metrics(self, active: list[MachineFacts]) -> dict[tuple[str, str], list[metrics.Sample]]:
        """Latest metric samples of the active VMs; {} when metrics are off or unreadable."""
        if not self.use_metrics or not active:
            self._metrics_for = frozenset()
            return {}
        uuids = frozenset(str(f.uuid) for f in active)
        try:
            if not uuids <= self._metrics_for:
                # metrics exist only for VMs running at setup time: set up again after a start
                self.vbox.run(
                    "metrics", "setup", "--period", str(METRICS_PERIOD), "--samples", str(METRICS_SAMPLES),
                    "*", ",".join(metrics.BASE_METRICS),
                )  # fmt: skip
            self._metrics_for = uuids  # a VM that stopped needs a new setup when it starts again
            text = self.vbox.run("metrics", "query", "*", ",".join(metrics.VM_METRICS))
            return metrics.parse(text, objects=[f.name for f in active] + ["host"])
        except (VBoxManageFailed, metrics.MetricsError) as exc:
            log.warning("%s: no metrics this refresh: %s", self.name, exc)
            self._metrics_for = frozenset()
            return {}
