#!/usr/bin/env python3
"""Latency of RFC 7666 notifications: a VM state change in libvirt → the trap in snmptrapd's log.

Set-up (all private, on loopback): libvirtd with the test driver, snmpd as AgentX master with
`trap2sink` to snmptrapd, and vmwatch (in this process, wired as `vmwatch serve` wires it) with
the agentx exporter. Each round suspends or resumes one domain and waits for the matching trap
line in snmptrapd's log (polled every millisecond). Two clocks per round:

- from `virsh` returning (the change is done in libvirt) to the line in the log;
- from the start of the libvirt API call (`virDomainSuspend` over the daemon's socket) to the line.

Also a storm: N domains destroyed at once with bulk notifications on → PDUs and time to the last.

    python benchmarks/notify_latency.py --changes 100 --storm 500

Needs: libvirt-daemon, libvirt-clients, snmpd, snmptrapd, libvirt-python. Not a test: run it by hand.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from notify_harness import InProcess, base_config, define_guests, wait_until
from services import Libvirtd
from snmp_services import Snmpd
from trapd import Snmptrapd
from vmwatch_notify.varbinds import vm_list_indexes

MIB = (1, 3, 6, 1, 2, 1, 236)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def wait_for_count(trapd: Snmptrapd, count: int, timeout: float = 10.0) -> float:
    """Poll the log every millisecond until it holds `count` VM-MIB traps; the monotonic time then."""
    deadline = time.monotonic() + timeout
    size = -1
    while time.monotonic() < deadline:
        current = trapd.log.stat().st_size
        if current != size:
            size = current
            if sum(1 for t in trapd.traps() if t.trap_oid[:8] == MIB + (0,)) >= count:
                return time.monotonic()
        time.sleep(0.001)
    raise TimeoutError(f"{count} traps did not arrive")


def latency(directory: Path, changes: int) -> dict:
    libvirtd = Libvirtd(directory / "libvirtd").start()
    trapd = Snmptrapd(directory / "trapd").start()
    snmpd = Snmpd(directory / "snmpd", extra=f"trap2sink udp:127.0.0.1:{trapd.port} public\n").start()
    vmwatch = None
    try:
        (dom,) = define_guests(libvirtd, 1)
        raw = base_config(directory / "state", libvirtd.uri)
        raw["exporter"]["agentx"] = {"enabled": True, "master": snmpd.unix_address}
        raw["exporter"]["notifications"] = {"per_vm_rate": 0}
        vmwatch = InProcess(raw).start()
        time.sleep(1.0)  # registered, views built
        from_virsh, from_api = [], []
        seen = 0
        for i in range(changes):
            command = "suspend" if i % 2 == 0 else "resume"
            if i % 4 < 2:  # half through virsh, half through the API
                libvirtd.virsh(command, "guest1")
                done = time.monotonic()
                seen += 1
                from_virsh.append(wait_for_count(trapd, seen) - done)
            else:
                began = time.monotonic()
                dom.suspend() if command == "suspend" else dom.resume()
                seen += 1
                from_api.append(wait_for_count(trapd, seen) - began)
        return {"from_virsh": from_virsh, "from_api": from_api}
    finally:
        if vmwatch is not None:
            vmwatch.stop()
        snmpd.stop()
        trapd.stop()
        libvirtd.stop()


def storm(directory: Path, size: int, bulk: bool) -> dict:
    """`size` domains destroyed at once; with `bulk`, bulk notifications only, else per-VM ones
    with the default rate limit (20/s, burst 50) and bulk off."""
    name = "bulk" if bulk else "per-vm"
    libvirtd = Libvirtd(directory / f"libvirtd-{name}").start()
    trapd = Snmptrapd(directory / f"trapd-{name}").start()
    snmpd = Snmpd(directory / f"snmpd-{name}", extra=f"trap2sink udp:127.0.0.1:{trapd.port} public\n").start()
    vmwatch = None
    try:
        domains = define_guests(libvirtd, size)
        raw = base_config(directory / f"state-{name}", libvirtd.uri)
        raw["exporter"]["agentx"] = {"enabled": True, "master": snmpd.unix_address,
                                     "per_vm_notifications": not bulk, "bulk_notifications": bulk}
        vmwatch = InProcess(raw).start()
        time.sleep(1.0)
        began = time.monotonic()
        for dom in domains:
            dom.destroy()
        destroyed = time.monotonic() - began
        wait_until(lambda: vmwatch.notifier.report()["policy"]["changes"] >= size, 60, "every change")
        vmwatch.wait_idle(30)
        report = vmwatch.notifier.report()
        pdus = sum(report["sinks"]["agentx"]["sent"].values())
        last = wait_for_count(trapd, pdus, 30) - began
        traps = [t for t in trapd.traps() if t.trap_oid[:8] == MIB + (0,)]
        bitmaps = [b for t in traps if t.trap_oid[-1] > 10 for _, b in t.objects]
        covered = {i for b in bitmaps for i in vm_list_indexes(b)}
        return {"size": size, "destroy_seconds": destroyed, "pdus": pdus, "received": len(traps),
                "last_trap_seconds": last, "covered": len(covered), "policy": report["policy"],
                "bitmap_octets": max((len(b) for b in bitmaps), default=0)}
    finally:
        if vmwatch is not None:
            vmwatch.stop()
        snmpd.stop()
        trapd.stop()
        libvirtd.stop()


def ms(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1000:.1f} ms, p95 {percentile(values, 95) * 1000:.1f} ms, "
            f"max {max(values) * 1000:.1f} ms (n={len(values)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--storm", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vmwatch-notify-bench-") as tmp:
        directory = Path(tmp)
        result = latency(directory, args.changes)
        print(f"virsh returned → trap logged: {ms(result['from_virsh'])}")
        print(f"API call began → trap logged: {ms(result['from_api'])}")
        print(f"all {args.changes}: {ms(result['from_virsh'] + result['from_api'])}")
        if args.storm:
            s = storm(directory, args.storm, bulk=True)
            print(f"storm, bulk only: {s['size']} VMs destroyed in {s['destroy_seconds'] * 1000:.0f} ms → "
                  f"{s['pdus']} bulk PDU(s) covering {s['covered']} VMs ({s['bitmap_octets']} octets), "
                  f"last trap {s['last_trap_seconds'] * 1000:.0f} ms after the first destroy")
            s = storm(directory, args.storm, bulk=False)
            p = s["policy"]
            print(f"storm, per-VM only (20/s, burst 50): {s['size']} changes → {p['per_vm']} per-VM traps received "
                  f"{s['received']}, {p['dropped_rate_limit']} counted dropped (rate_limit); "
                  f"{p['per_vm']} + {p['dropped_rate_limit']} = {p['per_vm'] + p['dropped_rate_limit']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
