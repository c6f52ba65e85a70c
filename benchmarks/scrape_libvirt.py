#!/usr/bin/env python3
"""Side-by-side scrape benchmark: vmwatch against Debian's prometheus-libvirt-exporter.

Both exporters talk to one private libvirtd (test driver) holding N test domains. For each N the
harness starts both exporters fresh, scrapes them alternately (A, B, A, B ...) after a warm-up, and
records per scrape the wall time of the full HTTP GET (body read) and the CPU the exporter (and
libvirtd) used meanwhile; then RSS, series, distinct VMs, VM-MIB coverage of vmwatch's HELP texts,
and vmwatch's background refresh cost while nobody scrapes. Results go to a JSON file and a
markdown section of docs/benchmarks.md (between the `results` markers).

    python benchmarks/scrape_libvirt.py --sizes 10,100,1000 --scrapes 30 --out benchmarks/results/

Needs: libvirt-daemon, libvirt-clients, prometheus-libvirt-exporter (Debian), libvirt-python, and
vmwatch installed with its libvirt backend and Prometheus exporter. Not a test: run it by hand.
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Measure the code of the checkout this file is in (also a clean clone of it), whatever vmwatch
# happens to be installed: its packages go first on the path, here and in the vmwatch process.
CODE_PATHS = [str(ROOT), str(ROOT / "plugins"), str(ROOT / "exporters")]
sys.path[:0] = [str(ROOT / "tests"), *CODE_PATHS]
os.environ["PYTHONPATH"] = os.pathsep.join(CODE_PATHS + [p for p in [os.environ.get("PYTHONPATH")] if p])

from services import Libvirtd, Service, ServiceError, free_port, require_program, wait_for

PEER = "prometheus-libvirt-exporter"
VMWATCH = "vmwatch"
DOMAIN_PREFIX = "bench-"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# What Prometheus 2.x asks for, minus OpenMetrics: the same text format from both exporters.
SCRAPE_HEADERS = {"Accept": "text/plain;version=0.0.4;q=1,*/*;q=0.1", "User-Agent": "vmwatch-bench"}
RESULTS_BEGIN = "<!-- results:begin (written by benchmarks/scrape_libvirt.py) -->"
RESULTS_END = "<!-- results:end -->"
CODE_UNDER_TEST = ("vmwatch", "plugins/vmwatch_libvirt", "exporters/vmwatch_prometheus")
GOAL_SIZE = 1000
GOAL_LATENCY_RATIO = 0.5
GOAL_RSS_MB = 150.0

# ---------------------------------------------------------------------------------------------
# Pure parts: domain XML, exposition parsing, statistics, report rendering.


RUNNING, PAUSED, SHUTOFF = 1, 3, 5  # virDomainState


def domain_state(i: int) -> int:
    """The state (virDomainState) domain number i is put in: 80 % running, 10 % paused, 10 % shut off."""
    return {8: PAUSED, 9: SHUTOFF}.get(i % 10, RUNNING)


def domain_name(i: int) -> str:
    return f"{DOMAIN_PREFIX}{i:04d}"


def domain_xml(i: int) -> str:
    """A realistic standalone domain for the test driver: libosinfo OS id, 2 vCPUs (4 max) pinned,
    1 GiB, three disks (qcow2 file, block device, read-only cdrom), two NICs (network, bridge), a
    balloon. Checked to load and return stats in libvirt 9.0's test driver."""
    name = domain_name(i)
    mac = f"{(i >> 8) & 255:02x}:{i & 255:02x}"
    return f"""<domain type='test'>
  <name>{name}</name>
  <uuid>{uuidlib.UUID(int=0xBE4C0000_0000_4000_8000_000000000000 + i)}</uuid>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>
      <libosinfo:os id='http://debian.org/debian/12'/>
    </libosinfo:libosinfo>
  </metadata>
  <memory unit='KiB'>1048576</memory>
  <currentMemory unit='KiB'>786432</currentMemory>
  <vcpu placement='static' current='2'>4</vcpu>
  <cputune><vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='1' cpuset='1'/></cputune>
  <os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/{name}.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='block' device='disk'>
      <driver name='qemu' type='raw'/>
      <source dev='/dev/vg0/{name}-data'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/libvirt/images/cloud-init-{name}.iso'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:00:{mac}'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:01:{mac}'/>
      <source bridge='br0'/>
      <model type='e1000'/>
    </interface>
    <memballoon model='virtio'/>
  </devices>
</domain>
"""


_SAMPLE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s")
_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')
VM_LABELS = ("vm_uuid", "uuid")  # vmwatch, peer


@dataclass
class Exposition:
    """What one scrape body says, reduced to what the benchmark reports."""

    series: int  # sample lines (not comments, not blank)
    families: int  # distinct metric names in # TYPE lines (or sample names without them)
    vms: int  # distinct VM uuids over every series
    helps: dict[str, str] = field(default_factory=dict)  # metric family → HELP text


def parse_exposition(text: str) -> Exposition:
    """Count series, families and distinct VMs of a Prometheus text exposition."""
    series = 0
    types: set[str] = set()
    names: set[str] = set()
    helps: dict[str, str] = {}
    vms: set[str] = set()
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                types.add(parts[2])
            elif len(parts) >= 3 and parts[1] == "HELP":
                helps[parts[2]] = parts[3] if len(parts) > 3 else ""
            continue
        series += 1
        match = _SAMPLE.match(line)
        if match is None:
            continue
        name, labels_text = match.group(1), match.group(2)
        names.add(name)
        if labels_text:
            labels = dict(_LABEL.findall(labels_text))
            for key in VM_LABELS:
                if key in labels:
                    vms.add(labels[key].lower())
                    break
    return Exposition(series=series, families=len(types) or len(names), vms=len(vms), helps=helps)


def mib_objects(mib_text: str, access: tuple[str, ...] = ("read-only",)) -> list[str]:
    """The OBJECT-TYPEs of a MIB module with the given MAX-ACCESS, in module order.

    The default, read-only, is every data object of VM-MIB; its two read-write objects are the
    SNMP notification switches (vmPerVMNotificationsEnabled, vmBulkNotificationsEnabled), which
    configure an agent and describe no VM, so the Prometheus coverage check leaves them out.
    """
    found = []
    for match in re.finditer(r"^(\w+)\s+OBJECT-TYPE(.*?)::=", mib_text, re.DOTALL | re.MULTILINE):
        found_access = re.search(r"MAX-ACCESS\s+([\w-]+)", match.group(2))
        if found_access and found_access.group(1) in access:
            found.append(match.group(1))
    return found


def mib_coverage(objects: list[str], helps: dict[str, str]) -> tuple[list[str], list[str]]:
    """(named, missing): which MIB objects some HELP text names (vmwatch's HELP names its object)."""
    text = "\n".join(helps.values())
    named = [o for o in objects if re.search(rf"\b{o}\b", text)]
    return named, [o for o in objects if o not in named]


_HEALTH = {
    key: re.compile(rb"^" + name.encode() + rb"(?:\{[^}]*\})? (\S+)$", re.MULTILINE)
    for key, name in (
        ("reads", "vmwatch_backend_reads_total"),
        ("duration", "vmwatch_backend_read_duration_seconds"),
        ("last_success", "vmwatch_backend_last_success_timestamp_seconds"),
    )
}


def refresh_of(body: bytes) -> tuple[int, float, float] | None:
    """(reads so far, start, end) of vmwatch's last read, from its own health metrics; the times
    are epoch seconds (last success minus its duration). None when the body does not say."""
    found = {key: pattern.search(body) for key, pattern in _HEALTH.items()}
    if any(match is None for match in found.values()):
        return None
    reads, duration, end = (float(found[key].group(1)) for key in ("reads", "duration", "last_success"))
    return int(reads), end - duration, end


def overlapping(windows: list[tuple[float, float]], refreshes: list[tuple[float, float]]) -> list[bool]:
    """For each scrape window (start, end): does some refresh (start, end) overlap it?"""
    return [any(r0 < w1 and w0 < r1 for r0, r1 in refreshes) for w0, w1 in windows]


def undefined_mib_objects(objects: list[str]) -> list[str] | None:
    """MIB objects that no metric definition of vmwatch's exporter names (None: cannot tell)."""
    try:
        from vmwatch_prometheus.collector import ALL_SPECS  # type: ignore[import-not-found]
    except ImportError:
        return None
    text = "\n".join(f"{spec.source}\n{spec.help}" for spec in ALL_SPECS)
    return [o for o in objects if not re.search(rf"\b{o}\b", text)]


def quantile(values: list[float], q: float) -> float:
    """Linear-interpolated quantile (numpy's default); q in [0, 1]."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(values: list[float]) -> dict[str, float]:
    return {
        "median": quantile(values, 0.5),
        "p95": quantile(values, 0.95),
        "mean": statistics.fmean(values) if values else math.nan,
        "min": min(values, default=math.nan),
        "max": max(values, default=math.nan),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0 or math.isnan(a) or math.isnan(b):
        return None
    return a / b


def _ms(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "-"
    value = seconds * 1000
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _x(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}×"


def _mb(kib: int | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.1f}"


def render_markdown(result: dict) -> str:
    """The results section of docs/benchmarks.md (also printed) from the JSON result."""
    info = result["machine"]
    lines = [
        (
            f"Run {result['date']} on {info['cpu_model']} ({info['nproc']} CPUs, {info['memory_gib']} GiB), "
            f"{info['os']}, kernel {info['kernel']}, Python {info['python']}, libvirt {info['libvirt']}, "
            f"{PEER} {info['peer_version']}, vmwatch {info['vmwatch_version']} (commit {info['commit']}"
            f"{' with uncommitted changes to ' + ', '.join(line.split(None, 1)[-1] for line in info['uncommitted']) if info.get('uncommitted') else ''}), "
            f"prometheus-client {info['prometheus_client']}. Load average (1 min) "
            f"{info['loadavg_at_start']:.1f} at the start, {info.get('loadavg_at_end', math.nan):.1f} at the end."
        ),
        "",
        (
            f"Settings: {result['settings']['scrapes']} measured scrapes per exporter per size "
            f"({result['settings']['scrapes_at_1000']} at {GOAL_SIZE}), {result['settings']['warmup']} warm-up, "
            f"gzip {'on' if result['settings']['gzip'] else 'off'}, vmwatch refresh_interval "
            f"{result['settings']['refresh_interval']:g} s, idle window {result['settings']['idle_seconds']:g} s. "
            f"Domains: {result['settings']['domain_xml']}; states: "
            + "; ".join(f"{n}: {text}" for n, text in result["settings"]["domain_states"].items())
            + "."
        ),
        "",
        "#### Per scrape",
        "",
        (
            "| domains | exporter | VMs exposed | series | families | latency median ms | p95 ms "
            "| exporter CPU ms/scrape (mean / median) | libvirtd CPU ms/scrape | RSS MB | peak RSS MB |"
        ),
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in result["sizes"]:
        for name in (VMWATCH, PEER):
            r = size["exporters"][name]
            lat, cpu = r["latency_s"], r["cpu_s"]
            lines.append(
                f"| {size['domains']} | {name} | {r['vms']} | {r['series']} | {r['families']} "
                f"| {_ms(lat['median'])} | {_ms(lat['p95'])} | {_ms(cpu['mean'])} / {_ms(cpu['median'])} "
                f"| {_ms(r['libvirtd_cpu_s']['mean'])} | {_mb(r['rss_kib'])} | {_mb(r['hwm_kib'])} |"
            )
    lines += [
        "",
        "#### Ratios (vmwatch / peer; below 1 means vmwatch is faster or smaller)",
        "",
        (
            "| domains | latency median | latency p95 | exporter CPU/scrape (mean) | libvirtd CPU/scrape "
            "| RSS | peak RSS | VMs exposed | series |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in result["sizes"]:
        r = size["ratios"]
        lines.append(
            f"| {size['domains']} | {_x(r['latency_median'])} | {_x(r['latency_p95'])} | {_x(r['cpu_mean'])} "
            f"| {_x(r['libvirtd_cpu_mean'])} | {_x(r['rss'])} | {_x(r['hwm'])} | {_x(r['vms'])} | {_x(r['series'])} |"
        )
    lines += [
        "",
        "#### vmwatch scrapes that ran during one of its refreshes",
        "",
        (
            "A refresh (read of libvirt in a worker thread) holds the GIL most of the time, so a scrape "
            "that overlaps one waits for it; the rows above include those scrapes, this table leaves them out. "
            "Overlap is decided from vmwatch's own `vmwatch_backend_last_success_timestamp_seconds` and "
            "`vmwatch_backend_read_duration_seconds`."
        ),
        "",
        "| domains | scrapes during a refresh | latency median ms without them | p95 ms | CPU ms/scrape (mean) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for size in result["sizes"]:
        r = size["exporters"][VMWATCH]
        clean = r["clean"]
        lines.append(
            f"| {size['domains']} | {r['during_refresh']} of {size['scrapes']} | {_ms(clean['latency_s']['median'])} "
            f"| {_ms(clean['latency_s']['p95'])} | {_ms(clean['cpu_s']['mean'])} |"
        )
    lines += [
        "",
        "#### Background cost (nobody scraping)",
        "",
        (
            "vmwatch reads libvirt on its refresh interval, not per scrape, so its scrape numbers above leave "
            "that work out; here it is. The peer does nothing between scrapes."
        ),
        "",
        (
            "| domains | vmwatch read duration s (median / max of N reads) | vmwatch CPU s/min idle | vmwatch CPU s/refresh "
            "| libvirtd CPU s/min (vmwatch refreshing) | peer CPU s/min idle "
            "| total CPU s/min at one scrape per 15 s: vmwatch (+libvirtd) | vmwatch refreshing every 15 s (derived) "
            "| peer (+libvirtd) |"
        ),
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in result["sizes"]:
        b = size["background"]
        lines.append(
            f"| {size['domains']} | {_num(b['read_duration_s']['median'])} / {_num(b['read_duration_s']['max'])} "
            f"of {b['reads_seen']} "
            f"| {_num(b['vmwatch_cpu_s_per_min'])} | {_num(b['vmwatch_cpu_s_per_refresh'])} "
            f"| {_num(b['libvirtd_cpu_s_per_min'])} | {_num(b['peer_cpu_s_per_min'])} "
            f"| {_num(b['total_15s']['vmwatch'])} ({_num(b['total_15s']['vmwatch_with_libvirtd'])}) "
            f"| {_num(b['total_15s']['vmwatch_refresh_as_scrape'])} "
            f"| {_num(b['total_15s']['peer'])} ({_num(b['total_15s']['peer_with_libvirtd'])}) |"
        )
    lines += ["", "#### Goals", ""]
    lines += [f"- {g['verdict']}: {g['goal']} — {g['detail']}" for g in result["goals"]]
    coverage = result.get("mib_coverage")
    if coverage:
        total = len(coverage["named"]) + len(coverage["missing"])
        lines += [
            "",
            f"VM-MIB read-only objects named in the HELP texts of vmwatch's scrape at {coverage['domains']} "
            f"domains: {len(coverage['named'])} of {total}"
            + (
                f"; without a sample there: {', '.join(coverage['missing'])}." if coverage["missing"] else "."
            ),
        ]
        if coverage.get("undefined") is not None:
            lines.append(
                f"In the exporter's metric definitions (`vmwatch_prometheus.collector.ALL_SPECS`): "
                f"{total - len(coverage['undefined'])} of {total}"
                + (f"; not mapped: {', '.join(coverage['undefined'])}." if coverage["undefined"] else ".")
            )
    return "\n".join(lines) + "\n"


def _num(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.3g}"


def judge_goals(result: dict) -> list[dict]:
    """The issue's goals, each with 'met' / 'missed' / 'not measured' and the numbers behind it."""
    goals = []
    big = next((s for s in result["sizes"] if s["domains"] == GOAL_SIZE), None)
    if big is None:
        return [
            {
                "goal": f"measured at {GOAL_SIZE} domains",
                "verdict": "not measured",
                "detail": "size not in --sizes",
            }
        ]
    ours, peer = big["exporters"][VMWATCH], big["exporters"][PEER]
    r = big["ratios"]["latency_median"]
    detail = (
        f"vmwatch median {_ms(ours['latency_s']['median'])} ms vs peer {_ms(peer['latency_s']['median'])} ms, "
        f"ratio {_x(r)} (p95 ratio {_x(big['ratios']['latency_p95'])})"
    )
    if r is not None and r > GOAL_LATENCY_RATIO:
        detail += f"; missed by {r / GOAL_LATENCY_RATIO:.2f}× (needs {_ms(peer['latency_s']['median'] * GOAL_LATENCY_RATIO)} ms)"
    goals.append(
        {
            "goal": f"scrape latency at {GOAL_SIZE} domains at most {GOAL_LATENCY_RATIO:g}× the peer's",
            "verdict": "unknown" if r is None else ("met" if r <= GOAL_LATENCY_RATIO else "missed"),
            "detail": detail,
        }
    )
    goals.append(
        {
            "goal": f"all {GOAL_SIZE} VMs exposed",
            "verdict": "met" if ours["vms"] >= GOAL_SIZE else "missed",
            "detail": f"vmwatch exposes {ours['vms']} VMs, the peer {peer['vms']}",
        }
    )
    coverage = result.get("mib_coverage")
    if coverage:
        total = len(coverage["named"]) + len(coverage["missing"])
        undefined = coverage.get("undefined")
        if not coverage["missing"]:
            verdict = "met"
        elif undefined == []:
            verdict = "partly met"  # every object has a metric; some have no value on this testbed
        else:
            verdict = "missed"
        detail = f"{len(coverage['named'])} of {total} read-only objects have samples in the scrape"
        if coverage["missing"]:
            detail += f" (none for {', '.join(coverage['missing'])})"
        if undefined is not None:
            detail += f"; {total - len(undefined)} of {total} have a metric defined"
        goals.append({"goal": "every VM-MIB object exposed", "verdict": verdict, "detail": detail})
    hwm = ours["hwm_kib"]
    goals.append(
        {
            "goal": f"vmwatch RSS under {GOAL_RSS_MB:g} MB at {GOAL_SIZE} domains",
            "verdict": "unknown" if hwm is None else ("met" if hwm / 1024 < GOAL_RSS_MB else "missed"),
            "detail": f"peak (VmHWM) {_mb(hwm)} MB, at the end (VmRSS) {_mb(ours['rss_kib'])} MB"
            + (f", {GOAL_RSS_MB - hwm / 1024:+.1f} MB to the limit" if hwm is not None else "")
            + f"; peer {_mb(peer['hwm_kib'])} / {_mb(peer['rss_kib'])} MB",
        }
    )
    return goals


def replace_results(document: str, section: str) -> str:
    """Put `section` between the results markers of `document` (appended if it has none)."""
    block = f"{RESULTS_BEGIN}\n{section}{RESULTS_END}"
    if RESULTS_BEGIN in document and RESULTS_END in document:
        head, rest = document.split(RESULTS_BEGIN, 1)
        _, tail = rest.split(RESULTS_END, 1)
        return head + block + tail
    return document.rstrip("\n") + "\n\n## Results\n\n" + block + "\n"


# ---------------------------------------------------------------------------------------------
# /proc readers.


def cpu_seconds(pid: int) -> float:
    """utime + stime + cutime + cstime of a process, in seconds (clock-tick resolution)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3 of proc(5)); utime is field 14.
    return sum(int(v) for v in fields[11:15]) / CLOCK_TICKS


def memory_kib(pid: int) -> tuple[int | None, int | None]:
    """(VmRSS, VmHWM) in KiB."""
    values: dict[str, int] = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values.get("VmRSS"), values.get("VmHWM")


def machine_info() -> dict:
    cpu_model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    os_name = platform.system()
    try:
        os_name = platform.freedesktop_os_release().get("PRETTY_NAME", os_name)
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "os": os_name,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "libvirt": _libvirt_version(),
        "peer_version": _run(["dpkg-query", "-W", "-f=${Version}", PEER]) or "unknown",
        "vmwatch_version": (_run([sys.executable, "-m", "vmwatch", "--version"]) or "unknown").split()[-1],
        "commit": _run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]) or "unknown",
        # uncommitted changes to the code under test, if any (the numbers are then for those)
        "uncommitted": _run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--", *CODE_UNDER_TEST]
        ).splitlines(),
        "prometheus_client": _dist_version("prometheus-client"),
        "loadavg_at_start": os.getloadavg()[0],
        "vmwatch_code": _run([sys.executable, "-c", "import vmwatch; print(vmwatch.__file__)"]),
    }


def _libvirt_version() -> str:
    import libvirt

    v = libvirt.getVersion()
    return f"{v // 1000000}.{v // 1000 % 1000}.{v % 1000}"


def _dist_version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _run(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, check=False, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


# ---------------------------------------------------------------------------------------------
# The run.


class BenchLibvirtd(Libvirtd):
    """The tests' private libvirtd with no loadable driver at all: the test driver is built into
    libvirt itself, and the interface, secret and storage state drivers that tests/services.py
    keeps each lock a host-wide pid file (/run/libvirt/*/driver.pid), so a second daemon (the
    test suite's, another benchmark's) would refuse to start beside this one."""

    def __init__(self, directory: Path):
        super().__init__(directory)
        for link in (directory / "drivers" / "connection-driver").iterdir():
            link.unlink()


@dataclass
class Exporter:
    name: str
    service: Service
    url: str


def scrape(url: str, use_gzip: bool) -> bytes:
    """One full GET of /metrics with the body read; returns the (decoded later) body."""
    headers = dict(SCRAPE_HEADERS)
    if use_gzip:
        headers["Accept-Encoding"] = "gzip"
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
        encoding = response.headers.get("Content-Encoding", "")
    return gzip.decompress(body) if encoding == "gzip" else body


@dataclass(frozen=True)
class Fleet:
    """How to make domain number i: its name, standalone XML and the state to put it in."""

    source: str
    name: Callable[[int], str]
    xml: Callable[[int], str]
    state: Callable[[int], int]

    def describe(self, count: int) -> str:
        states = [self.state(i) for i in range(count)]
        return (
            f"{states.count(RUNNING)} running, {states.count(PAUSED)} paused, "
            f"{states.count(SHUTOFF)} shut off"
        )


def find_fleet() -> Fleet:
    """The libvirt backend's demo fleet (vmwatch_libvirt.demo) when installed, else this file's."""
    try:
        from vmwatch_libvirt import demo  # type: ignore[import-not-found]

        return Fleet(
            "vmwatch_libvirt.demo.domain_xml (the demo fleet: 12 roles, qcow2/raw/block/rbd disks, "
            "cdroms, 1-3 NICs, pinning, libosinfo)",
            demo.vm_name,
            lambda i: demo.domain_xml(i),
            demo.vm_state,
        )
    except (ImportError, AttributeError):
        return Fleet(
            "benchmarks/scrape_libvirt.py domain_xml (3 disks, 2 NICs, balloon)",
            domain_name,
            domain_xml,
            domain_state,
        )


def set_domains(conn, count: int, fleet: Fleet) -> None:
    """Make the daemon hold exactly domains 0 .. count-1 of `fleet` (and nothing else) in their states."""
    wanted = {fleet.name(i): i for i in range(count)}
    for dom in conn.listAllDomains():
        if dom.name() not in wanted:
            if dom.isActive():
                dom.destroy()
            if dom.isPersistent():
                dom.undefine()
    existing = {dom.name() for dom in conn.listAllDomains()}
    for name, i in wanted.items():
        if name in existing:
            continue
        dom = conn.defineXML(fleet.xml(i))
        state = fleet.state(i)
        if state != SHUTOFF:
            dom.create()
        if state == PAUSED:
            dom.suspend()
    got = sorted((dom.name(), dom.state()[0]) for dom in conn.listAllDomains())
    want = sorted((name, fleet.state(i)) for name, i in wanted.items())
    if got != want:
        raise ServiceError(
            f"domains not as expected: {len(got)} domains, wanted {len(want)} ({fleet.describe(count)})"
        )


def start_peer(directory: Path, uri: str) -> Exporter:
    port = free_port()
    service = Service(
        PEER,
        [require_program(PEER), f"--web.listen-address=127.0.0.1:{port}", f"--libvirt.uri={uri}"],
        directory / "peer.log",
    ).start()
    url = f"http://127.0.0.1:{port}/metrics"
    wait_for(lambda: urllib.request.urlopen(url, timeout=5).status == 200, 30, f"{PEER} to answer", service)
    return Exporter(PEER, service, url)


def start_vmwatch(
    directory: Path, uri: str, refresh_interval: float, domains: int, use_gzip: bool
) -> Exporter:
    port = free_port()
    state = directory / "vmwatch-state"
    config = directory / "vmwatch.toml"
    config.write_text(
        "[vmwatch]\n"
        f'state_dir = "{state}"\n'
        f"refresh_interval = {refresh_interval}\n"
        'log_level = "warning"\n'
        "[[backend]]\n"
        'name = "bench"\n'
        'type = "libvirt"\n'
        f'uri = "{uri}"\n'
        "[exporter.prometheus]\n"
        f'listen = "127.0.0.1:{port}"\n'
    )
    service = Service(
        VMWATCH,
        [sys.executable, "-m", "vmwatch", "serve", "--config", str(config)],
        directory / "vmwatch.log",
    ).start()
    url = f"http://127.0.0.1:{port}/metrics"

    def all_vms_seen() -> bool:
        # asked like the measured scrapes: an uncompressed 7 MB body would raise vmwatch's peak RSS
        return parse_exposition(scrape(url, use_gzip).decode()).vms >= domains

    wait_for(all_vms_seen, 120, f"vmwatch to expose {domains} VMs", service)
    return Exporter(VMWATCH, service, url)


def measure_size(args, directory: Path, daemon: BenchLibvirtd, domains: int, mib: list[str], log) -> dict:
    """Start both exporters against `domains` domains, scrape alternately, measure, stop them."""
    scrapes = args.scrapes_at_1000 if domains >= GOAL_SIZE else args.scrapes
    run_dir = directory / f"n{domains}"
    run_dir.mkdir()
    exporters = []
    try:
        exporters.append(start_vmwatch(run_dir, daemon.uri, args.refresh_interval, domains, args.gzip))
        exporters.append(start_peer(run_dir, daemon.uri))
        samples = {e.name: {"latency": [], "cpu": [], "libvirtd_cpu": [], "window": []} for e in exporters}
        bodies: dict[str, bytes] = {}
        refreshes: dict[int, tuple[float, float]] = {}  # vmwatch's reads seen in its bodies
        for round_number in range(args.warmup + scrapes):
            for exporter in exporters:
                cpu0, lv0 = cpu_seconds(exporter.service.pid), cpu_seconds(daemon.pid)
                wall0, t0 = time.time(), time.perf_counter()
                body = scrape(exporter.url, args.gzip)
                elapsed = time.perf_counter() - t0
                cpu1, lv1 = cpu_seconds(exporter.service.pid), cpu_seconds(daemon.pid)
                if round_number >= args.warmup:
                    s = samples[exporter.name]
                    s["latency"].append(elapsed)
                    s["cpu"].append(cpu1 - cpu0)
                    s["libvirtd_cpu"].append(lv1 - lv0)
                    s["window"].append((wall0, wall0 + elapsed))
                bodies[exporter.name] = body
                if exporter.name == VMWATCH and (refresh := refresh_of(body)) is not None:
                    refreshes[refresh[0]] = refresh[1:]
                time.sleep(args.pause)
        log(f"  {domains}: {scrapes} scrapes each done")
        for exporter in exporters:
            if not exporter.service.alive():
                raise ServiceError(f"{exporter.name} died during the run\n{exporter.service.describe()}")

        parsed = {name: parse_exposition(body.decode()) for name, body in bodies.items()}
        result: dict = {"domains": domains, "scrapes": scrapes, "exporters": {}}
        for exporter in exporters:
            rss, hwm = memory_kib(exporter.service.pid)
            s, p = samples[exporter.name], parsed[exporter.name]
            result["exporters"][exporter.name] = {
                "vms": p.vms,
                "series": p.series,
                "families": p.families,
                "latency_s": summarize(s["latency"]),
                "cpu_s": summarize(s["cpu"]),
                "libvirtd_cpu_s": summarize(s["libvirtd_cpu"]),
                "rss_kib": rss,
                "hwm_kib": hwm,
                "raw": s,
            }
        ours = parsed[VMWATCH]
        named, missing = mib_coverage(mib, ours.helps)
        result["mib_coverage"] = {
            "domains": domains,
            "named": named,
            "missing": missing,
            "undefined": undefined_mib_objects(mib),
        }
        result["background"] = measure_idle(args, exporters, daemon, bodies[VMWATCH], refreshes)
        # vmwatch scrapes that ran while it was refreshing share the CPU (and the GIL) with that
        # refresh: report them, and the scrapes that did not, apart.
        s = samples[VMWATCH]
        busy = overlapping(s["window"], list(refreshes.values()))
        clean = [i for i, b in enumerate(busy) if not b]
        result["exporters"][VMWATCH]["during_refresh"] = sum(busy)
        result["exporters"][VMWATCH]["clean"] = {
            "scrapes": len(clean),
            "latency_s": summarize([s["latency"][i] for i in clean]),
            "cpu_s": summarize([s["cpu"][i] for i in clean]),
        }
        result["ratios"] = size_ratios(result)
        (run_dir / "vmwatch.prom").write_bytes(bodies[VMWATCH])
        (run_dir / f"{PEER}.prom").write_bytes(bodies[PEER])
        return result
    finally:
        for exporter in exporters:
            exporter.service.stop()


def measure_idle(
    args, exporters: list[Exporter], daemon: BenchLibvirtd, last_body: bytes, refreshes: dict
) -> dict:
    """CPU of each exporter and of libvirtd over a window with no scrapes (vmwatch keeps refreshing).

    `refreshes` (reads → (start, end)) gets the reads seen at the end; read durations are over
    every read seen in this size's bodies."""
    ours = next(e for e in exporters if e.name == VMWATCH)
    peer = next(e for e in exporters if e.name == PEER)
    before = refresh_of(last_body)
    c0 = {e.name: cpu_seconds(e.service.pid) for e in exporters}
    lv0 = cpu_seconds(daemon.pid)
    t0 = time.monotonic()
    time.sleep(args.idle_seconds)
    window = time.monotonic() - t0
    c1 = {e.name: cpu_seconds(e.service.pid) for e in exporters}
    lv1 = cpu_seconds(daemon.pid)
    after = refresh_of(scrape(ours.url, args.gzip))
    if after is not None:
        refreshes[after[0]] = after[1:]
    count = after[0] - before[0] if before is not None and after is not None else None
    durations = [end - start for start, end in refreshes.values()]
    per_min = {name: (c1[name] - c0[name]) * 60 / window for name in c0}
    return {
        "window_s": window,
        "read_duration_last_s": (after[2] - after[1]) if after is not None else None,
        "read_duration_s": summarize(durations),
        "reads_seen": len(durations),
        "refreshes_in_window": count,
        "vmwatch_cpu_s_per_min": per_min[VMWATCH],
        "vmwatch_cpu_s_per_refresh": (c1[VMWATCH] - c0[VMWATCH]) / count if count else None,
        "peer_cpu_s_per_min": per_min[peer.name],
        "libvirtd_cpu_s_per_min": (lv1 - lv0) * 60 / window,
    }


def size_ratios(result: dict) -> dict:
    ours, peer = result["exporters"][VMWATCH], result["exporters"][PEER]
    return {
        "latency_median": ratio(ours["latency_s"]["median"], peer["latency_s"]["median"]),
        "latency_p95": ratio(ours["latency_s"]["p95"], peer["latency_s"]["p95"]),
        "cpu_mean": ratio(ours["cpu_s"]["mean"], peer["cpu_s"]["mean"]),
        "libvirtd_cpu_mean": ratio(ours["libvirtd_cpu_s"]["mean"], peer["libvirtd_cpu_s"]["mean"]),
        "rss": ratio(ours["rss_kib"], peer["rss_kib"]),
        "hwm": ratio(ours["hwm_kib"], peer["hwm_kib"]),
        "vms": ratio(ours["vms"], peer["vms"]),
        "series": ratio(ours["series"], peer["series"]),
    }


def add_totals(size: dict, scrape_interval: float = 15.0) -> None:
    """CPU per minute when Prometheus scrapes every `scrape_interval` s: idle work + scrapes."""
    b = size["background"]
    per_min = 60 / scrape_interval
    ours, peer = size["exporters"][VMWATCH], size["exporters"][PEER]
    b["total_15s"] = {
        "vmwatch": b["vmwatch_cpu_s_per_min"] + per_min * ours["cpu_s"]["mean"],
        "vmwatch_with_libvirtd": b["vmwatch_cpu_s_per_min"]
        + b["libvirtd_cpu_s_per_min"]
        + per_min * (ours["cpu_s"]["mean"] + ours["libvirtd_cpu_s"]["mean"]),
        # the same with refresh_interval = scrape interval (derived from the CPU per refresh)
        "vmwatch_refresh_as_scrape": (
            per_min * (b["vmwatch_cpu_s_per_refresh"] + ours["cpu_s"]["mean"])
            if b["vmwatch_cpu_s_per_refresh"] is not None
            else None
        ),
        "peer": b["peer_cpu_s_per_min"] + per_min * peer["cpu_s"]["mean"],
        "peer_with_libvirtd": b["peer_cpu_s_per_min"]
        + per_min * (peer["cpu_s"]["mean"] + peer["libvirtd_cpu_s"]["mean"]),
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10,100,1000", help="domain counts, comma-separated (default: %(default)s)"
    )
    parser.add_argument(
        "--scrapes", type=int, default=30, help="measured scrapes per exporter (default: %(default)s)"
    )
    parser.add_argument(
        "--scrapes-at-1000",
        type=int,
        default=20,
        help="measured scrapes at 1000+ domains (default: %(default)s)",
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="discarded scrapes per exporter (default: %(default)s)"
    )
    parser.add_argument(
        "--pause", type=float, default=0.1, help="seconds between scrapes (default: %(default)s)"
    )
    parser.add_argument(
        "--refresh-interval", type=float, default=5.0, help="vmwatch refresh_interval (default: %(default)s)"
    )
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=30.0,
        help="idle window for background cost (default: %(default)s)",
    )
    parser.add_argument(
        "--no-gzip", dest="gzip", action="store_false", help="do not ask for gzip (Prometheus does)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results", help="directory for the JSON"
    )
    parser.add_argument(
        "--docs",
        type=Path,
        default=ROOT / "docs" / "benchmarks.md",
        help="markdown file whose results section is rewritten",
    )
    parser.add_argument(
        "--no-docs", dest="docs", action="store_const", const=None, help="leave the docs alone"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (logs, last bodies)"
    )
    parser.add_argument(
        "--from-json", type=Path, help="measure nothing: render (and write to --docs) a saved result file"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json is not None:
        result = json.loads(args.from_json.read_text())
        for size in result["sizes"]:
            add_totals(size)
        result["goals"] = judge_goals(result)
        publish(result, args.docs)
        return 0
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    mib = mib_objects((ROOT / "mibs" / "VM-MIB").read_text())
    fleet = find_fleet()
    directory = Path(tempfile.mkdtemp(prefix="vmwatch-bench-"))
    log(f"working in {directory}")
    started = time.monotonic()
    daemon = BenchLibvirtd(directory / "libvirtd").start()  # holds `keeper`, a read-write connection
    result: dict = {
        "benchmark": "scrape_libvirt",
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(),
        "settings": {
            "sizes": sizes,
            "scrapes": args.scrapes,
            "scrapes_at_1000": args.scrapes_at_1000,
            "warmup": args.warmup,
            "pause_s": args.pause,
            "gzip": args.gzip,
            "refresh_interval": args.refresh_interval,
            "idle_seconds": args.idle_seconds,
            "domain_xml": fleet.source,
            "domain_states": {n: fleet.describe(n) for n in sizes},
            "uri": "test+unix:///default (private libvirtd, test driver)",
        },
        "sizes": [],
    }
    try:
        for domains in sizes:
            log(f"defining {domains} domains")
            set_domains(daemon.keeper, domains, fleet)
            size = measure_size(args, directory, daemon, domains, mib, log)
            add_totals(size)
            result["sizes"].append(size)
            ours, peer = size["exporters"][VMWATCH], size["exporters"][PEER]
            log(
                f"  {domains}: vmwatch {_ms(ours['latency_s']['median'])} ms, {ours['vms']} VMs; "
                f"peer {_ms(peer['latency_s']['median'])} ms, {peer['vms']} VMs"
            )
        lv_rss, lv_hwm = memory_kib(daemon.pid)
        result["libvirtd"] = {"rss_kib": lv_rss, "hwm_kib": lv_hwm}
    finally:
        daemon.stop()
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    result["elapsed_s"] = time.monotonic() - started
    result["machine"]["loadavg_at_end"] = os.getloadavg()[0]
    if result["sizes"]:
        result["mib_coverage"] = result["sizes"][-1]["mib_coverage"]
    result["goals"] = judge_goals(result)

    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out / f"scrape_libvirt-{stamp}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    log(f"results: {out}")
    publish(result, args.docs)
    return 0


def publish(result: dict, docs: Path | None) -> None:
    """Print the markdown section and put it into `docs` between the results markers."""
    section = render_markdown(result)
    print(section)
    if docs is not None:
        document = docs.read_text() if docs.exists() else "# Benchmarks\n"
        docs.write_text(replace_results(document, section))
        print(f"updated {docs}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
