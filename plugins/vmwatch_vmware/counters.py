"""Performance samples → monotonic counters (pure: no I/O, no pyVmomi import).

vSphere's PerformanceManager gives per-interval values (20-second "realtime" samples): a rate
averaged over the interval (KB/s, IO/s), a sum over the interval (milliseconds of CPU, packets)
or an average latency. The VM-MIB wants Counter64 totals. The backend therefore keeps running
totals in an `Accumulator`, keyed by VM (its vmUUID), total name and instance (vCPU number, disk
bus name such as "scsi0:0", NIC device key such as "4000"), and adds each sample exactly once:
a sample whose timestamp is not newer than the last one added for its key is ignored, so
overlapping queries never count twice.

Consequences, documented in docs/vmware-mapping.md: totals start at 0 when vmwatch starts (a
counter discontinuity, as after an agent restart); they survive reconnections; samples that
vCenter has dropped before vmwatch asked for them (realtime keeps one hour) are lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

COUNTER64 = 1 << 64

# Counter names as vSphere writes them: group.name.rollup.
CPU_USED = "cpu.used.summation"  # ms of CPU used in the interval; instance "" = VM, "N" = vCPU N
DISK_READS = "virtualDisk.numberReadAveraged.average"  # reads per second
DISK_WRITES = "virtualDisk.numberWriteAveraged.average"  # writes per second
DISK_READ_KBPS = "virtualDisk.read.average"  # KB/s read
DISK_WRITE_KBPS = "virtualDisk.write.average"  # KB/s written
DISK_READ_LATENCY = "virtualDisk.totalReadLatency.average"  # ms per read, averaged
DISK_WRITE_LATENCY = "virtualDisk.totalWriteLatency.average"  # ms per write, averaged
NET_RX_KBPS = ("net.bytesRx.average", "net.received.average")  # KB/s received (newer name first)
NET_TX_KBPS = ("net.bytesTx.average", "net.transmitted.average")  # KB/s sent
NET_RX_PACKETS = "net.packetsRx.summation"
NET_TX_PACKETS = "net.packetsTx.summation"
NET_RX_DROPS = "net.droppedRx.summation"
NET_TX_DROPS = "net.droppedTx.summation"

CPU_COUNTERS = (CPU_USED,)
DISK_COUNTERS = (
    DISK_READS, DISK_WRITES, DISK_READ_KBPS, DISK_WRITE_KBPS, DISK_READ_LATENCY, DISK_WRITE_LATENCY,
)  # fmt: skip
NET_COUNTERS = (*NET_RX_KBPS, *NET_TX_KBPS, NET_RX_PACKETS, NET_TX_PACKETS, NET_RX_DROPS, NET_TX_DROPS)

# Total names (what the mapping reads back), in MIB units: µs, IOs, octets, packets.
CPU_TIME = "cpu_time"
READ_IOS, WRITE_IOS = "read_ios", "write_ios"
READ_OCTETS, WRITE_OCTETS = "read_octets", "write_octets"
READ_LATENCY, WRITE_LATENCY = "read_latency", "write_latency"
RX_BYTES, TX_BYTES = "rx_bytes", "tx_bytes"
RX_PACKETS, TX_PACKETS = "rx_packets", "tx_packets"
RX_DROPS, TX_DROPS = "rx_drops", "tx_drops"


def choose_counters(available: Mapping[str, int]) -> dict[str, int]:
    """The counters to request, name → key, from what the server offers (`available`: name → key).

    Of alternative names for one quantity (net.bytesRx / net.received) only the first offered is
    kept, so a quantity is never counted twice.
    """
    chosen: dict[str, int] = {}
    for name in (*CPU_COUNTERS, *DISK_COUNTERS):
        if name in available:
            chosen[name] = available[name]
    for group in (NET_RX_KBPS, NET_TX_KBPS):
        name = next((n for n in group if n in available), None)
        if name is not None:
            chosen[name] = available[name]
    for name in (NET_RX_PACKETS, NET_TX_PACKETS, NET_RX_DROPS, NET_TX_DROPS):
        if name in available:
            chosen[name] = available[name]
    return chosen


def increments(values: Mapping[str, int], interval: int) -> dict[str, int]:
    """What one sample (one instance, one timestamp) adds to each total.

    `values` maps counter names to the sample's value; `interval` is the sample's length in
    seconds. Negative values (vSphere's -1, "no data") contribute nothing.
    """
    v = {name: value for name, value in values.items() if isinstance(value, int) and value >= 0}
    out: dict[str, int] = {}

    def put(total: str, amount: int | None) -> None:
        if amount is not None:
            out[total] = out.get(total, 0) + amount

    put(CPU_TIME, v[CPU_USED] * 1000 if CPU_USED in v else None)
    reads = v[DISK_READS] * interval if DISK_READS in v else None
    writes = v[DISK_WRITES] * interval if DISK_WRITES in v else None
    put(READ_IOS, reads)
    put(WRITE_IOS, writes)
    put(READ_OCTETS, v[DISK_READ_KBPS] * 1024 * interval if DISK_READ_KBPS in v else None)
    put(WRITE_OCTETS, v[DISK_WRITE_KBPS] * 1024 * interval if DISK_WRITE_KBPS in v else None)
    # latency is an average per operation: total wait = average × operations in the interval
    if DISK_READ_LATENCY in v and reads is not None:
        put(READ_LATENCY, v[DISK_READ_LATENCY] * 1000 * reads)
    if DISK_WRITE_LATENCY in v and writes is not None:
        put(WRITE_LATENCY, v[DISK_WRITE_LATENCY] * 1000 * writes)
    for names, total in ((NET_RX_KBPS, RX_BYTES), (NET_TX_KBPS, TX_BYTES)):
        for name in names:
            if name in v:
                put(total, v[name] * 1024 * interval)
    for name, total in (
        (NET_RX_PACKETS, RX_PACKETS), (NET_TX_PACKETS, TX_PACKETS),
        (NET_RX_DROPS, RX_DROPS), (NET_TX_DROPS, TX_DROPS),
    ):  # fmt: skip
        if name in v:
            put(total, v[name])
    return out


@dataclass(frozen=True)
class Sample:
    """One instance of one entity at one moment: counter name → value over `interval` seconds."""

    instance: str
    time: float  # epoch seconds at the end of the interval
    interval: int
    values: Mapping[str, int]


class MalformedSample(ValueError):
    """A QueryPerf answer that does not have the documented shape."""


def _epoch(timestamp: object) -> float:
    if isinstance(timestamp, dt.datetime):
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=dt.UTC)
        return timestamp.timestamp()
    raise MalformedSample(f"sample timestamp {timestamp!r} is not a date-time")


def samples(entity_metric: object, counter_names: Mapping[int, str]) -> list[Sample]:
    """A PerfEntityMetric (QueryPerf answer for one entity) → `Sample`s, one per instance and time.

    Values are paired with `sampleInfo` by position, whatever order the server uses (vCenter
    sends oldest first, the simulator newest first); series of unknown counters are ignored.
    """
    try:
        info = [(_epoch(s.timestamp), int(s.interval)) for s in (entity_metric.sampleInfo or ())]
        grouped: dict[tuple[str, int], dict[str, int]] = {}
        for series in entity_metric.value or ():
            name = counter_names.get(series.id.counterId)
            if name is None:
                continue
            instance = series.id.instance or ""
            for position, value in enumerate(series.value or ()):
                if position >= len(info):
                    break
                grouped.setdefault((instance, position), {})[name] = int(value)
    except (AttributeError, TypeError, ValueError) as exc:
        if isinstance(exc, MalformedSample):
            raise
        raise MalformedSample(f"malformed QueryPerf answer: {exc}") from exc
    return [
        Sample(instance=instance, time=info[position][0], interval=info[position][1], values=values)
        for (instance, position), values in grouped.items()
    ]


@dataclass
class _Total:
    last_time: float
    value: int = 0


@dataclass
class Accumulator:
    """Running totals per (VM, total name, instance); each sample is added at most once.

    Not thread-safe: the backend calls it from its read only.
    """

    _totals: dict[tuple[str, str, str], _Total] = field(default_factory=dict)
    _last: dict[str, float] = field(default_factory=dict)

    def add(
        self, vm: str, sample: Sample, derive: Callable[[Mapping[str, int], int], dict[str, int]] = increments
    ) -> None:
        """Add one sample of VM `vm` (its vmUUID) to the totals it contributes to."""
        for name, amount in derive(sample.values, sample.interval).items():
            key = (vm, name, sample.instance)
            total = self._totals.get(key)
            if total is None:
                self._totals[key] = _Total(last_time=sample.time, value=amount % COUNTER64)
            elif sample.time > total.last_time:
                total.last_time = sample.time
                total.value = (total.value + amount) % COUNTER64
        if sample.time > self._last.get(vm, float("-inf")):
            self._last[vm] = sample.time

    def add_all(self, vm: str, found: Iterable[Sample]) -> None:
        """Add samples of `vm` oldest first (servers differ in the order they send them)."""
        for sample in sorted(found, key=lambda s: s.time):
            self.add(vm, sample)

    def total(self, vm: str, name: str, instance: str = "") -> int | None:
        """The running total, or None when no sample has contributed to it yet."""
        found = self._totals.get((vm, name, instance))
        return None if found is None else found.value

    def last_time(self, vm: str) -> float | None:
        """Time of the newest sample added for `vm` (the next query starts after it)."""
        return self._last.get(vm)

    def retain(self, vms: Iterable[str]) -> None:
        """Forget the totals of VMs that are no longer in the inventory."""
        keep = set(vms)
        self._totals = {key: total for key, total in self._totals.items() if key[0] in keep}
        self._last = {vm: time for vm, time in self._last.items() if vm in keep}
