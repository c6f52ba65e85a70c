"""`vmwatch serve` end to end: private libvirtd → vmwatch → real Prometheus."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from services import Service, free_port, wait_for

pytestmark = pytest.mark.integration


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def sample(body: str, name: str, **labels: str) -> float | None:
    """Value of the first sample of `name` whose labels include `labels`."""
    for line in body.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return None


def start_vmwatch(tmp_path: Path, uri: str, *extra: str) -> tuple[Service, str]:
    port = free_port()
    config = tmp_path / "vmwatch.toml"
    config.write_text(
        f'[vmwatch]\nstate_dir = "{tmp_path / "state"}"\nrefresh_interval = 0.5\nbackoff_max = 1\n'
        f'[[backend]]\nname = "lab"\ntype = "libvirt"\nuri = "{uri}"\n'
        f'[exporter.prometheus]\nlisten = "127.0.0.1:{port}"\n'
    )
    vmwatch = Service(
        "vmwatch", [sys.executable, "-m", "vmwatch", "serve", "--config", str(config), *extra], tmp_path / "vmwatch.log"
    ).start()
    url = f"http://127.0.0.1:{port}/metrics"
    wait_for(lambda: sample(scrape(url), "vmwatch_backend_up", backend="lab") == 1, 30, "vmwatch up", vmwatch)
    return vmwatch, url


def test_states_follow_virsh_and_libvirtd_restart_is_survived(libvirtd, tmp_path):
    vmwatch, url = start_vmwatch(tmp_path, libvirtd.uri)
    try:
        assert sample(scrape(url), "vmwatch_vm_oper_state", vm_name="test") == 4  # running

        libvirtd.virsh("suspend", "test")
        wait_for(lambda: sample(scrape(url), "vmwatch_vm_oper_state", vm_name="test") == 8, 10, "paused", vmwatch)
        libvirtd.virsh("resume", "test")
        wait_for(lambda: sample(scrape(url), "vmwatch_vm_oper_state", vm_name="test") == 4, 10, "running", vmwatch)
        libvirtd.virsh("destroy", "test")
        wait_for(lambda: sample(scrape(url), "vmwatch_vm_oper_state", vm_name="test") == 11, 10, "shutdown", vmwatch)
        body = scrape(url)
        assert sample(body, "vmwatch_vm_cpu_seconds_total", vm_name="test") is None  # not running: no counters
        assert sample(body, "vmwatch_vms", hypervisor="lab") == 1

        libvirtd.stop()
        wait_for(lambda: sample(scrape(url), "vmwatch_backend_up", backend="lab") == 0, 10, "up 0", vmwatch)
        assert sample(scrape(url), "vmwatch_vm_oper_state", vm_name="test") == 11  # last snapshot still served

        libvirtd.start()  # the default test host comes back with `test` running again
        wait_for(lambda: sample(scrape(url), "vmwatch_backend_up", backend="lab") == 1, 20, "recovery", vmwatch)
        wait_for(lambda: sample(scrape(url), "vmwatch_vm_oper_state", vm_name="test") == 4, 10, "fresh data", vmwatch)
        assert vmwatch.alive()
        failures = sample(scrape(url), "vmwatch_backend_read_failures_total", backend="lab")
        assert failures is not None and failures >= 1
    finally:
        vmwatch.stop()
    assert vmwatch.proc.returncode == 0, vmwatch.describe()  # clean shutdown on SIGTERM


def test_prometheus_scrapes_the_demo_host(tmp_path, prometheus_server):
    port = free_port()
    vmwatch = Service(
        "vmwatch",
        [sys.executable, "-m", "vmwatch", "serve", "--demo", "--state-dir", str(tmp_path / "state"),
         "--listen", f"127.0.0.1:{port}", "--interval", "1"],
        tmp_path / "vmwatch.log",
    ).start()
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        wait_for(lambda: sample(scrape(url), "vmwatch_backend_up", backend="demo") == 1, 60, "demo up", vmwatch)
        prom = prometheus_server([f"127.0.0.1:{port}"])
        result = prom.wait_for_query('count(vmwatch_vm_oper_state{hypervisor="demo"})')
        vms = int(float(result[0]["value"][1]))
        assert vms >= 24
        running = prom.query('count(vmwatch_vm_oper_state{hypervisor="demo"} == 4)')
        paused = prom.query('count(vmwatch_vm_oper_state{hypervisor="demo"} == 8)')
        shutoff = prom.query('count(vmwatch_vm_oper_state{hypervisor="demo"} == 11)')
        assert running and paused and shutoff, (running, paused, shutoff)
        disks = prom.query('count(vmwatch_vm_disk_info{hypervisor="demo"})')
        assert int(float(disks[0]["value"][1])) > vms  # several disks per VM
        targets = prom.api("/api/v1/targets")["activeTargets"]
        assert targets[0]["health"] == "up", targets
    finally:
        vmwatch.stop()


def test_snapshot_command_on_the_demo_host(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "vmwatch", "snapshot", "--demo", "--state-dir", str(tmp_path / "s"), "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (snap,) = json.loads(done.stdout)
    states = {vm["oper_state"] for vm in snap["vms"]}
    assert {"running", "paused", "shutdown"} <= states
    assert sorted(vm["index"] for vm in snap["vms"]) == list(range(1, len(snap["vms"]) + 1))
    table = subprocess.run(
        [sys.executable, "-m", "vmwatch", "snapshot", "--demo", "--state-dir", str(tmp_path / "s")],
        capture_output=True, text=True, timeout=120,
    )
    assert table.returncode == 0 and "INDEX" in table.stdout and snap["vms"][0]["name"] in table.stdout
