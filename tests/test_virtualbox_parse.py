"""VirtualBox: the pure parsers and the mapping, on literal strings and the fake VBoxManage's
fixture files (no process is run here). Property tests: arbitrary text parses or raises the
parser's own error, never another exception; what VBoxManage writes reads back unchanged."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

import pytest
from backend_contract import check_host
from hypothesis import given, settings
from hypothesis import strategies as st
from vmwatch_virtualbox import listing, mapping, metrics
from vmwatch_virtualbox.listing import ListingError, Medium
from vmwatch_virtualbox.machinereadable import MachineReadableError, parse, parse_entries, quote
from vmwatch_virtualbox.mapping import Attachment, MachineFacts, MappingError, Nic
from vmwatch_virtualbox.metrics import MetricsError, Sample
from vmwatch_virtualbox.tracking import CpuTimeTracker, UpTimeTracker

from vmwatch.model import (
    AdminState,
    AutoStart,
    Host,
    Hypervisor,
    OperState,
    Persistent,
    StorageAccess,
    StorageMediaType,
    StorageSourceType,
    ticks,
)

FIXTURES = Path(__file__).parent / "fake_vboxmanage" / "fixtures"
WEB = "4b6a1f2e-8c3d-4e5f-9a0b-1c2d3e4f5a61"
BUILD = "2f1e0d9c-8b7a-4695-a4b3-c2d1e0f9a877"
DB = "9d8c7b6a-5f4e-4d3c-8b2a-190817263544"
WIN = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def showvminfo(vm: str) -> dict[str, str]:
    return parse(fixture(f"showvminfo/{vm}.txt"))


# --- machinereadable: every awkward form ------------------------------------------------------


def test_bare_and_quoted_keys_numbers_and_strings():
    values = parse(
        'name="web-01"\nmemory=4096\n"SATA-0-0"="/vms/a b/web.vdi"\n"SATA Controller-ImageUUID-0-0"="x"\n'
    )
    assert values == {
        "name": "web-01",
        "memory": "4096",
        "SATA-0-0": "/vms/a b/web.vdi",
        "SATA Controller-ImageUUID-0-0": "x",
    }


def test_escaped_quotes_and_backslashes():
    assert parse(r'description="say \"hi\" to C:\\VMs\\web"') == {"description": 'say "hi" to C:\\VMs\\web'}


def test_raw_backslashes_of_older_releases_are_kept():
    # before the escaping, paths were printed raw: a backslash before anything else stays
    assert parse(r'"IDE-0-0"="C:\VMs\web\web.vdi"') == {"IDE-0-0": "C:\\VMs\\web\\web.vdi"}


def test_multi_line_value_hides_key_lookalikes():
    text = 'description="line one\nmemory=1\nVMState=\\"poweroff\\"\nlast"\nmemory=2048\n'
    entries = parse_entries(text)
    assert [(e.key, e.line) for e in entries] == [("description", 1), ("memory", 5)]
    assert entries[0].value == 'line one\nmemory=1\nVMState="poweroff"\nlast'
    assert parse(text)["memory"] == "2048"


def test_unquoted_tails_are_kept_apart():
    video, bandwidth = parse_entries('VideoMode="720,400,0"@0,0 1\nBandwidthGroup0="limit",Disk,1000\n')
    assert (video.value, video.tail, video.quoted) == ("720,400,0", "@0,0 1", True)
    assert (bandwidth.value, bandwidth.tail) == ("limit", ",Disk,1000")


def test_unquoted_values_and_odd_keys():
    text = (
        "vrdeproperty[Security/Method]=<not set>\n"
        "VRDEClients==0\n"
        "GuestAdditionsFacility_VirtualBox Base Driver=50,1795594450123\n"
        'Forwarding(0)="ssh,tcp,,2222,,22"\n'
        "videocapres=1024x768\n"
        'cpuid=00000001,00000000,000306a9,00100800,1f9ae3bf,bfebfbffbootmenu="messageandmenu"\n'
        'teleporteraddress=""\n'
    )
    assert parse(text) == {
        "vrdeproperty[Security/Method]": "<not set>",
        "VRDEClients": "=0",
        "GuestAdditionsFacility_VirtualBox Base Driver": "50,1795594450123",
        "Forwarding(0)": "ssh,tcp,,2222,,22",
        "videocapres": "1024x768",
        # 5.x forgot the newline after cpuid: the next key is swallowed, nothing breaks
        "cpuid": '00000001,00000000,000306a9,00100800,1f9ae3bf,bfebfbffbootmenu="messageandmenu"',
        "teleporteraddress": "",
    }


def test_crlf_blank_lines_indented_headings_and_duplicates():
    text = 'name="a"\r\n\r\n   \nrecording_screens=1\r\n rec_screen0\r\nrec_screen_id=0\r\nname="b"\r\n'
    assert parse(text) == {"name": "b", "recording_screens": "1", "rec_screen_id": "0"}
    assert parse("") == {} and parse("\n\n") == {}


@pytest.mark.parametrize(
    "text, line, reason",
    [
        ('name="web-01"\ndescription="cut sh', 2, "not closed before the end"),
        ('name="x"\nVMSta', 2, "no '='"),
        ("VBoxManage: error: Could not find a registered machine", 1, "no '='"),
        ('"SATA-0-0\n="x"', 1, "quoted key is not closed"),
        ('"SATA-0-0" = "x"', 1, "not followed by '='"),
        ('"SATA-0-0"', 1, "not followed by '='"),
        ("=value", 1, "empty key"),
    ],
)
def test_malformed_and_truncated_output_raise_the_typed_error(text, line, reason):
    with pytest.raises(MachineReadableError) as caught:
        parse(text)
    assert caught.value.line == line and reason in caught.value.reason
    assert isinstance(caught.value, ValueError)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab= "\\\n\r\t<>@,[]') | st.characters(), max_size=200))
def test_any_text_parses_or_raises_the_typed_error(text):
    try:
        entries = parse_entries(text)
    except MachineReadableError:
        return
    assert all(entry.key for entry in entries)


_keys = st.text(
    st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), min_size=1, max_size=20
)
_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=8))
def test_what_vboxmanage_writes_reads_back(values):
    # VirtualBox 7 quotes and escapes every name that is not a plain word, and every string
    lines = []
    for key, value in values.items():
        name = key if key.replace("_", "").isalnum() and key.isascii() else quote(key)
        lines.append(f"{name}={quote(value)}")
    assert parse("\n".join(lines) + "\n") == values


def test_every_fixture_parses_and_the_awkward_lines_come_out_right():
    for path in sorted((FIXTURES / "showvminfo").glob("*.txt")):
        assert parse(path.read_text())["UUID"] == path.stem
    web = showvminfo(WEB)
    assert web["memory"] == "4096" and web["VMState"] == "running"  # not the description's lines
    assert web["description"].splitlines()[0] == 'Front-end web server for "shop".'
    assert "C:\\Backups\\web-01" in web["description"]
    assert web["VideoMode"] == "720,400,0" and web["vrdeproperty[Client/DisableUSB]"] == "<not set>"
    assert web["SnapshotDescription"].endswith("Second line of the snapshot description.")
    assert showvminfo(WIN)["description"] == "Desk VM. Map \\\\fileserver\\share to Z:\\ at logon.\\"
    assert showvminfo(WIN)["USBFilterName1"] == 'YubiKey "5 NFC"'
    assert showvminfo(BUILD)["uartmode1"] == "server,/tmp/build agent (old).sock"


def test_truncated_fixtures_raise():
    with pytest.raises(MachineReadableError, match="not closed before the end"):
        parse(fixture("variants/web-01-truncated.txt"))
    with pytest.raises(MappingError, match="no VMState"):
        mapping.facts_from_machinereadable(parse(fixture("variants/web-01-no-state.txt")))


# --- listing ------------------------------------------------------------------------------------


def test_vm_list_with_awkward_names():
    text = '"web-01" {4b6a1f2e-8c3d-4e5f-9a0b-1c2d3e4f5a61}\n\n"my "lab" vm" {9D8C7B6A-5F4E-4D3C-8B2A-190817263544}\r\n'
    text += '"<inaccessible>" {e3b0c442-98fc-4c14-9afb-f4c8996fb924}\n'
    vms = listing.parse_vm_list(text)
    assert [vm.name for vm in vms] == ["web-01", 'my "lab" vm', "<inaccessible>"]
    assert vms[1].uuid == uuid.UUID(DB)
    assert len(listing.parse_vm_list(fixture("list-vms.txt"))) == 7
    assert len(listing.parse_vm_list(fixture("list-runningvms.txt"))) == 3
    assert listing.parse_vm_list("") == []


@pytest.mark.parametrize(
    "text",
    [
        '"web-01" 4b6a1f2e',
        "web-01 {4b6a1f2e-8c3d-4e5f-9a0b-1c2d3e4f5a61}",
        '"x" {zzzzzzzz-8c3d-4e5f-9a0b-1c2d3e4f5a61}',
    ],
)
def test_vm_list_rejects_other_lines(text):
    with pytest.raises(ListingError):
        listing.parse_vm_list(text)


def test_media_list():
    media = listing.parse_media(fixture("list-hdds.txt"))
    assert len(media) == 8
    web = media["8f0e5a4c-1b2d-4c3e-9f8a-7b6c5d4e3f21"]
    assert (web.format, web.variant, web.capacity, web.size_on_disk) == (
        "VDI", "dynamic default", 20480 << 20, 6178 << 20,
    )  # fmt: skip
    diff = media["b1a2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"]
    assert diff.parent_uuid == "2d3e4f5a-6b7c-4d8e-9fa0-b1c2d3e4f5a6" and diff.variant.startswith(
        "differencing"
    )
    iscsi = media["0f1e2d3c-4b5a-4697-8877-665544332211"]
    assert iscsi.format == "iSCSI" and iscsi.type == "readonly"  # continuation lines skipped
    guru = media["9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"]
    assert guru.state == "inaccessible" and guru.capacity is None  # its "0 MBytes" means unknown
    assert listing.parse_media("") == {}
    with pytest.raises(ListingError, match="no UUID"):
        listing.parse_media("Location: /x.vdi\n\n")
    with pytest.raises(ListingError, match="Key: value"):
        listing.parse_media("UUID: x\nthis is not a field\n")


def test_sizes_and_versions():
    assert listing.parse_size("20480 MBytes") == 20480 << 20
    assert listing.parse_size("12 kB") == 12 << 10 and listing.parse_size("7 Bytes") == 7
    assert listing.parse_size("lots") is None
    assert listing.parse_version("7.0.14r161095\n") == "7.0.14r161095"
    warned = "WARNING: The vboxdrv kernel module is not loaded.\n         Please run /sbin/vboxconfig\n6.1.50_Debianr161033\n"
    assert listing.parse_version(warned) == "6.1.50_Debianr161033"
    with pytest.raises(ListingError):
        listing.parse_version("VBoxManage: error: Failed to create the VirtualBox object!")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_listing_parsers_take_any_text(text):
    for parser in (listing.parse_vm_list, listing.parse_media, listing.parse_version):
        try:
            parser(text)
        except ListingError:
            pass


# --- metrics ------------------------------------------------------------------------------------


def test_metrics_fixture_with_spaces_in_names_and_empty_values():
    rows = metrics.parse(
        fixture("metrics-query.txt"), objects=["web-01", "build agent (old)", "guru", "host"]
    )
    assert rows[("web-01", "CPU/Load/User")] == [Sample(10.0, "%"), Sample(12.0, "%"), Sample(14.0, "%")]
    assert rows[("build agent (old)", "RAM/Usage/Used")][-1] == Sample(2113536.0, "kB")
    assert rows[("guru", "Guest/RAM/Usage/Total")] == []
    assert metrics.latest(rows, "guru", "Guest/RAM/Usage/Total") is None
    assert metrics.latest(rows, "host", "CPU/Load/User") == Sample(3.14, "%")
    # without the names, the first word is taken for the object, and "agent" is no metric name
    with pytest.raises(MetricsError, match="no metric name"):
        metrics.parse(fixture("metrics-query.txt"))


def test_metrics_old_narrow_and_new_wide_columns():
    old = (
        "Object     Metric               Values\n"
        "---------- -------------------- --------------------------------------------\n"
        "web-01     CPU/Load/User        4.00%\n"
        "web-01     RAM/Usage/Used:avg   2048 kB\n"
    )
    wide = (
        "Objekt                    Metrik                                             Werte\n"
        "------------------------- -------------------------------------------------- -----\n"
        "web-01                    CPU/Load/User                                      4.00%\n"
        "web-01                    Net/Rate/Rx                                        1536 B/s, 0 B/s\n"
    )
    assert metrics.parse(old) == {
        ("web-01", "CPU/Load/User"): [Sample(4.0, "%")],
        ("web-01", "RAM/Usage/Used:avg"): [Sample(2048.0, "kB")],
    }
    rows = metrics.parse(wide)  # a translated header is skipped up to its dashes
    assert rows[("web-01", "Net/Rate/Rx")] == [Sample(1536.0, "B/s"), Sample(0.0, "B/s")]


@pytest.mark.parametrize(
    "text",
    ["web-01     CPU/Load/User        lots\n", "web-01\n", "   CPU/Load/User 4.00%\n", "web-01 nometric 4\n"],
)
def test_metrics_bad_rows(text):
    with pytest.raises(MetricsError):
        metrics.parse(text, objects=["web-01"])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.lists(st.text(max_size=10), max_size=3))
def test_metrics_parser_takes_any_text(text, objects):
    try:
        metrics.parse(text, objects)
    except MetricsError:
        pass


def test_metric_units():
    assert metrics.to_bytes(Sample(2048, "kB")) == 2 << 20
    assert metrics.to_bytes(Sample(3, "mB")) == 3 << 20
    assert metrics.to_bytes(Sample(4.0, "%")) is None and metrics.to_bytes(None) is None
    assert metrics.cpu_us(12.5, 8, 10.0) == 10_000_000  # 1/8 of 8 CPUs for 10 s: 10 CPU-seconds
    assert metrics.cpu_us(0, 8, 10) == 0 and metrics.cpu_us(50, 8, -1) == 0


# --- mapping ------------------------------------------------------------------------------------

ALL_STATES = [
    ("poweroff", OperState.SHUTDOWN, AdminState.SHUTDOWN),
    ("running", OperState.RUNNING, AdminState.RUNNING),
    ("paused", OperState.PAUSED, AdminState.PAUSED),
    ("saved", OperState.SUSPENDED, AdminState.SUSPENDED),
    ("aborted", OperState.CRASHED, AdminState.SHUTDOWN),
    ("aborted-saved", OperState.CRASHED, AdminState.SUSPENDED),
    ("gurumeditation", OperState.CRASHED, AdminState.RUNNING),
    ("stuck", OperState.CRASHED, AdminState.RUNNING),
    ("teleporting", OperState.MIGRATING, AdminState.RUNNING),
    ("teleportingpausedvm", OperState.MIGRATING, AdminState.PAUSED),
    ("teleportingin", OperState.MIGRATING, AdminState.RUNNING),
    ("teleported", OperState.SHUTDOWN, AdminState.SHUTDOWN),
    ("starting", OperState.PREPARING, AdminState.RUNNING),
    ("restoring", OperState.RESUMING, AdminState.RUNNING),
    ("stopping", OperState.SHUTTINGDOWN, AdminState.SHUTDOWN),
    ("saving", OperState.SUSPENDING, AdminState.SUSPENDED),
    ("livesnapshotting", OperState.RUNNING, AdminState.RUNNING),
    ("onlinesnapshotting", OperState.RUNNING, AdminState.RUNNING),
    ("deletingsnapshotlive", OperState.RUNNING, AdminState.RUNNING),
    ("deletingsnapshotlivepaused", OperState.PAUSED, AdminState.PAUSED),
    ("faulttolerantsyncing", OperState.OTHER, AdminState.RUNNING),
    ("snapshotting", OperState.OTHER, AdminState.SHUTDOWN),
    ("restoringsnapshot", OperState.OTHER, AdminState.SHUTDOWN),
    ("deletingsnapshot", OperState.OTHER, AdminState.SHUTDOWN),
    ("settingup", OperState.OTHER, AdminState.SHUTDOWN),
    ("unknown", OperState.UNKNOWN, AdminState.SHUTDOWN),
    ("something-new", OperState.UNKNOWN, AdminState.SHUTDOWN),
]


@pytest.mark.parametrize("state, oper, admin", ALL_STATES)
def test_every_vmstate(state, oper, admin):
    assert mapping.oper_state(state) == oper and mapping.admin_state(state) == admin


def test_state_table_is_complete_and_active_states_are_known():
    assert set(mapping.STATES) == {s for s, _, _ in ALL_STATES} - {"unknown", "something-new"}
    assert mapping.ACTIVE_STATES <= set(mapping.STATES)
    assert not any(mapping.is_active(s) for s in ("poweroff", "saved", "aborted", "teleported", "settingup"))


def test_state_change_time():
    when = datetime.datetime(2026, 11, 26, 8, 14, 3, tzinfo=datetime.UTC).timestamp()
    assert mapping.parse_state_time("2026-11-26T08:14:03.512000000Z") == pytest.approx(when + 0.512)
    assert mapping.parse_state_time("2026-11-26T08:14:03Z") == when
    assert mapping.parse_state_time("2026-11-26T09:14:03+01:00") == when
    assert mapping.parse_state_time("2026-11-26T07:14:03-0100") == when
    for bad in ("", "yesterday", "2026-13-40T99:00:00Z"):
        assert mapping.parse_state_time(bad) is None


def test_small_conversions():
    assert mapping.mac_bytes("080027A1B2C3") == bytes.fromhex("080027a1b2c3")
    assert mapping.mac_bytes("08:00:27:a1:b2:c3") == bytes.fromhex("080027a1b2c3")
    assert (
        mapping.mac_bytes("") == b"" and mapping.mac_bytes("0800") == b"" and mapping.mac_bytes("zz") == b""
    )
    assert mapping.host_interface_name("en0: Wi-Fi (AirPort)") == "en0"
    assert mapping.host_interface_name("enp3s0") == "enp3s0"
    assert mapping.size_unit(20480 << 20) == 1024 and mapping.size_unit(None, 5) == 1
    assert mapping.size_unit(4 << 40) == 1 << 20
    assert mapping.in_unit(1025, 1024) == 2 and mapping.in_unit(None, 1024) == -1


@pytest.mark.parametrize(
    "values, message",
    [
        ({"name": "x"}, "no valid UUID"),
        ({"name": "x", "UUID": "nope"}, "no valid UUID"),
        ({"UUID": WEB}, "no name"),
        ({"UUID": WEB, "name": "x"}, "no VMState"),
        ({"UUID": WEB, "name": "x", "VMState": "running", "memory": "lots"}, "not a number"),
    ],
)
def test_facts_need_name_uuid_state_and_numbers(values, message):
    with pytest.raises(MappingError, match=message):
        mapping.facts_from_machinereadable(values)


def test_facts_from_the_fixtures():
    web = mapping.facts_from_machinereadable(showvminfo(WEB))
    assert (web.name, web.state, web.cpus, web.memory_mb, web.balloon_mb, web.autostart) == (
        "web-01", "running", 2, 4096, 512, True,
    )  # fmt: skip
    assert [(a.key, a.kind, a.location != "") for a in web.attachments] == [
        ("IDE-1-0", "dvd", False), ("SATA-0-0", "hdd", True), ("SATA-1-0", "hdd", True),
    ]  # fmt: skip
    assert web.nics == (
        Nic(1, "nat", "080027A1B2C3", "82540EM", "", "nat", True),
        Nic(2, "bridged", "0800275D6E7F", "virtio", "enp3s0", "", True),
    )
    db = mapping.facts_from_machinereadable(showvminfo(DB))
    assert db.attachments[0].kind == "dvd"  # pre-7.0 "IDE-IsEjected" and an .iso
    assert db.nics[1] == Nic(2, "intnet", "0800274D5E6F", "virtio", "", "backend", False)
    build = mapping.facts_from_machinereadable(showvminfo(BUILD))
    assert build.attachments[0].key == "SATA Controller-0-0" and build.nics[0].network == "NatNetwork"
    gone = mapping.facts_from_machinereadable(showvminfo("e3b0c442-98fc-4c14-9afb-f4c8996fb924"))
    assert not gone.accessible and gone.name == "<inaccessible>"


def _medium(**kw) -> Medium:
    return Medium(uuid="m", **kw)


@pytest.mark.parametrize(
    "att, medium, source, string, media, access, defined, allocated",
    [
        (Attachment("SATA", 0, 0, "/v/a.vdi", "m", "hdd"), _medium(format="VDI", variant="dynamic default",
         capacity=10 << 30, size_on_disk=1 << 30), StorageSourceType.SPARSE, "VDI", StorageMediaType.HARD_DISK,
         StorageAccess.READWRITE, 10 << 20, 1 << 20),
        (Attachment("SATA", 0, 0, "/v/a.vdi", "m", "hdd"), _medium(format="VDI", variant="fixed default",
         capacity=1 << 30, size_on_disk=(1 << 30) + 4096), StorageSourceType.RAW, "VDI", StorageMediaType.HARD_DISK,
         StorageAccess.READWRITE, 1 << 20, 1 << 20),
        (Attachment("SATA", 0, 0, "10.0.0.1|iqn.x|0", "m", ""), _medium(format="iSCSI", type="readonly"),
         StorageSourceType.NETWORK, "iSCSI", StorageMediaType.HARD_DISK, StorageAccess.READONLY, -1, -1),
        (Attachment("IDE", 1, 0, "host:/dev/sr0", "", "dvd"), None, StorageSourceType.BLOCK, "", StorageMediaType.OPTICAL_DISK,
         StorageAccess.READONLY, -1, -1),
        (Attachment("IDE", 1, 0, "/isos/x.iso", "i", "dvd"), None, StorageSourceType.RAW, "ISO",
         StorageMediaType.OPTICAL_DISK, StorageAccess.READONLY, -1, -1),
        (Attachment("IDE", 1, 0, "", "", "dvd"), None, StorageSourceType.UNKNOWN, "", StorageMediaType.OPTICAL_DISK,
         StorageAccess.UNKNOWN, -1, -1),
        (Attachment("SATA", 0, 0, "/v/a.vdi", "m", "hdd"), None, StorageSourceType.UNKNOWN, "VDI",
         StorageMediaType.HARD_DISK, StorageAccess.READWRITE, -1, -1),
        (Attachment("X", 0, 0, "/v/a.raw", "", ""), None, StorageSourceType.UNKNOWN, "RAW", StorageMediaType.UNKNOWN,
         StorageAccess.READWRITE, -1, -1),
    ],
)  # fmt: skip
def test_storage_rows(att, medium, source, string, media, access, defined, allocated):
    disk = mapping.map_storage(att, "IntelAhci", medium)
    assert (disk.source_type, disk.source_type_string, disk.media_type, disk.access) == (
        source,
        string,
        media,
        access,
    )
    assert disk.defined_size * disk.size_unit == (defined * 1024 if defined > 0 else -disk.size_unit)
    assert disk.allocated_size * disk.size_unit == (allocated * 1024 if allocated > 0 else -disk.size_unit)
    assert disk.key == disk.device == att.key and disk.bus == "sata" and disk.resource_id == att.location


def test_network_rows():
    bridged = mapping.map_network(
        Nic(2, "bridged", "0800275D6E7F", "virtio", "en0: Wi-Fi (AirPort)"), {"en0": 3}
    )
    assert (bridged.key, bridged.parent, bridged.parent_device, bridged.if_index) == ("nic2", 3, "en0", 0)
    assert bridged.phys_address == bytes.fromhex("0800275d6e7f") and bridged.model == "virtio"
    nat = mapping.map_network(Nic(1, "nat", "bad", "82540EM", network="nat"), {"en0": 3})
    assert (nat.parent, nat.phys_address, nat.network) == (0, b"", "nat")


def test_machine_rows_memory_and_metrics():
    facts = MachineFacts(
        uuid=uuid.UUID(WEB), name="web-01", state="running", cpus=2, memory_mb=4096, balloon_mb=512
    )
    rows = metrics.parse(fixture("metrics-query.txt"), objects=["web-01", "guru", "build agent (old)"])
    vm = mapping.map_machine(
        facts, up_time=500, cpu_time=42, memory=mapping.memory_stats(rows, "web-01"), if_indexes={}
    )
    assert (vm.mem_unit, vm.cur_mem, vm.max_mem, vm.min_mem) == (1 << 20, 3584, 4096, -1)
    assert [c.index for c in vm.cpus] == [1, 2] and all(
        c.core_time is None and not c.affinity for c in vm.cpus
    )
    assert (vm.cur_cpu_number, vm.max_cpu_number, vm.up_time, vm.cpu_time) == (2, 2, 500, 42)
    assert vm.auto_start == AutoStart.UNKNOWN and vm.persistent == Persistent.PERSISTENT
    assert (
        vm.memory.balloon == 512 << 20
        and vm.memory.unused == 1032192 << 10
        and vm.memory.rss == 3672064 << 10
    )
    assert mapping.cpu_load(rows, "web-01") == pytest.approx(14.0)  # mean user 12 + mean kernel 2
    assert mapping.cpu_load(rows, "guru") == 0.0 and mapping.cpu_load(rows, "nobody") is None
    assert mapping.memory_stats(rows, "nobody") is None
    off = mapping.map_machine(
        MachineFacts(uuid=uuid.UUID(WEB), name="w", state="poweroff", memory_mb=4096, balloon_mb=512),
        up_time=500, cpu_time=42, memory=vm.memory,
    )  # fmt: skip
    assert (off.cur_mem, off.up_time, off.cpu_time, off.memory, off.max_cpu_number) == (
        4096,
        0,
        None,
        None,
        -1,
    )


def test_the_fixture_fleet_passes_the_backend_contract():
    media = listing.parse_media(fixture("list-hdds.txt"))
    vms = []
    for path in sorted((FIXTURES / "showvminfo").glob("*.txt")):
        facts = mapping.facts_from_machinereadable(parse(path.read_text()))
        vms.append(
            mapping.map_machine(facts, media, up_time=ticks(60) if mapping.is_active(facts.state) else 0)
        )
    check_host(Host(hypervisor=mapping.map_hypervisor("7.0.14r161095", 0), vms=tuple(vms)))
    by_name = {vm.name: vm for vm in vms}
    assert by_name["db-02"].storage[2].source_type == StorageSourceType.NETWORK
    assert by_name["<inaccessible>"].oper_state == OperState.UNKNOWN
    assert Hypervisor("VirtualBox", "7.0.14r161095", 0) == mapping.map_hypervisor("7.0.14r161095", 0)


# --- tracking -----------------------------------------------------------------------------------


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_up_time_from_the_state_change_then_kept_until_the_vm_stops():
    clock = Clock(1000.0)
    tracker = UpTimeTracker(clock)
    assert tracker.up_time("a", 940.0) == ticks(60)
    clock.now = 1100.0
    assert tracker.up_time("a", 1090.0) == ticks(160)  # paused at 1090: still started at 940
    assert tracker.up_time("b", 5000.0) == 0  # a change time in the future (clock skew): from now
    assert tracker.up_time("c", None) == 0
    tracker.keep_only({"b"})
    clock.now = 1200.0
    assert tracker.up_time("a", 1150.0) == ticks(50)  # started again
    assert tracker.up_time("b", None) == ticks(100)


def test_cpu_time_integrates_the_load():
    clock = Clock(0.0)
    tracker = CpuTimeTracker(clock, host_cpus=4)
    assert tracker.cpu_time("a", None) is None
    assert tracker.cpu_time("a", 50.0) == 0  # first sample: the counter starts
    clock.now = 10.0
    assert tracker.cpu_time("a", 25.0) == 10_000_000  # 25% of 4 CPUs for 10 s
    clock.now = 20.0
    assert tracker.cpu_time("a", None) == 10_000_000  # no sample: unchanged
    tracker.keep_only(set())
    assert tracker.cpu_time("a", 10.0) == 0
