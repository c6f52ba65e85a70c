"""packaging/snmp_exporter/snmp.yml: Debian's prometheus-snmp-exporter walks vmwatch's embedded agent.

A third-party SNMP client reading our tables: every VM of the demo host comes back with its
name, state, CPU, storage and network rows, and agrees with what vmwatch's own exporter says.
"""

from __future__ import annotations

import re
import sys
import urllib.request
from pathlib import Path

import pytest
from services import Service, free_port, require_program, wait_for

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "packaging" / "snmp_exporter" / "snmp.yml"
SAMPLE = re.compile(r'^(\w+)(?:\{(.*)\})? (\S+)$')


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def samples(body: str) -> list[tuple[str, dict, float]]:
    out = []
    for line in body.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
            out.append((match.group(1), labels, float(match.group(3))))
    return out


def test_snmp_exporter_walks_the_embedded_agent(tmp_path):
    exporter_program = require_program("prometheus-snmp-exporter")
    metrics_port, snmp_port, exporter_port = free_port(), free_port(), free_port()
    config = tmp_path / "vmwatch.toml"
    config.write_text(
        f'[vmwatch]\nstate_dir = "{tmp_path / "state"}"\nrefresh_interval = 5\n'
        f'[exporter.prometheus]\nlisten = "127.0.0.1:{metrics_port}"\n'
        f'[exporter.snmp]\nenabled = true\nlisten = "udp:127.0.0.1:{snmp_port}"\ncommunities = ["public"]\n'
    )
    vmwatch = Service("vmwatch", [sys.executable, "-m", "vmwatch", "serve", "--demo", "--config", str(config)],
                      tmp_path / "vmwatch.log").start()
    exporter = Service("snmp_exporter", [exporter_program, f"--config.file={MODULE}",
                                         f"--web.listen-address=127.0.0.1:{exporter_port}"],
                       tmp_path / "snmp_exporter.log").start()
    try:
        own_url = f"http://127.0.0.1:{metrics_port}/metrics"
        wait_for(lambda: 'vmwatch_backend_up{backend="demo"' in get(own_url) and
                 'vmwatch_vms{hypervisor="demo"}' in get(own_url), 60, "demo up", vmwatch)
        url = f"http://127.0.0.1:{exporter_port}/snmp?module=vmwatch_vm_mib&target=127.0.0.1:{snmp_port}"
        wait_for(lambda: "vmNumber " in get(url), 30, "snmp_exporter walking vmwatch", exporter)
        walked = samples(get(url))
        own = samples(get(own_url))
    finally:
        exporter.stop()
        vmwatch.stop()

    def values(name: str) -> list[tuple[dict, float]]:
        return [(labels, value) for n, labels, value in walked if n == name]

    (number,) = [v for _, v in values("vmNumber")]
    assert number >= 24
    states = {labels["vmName"]: value for labels, value in values("vmOperState")}
    assert len(states) == number
    own_states = {labels["vm_name"]: value for n, labels, value in own if n == "vmwatch_vm_oper_state"}
    assert states == own_states  # the SNMP view and the Prometheus view agree, VM by VM
    assert {4.0, 8.0, 11.0} <= set(states.values())
    (software,) = values("vmHvSoftware")
    assert software[0]["vmHvSoftware"]  # the DisplayString arrives as a label
    assert len({(labels["vmIndex"]) for labels, _ in values("vmCpuTime")}) >= number // 2  # running VMs
    assert {labels["vmName"] for labels, _ in values("vmCpuCoreTime")} <= set(states)
    disks = values("vmStorageDefinedSize")
    assert len(disks) > number and all(labels["vmName"] in states for labels, _ in disks)
    assert sum(bool(labels["vmStorageResourceID"]) for labels, _ in disks) > number  # empty CD-ROMs have none
    nics = values("vmNetworkIfIndex")
    assert nics and all(re.fullmatch(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", labels["vmNetworkPhysAddress"]) for labels, _ in nics)
    scrape_errors = [v for n, _, v in walked if n == "snmp_scrape_pdus_returned"]
    assert scrape_errors and scrape_errors[0] > number
