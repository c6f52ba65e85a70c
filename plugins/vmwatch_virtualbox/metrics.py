"""Parser for `VBoxManage metrics query [object] [metric,...]` (pure: text in, samples out).

The output (VBoxManageMetrics.cpp) is a header, a dashes line, then one row per object and metric:

    Object          Metric                                   Values
    --------------- ---------------------------------------- ---------------------------
    web-01          CPU/Load/User                            4.00%
    web-01          RAM/Usage/Used                           2101248 kB
    web-01          Guest/RAM/Usage/Free                     1024 kB, 980 kB

Columns are padded with `%-15s %-40s` in current releases (`%-10s %-20s` in old ones), so rows are
read by whitespace, not by column. Values are `<int> <unit>` when the metric has no scale and
`<int>.<2 digits><unit>` when it has one (`4.00%`), several samples separated by `, `; a metric
that has no sample yet has no values. The object is `host` or a VM name, and VM names may hold
spaces: give `parse(text, objects=...)` the names you expect and the longest that prefixes a row
wins; otherwise the first word is taken. Metric names (`CPU/Load/User`, `Net/eth0/Load/Rx`,
`Guest/RAM/Usage/Free:avg`) hold no spaces.

Bad rows raise `MetricsError`. The metrics are gauges (percentages, current sizes, rates); `cpu_us`
turns a CPU load into CPU time for vmwatch's estimated vmCpuTime counter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "VM_METRICS",
    "MetricsError",
    "Sample",
    "cpu_us",
    "latest",
    "parse",
    "to_bytes",
]

# What vmwatch queries for every running VM (base metrics CPU/Load, RAM/Usage, Guest/RAM/Usage).
VM_METRICS = (
    "CPU/Load/User",
    "CPU/Load/Kernel",
    "RAM/Usage/Used",
    "Guest/RAM/Usage/Total",
    "Guest/RAM/Usage/Free",
    "Guest/RAM/Usage/Balloon",
    "Guest/RAM/Usage/Cache",
)
# Base metrics to set up (`metrics setup` works on base metrics: Category/Metric).
BASE_METRICS = ("CPU/Load", "RAM/Usage", "Guest/RAM/Usage")

_VALUE = re.compile(r"^(?P<number>-?\d+(?:\.\d+)?)\s*(?P<unit>\S*)$")
_BYTE_UNITS = {"B": 1, "kB": 1 << 10, "KB": 1 << 10, "mB": 1 << 20, "MB": 1 << 20, "GB": 1 << 30}


class MetricsError(ValueError):
    """The output of `metrics query` is not in the expected format."""


@dataclass(frozen=True)
class Sample:
    """One value of a metric with its unit ("%", "kB", "B/s", "MHz", "mB" ...)."""

    value: float
    unit: str


def _is_rule(line: str) -> bool:
    return "-" in line and set(line.rstrip("\r")) <= {"-", " "}


def _is_header(line: str) -> bool:
    words = line.split()
    return (len(words) >= 2 and words[0] == "Object" and words[1] == "Metric") or _is_rule(line)


def _split_object(line: str, objects: list[str]) -> tuple[str, str]:
    for name in objects:  # longest first
        if line.startswith(name) and (len(line) == len(name) or line[len(name)].isspace()):
            return name, line[len(name) :].lstrip()
    first, _, rest = line.partition(" ")
    return first, rest.lstrip()


def _values(text: str, number: int) -> list[Sample]:
    samples = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        match = _VALUE.match(part)
        if match is None:
            raise MetricsError(f"line {number}: {part!r} is not a metric value")
        samples.append(Sample(float(match["number"]), match["unit"]))
    return samples


def parse(text: str, objects: Iterable[str] = ()) -> dict[tuple[str, str], list[Sample]]:
    """Samples by (object, metric) in row order; raise MetricsError on a row of another shape."""
    names = sorted({name for name in objects if name}, key=len, reverse=True)
    rows: dict[tuple[str, str], list[Sample]] = {}
    lines = text.splitlines()
    # The header is translated in VirtualBox 7 (Metrics::tr): skip everything up to its dashes.
    first = next((i + 1 for i, line in enumerate(lines) if _is_rule(line)), 0)
    for number, line in enumerate(lines[first:], first + 1):
        line = line.rstrip("\r").rstrip()
        if not line.strip() or _is_header(line):
            continue
        if line[0].isspace():
            raise MetricsError(f"line {number} has no object: {line[:80]!r}")
        obj, rest = _split_object(line, names)
        metric, _, values = rest.partition(" ")
        if not metric or "/" not in metric:
            raise MetricsError(f"line {number}: no metric name in {line[:80]!r}")
        rows[(obj, metric)] = _values(values, number)
    return rows


def latest(rows: Mapping[tuple[str, str], list[Sample]], obj: str, metric: str) -> Sample | None:
    """The newest sample of `metric` for `obj`, or None when there is none."""
    samples = rows.get((obj, metric))
    return samples[-1] if samples else None


def to_bytes(sample: Sample | None) -> int | None:
    """A size sample (`2048 kB`, `12 mB` ...) in bytes; None for no sample or another unit.

    VirtualBox's `kB` and `mB` are binary (1024, 1024²)."""
    if sample is None or sample.unit not in _BYTE_UNITS or sample.value < 0:
        return None
    return int(sample.value * _BYTE_UNITS[sample.unit])


def cpu_us(load_percent: float, host_cpus: int, seconds: float) -> int:
    """CPU time in µs that a VM used over `seconds` at `load_percent` of the whole host.

    VirtualBox's VM `CPU/Load/*` metrics are shares of all host CPUs together (100% = every host
    CPU busy), so the time is load × host CPUs × wall time."""
    if load_percent <= 0 or host_cpus <= 0 or seconds <= 0:
        return 0
    return int(load_percent / 100.0 * host_cpus * seconds * 1_000_000)
