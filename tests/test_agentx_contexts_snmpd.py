"""One context per hypervisor, end to end: `vmwatch serve` with two libvirt test-driver hosts and
`contexts = true` → AgentX → a real snmpd configured with the commented example of
packaging/snmpd/vmwatch.conf → snmpwalk with SNMPv3 context names and SNMPv2c communities.

The tests fail, never skip, when net-snmp or libvirt-python is missing. The example is taken from
the packaged file itself (uncommented), so the lines users copy are the lines tested here, and
docs/snmp.md must show the same lines.
"""

from __future__ import annotations

import re
import sys
import urllib.parse
from functools import partial
from pathlib import Path

import pytest
from services import Service, wait_for
from snmp_services import Snmpd
from test_agentx_snmpd import MIB_ROOT, RAW, parse_walk
from vmwatch_libvirt import demo

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
PACKAGED = ROOT / "packaging" / "snmpd" / "vmwatch.conf"
DOCS = ROOT / "docs" / "snmp.md"

# hypervisor (backend name, AgentX context) → (VMs, demo seed): different VMs and UUIDs per host
HOSTS = {"kvm-01": (3, 1), "kvm-02": (5, 2)}
MANAGER = ["-v3", "-u", "vmwatch-mgr", "-l", "authPriv", "-a", "SHA", "-A", "CHANGE-ME-auth",
           "-x", "AES", "-X", "CHANGE-ME-priv"]
TENANT = ["-v3", "-u", "tenant-01", "-l", "authPriv", "-a", "SHA", "-A", "CHANGE-ME-auth-01",
          "-x", "AES", "-X", "CHANGE-ME-priv-01"]
COMMUNITY = {"kvm-01": "CHANGE-ME-01", "kvm-02": "CHANGE-ME-02"}

VM = tuple(int(x) for x in MIB_ROOT.split(".")) + (1,)
VM_NUMBER = VM + (2, 0)
VM_ENTRY = VM + (4, 1)
VM_NAME, VM_UUID = VM_ENTRY + (2,), VM_ENTRY + (3,)
SNMP_UNKNOWN_CONTEXTS = "1.3.6.1.6.3.12.1.5.0"  # SNMP-TARGET-MIB, snmpd's own counter


def packaged_context_example() -> list[str]:
    """The commented VACM example of packaging/snmpd/vmwatch.conf, uncommented."""
    pattern = re.compile(r"^# ((?:view|createUser|rouser|com2sec|group|access)\s.*)$")
    return [m.group(1) for line in PACKAGED.read_text().splitlines() if (m := pattern.match(line))]


def expected_rows(hypervisor: str) -> list[tuple[str, bytes]]:
    """(vmName, vmUUID octets) of every VM of the demo host behind `hypervisor`."""
    count, seed = HOSTS[hypervisor]
    return sorted((demo.vm_name(i), demo.vm_uuid(i, seed).bytes) for i in range(count))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """snmpd with the packaged example, and `vmwatch serve` registered in both contexts."""
    directory = tmp_path_factory.mktemp("contexts")
    backends = ""
    for name, (count, seed) in HOSTS.items():
        host = directory / f"{name}.xml"
        host.write_text(demo.fleet_xml(count, seed))
        uri = "test://" + urllib.parse.quote(str(host))
        backends += f'[[backend]]\nname = "{name}"\ntype = "libvirt"\nuri = "{uri}"\n'
    snmpd = Snmpd(directory / "snmpd", extra="\n".join(packaged_context_example()) + "\n").start()
    config = directory / "vmwatch.toml"
    config.write_text(
        f'[vmwatch]\nrefresh_interval = 30\nstate_dir = "{directory / "state"}"\n{backends}'
        "[exporter.prometheus]\nenabled = false\n"
        f'[exporter.agentx]\nenabled = true\ncontexts = true\nmaster = "{snmpd.unix_address}"\n'
    )
    vmwatch = Service("vmwatch", [sys.executable, "-m", "vmwatch", "serve", "--config", str(config)],
                      directory / "vmwatch.log")
    try:
        vmwatch.start()
        for context in HOSTS:
            wait_for(partial(serves, snmpd, context), 60, f"vmwatch to serve context {context}", vmwatch)
        yield snmpd
        assert vmwatch.alive(), vmwatch.describe()
    finally:
        vmwatch.stop()
        snmpd.stop()


def serves(snmpd: Snmpd, context: str) -> bool:
    """vmNumber answers in `context`. snmpd drops a request in a context that nobody has
    registered yet, so until vmwatch has read that hypervisor each try ends in a 1 s timeout."""
    done = snmpd.tool("snmpget", ".".join(map(str, VM_NUMBER)), security=MANAGER,
                      options=["-On", "-n", context], check=False, timeout=1, retries=0)
    return "INTEGER" in done.stdout


def walk(
    snmpd: Snmpd, security: tuple[str, ...] | list[str] = (), context: str | None = None, community: str = "public"
) -> dict:
    """The whole of VM-MIB in `context` (None: the default), parsed as test_agentx_snmpd does."""
    options = [*RAW, *(["-n", context] if context is not None else [])]
    done = snmpd.tool("snmpwalk", MIB_ROOT, options=options, security=security, community=community)
    return parse_walk(done.stdout)


def vm_rows(instances: dict) -> list[tuple[str, bytes]]:
    """vmTable as (vmName, vmUUID) rows, checked to hold exactly vmNumber rows 1..n, and no
    column with an instance outside them."""
    names = {oid[-1]: value.decode() for oid, (_, value) in instances.items() if oid[:-1] == VM_NAME}
    uuids = {oid[-1]: value for oid, (_, value) in instances.items() if oid[:-1] == VM_UUID}
    count = instances[VM_NUMBER][1]
    assert sorted(names) == sorted(uuids) == list(range(1, count + 1)), (names, uuids, count)
    assert {oid[len(VM_ENTRY) + 1] for oid in instances if oid[: len(VM_ENTRY)] == VM_ENTRY} == set(names)
    return sorted((names[i], uuids[i]) for i in names)


def test_the_example_loads_without_complaints(served):
    """snmpd accepts every line of the packaged example: it reports a line it cannot use as
    "snmpd.conf: line N: Warning|Error: ..."."""
    log = served.log_path.read_text()
    assert "snmpd.conf: line" not in log, log


@pytest.mark.parametrize("hypervisor", sorted(HOSTS))
def test_v3_context_name_selects_the_hypervisor(served, hypervisor):
    assert vm_rows(walk(served, MANAGER, hypervisor)) == expected_rows(hypervisor)


def test_v3_default_context_serves_the_first_hypervisor_by_name(served):
    assert vm_rows(walk(served, MANAGER)) == expected_rows("kvm-01")
    assert vm_rows(walk(served, MANAGER, "")) == expected_rows("kvm-01")


def test_v3_user_limited_to_one_context(served):
    assert vm_rows(walk(served, TENANT, "kvm-01")) == expected_rows("kvm-01")
    done = served.tool("snmpwalk", MIB_ROOT, security=TENANT, options=["-On", "-n", "kvm-02"], check=False)
    assert done.returncode != 0 and "authorizationError" in done.stderr, done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("context", ["kvm-99", "KVM-01"])  # no such hypervisor; names are case-sensitive
def test_v3_unknown_context_gets_no_answer(served, context):
    """snmpd drops a request in a context that no subagent registered (RFC 3413's
    snmpUnknownContexts counts it): the manager sees a timeout, not another hypervisor's VMs."""

    def unknown_contexts() -> int:
        return int(served.tool("snmpget", SNMP_UNKNOWN_CONTEXTS, options=["-On", "-Oqv"], mibs=False).stdout)

    before = unknown_contexts()
    done = served.tool("snmpwalk", MIB_ROOT, security=MANAGER, options=["-On", "-n", context],
                       check=False, timeout=1, retries=0)
    assert done.returncode != 0 and "Timeout" in done.stderr, done.stderr
    assert done.stdout == ""
    assert unknown_contexts() == before + 1


@pytest.mark.parametrize("hypervisor", sorted(HOSTS))
def test_v2c_community_per_hypervisor(served, hypervisor):
    assert vm_rows(walk(served, community=COMMUNITY[hypervisor])) == expected_rows(hypervisor)


def test_v2c_community_without_context_serves_the_default_context(served):
    assert vm_rows(walk(served, community="public")) == expected_rows("kvm-01")


def test_docs_show_the_packaged_lines():
    """docs/snmp.md carries the same snmpd.conf lines as the packaged example (whitespace aside)."""
    docs = {" ".join(line.split()) for line in DOCS.read_text().splitlines()}
    example = packaged_context_example()
    assert len(example) == 10
    missing = [line for line in example if " ".join(line.split()) not in docs]
    assert missing == []
