"""vmwatch's AgentX subagent under a real net-snmp snmpd master (started by the fixtures).

The tests fail, never skip, when net-snmp is missing. Values are compared with the snapshot
through an oracle that restates RFC 7666 (mib_fleet.expected_instances), reading snmpwalk's
numeric output with every string in hex, so that each octet is checked.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from mib_fleet import C64, INTEGER, OCTETS, OID, TICKS, VM, expected_instances, sample_snapshot
from services import ServiceError, wait_for
from snmp_services import Snmpd
from vmwatch_agentx import codec
from vmwatch_agentx.pdu import Get, Response, ResponseError, SearchRange
from vmwatch_agentx.plugin import AgentXExporter
from vmwatch_mib.switches import reset_process_switches

from vmwatch.poller import SnapshotCache

pytestmark = pytest.mark.integration

RAW = ["-On", "-Oe", "-Ox", "-OU"]  # numeric OIDs and enums, strings in hex, no UNITS
MIB_ROOT = "1.3.6.1.2.1.236"


def parse_walk(text: str) -> dict[tuple, tuple[str, object]]:
    """`.1.3.6 = TYPE: value` lines (hex continuation lines joined) → OID → (kind, value)."""
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("."):
            lines.append(line)
        elif lines:
            lines[-1] += " " + line
    out = {}
    for line in lines:
        if "No more variables left in this MIB View" in line:
            continue  # endOfMibView where the walk leaves the manager's view: not an instance
        name, _, rest = line.partition(" = ")
        oid = tuple(int(x) for x in name.strip(".").split("."))
        kind, _, value = rest.partition(": ")
        value = value.strip()
        if rest.strip() == '""':
            out[oid] = (OCTETS, b"")
        elif kind == "Hex-STRING":
            out[oid] = (OCTETS, bytes.fromhex(value))
        elif kind == "STRING":  # a string net-snmp rendered with the MIB's DISPLAY-HINT
            out[oid] = (OCTETS, _unhint(oid, value.strip('"')))
        elif kind == "INTEGER":
            out[oid] = (INTEGER, int(value))
        elif kind == "Counter64":
            out[oid] = (C64, int(value))
        elif kind == "Timeticks":
            out[oid] = (TICKS, int(value.split(")")[0].strip("(")))  # "(8640000) 1 day, 0:00:00.00"
        elif kind == "OID":
            out[oid] = (OID, tuple(int(x) for x in value.strip(".").split(".")))
        else:
            raise AssertionError(f"unexpected line from net-snmp: {line!r}")
    return out


VM_UUID_COLUMN = (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 3)
PHYS_ADDRESS_COLUMN = (1, 3, 6, 1, 2, 1, 236, 1, 8, 1, 5)


def _unhint(oid: tuple, text: str) -> bytes:
    """Octets back from net-snmp's rendering of UUIDorZero ("4x-2x-2x-2x-6x") and PhysAddress
    ("1x:"); it does not zero-pad the hex fields, so each field is padded to its width."""
    if oid[:-1] == VM_UUID_COLUMN:
        fields = text.split("-")
        assert len(fields) == 5, text
        return b"".join(bytes.fromhex(f.zfill(2 * width)) for f, width in zip(fields, (4, 2, 2, 2, 6)))
    if oid[:-2] == PHYS_ADDRESS_COLUMN:
        return bytes(int(octet, 16) for octet in text.split(":")) if text else b""
    return text.encode()


@pytest.fixture
def snmpd(tmp_path_factory):
    daemon = Snmpd(tmp_path_factory.mktemp("snmpd")).start()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def snapshot():
    return sample_snapshot()


@pytest.fixture
def agent(snapshot):
    """Factory: start the agentx exporter on a cache holding `snapshot`; stopped afterwards."""
    started: list[AgentXExporter] = []
    reset_process_switches()

    def start(master: str, **options) -> AgentXExporter:
        cache = SnapshotCache()
        cache.publish(snapshot)
        exporter = AgentXExporter({"master": master, "ping_interval": 1, **options})
        exporter.start(cache)
        started.append(exporter)
        return exporter

    yield start
    for exporter in started:
        exporter.stop()
    reset_process_switches()


def registered(exporter: AgentXExporter, snmpd: Snmpd, timeout: float = 10) -> None:
    wait_for(lambda: exporter.client.registered.is_set(), timeout, "the subagent to register", snmpd)


def walk(snmpd: Snmpd, program: str = "snmpwalk", *options: str) -> dict:
    return parse_walk(snmpd.tool(program, MIB_ROOT, options=[*RAW, *options]).stdout)


def test_walk_over_unix_socket_equals_the_snapshot(snmpd, agent, snapshot):
    exporter = agent(snmpd.unix_address)
    registered(exporter, snmpd)
    assert walk(snmpd) == expected_instances(snapshot)


def test_bulkwalk_over_tcp_equals_the_snapshot(snmpd, agent, snapshot):
    exporter = agent(snmpd.tcp_address)
    registered(exporter, snmpd)
    for repetitions in ("-Cr50", "-Cr7", "-Cr1"):
        assert walk(snmpd, "snmpbulkwalk", repetitions) == expected_instances(snapshot), repetitions


def test_get_of_missing_instances(snmpd, agent):
    registered(agent(snmpd.unix_address), snmpd)
    out = snmpd.tool("snmpget", f"{MIB_ROOT}.1.4.1.2.1", f"{MIB_ROOT}.1.4.1.2.4", f"{MIB_ROOT}.1.11.0",
                     f"{MIB_ROOT}.1.4.1.17.3", options=["-On", "-Oe"]).stdout.splitlines()
    assert out[0].endswith("web-01")
    assert "No Such Instance" in out[1]
    assert "No Such Object" in out[2]  # vmAffectedVMs is accessible-for-notify
    assert "No Such Instance" in out[3]  # vmCpuTime of a shut-off VM


def test_names_resolve_with_the_shipped_mib(snmpd, agent, snapshot):
    registered(agent(snmpd.unix_address), snmpd)
    out = snmpd.tool("snmpwalk", "VM-MIB::vmName").stdout
    assert 'VM-MIB::vmName.1 = STRING: web-01' in out
    out = snmpd.tool("snmpget", "VM-MIB::vmOperState.3", "VM-MIB::vmCpuAffinity.1.1.196610",
                     "VM-MIB::vmNetworkPhysAddress.1.1").stdout
    assert "shutdown(11)" in out and "enable(1)" in out and "52:54:0:0:1:1" in out


@pytest.mark.parametrize(
    "table, columns",
    [
        ("vmTable", ["vmName", "vmOperState", "vmCurMem", "vmCpuTime"]),
        ("vmCpuTable", ["vmCpuCoreTime"]),
        ("vmCpuAffinityTable", ["vmCpuAffinity"]),
        ("vmStorageTable", ["vmStorageResourceID", "vmStorageReadOctets", "vmStorageWriteLatency"]),
        ("vmNetworkTable", ["vmNetworkIfIndex", "vmNetworkModel"]),
    ],
)
def test_snmptable_of_each_table(snmpd, agent, snapshot, table, columns):
    registered(agent(snmpd.unix_address), snmpd)
    out = snmpd.tool("snmptable", f"VM-MIB::{table}", options=["-Cf", "|", "-Ci", "-OX", "-Oe", "-OU"]).stdout
    rows = [line.split("|") for line in out.splitlines()[2:] if line.strip()]
    header = rows.pop(0)
    assert all(c in header for c in columns), header
    expected = expected_instances(snapshot)
    entry = {"vmTable": 4, "vmCpuTable": 5, "vmCpuAffinityTable": 6, "vmStorageTable": 7, "vmNetworkTable": 8}[table]
    row_indexes = sorted({oid[len(VM) + 3:] for oid in expected if oid[len(VM)] == entry})
    assert len(rows) == len(row_indexes)
    for column in columns:
        position = header.index(column)
        for row, index in zip(rows, row_indexes):
            cell = row[position]
            number = _column_number(table, column)
            kind, value = expected.get(VM + (entry, 1, number) + index, (None, None))
            if value is None:
                assert cell in ("", "?"), (column, index, cell)
            elif kind == OCTETS:
                assert cell == value.decode(), (column, index)
            else:
                assert int(cell) == value, (column, index)


def _column_number(table: str, column: str) -> int:
    from vmwatch_mib.objects import BY_NAME

    return BY_NAME[column].oid[-1]


def test_set_of_an_enable_object_and_not_writable(snmpd, agent):
    exporter = agent(snmpd.unix_address)
    registered(exporter, snmpd)
    bulk = f"{MIB_ROOT}.1.10.0"
    assert "INTEGER: 2" in snmpd.tool("snmpget", bulk, options=["-On", "-Oe"]).stdout
    snmpd.tool("snmpset", bulk, "i", "1", community="private", options=["-On", "-Oe"])
    assert "INTEGER: 1" in snmpd.tool("snmpget", bulk, options=["-On", "-Oe"]).stdout
    assert exporter.switches.bulk is True
    done = snmpd.tool("snmpset", f"{MIB_ROOT}.1.4.1.2.1", "s", "renamed", community="private", check=False)
    assert done.returncode != 0 and "notWritable" in done.stderr
    done = snmpd.tool("snmpset", bulk, "i", "3", community="private", check=False)
    assert done.returncode != 0 and "wrongValue" in done.stderr
    assert "INTEGER: 1" in snmpd.tool("snmpget", bulk, options=["-On", "-Oe"]).stdout
    assert "web-01" in snmpd.tool("snmpget", f"{MIB_ROOT}.1.4.1.2.1", options=["-On", "-Oe"]).stdout


def test_snmpd_restart_re_registers_within_seconds(snmpd, agent, snapshot):
    exporter = agent(snmpd.unix_address)
    registered(exporter, snmpd)
    snmpd.restart()
    started = time.monotonic()
    wait_for(lambda: "web-01" in snmpd.tool("snmpget", f"{MIB_ROOT}.1.4.1.2.1", check=False).stdout,
             10, "walks to work again after the snmpd restart", snmpd)
    assert time.monotonic() - started < 5
    assert walk(snmpd) == expected_instances(snapshot)
    assert exporter.client.connections >= 2


def test_stopped_subagent_leaves_no_such_object_and_snmpd_running(snmpd, agent):
    exporter = agent(snmpd.unix_address)
    registered(exporter, snmpd)
    exporter.stop()
    out = snmpd.tool("snmpget", f"{MIB_ROOT}.1.4.1.2.1", options=["-On", "-Oe"]).stdout
    assert "No Such Object" in out
    assert snmpd.alive()
    assert "Timeticks" in snmpd.tool("snmpget", "1.3.6.1.2.1.1.3.0", options=["-On", "-Oe"], mibs=False).stdout


SUBAGENT_SCRIPT = """
import sys, time
sys.path.insert(0, {tests!r})
from mib_fleet import sample_snapshot
from vmwatch.poller import SnapshotCache
from vmwatch_agentx.plugin import AgentXExporter
cache = SnapshotCache(); cache.publish(sample_snapshot())
exporter = AgentXExporter({{"master": {master!r}}}); exporter.start(cache)
print("registered" if exporter.client.registered.is_set() else "not registered", flush=True)
time.sleep(600)
"""


def test_killed_subagent_leaves_no_such_object_and_snmpd_running(snmpd, tmp_path):
    script = SUBAGENT_SCRIPT.format(tests=str(Path(__file__).parent), master=snmpd.unix_address)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert process.stdout.readline().strip() == "registered"
        assert "web-01" in snmpd.tool("snmpget", f"{MIB_ROOT}.1.4.1.2.1").stdout
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        wait_for(lambda: "No Such Object" in snmpd.tool("snmpget", f"{MIB_ROOT}.1.4.1.2.1", check=False).stdout,
                 10, "snmpd to drop the killed subagent", snmpd)
        assert snmpd.alive()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


class InjectingProxy:
    """A TCP relay between the subagent and snmpd that can slip packets to the subagent and
    keeps the subagent's answers to them from reaching snmpd."""

    def __init__(self, upstream_port: int):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.upstream_port = upstream_port
        self.downstream: socket.socket | None = None
        self.injected: set[int] = set()
        self.answers: list[Response] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.downstream, _ = self.listener.accept()
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        threading.Thread(target=self._pump, args=(upstream, self.downstream, False), daemon=True).start()
        self._pump(self.downstream, upstream, True)

    def _pump(self, source: socket.socket, sink: socket.socket, from_subagent: bool) -> None:
        decoder = codec.Decoder()
        while data := source.recv(65536):
            if not from_subagent:
                with self.lock:
                    sink.sendall(data)
                continue
            decoder.feed(data)
            while (pdu := decoder.next_pdu()) is not None:
                if isinstance(pdu, Response) and pdu.packet_id in self.injected:
                    self.answers.append(pdu)
                else:
                    sink.sendall(codec.encode(pdu))
        sink.close()

    def inject(self, data: bytes, packet_id: int) -> None:
        self.injected.add(packet_id)
        with self.lock:
            self.downstream.sendall(data)


def test_malformed_pdus_on_a_live_connection_do_not_end_the_session(snmpd, agent, snapshot):
    proxy = InjectingProxy(snmpd.agentx_port)
    exporter = agent(f"tcp:127.0.0.1:{proxy.port}")
    registered(exporter, snmpd)
    session_id = exporter.client.session.session_id
    unknown_type = bytearray(codec.encode(Get(session_id=session_id, packet_id=900001, ranges=(SearchRange(VM),))))
    unknown_type[1] = 77
    truncated_oid = bytearray(codec.encode(Get(session_id=session_id, packet_id=900002, ranges=(SearchRange(VM),))))
    truncated_oid[20] = 40  # the OID claims 40 sub-identifiers; the payload has far fewer
    proxy.inject(bytes(unknown_type), 900001)
    proxy.inject(bytes(truncated_oid), 900002)
    wait_for(lambda: len(proxy.answers) == 2, 5, "parseError answers from the subagent", snmpd)
    assert [(a.packet_id, a.error) for a in proxy.answers] == [
        (900001, ResponseError.PARSE_ERROR), (900002, ResponseError.PARSE_ERROR)]
    assert walk(snmpd) == expected_instances(snapshot)
    assert exporter.client.connections == 1  # same connection, same session
    assert exporter.client.session.session_id == session_id


def test_snmpd_missing_fails_loudly(monkeypatch):
    """The fixture's starter raises (so the test fails) rather than skipping without net-snmp."""
    import services

    monkeypatch.setattr(services.shutil, "which", lambda name: None)
    monkeypatch.setattr(services.os, "access", lambda path, mode: False)
    with pytest.raises(ServiceError, match="not installed"):
        services.require_program("snmpd")


def test_packaged_snippet_on_top_of_debians_stock_access_lines(tmp_path, agent, snapshot):
    """packaging/snmpd/vmwatch.conf, with only its socket path moved into the test directory,
    added to the view lines of Debian's stock snmpd.conf, serves VM-MIB to `public`."""
    snippet = (Path(__file__).parent.parent / "packaging" / "snmpd" / "vmwatch.conf").read_text()
    socket_path = tmp_path / "snmpd" / "agentx-master"
    body = snippet.replace("unix:/var/agentx/master", f"unix:{socket_path}") + (
        "view systemonly included .1.3.6.1.2.1.1\n"  # as Debian's stock snmpd.conf has them
        "view systemonly included .1.3.6.1.2.1.25.1\n"
        "rocommunity public default -V systemonly\n"
    )
    daemon = Snmpd(tmp_path / "snmpd", body=body).start()
    try:
        exporter = agent(daemon.unix_address)
        registered(exporter, daemon)
        assert walk(daemon) == expected_instances(snapshot)
        done = daemon.tool("snmpset", f"{MIB_ROOT}.1.10.0", "i", "1", check=False)
        assert done.returncode != 0  # `public` stays read-only
    finally:
        daemon.stop()


def test_one_context_per_hypervisor_is_registered_with_snmpd(snmpd, snapshot):
    reset_process_switches()
    cache = SnapshotCache()
    cache.publish(snapshot)
    exporter = AgentXExporter({"master": snmpd.unix_address, "contexts": True})
    exporter.start(cache)
    try:
        registered(exporter, snmpd)
        cache.publish(sample_snapshot("kvm2"))  # a host that appears later
        wait_for(lambda: exporter.client.session.registered == {None, b"kvm1", b"kvm2"}, 5,
                 "both contexts to be registered", snmpd)
        assert walk(snmpd) == expected_instances(snapshot)  # the default context: the first host
    finally:
        exporter.stop()
        reset_process_switches()


def test_vmwatch_serve_demo_through_snmpd(snmpd, tmp_path):
    """`vmwatch serve --demo --agentx MASTER`: the libvirt demo fleet reaches snmpd's managers;
    SIGTERM closes the session cleanly and snmpd goes on without the subtree."""
    from services import Service, free_port
    from vmwatch_libvirt import demo

    vmwatch = Service(
        "vmwatch",
        [sys.executable, "-m", "vmwatch", "serve", "--demo", "--state-dir", str(tmp_path / "state"),
         "--listen", f"127.0.0.1:{free_port()}", "--interval", "1", "--agentx", snmpd.unix_address],
        tmp_path / "vmwatch.log",
    ).start()
    try:
        def fleet() -> dict:
            return walk(snmpd)

        wait_for(lambda: (VM + (2, 0)) in fleet(), 60, "the demo fleet in snmpd", vmwatch)
        got = fleet()
        count = got[VM + (2, 0)][1]
        names = {value.decode() for oid, (_, value) in got.items() if oid[:-1] == VM + (4, 1, 2)}
        assert count >= 24 and len(names) == count
        assert names == {demo.vm_name(i) for i in range(count)}
        states = {value for oid, (_, value) in got.items() if oid[:-1] == VM + (4, 1, 6)}
        assert {4, 8, 11} <= states  # running, paused and shut-off VMs
        assert any(oid[: len(VM) + 3] == VM + (6, 1, 3) for oid in got)  # pinned vCPUs
    finally:
        vmwatch.stop()
    assert vmwatch.proc.returncode == 0, vmwatch.describe()
    assert "No Such Object" in snmpd.tool("snmpget", f"{MIB_ROOT}.1.2.0", options=["-On"]).stdout
    assert snmpd.alive()


def test_hung_master_is_detected_by_ping_and_left_for_a_new_session(snmpd, agent, snapshot):
    """snmpd stopped (SIGSTOP) stops answering Pings: vmwatch gives the session up after
    `timeout` and, once snmpd runs again, registers on a new connection."""
    exporter = agent(snmpd.unix_address, ping_interval=1, timeout=1)
    registered(exporter, snmpd)
    os.kill(snmpd.pid, signal.SIGSTOP)
    try:
        wait_for(lambda: not exporter.client.registered.is_set(), 10, "the ping to time out")
    finally:
        os.kill(snmpd.pid, signal.SIGCONT)
    wait_for(lambda: exporter.client.connections >= 2 and exporter.client.registered.is_set(), 15,
             "a new session after the hang", snmpd)
    assert walk(snmpd) == expected_instances(snapshot)


def test_little_endian_subagent(snmpd, snapshot):
    """The subagent speaking little-endian (NETWORK_BYTE_ORDER clear, as net-snmp's own
    subagents do on x86): snmpd answers in that order and every value still arrives intact."""
    from vmwatch_agentx.session import Session
    from vmwatch_agentx.transport import AgentXClient, parse_address
    from vmwatch_mib import NotificationSwitches, build_view

    view = build_view(snapshot, NotificationSwitches())
    session = Session(lambda context: view if context is None else None, NotificationSwitches(),
                      network_byte_order=False)
    orders: set[bool] = set()
    original = session.receive_data

    def spy(data: bytes) -> bytes:
        orders.add(bool(data[2] & 0x10))
        return original(data)

    session.receive_data = spy
    client = AgentXClient(session, parse_address(snmpd.unix_address))
    thread = threading.Thread(target=client.run, daemon=True)
    thread.start()
    try:
        wait_for(client.registered.is_set, 10, "the little-endian subagent to register", snmpd)
        assert walk(snmpd) == expected_instances(snapshot)
        assert orders == {False}  # snmpd spoke little-endian to us throughout
    finally:
        client.stop()
        thread.join(5)
