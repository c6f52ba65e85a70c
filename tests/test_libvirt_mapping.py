"""libvirt → VM-MIB mapping: pure tests from literal XML and stats, then the real backend on
test-driver node files written into tmp_path (no daemon: `test:///PATH` runs in-process)."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path

import libvirt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from vmwatch_libvirt import demo
from vmwatch_libvirt.client import LibvirtBackend
from vmwatch_libvirt.mapping import (
    DomainReading,
    HostFacts,
    MappingError,
    in_unit,
    mac_bytes,
    map_domain,
    map_hypervisor,
    oper_state,
    parse_cpuset,
    parse_domain_xml,
    size_unit,
    xml_pinning,
)

from vmwatch.backend import BackendError, BackendUnavailable
from vmwatch.model import (
    HR_DEVICE_PROCESSOR_BASE,
    AdminState,
    AutoStart,
    CpuAffinity,
    OperState,
    Persistent,
    StorageAccess,
    StorageMediaType,
    StorageSourceType,
)

UUID = "11111111-2222-3333-4444-555555555555"
FACTS = HostFacts(driver="QEMU", hv_version=8_002_002, lib_version=9_000_000, host_name="kvm01", up_time=4242)
LIBOSINFO = "http://libosinfo.org/xmlns/libvirt/domain/1.0"


def domain(devices: str = "", extra: str = "", vcpu: str = "<vcpu placement='static'>2</vcpu>") -> str:
    return f"""<domain type='kvm'>
  <name>web-01</name>
  <uuid>{UUID}</uuid>
  <memory unit='KiB'>4194304</memory>
  <currentMemory unit='KiB'>3145728</currentMemory>
  {vcpu}
  {extra}
  <os><type arch='x86_64'>hvm</type></os>
  <devices>{devices}</devices>
</domain>"""


def reading(xml: str, state: int = 1, reason: int = 1, stats: dict | None = None, **kw) -> DomainReading:
    return DomainReading(config=parse_domain_xml(xml), state=state, reason=reason, stats=stats or {}, **kw)


# --- states -----------------------------------------------------------------------------------

# (virDomainState, reason, managed save) → (vmOperState, vmAdminState)
STATE_TABLE = [
    ((0, 0, False), (OperState.UNKNOWN, AdminState.SHUTDOWN)),  # nostate
    ((1, 1, False), (OperState.RUNNING, AdminState.RUNNING)),  # running, booted
    ((1, 5, False), (OperState.RUNNING, AdminState.RUNNING)),  # running, unpaused
    ((1, 10, False), (OperState.MIGRATING, AdminState.RUNNING)),  # running, post-copy (incoming)
    ((2, 0, False), (OperState.RUNNING, AdminState.RUNNING)),  # blocked on a resource
    ((3, 1, False), (OperState.PAUSED, AdminState.PAUSED)),  # paused by the user
    ((3, 2, False), (OperState.MIGRATING, AdminState.PAUSED)),  # paused for migration
    ((3, 12, False), (OperState.MIGRATING, AdminState.PAUSED)),  # paused, post-copy
    ((3, 3, False), (OperState.SUSPENDING, AdminState.PAUSED)),  # paused while saving
    ((3, 11, False), (OperState.PREPARING, AdminState.PAUSED)),  # starting up
    ((3, 5, False), (OperState.PAUSED, AdminState.PAUSED)),  # I/O error
    ((3, 8, False), (OperState.SHUTTINGDOWN, AdminState.PAUSED)),  # paused while shutting down
    ((3, 10, False), (OperState.CRASHED, AdminState.PAUSED)),  # paused after a guest crash
    ((4, 1, False), (OperState.SHUTTINGDOWN, AdminState.SHUTDOWN)),  # shutdown in progress
    ((5, 1, False), (OperState.SHUTDOWN, AdminState.SHUTDOWN)),  # shut off, shut down
    ((5, 2, False), (OperState.SHUTDOWN, AdminState.SHUTDOWN)),  # destroyed
    ((5, 3, False), (OperState.CRASHED, AdminState.SHUTDOWN)),  # shut off after a crash
    ((5, 5, False), (OperState.SUSPENDED, AdminState.SUSPENDED)),  # saved
    ((5, 0, True), (OperState.SUSPENDED, AdminState.SUSPENDED)),  # managed save image present
    ((6, 1, False), (OperState.CRASHED, AdminState.SHUTDOWN)),  # crashed
    ((7, 1, False), (OperState.SUSPENDED, AdminState.SUSPENDED)),  # pmsuspended (S3)
    ((99, 0, False), (OperState.OTHER, AdminState.SHUTDOWN)),  # a state newer than this code
]


@pytest.mark.parametrize(("libvirt_state", "expected"), STATE_TABLE)
def test_states_and_reasons(libvirt_state, expected):
    state, reason, managed_save = libvirt_state
    vm = map_domain(reading(domain(), state, reason, managed_save=managed_save), FACTS)
    assert (vm.oper_state, vm.admin_state) == expected


def test_state_constants_agree_with_libvirt():
    # mapping.py avoids importing libvirt; the numbers it uses must be libvirt's
    assert oper_state(libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_MIGRATION) == OperState.MIGRATING
    assert oper_state(libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_SAVE) == OperState.SUSPENDING
    assert oper_state(libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_STARTING_UP) == OperState.PREPARING
    assert oper_state(libvirt.VIR_DOMAIN_PAUSED, libvirt.VIR_DOMAIN_PAUSED_POSTCOPY) == OperState.MIGRATING
    assert oper_state(libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_CRASHED) == OperState.CRASHED
    assert oper_state(libvirt.VIR_DOMAIN_SHUTOFF, libvirt.VIR_DOMAIN_SHUTOFF_SAVED) == OperState.SUSPENDED
    assert oper_state(libvirt.VIR_DOMAIN_PMSUSPENDED, 0) == OperState.SUSPENDED
    assert oper_state(libvirt.VIR_DOMAIN_RUNNING, libvirt.VIR_DOMAIN_RUNNING_POSTCOPY) == OperState.MIGRATING


def test_autostart_and_persistence():
    vm = map_domain(reading(domain(), autostart=True, persistent=False), FACTS)
    assert (vm.auto_start, vm.persistent) == (AutoStart.ENABLED, Persistent.TRANSIENT)
    vm = map_domain(reading(domain(), autostart=False, persistent=True), FACTS)
    assert (vm.auto_start, vm.persistent) == (AutoStart.DISABLED, Persistent.PERSISTENT)
    vm = map_domain(reading(domain()), FACTS)  # the calls failed
    assert (vm.auto_start, vm.persistent) == (AutoStart.UNKNOWN, Persistent.UNKNOWN)


# --- hypervisor and VM scalars ------------------------------------------------------------------


def test_hypervisor_scalars():
    hv = map_hypervisor(FACTS)
    assert (hv.software, hv.version, hv.object_id, hv.up_time, hv.host_name) == (
        "QEMU", "8.2.2 (libvirt 9.0.0)", (0, 0), 4242, "kvm01",
    )  # fmt: skip
    assert map_hypervisor(HostFacts(driver="TEST", hv_version=2, lib_version=9_000_000)).software == "Test"
    assert map_hypervisor(HostFacts(driver="Foo", hv_version=0, lib_version=0)).software == "Foo"


def test_vm_scalars_while_running():
    extra = f"<metadata><libosinfo:libosinfo xmlns:libosinfo='{LIBOSINFO}'><libosinfo:os id='http://ubuntu.com/ubuntu/22.04'/></libosinfo:libosinfo></metadata>"
    stats = {
        "cpu.time": 12_345_678_901,  # ns
        "balloon.current": 3_000_000,  # KiB
        "balloon.maximum": 4_194_304,
        "vcpu.current": 2,
        "vcpu.maximum": 4,
        "vcpu.0.time": 5_000_999,
        "vcpu.1.time": 7_000_000,
    }
    vm = map_domain(reading(domain(extra=extra), stats=stats, up_time=777), FACTS)
    assert vm.uuid == uuid.UUID(UUID) and vm.name == "web-01"
    assert vm.os_type == "http://ubuntu.com/ubuntu/22.04"
    assert (vm.cur_cpu_number, vm.min_cpu_number, vm.max_cpu_number) == (2, -1, 4)
    assert (vm.mem_unit, vm.cur_mem, vm.min_mem, vm.max_mem) == (1024, 3_000_000, -1, 4_194_304)
    assert vm.cpu_time == 12_345_678  # µs
    assert [(c.index, c.core_time) for c in vm.cpus] == [(1, 5000), (2, 7000)]
    assert vm.up_time == 777


def test_vm_scalars_while_shut_off_come_from_the_xml():
    xml = domain(vcpu="<vcpu placement='static' current='2'>8</vcpu>")
    vm = map_domain(reading(xml, state=5, reason=1, up_time=999), FACTS)
    assert vm.os_type == ""
    assert (vm.cur_cpu_number, vm.max_cpu_number) == (2, 8)
    assert (vm.cur_mem, vm.max_mem) == (3_145_728, 4_194_304)
    assert vm.cpu_time is None and vm.memory is None and vm.up_time == 0
    assert [(c.index, c.core_time) for c in vm.cpus] == [(1, None), (2, None)]


def test_memory_unit_grows_past_two_tebibytes():
    xml = domain().replace("<memory unit='KiB'>4194304</memory>", "<memory unit='TiB'>3</memory>")
    vm = map_domain(reading(xml), FACTS)
    assert vm.mem_unit == 1024**2
    assert vm.max_mem == 3 * 1024**2  # MiB
    assert vm.cur_mem == 3072  # <currentMemory> 3145728 KiB


def test_memory_statistics_are_bytes_and_fault_counts():
    stats = {"balloon.current": 2048, "balloon.rss": 1024, "balloon.major_fault": 7, "balloon.minor_fault": 9}
    memory = map_domain(reading(domain(), stats=stats), FACTS).memory
    assert (memory.balloon, memory.rss, memory.major_faults, memory.minor_faults) == (
        2048 * 1024,
        1024 * 1024,
        7,
        9,
    )
    assert memory.usable is None  # not reported: unknown, not zero
    assert map_domain(reading(domain(), stats={"cpu.time": 1}), FACTS).memory is None


def test_unusable_xml_is_a_mapping_error():
    with pytest.raises(MappingError, match="not well-formed"):
        parse_domain_xml("<domain>")
    with pytest.raises(MappingError, match="uuid"):
        parse_domain_xml("<domain><name>x</name></domain>")


# --- storage --------------------------------------------------------------------------------------

DISKS = """
<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
  <source file='/var/lib/libvirt/images/web-01.qcow2'/><target dev='vda' bus='virtio'/></disk>
<disk type='file' device='disk'><driver name='qemu' type='raw'/>
  <source file='/var/lib/libvirt/images/data.img'/><target dev='vdb' bus='virtio'/></disk>
<disk type='file' device='disk'>
  <source file='/srv/no-format.img'/><target dev='vdc' bus='virtio'/></disk>
<disk type='block' device='lun'><driver name='qemu' type='raw'/>
  <source dev='/dev/mapper/mpatha'/><target dev='sda' bus='scsi'/></disk>
<disk type='network' device='disk'><driver name='qemu' type='raw'/>
  <source protocol='rbd' name='volumes/web-01'><host name='ceph-mon-1' port='6789'/><host name='ceph-mon-2' port='6789'/></source>
  <target dev='vdd' bus='virtio'/></disk>
<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/>
  <source pool='default' volume='web-01-2.qcow2'/><target dev='vde' bus='virtio'/></disk>
<disk type='dir' device='disk'><driver name='qemu' type='fat'/>
  <source dir='/srv/share'/><target dev='hda' bus='ide'/></disk>
<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
  <target dev='sdb' bus='sata'/><readonly/></disk>
<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
  <source file='/iso/debian-12.iso'/><target dev='sdc' bus='sata'/><readonly/></disk>
<disk type='file' device='floppy'><source file='/srv/boot.img'/><target dev='fda' bus='fdc'/></disk>
"""


def storage_by_device(stats: dict | None = None):
    vm = map_domain(reading(domain(DISKS), stats=stats), FACTS)
    return {s.device: s for s in vm.storage}


def test_every_disk_is_a_storage_row_keyed_by_target():
    rows = storage_by_device()
    assert list(rows) == ["vda", "vdb", "vdc", "sda", "vdd", "vde", "hda", "sdb", "sdc", "fda"]
    assert all(s.key == s.device and s.parent == 0 for s in rows.values())


@pytest.mark.parametrize(
    ("device", "source_type", "type_string", "resource_id"),
    [
        ("vda", StorageSourceType.SPARSE, "qcow2", "/var/lib/libvirt/images/web-01.qcow2"),
        ("vdb", StorageSourceType.RAW, "raw", "/var/lib/libvirt/images/data.img"),
        ("vdc", StorageSourceType.RAW, "file", "/srv/no-format.img"),  # no format: QEMU reads raw
        ("sda", StorageSourceType.BLOCK, "raw", "/dev/mapper/mpatha"),
        ("vdd", StorageSourceType.NETWORK, "raw", "rbd://ceph-mon-1:6789/volumes/web-01"),
        ("vde", StorageSourceType.OTHER, "qcow2", "default/web-01-2.qcow2"),
        ("hda", StorageSourceType.OTHER, "fat", "/srv/share"),
        ("sdb", StorageSourceType.UNKNOWN, "raw", ""),  # empty CD-ROM drive
        ("sdc", StorageSourceType.RAW, "raw", "/iso/debian-12.iso"),
        ("fda", StorageSourceType.RAW, "file", "/srv/boot.img"),
    ],
)
def test_disk_source_types(device, source_type, type_string, resource_id):
    row = storage_by_device()[device]
    assert (row.source_type, row.source_type_string, row.resource_id) == (
        source_type,
        type_string,
        resource_id,
    )


def test_media_types_access_and_bus():
    rows = storage_by_device()
    media = {d: (s.media_type, s.media_type_string, s.access, s.bus) for d, s in rows.items()}
    assert media["vda"] == (StorageMediaType.HARD_DISK, "VIRTIO", StorageAccess.READWRITE, "virtio")
    assert media["sda"] == (StorageMediaType.HARD_DISK, "SCSI", StorageAccess.READWRITE, "scsi")  # lun
    assert media["hda"] == (StorageMediaType.HARD_DISK, "IDE", StorageAccess.READWRITE, "ide")
    assert media["sdc"] == (StorageMediaType.OPTICAL_DISK, "SATA", StorageAccess.READONLY, "sata")
    assert media["fda"] == (StorageMediaType.FLOPPY_DISK, "FDC", StorageAccess.READWRITE, "fdc")


def test_disk_counters_sizes_and_latency():
    gib = 1024**3
    stats = {
        "block.count": 2,
        "block.0.name": "vdb",  # bulk order need not follow the XML: matched by name
        "block.0.capacity": 20 * gib,
        "block.0.allocation": 3 * gib,
        "block.0.rd.reqs": 10,
        "block.0.wr.reqs": 20,
        "block.0.rd.bytes": 4096,
        "block.0.wr.bytes": 8192,
        "block.1.name": "vda",
        "block.1.capacity": 20 * gib,
        "block.1.allocation": 3 * gib + 1,
        "block.1.rd.reqs": 1,
        "block.1.rd.times": 2_500_999,  # ns
        "block.1.wr.times": 1_000,
    }
    rows = storage_by_device(stats)
    vda, vdb = rows["vda"], rows["vdb"]
    assert (vda.size_unit, vda.defined_size, vda.allocated_size) == (
        1024,
        20 * 1024**2,
        3 * 1024**2 + 1,
    )  # rounded up
    assert (vda.read_latency, vda.write_latency) == (2500, 1)  # µs
    # raw file: the MIB requires allocated == defined for raw and block sources
    assert (vdb.size_unit, vdb.defined_size, vdb.allocated_size) == (1024, 20 * 1024**2, 20 * 1024**2)
    assert (vdb.read_ios, vdb.write_ios, vdb.read_octets, vdb.write_octets) == (10, 20, 4096, 8192)
    assert vdb.read_latency is None and vdb.write_latency is None  # libvirt gave no times
    vdc = rows["vdc"]  # no stats at all
    assert (vdc.size_unit, vdc.defined_size, vdc.allocated_size, vdc.read_ios) == (1, -1, -1, None)


@pytest.mark.parametrize(
    ("sizes", "unit"),
    [
        ((0, 0), 1),
        ((2**31 - 1, 5), 1),
        ((2**31, 5), 1024),
        ((2**41 - 1024, 1), 1024),
        ((2**41, 1), 1024**2),
        ((None, 2**50), 1024**2),
        ((None, None), 1),
    ],
)
def test_size_unit_is_the_smallest_power_of_1024_that_fits_integer32(sizes, unit):
    assert size_unit(*sizes) == unit


# --- network --------------------------------------------------------------------------------------

NICS = """
<interface type='bridge'><mac address='52:54:00:AB:CD:EF'/><source bridge='br-public'/>
  <target dev='vnet3'/><model type='virtio'/></interface>
<interface type='network'><mac address='52:54:00:00:00:02'/><source network='default'/>
  <target dev='vnet4'/><model type='e1000'/></interface>
<interface type='network'><mac address='52:54:00:00:00:03'/><source network='default' bridge='virbr9'/>
  <target dev='vnet5'/><model type='virtio'/></interface>
<interface type='direct'><mac address='52:54:00:00:00:04'/><source dev='eth1' mode='bridge'/>
  <target dev='macvtap0'/><model type='virtio'/></interface>
<interface type='user'><mac address='52:54:00:00:00:05'/><model type='rtl8139'/></interface>
"""


def test_interfaces():
    facts = HostFacts(
        driver="QEMU", hv_version=0, lib_version=0,
        if_indexes={"vnet3": 31, "br-public": 5, "vnet4": 32, "virbr0": 4, "eth1": 2, "macvtap0": 40},
        bridges={"default": "virbr0"},
    )  # fmt: skip
    stats = {
        "net.count": 1,
        "net.0.name": "vnet4",
        "net.0.rx.bytes": 1000, "net.0.rx.pkts": 10, "net.0.rx.errs": 1, "net.0.rx.drop": 2,
        "net.0.tx.bytes": 2000, "net.0.tx.pkts": 20, "net.0.tx.errs": 3, "net.0.tx.drop": 4,
    }  # fmt: skip
    nics = map_domain(reading(domain(NICS), stats=stats), facts).networks
    rows = [(n.key, n.model, n.device, n.parent_device, n.if_index, n.parent, n.network) for n in nics]
    assert rows == [
        ("52:54:00:ab:cd:ef", "virtio", "vnet3", "br-public", 31, 5, ""),
        ("52:54:00:00:00:02", "e1000", "vnet4", "virbr0", 32, 4, "default"),  # bridge of the network
        ("52:54:00:00:00:03", "virtio", "vnet5", "virbr9", 0, 0, "default"),  # live XML names it; not on host
        ("52:54:00:00:00:04", "virtio", "macvtap0", "eth1", 40, 2, ""),  # macvtap: parent is the NIC
        ("52:54:00:00:00:05", "rtl8139", "", "", 0, 0, ""),
    ]
    assert nics[0].phys_address == b"\x52\x54\x00\xab\xcd\xef"
    traffic = nics[1].traffic
    assert (traffic.rx_bytes, traffic.rx_packets, traffic.rx_errors, traffic.rx_drops) == (1000, 10, 1, 2)
    assert (traffic.tx_bytes, traffic.tx_packets, traffic.tx_errors, traffic.tx_drops) == (2000, 20, 3, 4)
    assert nics[0].traffic is None  # no stats for it: unknown, not zero


@pytest.mark.parametrize(
    ("text", "raw"),
    [
        ("52:54:00:ab:cd:ef", bytes([0x52, 0x54, 0, 0xAB, 0xCD, 0xEF])),
        ("", b""),
        ("52:54:00", b""),
        ("zz:54:00:ab:cd:ef", b""),
    ],
)
def test_mac_is_six_raw_octets(text, raw):
    assert mac_bytes(text) == raw


# --- CPU affinity ---------------------------------------------------------------------------------


def enabled_cpus(cpu) -> list[int]:
    """Host CPU numbers a vCPU's affinity rows enable."""
    return [a.phys_index - HR_DEVICE_PROCESSOR_BASE for a in cpu.affinity if a.affinity == CpuAffinity.ENABLE]


def test_cpuset_syntax():
    assert parse_cpuset("0-3,^2,8", 10) == (True, True, False, True, False, False, False, False, True, False)
    assert parse_cpuset("6-40", 8) == (False,) * 6 + (True, True)  # CPUs past the host's are dropped
    with pytest.raises(MappingError):
        parse_cpuset("0-x", 8)


def test_pinning_becomes_affinity_rows_per_vcpu_and_host_cpu():
    xml = domain(
        vcpu="<vcpu placement='static' cpuset='4-7'>3</vcpu>",
        extra="<cputune><vcpupin vcpu='0' cpuset='1'/><vcpupin vcpu='2' cpuset='0,2'/></cputune>",
    )
    vm = map_domain(reading(xml), HostFacts(driver="QEMU", hv_version=0, lib_version=0, host_cpus=8))
    enabled = [enabled_cpus(c) for c in vm.cpus]
    assert enabled == [[1], [4, 5, 6, 7], [0, 2]]  # vcpu 1 has no <vcpupin>: the <vcpu cpuset>
    assert all(len(c.affinity) == 8 for c in vm.cpus)  # one row per host CPU, enable or disable
    assert vm.cpus[0].affinity[0].phys_index == 196608  # net-snmp's hrDeviceIndex of CPU 0
    assert {a.affinity for a in vm.cpus[0].affinity} == {CpuAffinity.ENABLE, CpuAffinity.DISABLE}


def test_pinning_defaults_and_unknowns():
    config = parse_domain_xml(domain())
    assert xml_pinning(config, 4) == ((True,) * 4,) * 2  # unpinned: every host CPU
    assert xml_pinning(config, 0) is None  # host CPUs unknown
    auto = parse_domain_xml(domain(vcpu="<vcpu placement='auto'>2</vcpu>"))
    assert xml_pinning(auto, 4) is None  # numad decides: only vcpuPinInfo knows
    api = ((False, True), (True, False))  # what vcpuPinInfo said wins over the XML
    vm = map_domain(
        reading(domain(), pinning=api), HostFacts(driver="QEMU", hv_version=0, lib_version=0, host_cpus=2)
    )
    assert [[a.affinity for a in c.affinity] for c in vm.cpus] == [
        [CpuAffinity.DISABLE, CpuAffinity.ENABLE],
        [CpuAffinity.ENABLE, CpuAffinity.DISABLE],
    ]


# --- through the real backend, on test-driver node files ------------------------------------------


def write_node(tmp_path: Path, body: str, name: str = "node.xml") -> str:
    path = tmp_path / name
    path.write_text(body)
    return f"test://{path}"


def read_host(uri: str, backend: LibvirtBackend | None = None):
    backend = backend or LibvirtBackend("t", uri)
    backend.connect()
    try:
        (host,) = backend.read()
    finally:
        backend.close()
    return host


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    uri = write_node(tmp_path_factory.mktemp("fleet"), demo.fleet_xml(48))
    return read_host(uri)


def test_fleet_has_every_domain_in_its_state(fleet):
    assert len(fleet.vms) == 48
    expected = {
        str(demo.vm_uuid(i)): (
            demo.vm_name(i),
            {1: OperState.RUNNING, 3: OperState.PAUSED, 5: OperState.SHUTDOWN}[demo.vm_state(i)]
            if i % 20 != demo.MANAGED_SAVE_SLOT
            else OperState.SUSPENDED,
        )
        for i in range(48)
    }
    assert {str(vm.uuid): (vm.name, vm.oper_state) for vm in fleet.vms} == expected
    states = Counter(vm.oper_state for vm in fleet.vms)
    assert states[OperState.RUNNING] > states[OperState.PAUSED] > 0 and states[OperState.SHUTDOWN] > 0
    assert Counter(vm.persistent for vm in fleet.vms)[Persistent.TRANSIENT] == 2
    assert {vm.admin_state for vm in fleet.vms if vm.oper_state == OperState.SUSPENDED} == {
        AdminState.SUSPENDED
    }


def test_fleet_hypervisor(fleet):
    assert fleet.hypervisor.software == "Test"
    assert fleet.hypervisor.version.endswith("(libvirt 9.0.0)")
    assert fleet.hypervisor.up_time > 0  # a local URI: this machine's uptime


def test_fleet_running_domains_have_stats_from_the_per_domain_path(fleet):
    running = [vm for vm in fleet.vms if vm.oper_state == OperState.RUNNING]
    for vm in running:
        assert vm.cpu_time is not None and vm.cpu_time > 0
        assert all(c.core_time is not None for c in vm.cpus)
        assert vm.memory is not None and vm.memory.balloon == vm.cur_mem * vm.mem_unit
        with_medium = [s for s in vm.storage if s.source_type != StorageSourceType.UNKNOWN]
        assert with_medium and all(s.read_ios is not None and s.defined_size > 0 for s in with_medium)
        assert all(n.traffic is not None and n.device.startswith("testnet") for n in vm.networks)


def test_fleet_shut_off_domains_are_present_without_stats(fleet):
    off = [vm for vm in fleet.vms if vm.oper_state in (OperState.SHUTDOWN, OperState.SUSPENDED)]
    assert len(off) == 7
    for vm in off:
        assert vm.cpu_time is None and vm.memory is None and vm.up_time == 0
        assert vm.cur_cpu_number > 0 and vm.max_mem > 0  # configuration is still known
        assert vm.storage and all(s.read_ios is None and s.defined_size == -1 for s in vm.storage)
        assert vm.networks and all(n.traffic is None for n in vm.networks)


def test_fleet_disks_and_nics(fleet):
    kinds = Counter(s.source_type for vm in fleet.vms for s in vm.storage)
    assert set(kinds) == {
        StorageSourceType.SPARSE, StorageSourceType.RAW, StorageSourceType.BLOCK,
        StorageSourceType.NETWORK, StorageSourceType.OTHER, StorageSourceType.UNKNOWN,
    }  # fmt: skip
    cdroms = [s for vm in fleet.vms for s in vm.storage if s.media_type == StorageMediaType.OPTICAL_DISK]
    assert cdroms and all(s.access == StorageAccess.READONLY for s in cdroms)
    assert all(1 <= len(vm.storage) <= 4 and 1 <= len(vm.networks) <= 3 for vm in fleet.vms)
    nics = [n for vm in fleet.vms for n in vm.networks]
    assert {n.model for n in nics} == {"virtio", "e1000"}
    assert {n.parent_device for n in nics} == {"virbr0", "br-public"}  # network → its bridge
    assert all(len(n.phys_address) == 6 and n.phys_address[:3] == b"\x52\x54\x00" for n in nics)
    assert len({n.key for n in nics}) == len(nics)


def test_fleet_pinning(fleet):
    by_name = {vm.name: vm for vm in fleet.vms}
    db = by_name["db-01"]  # i = 1, one host thread per vCPU: (1 + v) % 8
    enabled = [enabled_cpus(c) for c in db.cpus]
    assert enabled == [[(1 + v) % 8] for v in range(len(db.cpus))]
    web = by_name["web-01"]  # unpinned: every host CPU
    assert all(a.affinity == CpuAffinity.ENABLE for c in web.cpus for a in c.affinity)


def test_pinning_from_the_xml_matches_vcpupininfo(tmp_path):
    uri = write_node(tmp_path, demo.fleet_xml(24))
    host = read_host(uri)
    conn = libvirt.openReadOnly(uri)
    try:
        for vm in host.vms:
            api = conn.lookupByUUIDString(str(vm.uuid)).vcpuPinInfo(0)
            mine = [tuple(a.affinity == CpuAffinity.ENABLE for a in c.affinity) for c in vm.cpus]
            assert mine == [tuple(row) for row in api][: len(mine)], vm.name
    finally:
        conn.close()


SMALL_NODE = """<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
  <network><name>default</name><bridge name='virbr0'/><forward/>
    <ip address='192.168.122.1' netmask='255.255.255.0'/></network>
  <domain type='test'>
    <name>box</name><uuid>{uuid}</uuid><memory unit='KiB'>1048576</memory><vcpu>1</vcpu>
    <os><type arch='x86_64'>hvm</type></os>
    <devices>{devices}</devices>
    <test:runstate>{state}</test:runstate>
  </domain>
</node>"""


def test_backend_reads_every_disk_kind_on_the_test_driver(tmp_path):
    uri = write_node(
        tmp_path,
        SMALL_NODE.format(uuid=UUID, devices=DISKS.replace("device='lun'", "device='disk'"), state=1),
    )
    (vm,) = read_host(uri).vms
    rows = {s.device: s for s in vm.storage}
    assert rows["vda"].source_type == StorageSourceType.SPARSE and rows["vda"].read_ios is not None
    assert rows["vdd"].resource_id == "rbd://ceph-mon-1:6789/volumes/web-01"
    assert rows["sdb"].source_type == StorageSourceType.UNKNOWN and rows["sdb"].read_ios is None  # no medium
    assert rows["sda"].allocated_size == rows["sda"].defined_size > 0  # block device


def test_vanished_domain_mid_refresh_is_skipped(monkeypatch):
    # test:///default is shared by every connection of this process: a transient domain created
    # on one connection and destroyed between listing and per-domain calls vanishes for the backend
    rw = libvirt.open("test:///default")
    try:
        xml = "<domain type='test'><name>ephemeral</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>"
        rw.createXML(xml, 0)
        backend = LibvirtBackend("t", "test:///default")
        original = backend._read_domain

        def destroy_first(conn, dom, *args):
            if dom.name() == "ephemeral":
                rw.lookupByName("ephemeral").destroy()
            return original(conn, dom, *args)

        monkeypatch.setattr(backend, "_read_domain", destroy_first)
        host = read_host("test:///default", backend)
        assert [vm.name for vm in host.vms] == ["test"]
    finally:
        rw.close()


def test_domain_vanishing_before_the_bulk_call_is_skipped(monkeypatch):
    rw = libvirt.open("test:///default")
    try:
        xml = "<domain type='test'><name>ephemeral</name><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>"
        rw.createXML(xml, 0)
        backend = LibvirtBackend("t", "test:///default")
        original = backend._bulk_stats

        def destroy_first(conn, domains):
            rw.lookupByName("ephemeral").destroy()
            return original(conn, domains)

        monkeypatch.setattr(backend, "_bulk_stats", destroy_first)
        host = read_host("test:///default", backend)
        assert [vm.name for vm in host.vms] == ["test"]
    finally:
        rw.close()


STATS_CALLS = ("info", "vcpus", "blockStats", "blockStatsFlags", "blockInfo", "interfaceStats", "memoryStats")


@pytest.fixture
def stats_calls(monkeypatch):
    """Records (domain name, call) of every stats call any virDomain makes."""
    calls: list[tuple[str, str]] = []
    for name in STATS_CALLS:
        original = getattr(libvirt.virDomain, name)

        def spy(self, *args, _name=name, _original=original, **kwargs):
            calls.append((self.name(), _name))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(libvirt.virDomain, name, spy)
    return calls


def test_no_stats_calls_on_shut_off_domains(tmp_path, stats_calls):
    host = read_host(write_node(tmp_path, demo.fleet_xml(20)))
    off = {vm.name for vm in host.vms if vm.cpu_time is None}
    assert off and stats_calls
    assert not [call for call in stats_calls if call[0] in off]
    # blockStatsFlags is tried once, and dropped when the driver does not have it
    assert sum(1 for _, call in stats_calls if call == "blockStatsFlags") == 1


def test_bulk_stats_are_used_when_the_driver_gives_more_than_state(tmp_path, monkeypatch, stats_calls):
    # QEMU answers every group in bulk; the test driver only state.*: add what QEMU would
    uri = write_node(tmp_path, demo.fleet_xml(4))
    original = libvirt.virConnect.domainListGetStats

    def qemu_like(self, domains, stats=0, flags=0):
        records = original(self, domains, stats, flags)
        for _dom, record in records:
            if record["state.state"] == 1:
                record.update({"cpu.time": 42_000, "vcpu.current": 1, "vcpu.0.time": 7_000, "block.count": 1,
                               "block.0.name": "vda", "block.0.rd.reqs": 5, "block.0.rd.times": 3_000})  # fmt: skip
        return records

    monkeypatch.setattr(libvirt.virConnect, "domainListGetStats", qemu_like)
    host = read_host(uri)
    assert stats_calls == []  # no per-domain stats calls at all
    running = [vm for vm in host.vms if vm.oper_state == OperState.RUNNING]
    assert running
    for vm in running:
        assert vm.cpu_time == 42 and [c.core_time for c in vm.cpus] == [7]
        vda = next(s for s in vm.storage if s.device == "vda")
        assert (vda.read_ios, vda.read_latency) == (5, 3)


def test_an_unexpected_error_on_a_live_connection_is_a_backend_error(tmp_path, monkeypatch):
    uri = write_node(tmp_path, demo.fleet_xml(2))

    def XMLDesc(self, flags=0):  # libvirt's name: the error message names the call
        exc = libvirt.libvirtError("boom")
        code, source, level = libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_FROM_TEST, libvirt.VIR_ERR_ERROR
        exc.err = (code, source, "internal error: boom", level, None, None, None, 0, 0)
        raise exc

    monkeypatch.setattr(libvirt.virDomain, "XMLDesc", XMLDesc)
    backend = LibvirtBackend("t", uri)
    backend.connect()
    try:
        with pytest.raises(
            BackendError, match=r"XMLDesc of domain (web|db)-01 failed: internal error: boom"
        ) as caught:
            backend.read()
        assert not isinstance(caught.value, BackendUnavailable)  # the connection is fine: no reconnect
    finally:
        backend.close()


def test_demo_domain_xml_defines_on_the_test_driver():
    conn = libvirt.open("test:///default")
    try:
        for i in range(12):  # one of every role
            dom = conn.defineXML(demo.domain_xml(i))
            dom.create()
            assert dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING
            assert parse_domain_xml(dom.XMLDesc(0)).name == demo.vm_name(i)
            dom.destroy()
            dom.undefine()
    finally:
        conn.close()


def test_demo_is_deterministic():
    assert demo.fleet_xml(10, seed=3) == demo.fleet_xml(10, seed=3)
    assert demo.fleet_xml(10, seed=3) != demo.fleet_xml(10, seed=4)
    assert demo.domain_xml(5, test_state=True) in demo.fleet_xml(6)  # the same VM in both forms
    assert parse_domain_xml(demo.domain_xml(5)) == parse_domain_xml(demo.domain_xml(5, test_state=True))
    assert [demo.vm_name(i) for i in (0, 1, 12, 13)] == ["web-01", "db-01", "web-02", "db-02"]


# --- properties -----------------------------------------------------------------------------------


def cpuset_text(cpus: set[int]) -> str:
    """Write a CPU set the way libvirt does: sorted runs as ranges ("0-3,7")."""
    runs: list[list[int]] = []
    for cpu in sorted(cpus):
        if runs and cpu == runs[-1][1] + 1:
            runs[-1][1] = cpu
        else:
            runs.append([cpu, cpu])
    return ",".join(f"{a}-{b}" if a != b else str(a) for a, b in runs)


@given(st.sets(st.integers(0, 300), max_size=40), st.integers(1, 256))
def test_cpuset_round_trip(cpus, host_cpus):
    assert parse_cpuset(cpuset_text(cpus), host_cpus) == tuple(c in cpus for c in range(host_cpus))


@given(st.one_of(st.none(), st.integers(0, 2**63)), st.one_of(st.none(), st.integers(0, 2**63)))
def test_sizes_always_fit_integer32_in_the_smallest_unit(capacity, allocation):
    unit = size_unit(capacity, allocation)
    for value in (capacity, allocation):
        converted = in_unit(value, unit)
        assert converted == -1 if value is None else 0 <= converted <= 2**31 - 1
        if value is not None:
            assert converted * unit >= value  # rounded up, never down
    if unit > 1:  # a smaller unit would not have done
        assert max(v for v in (capacity, allocation) if v is not None) > (2**31 - 1) * (unit // 1024)


@given(st.binary(min_size=6, max_size=6))
def test_mac_text_round_trip(raw):
    assert mac_bytes(":".join(f"{b:02x}" for b in raw)) == raw
    assert mac_bytes(":".join(f"{b:02X}" for b in raw)) == raw


field_text = st.text(alphabet="0123456789-^, x", max_size=10)


@given(
    st.text(max_size=200),
    field_text,
    field_text,
    field_text,
    field_text,
    st.integers(-1, 9),
    st.integers(0, 9),
)
def test_odd_xml_parses_and_maps_or_raises_mapping_error(
    noise, vcpus, current, pin_vcpu, cpuset, state, reason
):
    """Whatever the XML holds, the mapping either works or raises its own error: nothing else."""
    texts = [
        noise,
        domain(
            vcpu=f"<vcpu current='{current}' cpuset='{cpuset}'>{vcpus}</vcpu>",
            extra=f"<cputune><vcpupin vcpu='{pin_vcpu}' cpuset='{cpuset}'/></cputune>",
        ),
    ]
    for text in texts:
        try:
            config = parse_domain_xml(text)
        except MappingError:
            continue
        vm = map_domain(
            DomainReading(config=config, state=state, reason=reason), HostFacts("QEMU", 0, 0, host_cpus=4)
        )
        assert vm.name == "web-01" and 0 <= vm.cur_cpu_number == len(vm.cpus)
        assert vm.max_cpu_number == -1 or vm.cur_cpu_number <= vm.max_cpu_number  # -1: no <vcpu>


def test_latencies_where_the_driver_has_block_stats_flags(tmp_path, monkeypatch):
    # QEMU's answer shape; the test driver itself raises "not supported" for this call
    def block_stats_flags(self, device, flags=0):
        return {"rd_operations": 3, "rd_bytes": 4096, "rd_total_times": 9_000_000, "wr_operations": 1,
                "wr_bytes": 512, "wr_total_times": 2_000, "flush_operations": 1, "flush_total_times": 5}  # fmt: skip

    monkeypatch.setattr(libvirt.virDomain, "blockStatsFlags", block_stats_flags)
    host = read_host(write_node(tmp_path, demo.fleet_xml(1)))  # web-01, running
    (vda,) = [s for s in host.vms[0].storage if s.device == "vda"]
    assert (vda.read_ios, vda.read_octets, vda.read_latency) == (3, 4096, 9000)
    assert (vda.write_ios, vda.write_octets, vda.write_latency) == (1, 512, 2)


def test_domain_stopped_mid_refresh_loses_its_stats_not_the_refresh(monkeypatch):
    rw = libvirt.open("test:///default")
    try:
        dom = rw.defineXML(demo.domain_xml(2))  # app-01: persistent, stays listed when stopped
        dom.create()
        backend = LibvirtBackend("t", "test:///default")
        original = backend._domain_stats

        def stop_first(conn, d, config):
            if d.name() == "app-01":
                dom.destroy()  # every stats call now fails with "domain is not running"
            return original(conn, d, config)

        monkeypatch.setattr(backend, "_domain_stats", stop_first)
        host = read_host("test:///default", backend)
        app = next(vm for vm in host.vms if vm.name == "app-01")
        assert all(s.read_ios is None for s in app.storage) and all(c.core_time is None for c in app.cpus)
        assert app.memory.rss is None and all(n.traffic is None for n in app.networks)
        assert next(vm for vm in host.vms if vm.name == "test").cpu_time is not None
    finally:
        dom.undefine()
        rw.close()
