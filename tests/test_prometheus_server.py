"""A real Prometheus (Debian's package) scrapes the exporter on loopback: plain, TLS + basic auth, 1000 VMs.

Prometheus is started by the `prometheus_server` fixture (tests/services.py): in a temporary
directory, polled until ready, stopped by PID, its log in every failure message. A missing
`prometheus` binary fails these tests; it never skips them.
"""

from __future__ import annotations

import time
import urllib.request
from dataclasses import replace

import bcrypt
import pytest

from certificates import make_pki
from prometheus_snapshots import fleet_snapshot, small_snapshot
from services import wait_for
from vmwatch.model import OperState
from vmwatch.poller import BackendHealth, SnapshotCache
from vmwatch_prometheus import plugin

pytestmark = pytest.mark.integration

PASSWORD = "scrape me"


@pytest.fixture
def exporter():
    """Factory: an exporter serving a SnapshotCache on a free loopback port; stopped afterwards."""
    started = []

    def start(cache: SnapshotCache, **options) -> plugin.PrometheusExporter:
        instance = plugin.create({"listen": "127.0.0.1:0", **options})
        instance.start(cache)
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


def target(instance: plugin.PrometheusExporter) -> str:
    host, port = instance.server.address
    return f"{host}:{port}"


def single(prom, expr: str) -> tuple[dict, float]:
    """The one series of an instant query: its labels and value."""
    result = prom.query(expr)
    assert len(result) == 1, (expr, result, prom.describe())
    return result[0]["metric"], float(result[0]["value"][1])


def test_prometheus_scrapes_the_snapshot(prometheus_server, exporter):
    cache = SnapshotCache(stale_after=3600)
    snapshot = replace(small_snapshot(), taken_at=time.time())
    cache.publish(snapshot)
    cache.set_health(BackendHealth("lab", "libvirt", up=True, last_success=time.time(), last_duration=0.01, reads=1))
    instance = exporter(cache)
    prom = prometheus_server([target(instance)], interval="1s")

    prom.wait_for_query('vmwatch_vm_oper_state{vm_name="web-1"}')
    labels, value = single(prom, 'vmwatch_vm_oper_state{vm_name="web-1"}')
    assert value == 4 and labels["hypervisor"] == "kvm01" and labels["vm_uuid"] == str(snapshot.vms[0].uuid)
    assert single(prom, 'vmwatch_vm_cpu_seconds_total{vm_name="web-1"}')[1] == 123.456789
    assert single(prom, 'vmwatch_vm_memory_bytes{vm_name="web-1"}')[1] == 2 * 1024**3
    assert single(prom, 'vmwatch_vm_disk_read_time_seconds_total{device="vda"}')[1] == 2.5
    assert single(prom, "count(vmwatch_vm_disk_info)")[1] == 3
    assert single(prom, 'vmwatch_vm_vcpu_affinity_info{vm_name="web-1",vcpu="1"}')[0]["cpus"] == "0-3,8"
    assert single(prom, "vmwatch_vm_oper_state == 11")[0]["vm_name"] == 'db "primary"'  # escaping survives
    assert single(prom, 'vmwatch_backend_up{backend="lab",type="libvirt"}')[1] == 1
    assert single(prom, 'vmwatch_snapshot_stale{hypervisor="kvm01"}')[1] == 0

    # Every scrape calls collect(): a new snapshot shows at the next one.
    web = snapshot.vms[0]
    cache.publish(replace(snapshot, vms=(replace(web, oper_state=OperState.PAUSED), snapshot.vms[1]),
                          taken_at=time.time()))
    prom.wait_for_query('vmwatch_vm_oper_state{vm_name="web-1"} == 8', timeout=15)

    (active,) = prom.api("/api/v1/targets")["activeTargets"]
    assert active["health"] == "up" and active["lastError"] == "", active
    with urllib.request.urlopen(f"http://{target(instance)}/metrics", timeout=10) as response:
        lines = [line for line in response.read().decode().splitlines() if line and not line.startswith("#")]
    assert single(prom, 'scrape_samples_scraped{job="vmwatch"}')[1] == len(lines)


def test_prometheus_scrapes_over_tls_with_basic_auth(prometheus_server, exporter, tmp_path):
    pki = make_pki(tmp_path / "pki")
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10)).decode()  # the cost users really use
    web_config = tmp_path / "web.yml"
    web_config.write_text(f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: {pki.server_key}\n"
                          f"basic_auth_users:\n  prometheus: {hashed}\n")
    cache = SnapshotCache(stale_after=3600)
    cache.publish(replace(small_snapshot(), taken_at=time.time()))
    secure = exporter(cache, web_config_file=str(web_config))
    plain = exporter(cache)

    def job(name: str, password: str) -> str:
        return (f"  - job_name: {name}\n    scheme: https\n    tls_config:\n      ca_file: {pki.ca}\n"
                f"    basic_auth:\n      username: prometheus\n      password: '{password}'\n"
                f"    static_configs:\n      - targets: ['{target(secure)}']")

    prom = prometheus_server([target(plain)], interval="1s",
                             extra_job=job("vmwatch-tls", PASSWORD) + "\n" + job("vmwatch-wrong", "guess"))
    prom.wait_for_query('up{job="vmwatch-tls"} == 1')
    assert single(prom, 'vmwatch_vm_oper_state{job="vmwatch-tls",vm_name="web-1"}')[1] == 4
    prom.wait_for_query('up{job="vmwatch-wrong"} == 0')

    def wrong_target_error() -> str:
        targets = prom.api("/api/v1/targets")["activeTargets"]
        return next(t["lastError"] for t in targets if t["labels"]["job"] == "vmwatch-wrong")

    wait_for(lambda: "401" in wrong_target_error(), 15, "the wrong password to be refused", prom)
    # Prometheus hands each job's targets to its scrape manager on its own tick (up to 5 s apart):
    # the plain job may not have been scraped yet, so wait for it; a refused scrape would be up == 0.
    prom.wait_for_query('up{job="vmwatch"}')
    assert single(prom, 'up{job="vmwatch"}')[1] == 1


PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)


def test_prometheus_scrapes_1000_vms(prometheus_server, exporter, capsys):
    cache = SnapshotCache(stale_after=3600)
    cache.publish(replace(fleet_snapshot(vms=1000), taken_at=time.time()))
    instance = exporter(cache)
    # Our share of a scrape: the HTTP exchange as Prometheus makes it (OpenMetrics, gzip).
    times = []
    for _ in range(5):
        request = urllib.request.Request(f"http://{target(instance)}/metrics",
                                         headers={"Accept": PROMETHEUS_ACCEPT, "Accept-Encoding": "gzip"})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
        times.append(time.perf_counter() - started)
    # Prometheus' share (parsing, and creating 98k series in its head on the first scrape) is its own.
    prom = prometheus_server([target(instance)], interval="5s")
    prom.wait_for_query('count_over_time(up{job="vmwatch"}[1m]) >= 3 and up{job="vmwatch"} == 1', timeout=90)
    assert single(prom, 'min_over_time(up{job="vmwatch"}[1m])')[1] == 1  # no scrape failed or timed out
    samples = single(prom, 'scrape_samples_scraped{job="vmwatch"}')[1]
    duration = single(prom, 'scrape_duration_seconds{job="vmwatch"}')[1]
    assert samples > 98000
    assert single(prom, 'count(vmwatch_vm_oper_state{hypervisor="big"} == 4)')[1] == 1000
    assert single(prom, 'count(vmwatch_vm_disk_read_bytes_total{hypervisor="big"})')[1] == 4000
    with capsys.disabled():
        print(f"\n1000 VMs, {samples:.0f} samples: served in {min(times) * 1000:.0f}-{max(times) * 1000:.0f} ms "
              f"over HTTP; Prometheus reports a {duration * 1000:.0f} ms scrape (its parsing and storage included)")
    assert min(times) < 0.15, times
