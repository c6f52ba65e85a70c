"""Hand-built snapshots for the Prometheus exporter tests: one small and exact, one large and synthetic."""

from __future__ import annotations

import uuid

from vmwatch.model import (
    HR_DEVICE_PROCESSOR_BASE as CPU0,
    AdminState,
    AutoStart,
    CpuAffinity,
    CpuAffinityEntry,
    Hypervisor,
    MemoryStats,
    NetworkInterface,
    NetworkTraffic,
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

WEB_UUID = uuid.UUID("6f1c4b0e-8a3e-4f43-9c1d-3b0c5e6a7d01")
OFF_UUID = uuid.UUID("0b9a7c55-2d44-4e0f-8f51-9e2a6d3c4b02")
TAKEN_AT = 1_700_000_000.0


def affinity(*cpus: int, host_cpus: int = 16) -> tuple[CpuAffinityEntry, ...]:
    """vmCpuAffinity rows for every host CPU: enable(1) for `cpus`, disable(2) for the others."""
    return tuple(
        CpuAffinityEntry(CPU0 + n, CpuAffinity.ENABLE if n in cpus else CpuAffinity.DISABLE) for n in range(host_cpus)
    )


def small_snapshot(name: str = "kvm01", taken_at: float = TAKEN_AT) -> Snapshot:
    """Two VMs whose every value is chosen so that each unit conversion is visible."""
    web = VirtualMachine(
        uuid=WEB_UUID,
        name="web-1",
        index=1,
        os_type="linux",
        admin_state=AdminState.RUNNING,
        oper_state=OperState.RUNNING,
        auto_start=AutoStart.ENABLED,
        persistent=Persistent.PERSISTENT,
        cur_cpu_number=2,
        min_cpu_number=1,
        max_cpu_number=4,
        mem_unit=1024,
        cur_mem=2097152,  # 2 GiB in KiB
        min_mem=-1,  # no lower bound: no sample
        max_mem=4194304,
        up_time=360000,  # TimeTicks: one hour
        cpu_time=123456789,  # µs
        cpus=(
            VirtualCpu(1, 60000000, affinity(0, 1, 2, 3, 8)),
            VirtualCpu(2, 63456789, affinity(5)),
        ),
        storage=(
            Storage(
                key="vda",
                index=1,
                source_type=StorageSourceType.SPARSE,
                source_type_string="file",
                resource_id="/var/lib/libvirt/images/web-1.qcow2",
                access=StorageAccess.READWRITE,
                media_type=StorageMediaType.HARD_DISK,
                media_type_string="disk",
                size_unit=512,
                defined_size=41943040,  # 20 GiB in 512-byte sectors
                allocated_size=8388608,
                read_ios=1500,
                write_ios=700,
                read_octets=61440000,
                write_octets=28672000,
                read_latency=2500000,  # µs
                write_latency=1250000,
                device="vda",
                bus="virtio",
            ),
            Storage(
                key="hdc",
                index=2,
                source_type=StorageSourceType.RAW,
                access=StorageAccess.READONLY,
                media_type=StorageMediaType.OPTICAL_DISK,
                device="hdc",
                bus="ide",
            ),
        ),
        networks=(
            NetworkInterface(
                key="52:54:00:12:34:56",
                index=1,
                if_index=12,
                parent=3,
                model="virtio",
                phys_address=bytes.fromhex("525400123456"),
                device="vnet0",
                parent_device="virbr0",
                network="default",
                traffic=NetworkTraffic(1000, 10, 1, 2, 2000, 20, 3, 4),
            ),
        ),
        memory=MemoryStats(balloon=2147483648, available=2000000000, usable=1500000000, rss=1800000000,
                           swap_in=4096, major_faults=7, minor_faults=1234),
    )
    off = VirtualMachine(
        uuid=OFF_UUID,
        name='db "primary"',  # a name that needs escaping in label values
        index=2,
        admin_state=AdminState.SHUTDOWN,
        oper_state=OperState.SHUTDOWN,
        auto_start=AutoStart.DISABLED,
        persistent=Persistent.PERSISTENT,
        cur_cpu_number=0,
        max_cpu_number=-1,  # no limit: no sample
        mem_unit=1048576,
        cur_mem=0,
        max_mem=8192,
        cpus=(VirtualCpu(1, None), VirtualCpu(2, None)),
        storage=(Storage(key="sda", index=1, source_type=StorageSourceType.BLOCK, resource_id="/dev/vg0/db",
                         size_unit=1048576, defined_size=102400, allocated_size=102400, device="sda", bus="scsi"),),
        networks=(NetworkInterface(key="52:54:00:ab:cd:ef", index=1, phys_address=bytes.fromhex("525400abcdef")),),
    )
    return Snapshot(
        name=name,
        backend="lab",
        hypervisor=Hypervisor("QEMU", "8.2.0", up_time=8640000, object_id=(1, 3, 6, 1, 4, 1, 99999, 1),
                              host_name=f"{name}.example.net"),
        vms=(web, off),
        taken_at=taken_at,
        table_last_change=100,
    )


def fleet_snapshot(vms: int = 1000, devices: int = 4, vcpus: int = 2, name: str = "big", taken_at: float = TAKEN_AT) -> Snapshot:
    """A synthetic host: `vms` running VMs, each with `devices` disks and NICs and `vcpus` vCPUs."""
    machines = []
    for i in range(1, vms + 1):
        cpus = tuple(VirtualCpu(c, 1000000 * i + c, affinity(c % 16, (c + 1) % 16)) for c in range(1, vcpus + 1))
        disks = tuple(
            Storage(key=f"vd{chr(97 + d)}", index=d + 1, source_type=StorageSourceType.SPARSE, source_type_string="file",
                    resource_id=f"/var/lib/libvirt/images/vm{i}-{d}.qcow2", access=StorageAccess.READWRITE,
                    media_type=StorageMediaType.HARD_DISK, size_unit=1, defined_size=10737418 + d, allocated_size=5368709,
                    read_ios=1000 * i + d, write_ios=500 * i, read_octets=4096000 * i, write_octets=2048000 * i,
                    read_latency=12345 * i, write_latency=23456 * i, device=f"vd{chr(97 + d)}", bus="virtio")
            for d in range(devices)
        )
        nics = tuple(
            NetworkInterface(key=f"nic{n}", index=n + 1, if_index=100 + i * devices + n, parent=3, model="virtio",
                             phys_address=bytes([0x52, 0x54, 0, i >> 8 & 255, i & 255, n]), device=f"vnet{i * devices + n}",
                             parent_device="br0", network="default",
                             traffic=NetworkTraffic(10**9 + i, 10**6 + i, 0, i % 3, 2 * 10**9, 2 * 10**6, 0, 0))
            for n in range(devices)
        )
        machines.append(
            VirtualMachine(
                uuid=uuid.UUID(int=i), name=f"vm-{i:04d}", index=i, os_type="hvm", admin_state=AdminState.RUNNING,
                oper_state=OperState.RUNNING, auto_start=AutoStart.ENABLED, persistent=Persistent.PERSISTENT,
                cur_cpu_number=vcpus, min_cpu_number=1, max_cpu_number=8, cur_mem=4194304, min_mem=-1, max_mem=8388608,
                up_time=360000 + i, cpu_time=987654321 * i, cpus=cpus, storage=disks, networks=nics,
                memory=MemoryStats(balloon=4294967296, available=4000000000, unused=1000000000 + i, usable=2000000000,
                                   rss=3000000000 + i, disk_caches=500000000, swap_in=0, swap_out=0,
                                   major_faults=i, minor_faults=1000 * i),
            )
        )
    return Snapshot(name=name, backend=name, hypervisor=Hypervisor("QEMU", "8.2.0", up_time=99999),
                    vms=tuple(machines), taken_at=taken_at, table_last_change=1)
