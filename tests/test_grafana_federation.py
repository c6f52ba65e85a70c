"""packaging/grafana/vmwatch.json and packaging/prometheus/federate.yml against the real thing.

One vmwatch serves the demo fleet plus a private libvirtd (whose `test` VM the test suspends and
resumes, so state changes and notifications happen), the embedded SNMP agent with a trap target
(the notification sink) and the log-anomaly analyser fed with syslog lines. A real Prometheus
scrapes it; every PromQL expression of the dashboard, and its variable queries, must return data
there. A second Prometheus federates from the first with the example job and must see the VMs.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from services import Libvirtd, Service, free_port, require_program, wait_for

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "packaging" / "grafana" / "vmwatch.json"
FEDERATE = ROOT / "packaging" / "prometheus" / "federate.yml"
RATE_INTERVAL = "20s"  # what Grafana's $__rate_interval is at a 1 s scrape interval and a short range


def expressions(dashboard: dict) -> list[tuple[str, str]]:
    """(panel title, expr) of every query target, rows' nested panels included."""
    found = []
    for panel in dashboard["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            for target in inner.get("targets", []):
                found.append((inner["title"], target["expr"]))
    return found


def substitute(expr: str, vm: str) -> str:
    return expr.replace("$hypervisor", ".*").replace("$vm", vm).replace("$__rate_interval", RATE_INTERVAL)


def syslog_sender(port: int, stop: threading.Event) -> None:
    """Send a few syslog lines per second to the analyser's UDP receiver until `stop`."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        i = 0
        while not stop.is_set():
            stamp = time.strftime("%b %d %H:%M:%S", time.gmtime())
            for text in (f"sshd[{100 + i}]: Accepted publickey for user{i % 3} from 10.0.0.{i % 200} port 22",
                         f"kernel: eth0: link up, speed {1000 * (1 + i % 2)} Mbps",
                         f"libvirtd[7]: domain vm{i % 5} state changed"):
                s.sendto(f"<30>{stamp} kvm{i % 2} {text}".encode(), ("127.0.0.1", port))
            i += 1
            stop.wait(0.1)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """A running vmwatch (demo + libvirtd + notifications + log analyser); yields its metrics address."""
    from vmwatch_libvirt.plugin import demo

    directory = tmp_path_factory.mktemp("fleet")
    libvirtd = Libvirtd(tmp_path_factory.mktemp("libvirtd")).start()
    demo_uri = demo(directory / "demo")["uri"]
    port, snmp_port, trap_port, syslog_port = free_port(), free_port(), free_port(), free_port()
    config = directory / "vmwatch.toml"
    config.write_text(f"""
[vmwatch]
state_dir = "{directory / 'state'}"
refresh_interval = 1
[[backend]]
name = "demo"
type = "libvirt"
uri = "{demo_uri}"
[[backend]]
name = "lab"
type = "libvirt"
uri = "{libvirtd.uri}"
[exporter.prometheus]
listen = "127.0.0.1:{port}"
[exporter.snmp]
enabled = true
listen = "udp:127.0.0.1:{snmp_port}"
communities = ["public"]
[[exporter.snmp.targets]]
address = "udp:127.0.0.1:{trap_port}"
version = "2c"
community = "public"
[analyser.loganomaly]
enabled = true
state = "{directory / 'loganomaly.sqlite'}"
udp_port = {syslog_port}
tcp_port = false
bin = "1s"
window = "2s"
warmup = 0
""")
    vmwatch = Service("vmwatch", [sys.executable, "-m", "vmwatch", "serve", "--config", str(config)],
                      directory / "vmwatch.log").start()
    stop = threading.Event()
    sender = threading.Thread(target=syslog_sender, args=(syslog_port, stop), daemon=True)
    try:
        import urllib.request

        def both_up() -> bool:
            body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
            return body.count("vmwatch_backend_up{") == 2 and " 0.0\n" not in "".join(
                line + "\n" for line in body.splitlines() if line.startswith("vmwatch_backend_up{"))

        wait_for(both_up, 60, "both backends up", vmwatch)
        sender.start()
        yield {"target": f"127.0.0.1:{port}", "service": vmwatch, "libvirtd": libvirtd}
    finally:
        stop.set()
        vmwatch.stop()
        libvirtd.stop()


def test_every_dashboard_expression_returns_data(fleet, prometheus_server):
    dashboard = json.loads(DASHBOARD.read_text())
    prom = prometheus_server([fleet["target"]], interval="1s")
    running = prom.wait_for_query('vmwatch_vm_oper_state{hypervisor="demo"} == 4')
    vm = sorted(r["metric"]["vm_name"] for r in running)[0]
    # State changes (and so notifications) on the libvirtd host, while Prometheus watches.
    prom.wait_for_query('vmwatch_vm_oper_state{hypervisor="lab"}')
    for _ in range(2):
        fleet["libvirtd"].virsh("suspend", "test")
        prom.wait_for_query('vmwatch_vm_oper_state{hypervisor="lab"} == 8', timeout=20)
        fleet["libvirtd"].virsh("resume", "test")
        prom.wait_for_query('vmwatch_vm_oper_state{hypervisor="lab"} == 4', timeout=20)
    prom.wait_for_query("vmwatch_log_anomaly_score", timeout=30)

    empty = []
    for title, expr in expressions(dashboard):
        query = substitute(expr, vm)
        try:
            prom.wait_for_query(query, timeout=15)
        except Exception:  # collected so that one run names every empty panel
            empty.append(f"{title}: {query}")
    assert not empty, "panels without data:\n" + "\n".join(empty)
    assert len(expressions(dashboard)) >= 30

    # Variable queries: label_values(METRIC, LABEL) is what Grafana runs through the series API.
    for variable in dashboard["templating"]["list"]:
        if variable["type"] != "query":
            continue
        match = re.fullmatch(r"label_values\((.+), (\w+)\)", variable["query"]["query"])
        assert match, variable
        values = prom.api(f"/api/v1/label/{match.group(2)}/values", **{"match[]": substitute(match.group(1), vm)})
        assert values, variable["name"]
        if variable["name"] == "hypervisor":
            assert {"demo", "lab"} <= set(values)


def test_dashboard_is_importable_json():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "vmwatch" and dashboard["schemaVersion"] >= 36
    titles = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    assert titles == ["Fleet overview", "VM detail ($vm)", "Notifications", "Log anomalies"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]


def test_federation_example(fleet, prometheus_server, tmp_path):
    promtool = require_program("promtool")
    leaf = prometheus_server([fleet["target"]], interval="1s")
    leaf.wait_for_query('vmwatch_vm_oper_state{hypervisor="demo"}')

    config = yaml.safe_load(FEDERATE.read_text())
    (job,) = config["scrape_configs"]
    job["scrape_interval"], job["scrape_timeout"] = "1s", "1s"
    job["static_configs"] = [{"targets": [leaf.url.removeprefix("http://")]}]
    path = tmp_path / "global.yml"
    path.write_text(yaml.safe_dump(config))
    import subprocess

    checked = subprocess.run([promtool, "check", "config", str(path)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    port = free_port()
    global_prom = Service("prometheus-global", [
        require_program("prometheus"), f"--config.file={path}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}"], tmp_path / "global.log").start()
    try:
        import urllib.parse
        import urllib.request

        def query(expr: str) -> list:
            url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
            return json.load(urllib.request.urlopen(url, timeout=5))["data"]["result"]

        wait_for(lambda: bool(query('vmwatch_vm_oper_state{hypervisor="demo"}')), 60, "federated series", global_prom)
        leaf_count = leaf.query('count(vmwatch_vm_oper_state{hypervisor="demo"})')[0]["value"][1]
        wait_for(lambda: query('count(vmwatch_vm_oper_state{hypervisor="demo"})')[0]["value"][1] == leaf_count,
                 30, "all VMs federated", global_prom)
        (series,) = query('vmwatch_backend_up{backend="lab"}')
        assert series["metric"]["job"] == "vmwatch"  # honor_labels: the site's job label, not federate's
    finally:
        global_prom.stop()
