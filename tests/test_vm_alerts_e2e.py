"""VM alerts end to end, with real services: a libvirt test-driver host with a crashed VM →
`vmwatch serve` → a real Prometheus (scraping every second, packaging/prometheus/alerts.yml as
shipped) → a real Alertmanager (packaging/alertmanager/vmwatch-route.yml) → webhooks received
here. VMCrashed must page on-call for the crashed VM only, with the labels vmwatch exported; after
a SIGHUP points vmwatch at a host where that VM runs again, on-call gets the resolved message.
Fails, never skips, when prometheus or prometheus-alertmanager is missing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from services import Alertmanager, Service, ServiceError, free_port, wait_for
from vmwatch_libvirt import demo, mapping

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "packaging" / "prometheus" / "alerts.yml"
ROUTES = ROOT / "packaging" / "alertmanager" / "vmwatch-route.yml"
CRASHED_VM, RUNNING_VM = 0, 1  # demo VM numbers: web-01 and db-01, both running in the demo fleet
OPER_RUNNING, OPER_CRASHED = 4, 12  # VM-MIB vmOperState


def host_xml(crashed: bool) -> str:
    """A two-VM test-driver host: demo VMs 0 and 1, VM 0 crashed if `crashed`, else both running."""
    node = demo.fleet_xml(count=2)
    if not crashed:
        return node
    domain = demo.domain_xml(CRASHED_VM, test_state=True)
    running = f"<test:runstate>{demo.RUNNING}</test:runstate>"
    assert running in domain and domain in node
    return node.replace(domain, domain.replace(running, f"<test:runstate>{mapping.CRASHED}</test:runstate>"))


def write_config(path: Path, state: Path, port: int, host_file: Path) -> None:
    path.write_text(
        f'[vmwatch]\nstate_dir = "{state}"\nrefresh_interval = 0.5\n'
        f'[[backend]]\nname = "lab"\ntype = "libvirt"\nuri = "test://{host_file}"\n'
        f'[exporter.prometheus]\nlisten = "127.0.0.1:{port}"\n'
    )


def oper_states(url: str) -> dict[str, dict[str, str]]:
    """vm_name → the labels of its vmwatch_vm_oper_state sample, plus its value as "value"."""
    with urllib.request.urlopen(url, timeout=5) as response:
        body = response.read().decode()
    out = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            if s.name == "vmwatch_vm_oper_state":
                out[s.labels["vm_name"]] = {**s.labels, "value": str(int(s.value))}
    return out


class Webhooks:
    """A real HTTP server on a loopback port that keeps every JSON body POSTed to it, by path."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with hooks._lock:
                    hooks.received.append((self.path, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"

    def posts(self) -> list[tuple[str, dict]]:
        """(path, body) of every POST so far."""
        with self._lock:
            return list(self.received)

    def bodies(self, path: str) -> list[dict]:
        return [body for p, body in self.posts() if p == path]

    def alerts(self, path: str, status: str, **labels: str) -> list[dict]:
        """Alerts with this status and these labels in the notifications POSTed to `path`."""
        return [
            a
            for body in self.bodies(path)
            for a in body["alerts"]
            if a["status"] == status and all(a["labels"].get(k) == v for k, v in labels.items())
        ]


@pytest.fixture
def webhooks() -> Iterator[Webhooks]:
    hooks = Webhooks()
    thread = threading.Thread(target=hooks.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks
    finally:
        hooks.server.shutdown()
        hooks.server.server_close()
        thread.join(10)


@pytest.fixture
def alertmanager(tmp_path_factory, webhooks) -> Iterator[Alertmanager]:
    """Alertmanager with the shipped route example. Changed only where a test must: every webhook
    URL points at `webhooks` (same path), and group_wait/group_interval are 1 s instead of
    seconds to minutes, so that notifications come within the test."""
    config = yaml.safe_load(ROUTES.read_text())
    for receiver in config["receivers"]:
        for hook in receiver.get("webhook_configs", []):
            hook["url"] = urllib.parse.urlsplit(hook["url"])._replace(netloc=webhooks.address).geturl()
    routes = [config["route"]]
    while routes:
        route = routes.pop()
        for key in ("group_wait", "group_interval"):
            if key in route:
                route[key] = "1s"
        routes.extend(route.get("routes", []))
    server = Alertmanager(tmp_path_factory.mktemp("alertmanager"), config_text=yaml.safe_dump(config)).start()
    try:
        yield server
    finally:
        server.stop()


def test_crashed_vm_pages_on_call_and_its_recovery_resolves(
    tmp_path, webhooks, alertmanager, prometheus_server
):
    crashed_host, recovered_host = tmp_path / "host-crashed.xml", tmp_path / "host-recovered.xml"
    crashed_host.write_text(host_xml(crashed=True))
    recovered_host.write_text(host_xml(crashed=False))
    crashed_name, crashed_uuid = demo.vm_name(CRASHED_VM), str(demo.vm_uuid(CRASHED_VM))
    running_name, running_uuid = demo.vm_name(RUNNING_VM), str(demo.vm_uuid(RUNNING_VM))

    port = free_port()
    config, state = tmp_path / "vmwatch.toml", tmp_path / "state"
    write_config(config, state, port, crashed_host)
    url = f"http://127.0.0.1:{port}/metrics"
    argv = [sys.executable, "-m", "vmwatch", "serve", "--config", str(config)]
    vmwatch = Service("vmwatch", argv, tmp_path / "vmwatch.log").start()
    prometheus = None

    def explain(exc: Exception) -> AssertionError:
        try:
            alerts = prometheus.query("ALERTS") if prometheus is not None else "-"
        except (OSError, ValueError, ServiceError) as error:
            alerts = repr(error)
        logs = "\n".join(s.describe() for s in (vmwatch, prometheus, alertmanager) if s is not None)
        received = json.dumps(webhooks.posts(), indent=1)
        return AssertionError(f"{exc}\nwebhooks received: {received}\nPrometheus ALERTS: {alerts}\n{logs}")

    def wait_for_alerts(check: Callable[[], list[dict]], what: str) -> list[dict]:
        try:
            wait_for(lambda: bool(check()), 30, what, vmwatch)
        except ServiceError as exc:
            raise explain(exc) from exc
        return check()

    try:
        wait_for(lambda: len(oper_states(url)) == 2, 30, "vmwatch to export both VMs", vmwatch)
        exported = oper_states(url)
        assert exported[crashed_name]["value"] == str(OPER_CRASHED), exported
        assert exported[running_name]["value"] == str(OPER_RUNNING), exported
        assert exported[crashed_name]["vm_uuid"] == crashed_uuid, exported

        target = f"127.0.0.1:{port}"
        prometheus = prometheus_server([target], rule_files=[RULES], alertmanager=alertmanager.address)

        # Firing: VMCrashed through the critical sub-route to on-call.
        (firing,) = wait_for_alerts(
            lambda: webhooks.alerts("/vm-oncall", "firing", alertname="VMCrashed"), "VMCrashed at /vm-oncall"
        )
        assert firing["labels"] == {
            "alertname": "VMCrashed",
            "severity": "critical",
            "hypervisor": exported[crashed_name]["hypervisor"],
            "vm_name": exported[crashed_name]["vm_name"],
            "vm_uuid": exported[crashed_name]["vm_uuid"],
            "job": "vmwatch",
            "instance": target,
        }, firing
        assert firing["labels"]["hypervisor"] == "lab"
        assert firing["annotations"]["summary"] == f"VM {crashed_name} crashed on lab"
        assert f"({crashed_uuid}) is crashed(12)" in firing["annotations"]["description"]
        (notification,) = webhooks.bodies("/vm-oncall")
        assert notification["receiver"] == "vm-oncall" and notification["status"] == "firing"
        assert notification["groupLabels"] == {"alertname": "VMCrashed", "hypervisor": "lab"}
        # The running VM would have been in the same group, so in that same notification.
        assert len(notification["alerts"]) == 1, notification

        # Recovery: after a reload, vmwatch reads a host where the VM runs again.
        write_config(config, state, port, recovered_host)
        os.kill(vmwatch.pid, signal.SIGHUP)
        wait_for(
            lambda: oper_states(url)[crashed_name]["value"] == str(OPER_RUNNING),
            30,
            "the VM running again",
            vmwatch,
        )
        (resolved,) = wait_for_alerts(
            lambda: webhooks.alerts("/vm-oncall", "resolved", alertname="VMCrashed"),
            "resolved VMCrashed at /vm-oncall",
        )
        assert resolved["labels"] == firing["labels"]
        assert resolved["fingerprint"] == firing["fingerprint"]
        assert dt.datetime.fromisoformat(resolved["endsAt"]) > dt.datetime.fromisoformat(firing["startsAt"])
        # Resolved because the VM runs, not because its series went away (which resolves an alert
        # too): vmwatch saw crashed → running, and every scrape so far had the VM's state.
        prometheus.wait_for_query(
            'vmwatch_vm_state_changes_total{hypervisor="lab",from="crashed",to="running"} == 1'
        )
        scrapes = 'count_over_time(up{job="vmwatch"}[10m])'
        with_vm = f'count_over_time(vmwatch_vm_oper_state{{vm_uuid="{crashed_uuid}"}}[10m])'
        (gaps,) = prometheus.query(f"{scrapes} - on() {with_vm}")
        assert gaps["value"][1] == "0", gaps

        # Nothing ever about the VM that kept running, on any route; nothing else went to on-call.
        about_running_vm = [
            (path, a)
            for path, body in webhooks.posts()
            for a in body["alerts"]
            if a["labels"].get("vm_uuid") == running_uuid or a["labels"].get("vm_name") == running_name
        ]
        assert about_running_vm == []
        on_call = {a["labels"]["alertname"] for body in webhooks.bodies("/vm-oncall") for a in body["alerts"]}
        assert on_call == {"VMCrashed"}
        assert vmwatch.alive() and alertmanager.alive() and prometheus.alive()
    finally:
        vmwatch.stop()
    assert vmwatch.proc.returncode == 0, vmwatch.describe()
