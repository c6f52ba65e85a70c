#!/usr/bin/env python3
"""Walk the whole VM-MIB subtree through the embedded SNMP agent with net-snmp's tools.

Builds a synthetic snapshot (N VMs with two disks, one NIC and two pinned vCPUs each: 58
instances per VM), starts the agent in this process on a free loopback port, and times
snmpbulkwalk/snmpwalk runs over v2c and v3. Agent CPU is this process's CPU time during the walk
(the tool's own CPU is reported apart). Not a test: numbers depend on the machine.

    python benchmarks/snmp_embedded.py --vms 1000
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid

from vmwatch_mib import NotificationSwitches
from vmwatch_snmp.agent import SnmpAgent
from vmwatch_snmp.options import parse_options

from vmwatch.model import (
    CpuAffinity,
    CpuAffinityEntry,
    Hypervisor,
    NetworkInterface,
    OperState,
    Snapshot,
    Storage,
    VirtualCpu,
    VirtualMachine,
)
from vmwatch.poller import SnapshotCache

AUTH, PRIV = "bench-auth-1", "bench-priv-1"


def fleet(n: int) -> Snapshot:
    vms = tuple(
        VirtualMachine(
            uuid=uuid.UUID(int=i), name=f"vm-{i:05d}", index=i, cpu_time=i * 1000, oper_state=OperState.RUNNING,
            cpus=tuple(VirtualCpu(c, 10 * c, (CpuAffinityEntry(196608, CpuAffinity.ENABLE),
                                              CpuAffinityEntry(196609, CpuAffinity.ENABLE))) for c in (1, 2)),
            storage=tuple(Storage(key=f"vd{c}", index=c, read_ios=1, write_ios=2, read_octets=3, write_octets=4,
                                  read_latency=5, write_latency=6,
                                  resource_id=f"/var/lib/libvirt/images/vm-{i}-{c}.qcow2") for c in (1, 2)),
            networks=(NetworkInterface(key="n", index=1, if_index=10 + i, model="virtio",
                                       phys_address=bytes.fromhex("525400") + i.to_bytes(3, "big")),),
        )
        for i in range(1, n + 1)
    )
    return Snapshot(name="bench", backend="bench", hypervisor=Hypervisor("QEMU", "8", 1), vms=vms, taken_at=time.time())


WALKS = {
    "v2c GETBULK -Cr50": ["snmpbulkwalk", "-v2c", "-c", "public", "-Cr50"],
    "v2c GETBULK -Cr10": ["snmpbulkwalk", "-v2c", "-c", "public", "-Cr10"],
    "v3 authPriv SHA/AES GETBULK -Cr50": ["snmpbulkwalk", "-v3", "-l", "authPriv", "-u", "bench", "-a", "SHA", "-A", AUTH,
                                          "-x", "AES", "-X", PRIV, "-Cr50"],
    "v2c GETNEXT": ["snmpwalk", "-v2c", "-c", "public"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--skip-getnext", action="store_true", help="skip the slow GETNEXT walk")
    args = parser.parse_args()
    cache = SnapshotCache()
    cache.publish(fleet(args.vms))
    settings, problems = parse_options({"listen": "udp:127.0.0.1:0", "users": [{"name": "bench", "auth_key": AUTH, "priv_key": PRIV}]})
    assert not problems, problems
    agent = SnmpAgent(settings, switches=NotificationSwitches())
    started = time.perf_counter()
    agent.start(cache)
    print(f"{args.vms} VMs; agent started (view built) in {time.perf_counter() - started:.2f} s")
    host, port = agent.address
    print("| walk | varbinds | wall s | varbinds/s | agent CPU s | tool CPU s |\n|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as persist:
        env = {**os.environ, "SNMP_PERSISTENT_DIR": persist}
        try:
            for label, argv in WALKS.items():
                if args.skip_getnext and "GETNEXT" in label:
                    continue
                cpu0, tool0, t0 = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
                done = subprocess.run([*argv, "-On", "-t", "30", f"udp:{host}:{port}", ".1.3.6.1.2.1.236"],
                                      capture_output=True, text=True, env=env, check=True)
                wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
                tool1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                tool = tool1.ru_utime + tool1.ru_stime - tool0.ru_utime - tool0.ru_stime
                n = len(done.stdout.splitlines())
                print(f"| {label} | {n} | {wall:.2f} | {n / wall:,.0f} | {cpu:.2f} | {tool:.2f} |")
        finally:
            agent.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
