"""What a VirtualBox backend must remember between reads: when each VM started, and its estimated
CPU time. No I/O; the clock is passed in.

VirtualBox reports neither a VM's start time nor its CPU time. `UpTimeTracker` takes the start
from VMStateChangeTime the first time it sees the VM active (exact when it first sees it running
right after a start; a lower bound on the up time if the VM was paused since), and keeps it until
the VM leaves the active states. `CpuTimeTracker` integrates the CPU load metric over the time
between reads into an estimated vmCpuTime counter, restarted when the VM starts again.
"""

from __future__ import annotations

from collections.abc import Callable

from vmwatch.model import ticks
from vmwatch_virtualbox.metrics import cpu_us


class UpTimeTracker:
    """When each active VM started, by UUID (text)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._started: dict[str, float] = {}

    def up_time(self, uuid: str, state_since: float | None) -> int:
        """TimeTicks since the VM started (call only for active VMs)."""
        now = self._clock()
        started = self._started.get(uuid)
        if started is None:
            started = state_since if state_since is not None and state_since <= now else now
            self._started[uuid] = started
        return ticks(now - started)

    def keep_only(self, uuids: set[str]) -> None:
        """Forget VMs that are no longer active: their next start is counted afresh."""
        for uuid in self._started.keys() - uuids:
            del self._started[uuid]


class CpuTimeTracker:
    """Estimated vmCpuTime (µs) per active VM, from its CPU load samples."""

    def __init__(self, clock: Callable[[], float], host_cpus: int) -> None:
        self._clock = clock
        self.host_cpus = host_cpus
        self._totals: dict[str, tuple[int, float]] = {}  # uuid → (µs so far, time of last sample)

    def cpu_time(self, uuid: str, load_percent: float | None) -> int | None:
        """Add the load seen now over the time since the last read; None until a first sample."""
        now = self._clock()
        entry = self._totals.get(uuid)
        if load_percent is None:
            return entry[0] if entry else None
        if entry is None:
            total = 0  # the counter starts when vmwatch first sees the VM's load
        else:
            total = entry[0] + cpu_us(load_percent, self.host_cpus, now - entry[1])
        self._totals[uuid] = (total, now)
        return total

    def keep_only(self, uuids: set[str]) -> None:
        for uuid in self._totals.keys() - uuids:
            del self._totals[uuid]
