"""A realistic demo fleet for libvirt's test driver: no hypervisor needed.

`fleet_xml()` writes a whole test-driver host (`test:///PATH` loads it): a 2-socket, 32-thread
machine with a `default` NAT network and a mixed fleet of web, database, cache ... VMs in running,
paused and shut-off states, with qcow2/raw/block/network disks, CD-ROMs, bridged and NAT NICs,
vCPU pinning and libosinfo metadata. `domain_xml(i)` gives the same VM as a standalone domain for
`defineXML` on a libvirtd test host (the benchmark defines 10/100/1000 of them that way).
Everything is deterministic: the same (i, seed) gives the same VM.
"""

from __future__ import annotations

import random
import uuid as uuidlib
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

TEST_NS = "http://libvirt.org/schemas/domain/test/1.0"
LIBOSINFO_NS = "http://libosinfo.org/xmlns/libvirt/domain/1.0"
DEFAULT_SEED = 7666  # the RFC's number
HOST_CPUS = 32  # 2 sockets × 8 cores × 2 threads
# The test driver's vcpuPinInfo/getCPUMap cover 8 host CPUs whatever the node says, so the demo
# pins within those to keep every pin visible.
PIN_CPUS = 8
GIB = 1024 * 1024  # in KiB

RUNNING, PAUSED, SHUTOFF = 1, 3, 5
# One cycle of 20 VMs: 15 running, 2 paused, 3 shut off (one of them with a managed save image).
STATE_CYCLE = {4: PAUSED, 13: PAUSED, 7: SHUTOFF, 16: SHUTOFF, 19: SHUTOFF}
MANAGED_SAVE_SLOT = 19
TRANSIENT_SLOT = 10  # one running VM in 20 exists only while it runs (virsh create)


@dataclass(frozen=True)
class Role:
    """A kind of VM in the fleet and its typical size and devices."""

    name: str
    vcpus: tuple[int, ...]
    memory_gib: tuple[int, ...]
    data_disk: str = ""  # "", "raw", "block", "network" or "volume"
    cdrom: bool = False
    public_nic: bool = False  # a second NIC on the host bridge br-public
    legacy_nic: bool = False  # a third, e1000 NIC (old appliances, PXE)
    pinned: bool = False


ROLES = (
    Role("web", (2, 4), (2, 4), public_nic=True),
    Role("db", (8,), (16, 32), data_disk="block", pinned=True),
    Role("app", (4,), (4, 8), data_disk="raw"),
    Role("cache", (4,), (8, 16), pinned=True),
    Role("api", (2, 4), (4,), public_nic=True),
    Role("queue", (2,), (4,), data_disk="raw"),
    Role("search", (8,), (16,), data_disk="network"),
    Role("ci", (4, 8), (8,), cdrom=True, legacy_nic=True),
    Role("mon", (2,), (4,), data_disk="raw"),
    Role("backup", (2,), (2,), data_disk="volume", cdrom=True),
    Role("lb", (2,), (1, 2), public_nic=True, legacy_nic=True),
    Role("dns", (1,), (1,)),
)

OS_IDS = (
    "http://ubuntu.com/ubuntu/22.04",
    "http://ubuntu.com/ubuntu/20.04",
    "http://debian.org/debian/12",
    "http://redhat.com/rhel/9.2",
    "http://centos.org/centos-stream/9",
    "http://fedoraproject.org/fedora/39",
    "http://microsoft.com/win/2k22",
    "http://alpinelinux.org/alpinelinux/3.18",
)


def vm_name(i: int) -> str:
    """The name of VM number i (0-based): web-01, db-01, app-01 ..., web-02 ..."""
    return f"{ROLES[i % len(ROLES)].name}-{i // len(ROLES) + 1:02d}"


def vm_uuid(i: int, seed: int = DEFAULT_SEED) -> uuidlib.UUID:
    """A stable UUID for VM number i."""
    return uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"vmwatch-demo:{seed}:{i}")


def vm_state(i: int) -> int:
    """virDomainState the demo host starts VM number i in: 1 running, 3 paused, 5 shut off."""
    return STATE_CYCLE.get(i % 20, RUNNING)


def mac_address(i: int, nic: int) -> str:
    """QEMU-style MAC (52:54:00 prefix) unique per VM (i < 65536) and NIC."""
    return f"52:54:00:{(i >> 8) & 0xFF:02x}:{i & 0xFF:02x}:{nic:02x}"


def _disks(i: int, name: str, role: Role, rng: random.Random) -> list[str]:
    images = "/var/lib/libvirt/images"
    disks = [
        (
            "<disk type='file' device='disk'>"
            "<driver name='qemu' type='qcow2' cache='none' discard='unmap'/>"
            f"<source file={quoteattr(f'{images}/{name}.qcow2')}/>"
            "<target dev='vda' bus='virtio'/></disk>"
        )
    ]
    if role.data_disk == "raw":
        disks.append(
            "<disk type='file' device='disk'><driver name='qemu' type='raw' cache='none' io='native'/>"
            f"<source file={quoteattr(f'{images}/{name}-data.raw')}/><target dev='vdb' bus='virtio'/></disk>"
        )
    elif role.data_disk == "block":
        disks.append(
            "<disk type='block' device='disk'><driver name='qemu' type='raw' cache='none' io='native'/>"
            f"<source dev={quoteattr(f'/dev/vg_data/{name}')}/><target dev='sdb' bus='scsi'/></disk>"
        )
        # databases also keep their WAL on Ceph
        disks.append(_rbd_disk(name + "-wal", "vdb", rng))
    elif role.data_disk == "network":
        disks.append(_rbd_disk(name + "-vol", "vdb", rng))
    elif role.data_disk == "volume":  # a volume of a libvirt storage pool
        disks.append(
            "<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/>"
            f"<source pool='backups' volume={quoteattr(f'{name}.qcow2')}/><target dev='vdb' bus='virtio'/></disk>"
        )
    if role.cdrom:
        # every other one has its installer ISO still inserted; the rest have an empty drive
        iso = (
            "<source file='/var/lib/libvirt/iso/ubuntu-22.04.4-live-server-amd64.iso'/>"
            if i // len(ROLES) % 2 == 0
            else ""
        )
        disks.append(
            f"<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>{iso}"
            "<target dev='sda' bus='sata'/><readonly/></disk>"
        )
    return disks


def _rbd_disk(image: str, dev: str, rng: random.Random) -> str:
    mon = f"ceph-mon-{rng.randint(1, 3)}"
    return (
        "<disk type='network' device='disk'><driver name='qemu' type='raw' cache='writeback'/>"
        f"<source protocol='rbd' name={quoteattr(f'volumes/{image}')}>"
        f"<host name='{mon}' port='6789'/></source>"
        f"<target dev='{dev}' bus='virtio'/></disk>"
    )


def _interfaces(i: int, role: Role) -> list[str]:
    nics = [
        (
            f"<interface type='network'><mac address='{mac_address(i, 1)}'/><source network='default'/>"
            "<model type='virtio'/></interface>"
        )
    ]
    if role.public_nic:
        nics.append(
            f"<interface type='bridge'><mac address='{mac_address(i, 2)}'/><source bridge='br-public'/>"
            "<model type='virtio'/></interface>"
        )
    if role.legacy_nic:
        nics.append(
            f"<interface type='network'><mac address='{mac_address(i, 3)}'/><source network='default'/>"
            "<model type='e1000'/></interface>"
        )
    return nics


def _cputune(i: int, vcpus: int, one_to_one: bool) -> str:
    if one_to_one:  # databases: each vCPU on its own host thread
        pins = [str((i + v) % PIN_CPUS) for v in range(vcpus)]
    else:  # caches: all vCPUs on one half of the host threads (NUMA locality)
        half = PIN_CPUS // 2
        pins = [f"{half}-{PIN_CPUS - 1}" if i % 2 else f"0-{half - 1}"] * vcpus
    return (
        "<cputune>"
        + "".join(f"<vcpupin vcpu='{v}' cpuset='{c}'/>" for v, c in enumerate(pins))
        + "</cputune>"
    )


def domain_xml(i: int, seed: int = DEFAULT_SEED, test_state: bool = False) -> str:
    """The domain XML of VM number i (0-based).

    Without `test_state` it is a plain domain for `defineXML` (defined shut off; start it with
    `create()`); with it, it carries the test driver's <test:runstate> (and managed-save or
    transient markers) for use inside `fleet_xml`.
    """
    rng = random.Random(f"{seed}:{i}")
    role = ROLES[i % len(ROLES)]
    name = vm_name(i)
    vcpus = rng.choice(role.vcpus)
    memory = rng.choice(role.memory_gib) * GIB
    # a guest balloon that gave some memory back now and then
    current = memory if rng.random() < 0.7 else memory * 3 // 4
    os_id = OS_IDS[rng.randrange(len(OS_IDS))]
    parts = [
        f"<domain type='test'{' xmlns:test=' + quoteattr(TEST_NS) if test_state else ''}>",
        f"<name>{name}</name>",
        f"<uuid>{vm_uuid(i, seed)}</uuid>",
        f"<title>{role.name} server {name}</title>",
        (
            "<metadata>"
            f"<libosinfo:libosinfo xmlns:libosinfo={quoteattr(LIBOSINFO_NS)}><libosinfo:os id={quoteattr(os_id)}/>"
            "</libosinfo:libosinfo></metadata>"
        ),
        f"<memory unit='KiB'>{memory}</memory>",
        f"<currentMemory unit='KiB'>{current}</currentMemory>",
        f"<vcpu placement='static'>{vcpus}</vcpu>",
        _cputune(i, vcpus, one_to_one=role.data_disk == "block") if role.pinned else "",
        "<os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>",
        "<devices>",
        *_disks(i, name, role, rng),
        *_interfaces(i, role),
        "<memballoon model='virtio'><stats period='10'/></memballoon>",
        "</devices>",
    ]
    if test_state:
        state = vm_state(i)
        parts.append(f"<test:runstate>{state}</test:runstate>")
        if i % 20 == MANAGED_SAVE_SLOT:
            parts.append("<test:hasmanagedsave/>")
        if i % 20 == TRANSIENT_SLOT and state == RUNNING:
            parts.append("<test:transient/>")
    parts.append("</domain>")
    return "\n".join(p for p in parts if p)


def fleet_xml(count: int = 48, seed: int = DEFAULT_SEED) -> str:
    """A test-driver node file (load it with `test:///PATH`) holding `count` demo VMs."""
    domains = "\n".join(domain_xml(i, seed, test_state=True) for i in range(count))
    return f"""<node xmlns:test={quoteattr(TEST_NS)}>
<cpu><mhz>2400</mhz><model>x86_64</model><nodes>1</nodes><sockets>2</sockets><cores>8</cores><threads>2</threads><active>{HOST_CPUS}</active></cpu>
<memory>{256 * GIB}</memory>
<network>
  <name>default</name>
  <uuid>{uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"vmwatch-demo:{seed}:network")}</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp>
  </ip>
</network>
{domains}
</node>
"""
