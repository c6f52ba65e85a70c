"""Hand-built snapshots for the SNMP tests and benchmark, and an independent oracle of VM-MIB.

`sample_snapshot()` is a small but awkward host: index gaps, a shut-off VM whose counters are
absent, pinned vCPUs, several disks and NICs per VM, a non-ASCII name, a name longer than the
MIB's 255 octets. `fleet_snapshot(n)` is the benchmark's shape: n VMs with two disks, one NIC and
two pinned vCPUs each.

`expected_instances(snapshot)` restates RFC 7666 column by column (OIDs written out as numbers from
the module text) so that tests compare the view and the agents against the snapshot, not against
the code under test.
"""

from __future__ import annotations

import uuid as uuidlib

from vmwatch.model import (
    HR_DEVICE_PROCESSOR_BASE,
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

VM = (1, 3, 6, 1, 2, 1, 236, 1)
HV_OBJECT_ID = (1, 3, 6, 1, 4, 1, 8072, 3, 2, 10)
LONG_NAME = "x" * 250 + "ééé"  # 256 octets: cut inside the third é


def _cpus(index: int, count: int, pinned: bool) -> tuple[VirtualCpu, ...]:
    cpus = []
    for c in range(1, count + 1):
        affinity: tuple[CpuAffinityEntry, ...] = ()
        if pinned:
            mine = (index + c) % 4
            affinity = tuple(
                CpuAffinityEntry(HR_DEVICE_PROCESSOR_BASE + p, CpuAffinity.ENABLE if p == mine else CpuAffinity.DISABLE)
                for p in range(4)
            )
        cpus.append(VirtualCpu(index=c, core_time=1_000_000 * index + 1000 * c, affinity=affinity))
    return tuple(cpus)


def _disk(vm: int, n: int, running: bool, **kw) -> Storage:
    counters = dict(
        read_ios=100 * vm + n,
        write_ios=200 * vm + n,
        read_octets=4096 * (100 * vm + n),
        write_octets=(1 << 40) + vm,  # beyond 32 bits: Counter64 must carry it
        read_latency=1_500 * vm,
        write_latency=2_500 * vm,
    )
    if not running:
        counters = {}
    base = dict(
        key=f"vd{chr(96 + n)}",
        index=n,
        parent=0,
        source_type=StorageSourceType.SPARSE,
        source_type_string="qcow2",
        resource_id=f"/var/lib/libvirt/images/vm{vm}-{n}.qcow2",
        access=StorageAccess.READWRITE,
        media_type=StorageMediaType.HARD_DISK,
        media_type_string="disk",
        size_unit=1 << 20,
        defined_size=20_480 * n,
        allocated_size=1_024 * n + vm,
        device=f"vd{chr(96 + n)}",
        bus="virtio",
    )
    base.update(counters)
    base.update(kw)
    return Storage(**base)


def _nic(vm: int, n: int, **kw) -> NetworkInterface:
    base = dict(
        key=f"52:54:00:00:{vm:02x}:{n:02x}",
        index=n,
        if_index=100 + 10 * vm + n,
        parent=5,
        model="virtio",
        phys_address=bytes([0x52, 0x54, 0x00, 0x00, vm & 0xFF, n]),
        device=f"vnet{vm}{n}",
        parent_device="virbr0",
        network="default",
    )
    base.update(kw)
    return NetworkInterface(**base)


def sample_snapshot(name: str = "kvm1") -> Snapshot:
    """Five VMs at indexes 1, 2, 3, 5, 8 with every kind of row and a few edge cases."""
    vms = (
        VirtualMachine(
            uuid=uuidlib.UUID("6fa459ea-ee8a-3ca4-894e-db77e160355e"),
            name="web-01",
            index=1,
            os_type="http://ubuntu.com/ubuntu/22.04",
            admin_state=AdminState.RUNNING,
            oper_state=OperState.RUNNING,
            auto_start=AutoStart.ENABLED,
            persistent=Persistent.PERSISTENT,
            cur_cpu_number=2,
            min_cpu_number=-1,
            max_cpu_number=4,
            mem_unit=1024,
            cur_mem=2_097_152,
            min_mem=-1,
            max_mem=4_194_304,
            up_time=360_000,
            cpu_time=123_456_789_012,
            cpus=_cpus(1, 2, pinned=True),
            storage=(_disk(1, 1, True), _disk(1, 2, True, source_type=StorageSourceType.RAW, source_type_string="raw")),
            networks=(_nic(1, 1), _nic(1, 2, model="e1000", parent=6)),
        ),
        VirtualMachine(
            uuid=uuidlib.UUID("0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3"),
            name="dátabase-ü",  # non-ASCII: SnmpAdminString is UTF-8
            index=2,
            os_type="http://debian.org/debian/12",
            admin_state=AdminState.RUNNING,
            oper_state=OperState.PAUSED,
            auto_start=AutoStart.DISABLED,
            persistent=Persistent.PERSISTENT,
            cur_cpu_number=4,
            max_cpu_number=4,
            cur_mem=16_777_216,
            max_mem=16_777_216,
            up_time=99,
            cpu_time=5,
            cpus=_cpus(2, 4, pinned=True),
            storage=(
                _disk(2, 1, True),
                _disk(2, 2, True, source_type=StorageSourceType.BLOCK, source_type_string="block",
                      resource_id="/dev/vg_data/db"),
                _disk(2, 3, True, source_type=StorageSourceType.NETWORK, source_type_string="rbd",
                      resource_id="rbd://ceph-mon-1:6789/volumes/db-wal", read_latency=None, write_latency=None),
            ),
            networks=(_nic(2, 1),),
        ),
        VirtualMachine(
            uuid=uuidlib.UUID("11111111-2222-4333-8444-555555555555"),
            name="ci-runner",
            index=3,
            admin_state=AdminState.SHUTDOWN,
            oper_state=OperState.SHUTDOWN,
            auto_start=AutoStart.UNKNOWN,
            persistent=Persistent.PERSISTENT,
            cur_cpu_number=0,
            max_cpu_number=8,
            cur_mem=0,
            max_mem=8_388_608,
            up_time=0,
            cpu_time=None,  # shut off: no counters at all
            cpus=(VirtualCpu(index=1, core_time=None), VirtualCpu(index=2, core_time=None)),
            storage=(
                _disk(3, 1, False),
                _disk(3, 2, False, media_type=StorageMediaType.OPTICAL_DISK, media_type_string="cdrom",
                      access=StorageAccess.READONLY, source_type=StorageSourceType.RAW, source_type_string="raw",
                      resource_id="", defined_size=-1, allocated_size=-1),
            ),
            networks=(_nic(3, 1, if_index=0, parent=0),),
        ),
        VirtualMachine(
            uuid=uuidlib.UUID("99999999-8888-4777-8666-555555555555"),
            name=LONG_NAME,
            index=5,
            os_type="",
            admin_state=AdminState.SUSPENDED,
            oper_state=OperState.SUSPENDED,
            auto_start=AutoStart.ENABLED,
            persistent=Persistent.TRANSIENT,
            cur_cpu_number=1,
            cur_mem=524_288,
            up_time=4_294_967_295,
            cpu_time=(1 << 63) + 17,
            cpus=_cpus(5, 1, pinned=False),
            storage=(),
            networks=(),
        ),
        VirtualMachine(
            uuid=uuidlib.UUID("abcdefab-cdef-4abc-8def-abcdefabcdef"),
            name="lb-01",
            index=8,
            os_type="http://alpinelinux.org/alpinelinux/3.18",
            admin_state=AdminState.RUNNING,
            oper_state=OperState.RUNNING,
            auto_start=AutoStart.ENABLED,
            persistent=Persistent.PERSISTENT,
            cur_cpu_number=2,
            min_cpu_number=1,
            max_cpu_number=2,
            mem_unit=1 << 20,
            cur_mem=1024,
            min_mem=512,
            max_mem=2048,
            up_time=12_345,
            cpu_time=42,
            cpus=_cpus(8, 2, pinned=True),
            storage=(_disk(8, 1, True),),
            networks=(_nic(8, 1), _nic(8, 2), _nic(8, 3, model="rtl8139", phys_address=b"")),
        ),
    )
    return Snapshot(
        name=name,
        backend=name,
        hypervisor=Hypervisor(software="QEMU/KVM (libvirt)", version="9.0.0 / QEMU 7.2.0", up_time=8_640_000,
                              object_id=HV_OBJECT_ID, host_name=name),
        vms=vms,
        taken_at=1_700_000_000.0,
        table_last_change=8_000,
    )


def fleet_snapshot(count: int, name: str = "bench") -> Snapshot:
    """`count` running VMs, each with two disks, one NIC and two pinned vCPUs (the benchmark)."""
    vms = []
    for i in range(1, count + 1):
        vms.append(
            VirtualMachine(
                uuid=uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"vmwatch-bench:{i}"),
                name=f"vm-{i:05d}",
                index=i,
                os_type="http://debian.org/debian/12",
                admin_state=AdminState.RUNNING,
                oper_state=OperState.RUNNING,
                auto_start=AutoStart.ENABLED,
                persistent=Persistent.PERSISTENT,
                cur_cpu_number=2,
                max_cpu_number=2,
                cur_mem=4_194_304,
                max_mem=4_194_304,
                up_time=360_000 + i,
                cpu_time=10_000_000 * i,
                cpus=tuple(
                    VirtualCpu(index=c, core_time=5_000_000 * i + c,
                               affinity=(CpuAffinityEntry(HR_DEVICE_PROCESSOR_BASE + (i + c) % 32, CpuAffinity.ENABLE),))
                    for c in (1, 2)
                ),
                storage=(_disk(i, 1, True), _disk(i, 2, True)),
                networks=(_nic(i, 1),),
            )
        )
    return Snapshot(
        name=name,
        backend=name,
        hypervisor=Hypervisor(software="QEMU/KVM (libvirt)", version="9.0.0", up_time=1_000_000, object_id=HV_OBJECT_ID),
        vms=tuple(vms),
        taken_at=1_700_000_000.0,
        table_last_change=500,
    )


# --- the oracle ---------------------------------------------------------------------------------

INTEGER, OCTETS, OID, TICKS, C64 = "INTEGER", "OCTETS", "OID", "TICKS", "C64"


def _utf8_255(text: str) -> bytes:
    data = text.encode()
    while len(data) > 255:  # drop whole characters from the end until it fits
        text = text[:-1]
        data = text.encode()
    return data


def expected_instances(snapshot: Snapshot, per_vm: bool = True, bulk: bool = False) -> dict[tuple, tuple[str, object]]:
    """Every instance VM-MIB must show for `snapshot`: OID → (type, value)."""
    out: dict[tuple, tuple[str, object]] = {}
    hv = snapshot.hypervisor
    out[VM + (1, 1, 0)] = (OCTETS, _utf8_255(hv.software))
    out[VM + (1, 2, 0)] = (OCTETS, _utf8_255(hv.version))
    out[VM + (1, 3, 0)] = (OID, hv.object_id)
    out[VM + (1, 4, 0)] = (TICKS, hv.up_time)
    out[VM + (2, 0)] = (INTEGER, len(snapshot.vms))
    out[VM + (3, 0)] = (TICKS, snapshot.table_last_change)
    out[VM + (9, 0)] = (INTEGER, 1 if per_vm else 2)
    out[VM + (10, 0)] = (INTEGER, 1 if bulk else 2)
    for vm in snapshot.vms:
        x = vm.index
        columns = {
            2: (OCTETS, _utf8_255(vm.name)),
            3: (OCTETS, vm.uuid.bytes),
            4: (OCTETS, _utf8_255(vm.os_type)),
            5: (INTEGER, int(vm.admin_state)),
            6: (INTEGER, int(vm.oper_state)),
            7: (INTEGER, int(vm.auto_start)),
            8: (INTEGER, int(vm.persistent)),
            9: (INTEGER, vm.cur_cpu_number),
            10: (INTEGER, vm.min_cpu_number),
            11: (INTEGER, vm.max_cpu_number),
            12: (INTEGER, vm.mem_unit),
            13: (INTEGER, vm.cur_mem),
            14: (INTEGER, vm.min_mem),
            15: (INTEGER, vm.max_mem),
            16: (TICKS, vm.up_time),
        }
        if vm.cpu_time is not None:
            columns[17] = (C64, vm.cpu_time)
        for column, value in columns.items():
            out[VM + (4, 1, column, x)] = value
        for cpu in vm.cpus:
            if cpu.core_time is not None:
                out[VM + (5, 1, 2, x, cpu.index)] = (C64, cpu.core_time)
            for pin in cpu.affinity:
                out[VM + (6, 1, 3, x, cpu.index, pin.phys_index)] = (INTEGER, int(pin.affinity))
        for d in vm.storage:
            row = (x, d.index)
            columns = {
                3: (INTEGER, d.parent),
                4: (INTEGER, int(d.source_type)),
                5: (OCTETS, _utf8_255(d.source_type_string)),
                6: (OCTETS, _utf8_255(d.resource_id)),
                7: (INTEGER, int(d.access)),
                8: (INTEGER, int(d.media_type)),
                9: (OCTETS, _utf8_255(d.media_type_string)),
                10: (INTEGER, d.size_unit),
                11: (INTEGER, d.defined_size),
                12: (INTEGER, d.allocated_size),
                13: (C64, d.read_ios),
                14: (C64, d.write_ios),
                15: (C64, d.read_octets),
                16: (C64, d.write_octets),
                17: (C64, d.read_latency),
                18: (C64, d.write_latency),
            }
            for column, (kind, value) in columns.items():
                if value is not None:
                    out[VM + (7, 1, column) + row] = (kind, value)
        for nic in vm.networks:
            row = (x, nic.index)
            out[VM + (8, 1, 2) + row] = (INTEGER, nic.if_index)
            out[VM + (8, 1, 3) + row] = (INTEGER, nic.parent)
            out[VM + (8, 1, 4) + row] = (OCTETS, _utf8_255(nic.model))
            out[VM + (8, 1, 5) + row] = (OCTETS, nic.phys_address)
    return out
