"""The embedded SNMP agent against net-snmp's own tools (snmpwalk, snmpbulkwalk, snmpget, snmpset,
snmptable), over v2c and v3, on a free loopback port.

The oracle (`expected_instances`) is written from the model and RFC 7666 directly, not from the
shared MIB view, so the walk is checked against the snapshot value by value and type by type:
Counter64, Timeticks, OID, INTEGER, and OCTET STRING printed as Hex-STRING when it holds bytes
(MACs, UUIDs). The tools are required: a missing one fails the test, it is never skipped.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from services import ServiceError, require_program, wait_for
from vmwatch_mib import NotificationSwitches
from vmwatch_snmp.agent import AgentError, SnmpAgent
from vmwatch_snmp.basemibs import write_stand_ins
from vmwatch_snmp.options import parse_options

from vmwatch.model import (
    AdminState,
    AutoStart,
    CpuAffinity,
    CpuAffinityEntry,
    Hypervisor,
    NetworkInterface,
    OperState,
    Persistent,
    Snapshot,
    Storage,
    StorageAccess,
    StorageMediaType,
    StorageSourceType,
    VirtualCpu,
    VirtualMachine,
)
from vmwatch.poller import SnapshotCache

ROOT = Path(__file__).resolve().parent.parent
MIBS = ROOT / "mibs"
VM_MIB = ".1.3.6.1.2.1.236"
AUTH, PRIV = "auth-pass-1", "priv-pass-1"
HOST = 0x30000  # hrDeviceIndex of the first processor (net-snmp numbering)


# --- a realistic host ------------------------------------------------------------------------


def fleet_snapshot(extra_vms: int = 0, name: str = "kvm1") -> Snapshot:
    """Three VMs (running with two disks, two NICs and pinned vCPUs; paused; shut off)."""
    running = VirtualMachine(
        uuid=uuid.UUID("00112233-4455-6677-8899-aabbccddeeff"),
        name="web-01",
        index=1,
        os_type="hvm",
        admin_state=AdminState.RUNNING,
        oper_state=OperState.RUNNING,
        auto_start=AutoStart.ENABLED,
        persistent=Persistent.PERSISTENT,
        cur_cpu_number=2,
        min_cpu_number=1,
        max_cpu_number=4,
        mem_unit=1024,
        cur_mem=2097152,
        min_mem=-1,
        max_mem=4194304,
        up_time=360000,
        cpu_time=2**40 + 17,  # beyond 32 bits: must stay a Counter64
        cpus=(
            VirtualCpu(1, 123456789, (CpuAffinityEntry(HOST, CpuAffinity.ENABLE), CpuAffinityEntry(HOST + 1, CpuAffinity.DISABLE))),
            VirtualCpu(2, 987654321, (CpuAffinityEntry(HOST, CpuAffinity.DISABLE), CpuAffinityEntry(HOST + 1, CpuAffinity.ENABLE))),
        ),
        storage=(
            Storage(
                key="vda", index=1, source_type=StorageSourceType.SPARSE, source_type_string="qcow2",
                resource_id="/var/lib/libvirt/images/web-01.qcow2", access=StorageAccess.READWRITE,
                media_type=StorageMediaType.HARD_DISK, media_type_string="disk", size_unit=1048576,
                defined_size=20480, allocated_size=5120, read_ios=1000, write_ios=2000,
                read_octets=2**33, write_octets=4096000, read_latency=15000, write_latency=25000,
            ),
            Storage(
                key="hdc", index=2, source_type=StorageSourceType.RAW, access=StorageAccess.READONLY,
                media_type=StorageMediaType.OPTICAL_DISK, media_type_string="cdrom",
                resource_id="/srv/iso/install.iso", size_unit=1, defined_size=-1, allocated_size=-1,
            ),
        ),
        networks=(
            NetworkInterface(key="52:54:00:00:00:01", index=1, if_index=12, parent=3, model="virtio",
                             phys_address=bytes.fromhex("525400000001")),
            NetworkInterface(key="52:54:00:00:00:02", index=2, if_index=13, parent=0, model="e1000",
                             phys_address=bytes.fromhex("525400000002")),
        ),
    )
    paused = VirtualMachine(
        uuid=uuid.UUID("00000000-0000-4000-8000-00000000000b"), name="db 02", index=2,
        admin_state=AdminState.PAUSED, oper_state=OperState.PAUSED, auto_start=AutoStart.DISABLED,
        persistent=Persistent.TRANSIENT, cur_cpu_number=1, mem_unit=1048576, cur_mem=512, up_time=100,
        cpu_time=5, cpus=(VirtualCpu(1, 5, ()),),
    )
    shut_off = VirtualMachine(
        uuid=uuid.UUID("00000000-0000-4000-8000-00000000000c"), name="backup", index=5,
        admin_state=AdminState.SHUTDOWN, oper_state=OperState.SHUTDOWN, cpu_time=None,
        cpus=(VirtualCpu(1, None, ()),),
        storage=(Storage(key="vda", index=1, source_type=StorageSourceType.BLOCK, resource_id="/dev/vg0/backup"),),
    )
    more = tuple(
        VirtualMachine(uuid=uuid.UUID(int=(7 << 64) + i), name=f"extra-{i}", index=10 + i, cpu_time=i)
        for i in range(extra_vms)
    )
    return Snapshot(
        name=name,
        backend="test",
        hypervisor=Hypervisor("QEMU", "8.2.1 (libvirt 9.0.0)", up_time=8640000, object_id=(1, 3, 6, 1, 4, 1, 99999, 7)),
        vms=(running, paused, shut_off) + more,
        taken_at=time.time(),
        table_last_change=4242,
    )


def expected_instances(snapshot: Snapshot, per_vm: bool = True, bulk: bool = False) -> dict[str, tuple[str, object]]:
    """Every VM-MIB instance of `snapshot` as net-snmp prints it with -On: OID → (type, value).

    Written from RFC 7666 (column numbers, syntaxes), independently of vmwatch_mib.view.
    """
    b = VM_MIB + ".1"
    out: dict[str, tuple[str, object]] = {}
    hv = snapshot.hypervisor

    def put(oid: str, kind: str, value: object) -> None:
        out[oid] = (kind, value)

    put(f"{b}.1.1.0", "STRING", hv.software.encode())
    put(f"{b}.1.2.0", "STRING", hv.version.encode())
    put(f"{b}.1.3.0", "OID", "." + ".".join(map(str, hv.object_id)))
    put(f"{b}.1.4.0", "Timeticks", hv.up_time)
    put(f"{b}.2.0", "INTEGER", len(snapshot.vms))
    put(f"{b}.3.0", "Timeticks", snapshot.table_last_change)
    for vm in snapshot.vms:
        i = vm.index
        row = [
            (2, "STRING", vm.name.encode()), (3, "STRING", vm.uuid.bytes), (4, "STRING", vm.os_type.encode()),
            (5, "INTEGER", int(vm.admin_state)), (6, "INTEGER", int(vm.oper_state)),
            (7, "INTEGER", int(vm.auto_start)), (8, "INTEGER", int(vm.persistent)),
            (9, "INTEGER", vm.cur_cpu_number), (10, "INTEGER", vm.min_cpu_number),
            (11, "INTEGER", vm.max_cpu_number), (12, "INTEGER", vm.mem_unit), (13, "INTEGER", vm.cur_mem),
            (14, "INTEGER", vm.min_mem), (15, "INTEGER", vm.max_mem), (16, "Timeticks", vm.up_time),
        ]
        if vm.cpu_time is not None:
            row.append((17, "Counter64", vm.cpu_time))
        for column, kind, value in row:
            put(f"{b}.4.1.{column}.{i}", kind, value)
        for cpu in vm.cpus:
            if cpu.core_time is not None:
                put(f"{b}.5.1.2.{i}.{cpu.index}", "Counter64", cpu.core_time)
            for pin in cpu.affinity:
                put(f"{b}.6.1.3.{i}.{cpu.index}.{pin.phys_index}", "INTEGER", int(pin.affinity))
        for d in vm.storage:
            r = f"{i}.{d.index}"
            for column, kind, value in (
                (3, "INTEGER", d.parent), (4, "INTEGER", int(d.source_type)),
                (5, "STRING", d.source_type_string.encode()), (6, "STRING", d.resource_id.encode()),
                (7, "INTEGER", int(d.access)), (8, "INTEGER", int(d.media_type)),
                (9, "STRING", d.media_type_string.encode()), (10, "INTEGER", d.size_unit),
                (11, "INTEGER", d.defined_size), (12, "INTEGER", d.allocated_size),
                (13, "Counter64", d.read_ios), (14, "Counter64", d.write_ios),
                (15, "Counter64", d.read_octets), (16, "Counter64", d.write_octets),
                (17, "Counter64", d.read_latency), (18, "Counter64", d.write_latency),
            ):
                if value is not None:
                    put(f"{b}.7.1.{column}.{r}", kind, value)
        for n in vm.networks:
            r = f"{i}.{n.index}"
            put(f"{b}.8.1.2.{r}", "INTEGER", n.if_index)
            put(f"{b}.8.1.3.{r}", "INTEGER", n.parent)
            put(f"{b}.8.1.4.{r}", "STRING", n.model.encode())
            put(f"{b}.8.1.5.{r}", "STRING", n.phys_address)
    put(f"{b}.9.0", "INTEGER", 1 if per_vm else 2)
    put(f"{b}.10.0", "INTEGER", 1 if bulk else 2)
    # net-snmp prints octets that are not all printable as Hex-STRING: MACs and UUIDs here.
    for oid, (kind, value) in list(out.items()):
        if kind == "STRING" and not all(32 <= c < 127 for c in value):
            out[oid] = ("Hex-STRING", value)
    return out


_LINE = re.compile(r"^(\.[0-9.]+) = (?:([A-Za-z0-9-]+): )?(.*)$")


def parse_walk(text: str) -> dict[str, tuple[str, object]]:
    """snmpwalk -On output → OID → (type, value) in the oracle's terms."""
    out: dict[str, tuple[str, object]] = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        assert m, f"unexpected line: {line!r}"
        oid, kind, raw = m.groups()
        if kind is None:  # net-snmp prints an empty string as ""
            assert raw == '""', line
            out[oid] = ("STRING", b"")
        elif kind == "STRING":
            assert raw.startswith('"') and raw.endswith('"'), line
            out[oid] = ("STRING", raw[1:-1].encode())
        elif kind == "Hex-STRING":
            out[oid] = ("Hex-STRING", bytes.fromhex(raw))
        elif kind == "Timeticks":
            out[oid] = ("Timeticks", int(re.match(r"\((\d+)\)", raw).group(1)))
        elif kind == "OID":
            out[oid] = ("OID", raw)
        else:
            out[oid] = (kind, int(raw))
    return out


# --- running the tools ---------------------------------------------------------------------


@pytest.fixture
def tools_env(tmp_path):
    """Environment for net-snmp tools: private persistent dir, no user config."""
    persist = tmp_path / "snmp-persist"
    persist.mkdir()
    return {**os.environ, "SNMP_PERSISTENT_DIR": str(persist), "SNMPCONFPATH": str(persist), "MIBS": ""}


@pytest.fixture
def stand_ins(tmp_path):
    """Stand-ins for SNMPv2-SMI & co (Debian's net-snmp ships none), searched after mibs/."""
    directory = tmp_path / "base-mibs"
    write_stand_ins(directory)
    return directory


def run(tool: str, args: list[str], env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([require_program(tool), *args], capture_output=True, text=True, env=env, timeout=timeout, check=False)


@pytest.fixture
def key_files(tmp_path):
    auth, priv = tmp_path / "auth.key", tmp_path / "priv.key"
    auth.write_text(AUTH + "\n")
    priv.write_text(PRIV + "\n")
    for path in (auth, priv):
        path.chmod(0o600)
    return auth, priv


def agent_options(key_files, **overrides) -> dict:
    auth, priv = key_files
    options = {
        "listen": "udp:127.0.0.1:0",
        "communities": ["public", "monitoring"],
        "write_community": "private",
        "users": [
            {"name": "alice", "auth_protocol": "sha", "auth_key_file": str(auth), "priv_protocol": "aes",
             "priv_key_file": str(priv), "write": True},
            {"name": "bob", "auth_protocol": "sha256", "auth_key": AUTH, "priv_protocol": "aes256", "priv_key": PRIV},
            {"name": "carol", "auth_protocol": "sha512", "auth_key": AUTH, "priv_protocol": "none"},
        ],
        "sys_contact": "ops@example.org",
        "sys_location": "rack 7",
    }
    options.update(overrides)
    return options


@pytest.fixture
def cache():
    c = SnapshotCache()
    c.publish(fleet_snapshot())
    return c


@pytest.fixture
def agent(cache, key_files):
    settings, problems = parse_options(agent_options(key_files))
    assert not problems, problems
    server = SnmpAgent(settings, switches=NotificationSwitches(per_vm=True, bulk=False))
    server.start(cache)
    try:
        yield server
    finally:
        server.stop()


def target(agent: SnmpAgent) -> str:
    host, port = agent.address
    return f"udp:{host}:{port}"


V2C = ["-v2c", "-c", "public", "-t", "2", "-r", "1"]
V3_ALICE = ["-v3", "-l", "authPriv", "-u", "alice", "-a", "SHA", "-A", AUTH, "-x", "AES", "-X", PRIV, "-t", "2", "-r", "1"]
V3_BOB = ["-v3", "-l", "authPriv", "-u", "bob", "-a", "SHA-256", "-A", AUTH, "-x", "AES-256", "-X", PRIV, "-t", "2", "-r", "1"]


def walk(tool: str, auth: list[str], agent: SnmpAgent, env: dict, *extra: str, oid: str = VM_MIB) -> dict:
    done = run(tool, [*auth, "-On", *extra, target(agent), oid], env)
    assert done.returncode == 0, done.stderr
    return parse_walk(done.stdout)


# --- walks equal the snapshot --------------------------------------------------------------


def test_v2c_walk_equals_snapshot(agent, cache, tools_env):
    assert walk("snmpwalk", V2C, agent, tools_env) == expected_instances(cache.snapshots()[0])


@pytest.mark.parametrize("repetitions", ["-Cr10", "-Cr50", "-Cr1"])
def test_v2c_bulkwalk_equals_snapshot(agent, cache, tools_env, repetitions):
    assert walk("snmpbulkwalk", V2C, agent, tools_env, repetitions) == expected_instances(cache.snapshots()[0])


@pytest.mark.parametrize("auth", [V3_ALICE, V3_BOB], ids=["sha-aes", "sha256-aes256"])
def test_v3_authpriv_walks_equal_snapshot(agent, cache, tools_env, auth):
    expected = expected_instances(cache.snapshots()[0])
    assert walk("snmpwalk", auth, agent, tools_env) == expected
    assert walk("snmpbulkwalk", auth, agent, tools_env, "-Cr25") == expected


def test_v3_auth_only_user(agent, cache, tools_env):
    carol = ["-v3", "-l", "authNoPriv", "-u", "carol", "-a", "SHA-512", "-A", AUTH, "-t", "2", "-r", "1"]
    assert walk("snmpbulkwalk", carol, agent, tools_env) == expected_instances(cache.snapshots()[0])


def test_types_on_the_wire(agent, tools_env):
    """Spot checks of the exact SMI types net-snmp decodes (see the oracle for all of them)."""
    done = run("snmpget", [*V2C, "-On", target(agent), f"{VM_MIB}.1.4.1.17.1", f"{VM_MIB}.1.4.1.3.1",
                           f"{VM_MIB}.1.8.1.5.1.1", f"{VM_MIB}.1.1.3.0", f"{VM_MIB}.1.1.4.0"], tools_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{VM_MIB}.1.4.1.17.1 = Counter64: {2**40 + 17}",
        f"{VM_MIB}.1.4.1.3.1 = Hex-STRING: 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF ",
        f"{VM_MIB}.1.8.1.5.1.1 = Hex-STRING: 52 54 00 00 00 01 ",
        f"{VM_MIB}.1.1.3.0 = OID: .1.3.6.1.4.1.99999.7",
        f"{VM_MIB}.1.1.4.0 = Timeticks: (8640000) 1 day, 0:00:00.00",
    ]


def test_get_of_missing_instances(agent, tools_env):
    done = run("snmpget", [*V2C, "-On", target(agent), f"{VM_MIB}.1.4.1.2.99", f"{VM_MIB}.1.11.0",
                           f"{VM_MIB}.1.4.1.17.5"], tools_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{VM_MIB}.1.4.1.2.99 = No Such Instance currently exists at this OID",
        f"{VM_MIB}.1.11.0 = No Such Object available on this agent at this OID",  # accessible-for-notify
        f"{VM_MIB}.1.4.1.17.5 = No Such Instance currently exists at this OID",  # shut off: no counter
    ]


def test_names_resolve_with_the_shipped_mib(agent, cache, tools_env, stand_ins):
    """`-m +VM-MIB -M +mibs`: every object by name, enums by label, UUID and MAC by display hint."""
    mib = ["-m", "+VM-MIB", "-M", f"+{MIBS}:{stand_ins}"]
    done = run("snmpwalk", [*V2C, *mib, "-OU", "-Ot", target(agent), "VM-MIB::vmMIB"], tools_env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(expected_instances(cache.snapshots()[0]))
    assert all(line.startswith("VM-MIB::vm") for line in lines), [x for x in lines if not x.startswith("VM-MIB::vm")]
    for line in (
        "VM-MIB::vmName.1 = STRING: web-01",
        # UUIDorZero's hint "4x-2x-2x-1x1x-6x": net-snmp does not zero-pad "x" fields
        "VM-MIB::vmUUID.1 = STRING: 112233-4455-6677-8899-aabbccddeeff",
        "VM-MIB::vmUUID.2 = STRING: 0-0-4000-800-b",
        "VM-MIB::vmOperState.2 = INTEGER: paused(8)",
        "VM-MIB::vmAdminState.5 = INTEGER: shutdown(4)",
        "VM-MIB::vmAutoStart.1 = INTEGER: enabled(2)",
        "VM-MIB::vmPersistent.2 = INTEGER: transient(3)",
        "VM-MIB::vmCpuTime.1 = Counter64: 1099511627793",
        "VM-MIB::vmCpuAffinity.1.2.196609 = INTEGER: enable(1)",
        "VM-MIB::vmStorageMediaType.1.1 = INTEGER: hardDisk(3)",
        "VM-MIB::vmStorageSourceType.1.1 = INTEGER: sparse(5)",
        "VM-MIB::vmStorageAccess.1.2 = INTEGER: readonly(3)",
        "VM-MIB::vmStorageReadOctets.1.1 = Counter64: 8589934592",
        "VM-MIB::vmNetworkPhysAddress.1.2 = STRING: 52:54:0:0:0:2",
        "VM-MIB::vmPerVMNotificationsEnabled.0 = INTEGER: true(1)",
        "VM-MIB::vmBulkNotificationsEnabled.0 = INTEGER: false(2)",
        "VM-MIB::vmHvUpTime.0 = 8640000",  # -Ot: raw TimeTicks
    ):
        assert line in lines, f"{line!r} not in walk:\n{done.stdout}"


def test_snmptable_of_vm_table(agent, tools_env, stand_ins):
    mib = ["-m", "+VM-MIB", "-M", f"+{MIBS}:{stand_ins}"]
    done = run("snmptable", [*V3_ALICE, *mib, "-Cf", "|", "-CH", target(agent), "VM-MIB::vmTable"], tools_env)
    assert done.returncode == 0, done.stderr
    rows = [line.split("|") for line in done.stdout.splitlines() if line]
    assert [row[0] for row in rows] == ["web-01", "db 02", "backup"]
    assert [row[4] for row in rows] == ["running", "paused", "shutdown"]  # vmOperState
    done = run("snmptable", [*V2C, *mib, "-Cf", "|", "-CH", "-Ci", target(agent), "VM-MIB::vmStorageTable"], tools_env)
    assert done.returncode == 0, done.stderr
    rows = [line.split("|") for line in done.stdout.splitlines() if line]
    assert [row[0] for row in rows] == ["1.1", "1.2", "5.1"]  # vmStorageVmIndex.vmStorageIndex


def test_system_group_for_generic_tools(agent, tools_env):
    done = run("snmpget", [*V2C, "-On", "-Oq", target(agent), ".1.3.6.1.2.1.1.2.0", ".1.3.6.1.2.1.1.4.0",
                           ".1.3.6.1.2.1.1.6.0", ".1.3.6.1.2.1.1.7.0", ".1.3.6.1.2.1.1.9.1.2.1"], tools_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        ".1.3.6.1.2.1.1.2.0 .1.3.6.1.2.1.236",
        '.1.3.6.1.2.1.1.4.0 "ops@example.org"',
        '.1.3.6.1.2.1.1.6.0 "rack 7"',
        ".1.3.6.1.2.1.1.7.0 72",
        ".1.3.6.1.2.1.1.9.1.2.1 .1.3.6.1.2.1.236",
    ]
    first = run("snmpget", [*V2C, "-On", "-Ot", "-Oqv", target(agent), ".1.3.6.1.2.1.1.3.0"], tools_env)
    time.sleep(0.3)
    second = run("snmpget", [*V2C, "-On", "-Ot", "-Oqv", target(agent), ".1.3.6.1.2.1.1.3.0"], tools_env)
    assert 0 <= int(first.stdout) < int(second.stdout)  # sysUpTime: the agent's, and it moves
    whole = run("snmpwalk", [*V2C, "-On", target(agent), ".1"], tools_env)  # the whole tree, in order
    assert whole.returncode == 0 and "OID not increasing" not in whole.stderr, whole.stderr
    assert len(whole.stdout.splitlines()) > len(expected_instances(fleet_snapshot()))


# --- who may read -----------------------------------------------------------------------------


def test_wrong_community_gets_no_data(agent, tools_env):
    done = run("snmpget", ["-v2c", "-c", "wrong", "-t", "1", "-r", "0", "-On", target(agent), f"{VM_MIB}.1.2.0"], tools_env)
    assert done.returncode != 0 and done.stdout == ""
    assert "Timeout" in done.stderr
    assert agent.counter("snmpInBadCommunityNames") >= 1


def test_second_read_community_works(agent, tools_env):
    done = run("snmpget", ["-v2c", "-c", "monitoring", "-On", "-Oqv", target(agent), f"{VM_MIB}.1.2.0"], tools_env)
    assert done.returncode == 0 and done.stdout.strip() == "3", done.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["-l", "authPriv", "-u", "alice", "-a", "SHA", "-A", "wrong-pass", "-x", "AES", "-X", PRIV], "Authentication failure"),
        (["-l", "authPriv", "-u", "mallory", "-a", "SHA", "-A", AUTH, "-x", "AES", "-X", PRIV], "Unknown user name"),
        (["-l", "authPriv", "-u", "alice", "-a", "SHA-256", "-A", AUTH, "-x", "AES", "-X", PRIV], "Authentication failure"),
        (["-l", "authPriv", "-u", "alice", "-a", "SHA", "-A", AUTH, "-x", "AES", "-X", "wrong-priv"], ""),
        (["-l", "authNoPriv", "-u", "alice", "-a", "SHA", "-A", AUTH], ""),  # below alice's level
        (["-l", "noAuthNoPriv", "-u", "alice"], ""),
    ],
    ids=["wrong-auth-key", "unknown-user", "wrong-auth-protocol", "wrong-priv-key", "auth-without-priv", "no-auth"],
)
def test_wrong_v3_credentials_get_no_data(agent, tools_env, args, message):
    done = run("snmpget", ["-v3", *args, "-t", "1", "-r", "0", "-On", target(agent), f"{VM_MIB}.1.4.1.2.1"], tools_env)
    assert done.returncode != 0, done.stdout
    assert "web-01" not in done.stdout and "STRING" not in done.stdout
    assert message in done.stderr


def test_snmpv1_is_not_answered(agent, tools_env):
    done = run("snmpget", ["-v1", "-c", "public", "-t", "1", "-r", "0", target(agent), ".1.3.6.1.2.1.1.5.0"], tools_env)
    assert done.returncode != 0 and "Timeout" in done.stderr
    assert agent.counter("snmpInBadVersions") >= 1


# --- who may write ------------------------------------------------------------------------------

PER_VM = f"{VM_MIB}.1.9.0"
BULK = f"{VM_MIB}.1.10.0"


def read(agent, env, oid: str, auth=V2C) -> str:
    done = run("snmpget", [*auth, "-On", "-Oqv", target(agent), oid], env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_set_enable_object_with_write_community(agent, tools_env):
    assert read(agent, tools_env, BULK) == "2"
    done = run("snmpset", ["-v2c", "-c", "private", "-On", target(agent), BULK, "i", "1"], tools_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{BULK} = INTEGER: 1"
    assert read(agent, tools_env, BULK) == "1"
    assert agent.switches.bulk is True  # the process-wide switches the notification sender reads
    both = run("snmpset", ["-v2c", "-c", "private", target(agent), BULK, "i", "2", PER_VM, "i", "2"], tools_env)
    assert both.returncode == 0, both.stderr
    assert (read(agent, tools_env, BULK), read(agent, tools_env, PER_VM)) == ("2", "2")


def test_set_with_v3_write_user(agent, tools_env):
    done = run("snmpset", [*V3_ALICE, target(agent), PER_VM, "i", "2"], tools_env)
    assert done.returncode == 0, done.stderr
    assert read(agent, tools_env, PER_VM, V3_ALICE) == "2"
    denied = run("snmpset", [*V3_BOB, target(agent), PER_VM, "i", "1"], tools_env)  # bob is read-only
    assert denied.returncode != 0 and "noAccess" in denied.stderr
    assert read(agent, tools_env, PER_VM) == "2"


def test_set_of_vm_name_is_not_writable(agent, tools_env):
    done = run("snmpset", ["-v2c", "-c", "private", target(agent), f"{VM_MIB}.1.4.1.2.1", "s", "renamed"], tools_env)
    assert done.returncode != 0
    assert "notWritable" in done.stderr
    assert read(agent, tools_env, f"{VM_MIB}.1.4.1.2.1") == '"web-01"'


def test_set_through_read_only_community_fails(agent, tools_env):
    done = run("snmpset", ["-v2c", "-c", "public", target(agent), BULK, "i", "1"], tools_env)
    assert done.returncode != 0 and "noAccess" in done.stderr
    assert read(agent, tools_env, BULK) == "2"


def test_set_checks_every_varbind_before_applying(agent, tools_env):
    """A bad second varbind (wrongValue) leaves the good first one unapplied."""
    done = run("snmpset", ["-v2c", "-c", "private", target(agent), BULK, "i", "1", PER_VM, "i", "3"], tools_env)
    assert done.returncode != 0 and "wrongValue" in done.stderr
    assert read(agent, tools_env, BULK) == "2"
    wrong_type = run("snmpset", ["-v2c", "-c", "private", target(agent), BULK, "s", "yes"], tools_env)
    assert wrong_type.returncode != 0 and "wrongType" in wrong_type.stderr
    system = run("snmpset", ["-v2c", "-c", "private", target(agent), ".1.3.6.1.2.1.1.4.0", "s", "x"], tools_env)
    assert system.returncode != 0 and "notWritable" in system.stderr


# --- robustness and lifecycle -----------------------------------------------------------------------


def test_malformed_packets_are_counted_and_the_agent_keeps_answering(agent, cache, tools_env):
    before = agent.counter("snmpInASNParseErrs")
    junk = [b"", b"\x00", b"garbage", b"\x30\x03\x02\x01\x01", b"\x30\x82\xff\xff" + b"a" * 40,
            b"\x30\x0b\x02\x01\x01\x04\x06public\xa0", bytes(range(256)) * 4]
    host, port = agent.address
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for packet in junk:
            s.sendto(packet, (host, port))
    wait_for(lambda: agent.counter("snmpInASNParseErrs") >= before + 5, 5, "parse errors to be counted")
    assert walk("snmpbulkwalk", V2C, agent, tools_env) == expected_instances(cache.snapshots()[0])
    parse_errors = read(agent, tools_env, ".1.3.6.1.2.1.11.6.0")  # snmpInASNParseErrs over SNMP
    assert int(parse_errors) >= before + 5


def test_view_is_rebuilt_when_the_cache_publishes(agent, cache, tools_env):
    assert read(agent, tools_env, f"{VM_MIB}.1.2.0") == "3"
    bigger = fleet_snapshot(extra_vms=4)
    cache.publish(bigger)
    assert read(agent, tools_env, f"{VM_MIB}.1.2.0") == "7"
    assert walk("snmpbulkwalk", V2C, agent, tools_env) == expected_instances(bigger)


def test_each_hypervisor_has_its_v3_context(agent, cache, tools_env):
    cache.publish(fleet_snapshot(extra_vms=2, name="kvm2"))
    assert read(agent, tools_env, f"{VM_MIB}.1.2.0") == "3"  # default context: first by name
    assert read(agent, tools_env, f"{VM_MIB}.1.2.0", [*V3_ALICE, "-n", "kvm2"]) == "5"
    assert read(agent, tools_env, f"{VM_MIB}.1.2.0", [*V3_ALICE, "-n", "kvm1"]) == "3"
    unknown = run("snmpget", [*V3_ALICE, "-n", "nope", target(agent), f"{VM_MIB}.1.2.0"], tools_env)
    assert unknown.returncode != 0 and "STRING" not in unknown.stdout


def test_empty_cache_serves_the_enable_objects(key_files, tools_env):
    settings, _ = parse_options(agent_options(key_files))
    server = SnmpAgent(settings, switches=NotificationSwitches())
    server.start(SnapshotCache())
    try:
        found = walk("snmpwalk", V2C, server, tools_env)
        assert found == {f"{VM_MIB}.1.9.0": ("INTEGER", 1), f"{VM_MIB}.1.10.0": ("INTEGER", 2)}
    finally:
        server.stop()


def test_port_in_use_is_an_agent_error(key_files):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        settings, _ = parse_options(agent_options(key_files, listen=f"udp:127.0.0.1:{taken.getsockname()[1]}"))
        with pytest.raises(AgentError, match="Address already in use"):
            SnmpAgent(settings, switches=NotificationSwitches()).start(SnapshotCache())


def test_stop_closes_the_socket(key_files):
    settings, _ = parse_options(agent_options(key_files))
    server = SnmpAgent(settings, switches=NotificationSwitches())
    server.start(SnapshotCache())
    host, port = server.address
    server.stop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as again:
        again.bind((host, port))  # free again: the agent released it


def test_programs_are_required_not_skipped():
    with pytest.raises(ServiceError):
        require_program("snmpwalk-does-not-exist")


# --- through `vmwatch serve` -----------------------------------------------------------------------


@pytest.mark.integration
def test_vmwatch_serve_with_the_snmp_exporter(tmp_path, key_files, tools_env):
    """The plugin as users run it: config table, key files, the libvirt demo host, a bulk walk."""
    from services import Service, free_port

    auth, priv = key_files
    port = free_port()
    config = tmp_path / "vmwatch.toml"
    config.write_text(
        f'[vmwatch]\nstate_dir = "{tmp_path / "state"}"\nrefresh_interval = 1\n'
        f'[exporter.prometheus]\nenabled = false\n'
        f'[exporter.snmp]\nenabled = true\nlisten = "udp:127.0.0.1:{port}"\ncommunities = ["public"]\n'
        f'bulk_notifications = true\n'
        f'[[exporter.snmp.users]]\nname = "alice"\nauth_key_file = "{auth}"\npriv_key_file = "{priv}"\n'
    )
    vmwatch = Service("vmwatch", [sys.executable, "-m", "vmwatch", "serve", "--demo", "--config", str(config)],
                      tmp_path / "vmwatch.log").start()
    address = f"udp:127.0.0.1:{port}"

    def vm_number() -> int:
        done = run("snmpget", [*V3_ALICE, "-On", "-Oqv", address, f"{VM_MIB}.1.2.0"], tools_env)
        return int(done.stdout) if done.returncode == 0 and done.stdout.strip().isdigit() else 0

    try:
        wait_for(lambda: vm_number() > 0, 60, "VMs over SNMP", vmwatch)
        done = run("snmpbulkwalk", [*V2C, "-On", "-Cr50", address, f"{VM_MIB}.1.4.1.2"], tools_env)  # vmName
        assert done.returncode == 0, done.stderr
        names = parse_walk(done.stdout)
        assert len(names) == vm_number()
        assert all(kind == "STRING" and value for kind, value in names.values())
        assert read_at(address, tools_env, BULK) == "1"  # bulk_notifications = true from the config
        assert vmwatch.alive(), vmwatch.describe()
    finally:
        vmwatch.stop()
    assert "exporter snmp started" in vmwatch.log_tail(200), vmwatch.describe()


def read_at(address: str, env: dict, oid: str) -> str:
    done = run("snmpget", [*V2C, "-On", "-Oqv", address, oid], env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_vmwatch_reports_bad_snmp_options(tmp_path):
    config = tmp_path / "vmwatch.toml"
    config.write_text('[exporter.snmp]\nenabled = true\nlisten = "udp:localhost:161"\n'
                      '[[exporter.snmp.users]]\nname = "a"\nauth_key = "short"\n')
    done = subprocess.run([sys.executable, "-m", "vmwatch", "serve", "--demo", "--config", str(config)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert f"{config}: exporter.snmp.listen: " in done.stderr
    assert f"{config}: exporter.snmp.users[0].auth_key: pass phrase must have at least 8 characters" in done.stderr


def test_engine_boots_grow_across_restarts(key_files, tools_env):
    """Same engine ID after a restart, so snmpEngineBoots must grow (RFC 3414 replay protection)."""
    seen = []
    for _ in range(2):
        settings, _ = parse_options(agent_options(key_files))
        server = SnmpAgent(settings, switches=NotificationSwitches())
        server.start(SnapshotCache())
        try:
            values = run("snmpget", [*V3_ALICE, "-On", "-Oqv", target(server), ".1.3.6.1.6.3.10.2.1.1.0",
                                     ".1.3.6.1.6.3.10.2.1.2.0"], tools_env).stdout.split("\n")
            seen.append((values[0], int(values[1])))
        finally:
            server.stop()
        time.sleep(1.1)
    (id1, boots1), (id2, boots2) = seen
    assert id1 == id2 and boots2 > boots1 > 1


def test_ipv6_loopback(key_files, cache, tools_env):
    settings, problems = parse_options(agent_options(key_files, listen="udp6:[::1]:0"))
    assert not problems, problems
    server = SnmpAgent(settings, switches=NotificationSwitches())
    server.start(cache)
    try:
        assert server.address_text.startswith("udp6:[::1]:")
        done = run("snmpbulkwalk", [*V3_ALICE, "-On", server.address_text, VM_MIB], tools_env)
        assert done.returncode == 0, done.stderr
        assert parse_walk(done.stdout) == expected_instances(cache.snapshots()[0])
    finally:
        server.stop()


def test_getbulk_non_repeaters_repetitions_and_end_of_mib(agent, tools_env):
    """RFC 3416 4.2.3: N non-repeaters once, then R columns interleaved; endOfMibView repeats."""
    done = run("snmpbulkget", [*V2C, "-On", "-Cn1", "-Cr3", target(agent), ".1.3.6.1.2.1.1.3", f"{VM_MIB}.1.4.1.2"], tools_env)
    assert done.returncode == 0, done.stderr
    names = [line.split(" = ")[0] for line in done.stdout.splitlines()]
    assert names == [".1.3.6.1.2.1.1.3.0", f"{VM_MIB}.1.4.1.2.1", f"{VM_MIB}.1.4.1.2.2", f"{VM_MIB}.1.4.1.2.5"]
    engine = ".1.3.6.1.6.3.10.2.1"  # snmpEngine: the last objects of this agent
    done = run("snmpbulkget", [*V2C, "-On", "-Cn0", "-Cr3", target(agent), f"{engine}.3.0", f"{VM_MIB}.1.10.0"], tools_env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(" = ")[0] for line in lines] == [
        f"{engine}.4.0", f"{engine}.1.0", f"{engine}.4.0", f"{engine}.2.0", f"{engine}.4.0", f"{engine}.3.0"
    ]
    assert all("past the end of the MIB tree" in lines[i] for i in (2, 4))
