"""The Prometheus collector and exposition on hand-built snapshots: values, units, types, labels,
the golden exposition, promtool's lint, equivalence with prometheus_client's own encoders, speed."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_latest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

from prometheus_snapshots import OFF_UUID, TAKEN_AT, WEB_UUID, fleet_snapshot, small_snapshot
from services import require_program
from vmwatch.poller import BackendHealth, SnapshotCache
from vmwatch_prometheus import collector, exposition
from vmwatch_prometheus.collector import ALL_SPECS, SNAPSHOT_SPECS, VmwatchCollector, cpuset, mac_text

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "prometheus_small.prom"
NOW = TAKEN_AT + 10
# What Prometheus 2.x sends: OpenMetrics preferred, gzip always.
PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)
WEB = {"hypervisor": "kvm01", "vm_uuid": str(WEB_UUID), "vm_name": "web-1"}
OFF = {"hypervisor": "kvm01", "vm_uuid": str(OFF_UUID), "vm_name": 'db "primary"'}


@pytest.fixture
def frozen_build(monkeypatch):
    """Build info independent of the Python running the tests (for the golden file)."""
    monkeypatch.setattr(collector, "__version__", "0.1.0")
    monkeypatch.setattr(collector, "_python_version", lambda: "3.11.7")


def make_registry(*snapshots, health=(), stale_after=60.0, now=NOW):
    cache = SnapshotCache(stale_after=stale_after, clock=lambda: now)
    for snapshot in snapshots:
        cache.publish(snapshot)
    for h in health:
        cache.set_health(h)
    registry = CollectorRegistry()
    registry.register(VmwatchCollector(cache, clock=lambda: now))
    return registry, cache


def scrape(registry, accept=None, encoding=None) -> str:
    body, headers = exposition.encode(registry, accept, encoding)
    if ("Content-Encoding", "gzip") in headers:
        body = gzip.decompress(body)
    return body.decode()


def samples(text: str, openmetrics: bool = False) -> dict:
    """{(sample name, frozenset(labels)): value} of an exposition."""
    families = parse_openmetrics(text) if openmetrics else parse_text(text)
    out = {}
    for family in families:
        for s in family.samples:
            key = (s.name, frozenset(s.labels.items()))
            assert key not in out, f"duplicate series {key}"
            out[key] = s.value
    return out


def value(text: str, name: str, **labels) -> float | None:
    """The value of the one sample of `name` carrying exactly `labels`."""
    return samples(text).get((name, frozenset(labels.items())))


def families(registry) -> dict:
    return {f.name: f for f in registry.collect()}


# --- Values and units -----------------------------------------------------------------------------


def test_hypervisor_scalars_in_base_units():
    registry, _ = make_registry(small_snapshot())
    text = scrape(registry)
    assert value(text, "vmwatch_hypervisor_info", hypervisor="kvm01", backend="lab", software="QEMU",
                 version="8.2.0", object_id="1.3.6.1.4.1.99999.1", host_name="kvm01.example.net") == 1
    assert value(text, "vmwatch_hypervisor_uptime_seconds", hypervisor="kvm01") == 86400.0  # 8640000 TimeTicks
    assert value(text, "vmwatch_vms", hypervisor="kvm01") == 2
    assert value(text, "vmwatch_vm_table_last_change_seconds", hypervisor="kvm01") == 1.0  # 100 TimeTicks


def test_vm_values_in_base_units():
    registry, _ = make_registry(small_snapshot())
    text = scrape(registry)
    assert value(text, "vmwatch_vm_info", **WEB, vm_index="1", os_type="linux") == 1
    assert value(text, "vmwatch_vm_admin_state", **WEB) == 1  # running(1)
    assert value(text, "vmwatch_vm_oper_state", **WEB) == 4  # running(4)
    assert value(text, "vmwatch_vm_oper_state", **OFF) == 11  # shutdown(11)
    assert value(text, "vmwatch_vm_autostart", **WEB) == 2  # enabled(2)
    assert value(text, "vmwatch_vm_persistent", **WEB) == 2  # persistent(2)
    assert value(text, "vmwatch_vm_vcpus", **WEB) == 2
    assert value(text, "vmwatch_vm_vcpus_min", **WEB) == 1
    assert value(text, "vmwatch_vm_vcpus_max", **WEB) == 4
    assert value(text, "vmwatch_vm_memory_bytes", **WEB) == 2 * 1024**3  # 2097152 × vmMemUnit 1024
    assert value(text, "vmwatch_vm_memory_max_bytes", **WEB) == 4 * 1024**3
    assert value(text, "vmwatch_vm_memory_max_bytes", **OFF) == 8 * 1024**3  # 8192 × 1 MiB
    assert value(text, "vmwatch_vm_uptime_seconds", **WEB) == 3600.0  # 360000 TimeTicks
    assert value(text, "vmwatch_vm_cpu_seconds_total", **WEB) == 123.456789  # 123456789 µs
    assert value(text, "vmwatch_vm_vcpu_seconds_total", **WEB, vcpu="1") == 60.0
    assert value(text, "vmwatch_vm_vcpu_seconds_total", **WEB, vcpu="2") == 63.456789


def test_affinity_is_one_cpuset_per_vcpu():
    registry, _ = make_registry(small_snapshot())
    text = scrape(registry)
    assert value(text, "vmwatch_vm_vcpu_affinity_info", **WEB, vcpu="1", cpus="0-3,8") == 1
    assert value(text, "vmwatch_vm_vcpu_affinity_info", **WEB, vcpu="2", cpus="5") == 1
    assert len([k for k in samples(text) if k[0] == "vmwatch_vm_vcpu_affinity_info"]) == 2


def test_memory_statistics_extension():
    registry, _ = make_registry(small_snapshot())
    text = scrape(registry)
    assert value(text, "vmwatch_vm_memory_balloon_bytes", **WEB) == 2147483648
    assert value(text, "vmwatch_vm_memory_rss_bytes", **WEB) == 1800000000
    assert value(text, "vmwatch_vm_memory_swap_in_bytes_total", **WEB) == 4096
    assert value(text, "vmwatch_vm_memory_minor_faults_total", **WEB) == 1234
    assert value(text, "vmwatch_vm_memory_unused_bytes", **WEB) is None  # None in the model: no sample
    assert value(text, "vmwatch_vm_memory_balloon_bytes", **OFF) is None  # no statistics at all


def test_disk_values_and_info():
    registry, _ = make_registry(small_snapshot())
    text = scrape(registry)
    vda = {**WEB, "device": "vda"}
    assert value(text, "vmwatch_vm_disk_info", **vda, storage_index="1", bus="virtio", parent="", source_type="sparse",
                 source_type_string="file", resource_id="/var/lib/libvirt/images/web-1.qcow2", access="readwrite",
                 media_type="hardDisk", media_type_string="disk") == 1
    assert value(text, "vmwatch_vm_disk_info", **WEB, device="hdc", storage_index="2", bus="ide", parent="",
                 source_type="raw", source_type_string="", resource_id="", access="readonly",
                 media_type="opticalDisk", media_type_string="") == 1
    assert value(text, "vmwatch_vm_disk_defined_bytes", **vda) == 20 * 1024**3  # 41943040 × 512
    assert value(text, "vmwatch_vm_disk_allocated_bytes", **vda) == 4 * 1024**3
    assert value(text, "vmwatch_vm_disk_read_requests_total", **vda) == 1500
    assert value(text, "vmwatch_vm_disk_write_requests_total", **vda) == 700
    assert value(text, "vmwatch_vm_disk_read_bytes_total", **vda) == 61440000
    assert value(text, "vmwatch_vm_disk_write_bytes_total", **vda) == 28672000
    assert value(text, "vmwatch_vm_disk_read_time_seconds_total", **vda) == 2.5  # 2500000 µs
    assert value(text, "vmwatch_vm_disk_write_time_seconds_total", **vda) == 1.25
    assert value(text, "vmwatch_vm_disk_defined_bytes", **OFF, device="sda") == 100 * 1024**3


def test_network_values_and_info():
    registry, _ = make_registry(small_snapshot())
    text = scrape(registry)
    vnet = {**WEB, "device": "vnet0"}
    assert value(text, "vmwatch_vm_network_info", **vnet, network_index="1", if_index="12", parent_if_index="3",
                 model="virtio", mac="52:54:00:12:34:56", bridge="virbr0", network="default") == 1
    # A shut-off VM's interface has no host device: it is named by its key, and unknown ifIndexes are empty.
    assert value(text, "vmwatch_vm_network_info", **OFF, device="52:54:00:ab:cd:ef", network_index="1", if_index="",
                 parent_if_index="", model="", mac="52:54:00:ab:cd:ef", bridge="", network="") == 1
    expected = {"receive_bytes": 1000, "receive_packets": 10, "receive_errors": 1, "receive_drops": 2,
                "transmit_bytes": 2000, "transmit_packets": 20, "transmit_errors": 3, "transmit_drops": 4}
    for name, number in expected.items():
        assert value(text, f"vmwatch_vm_network_{name}_total", **vnet) == number, name


def test_minus_one_and_unknown_values_give_no_sample():
    registry, _ = make_registry(small_snapshot())
    text = scrape(registry)
    assert value(text, "vmwatch_vm_memory_min_bytes", **WEB) is None  # vmMinMem -1: no lower bound
    assert value(text, "vmwatch_vm_vcpus_max", **OFF) is None  # vmMaxCpuNumber -1: no limit
    assert value(text, "vmwatch_vm_vcpus_min", **OFF) is None
    assert value(text, "vmwatch_vm_disk_defined_bytes", **WEB, device="hdc") is None  # -1: not available
    assert value(text, "vmwatch_vm_disk_allocated_bytes", **WEB, device="hdc") is None
    assert value(text, "vmwatch_vm_cpu_seconds_total", **OFF) is None  # vmCpuTime None: not running
    assert value(text, "vmwatch_vm_vcpu_seconds_total", **OFF, vcpu="1") is None
    assert value(text, "vmwatch_vm_disk_read_bytes_total", **WEB, device="hdc") is None
    assert value(text, "vmwatch_vm_network_receive_bytes_total", **OFF, device="52:54:00:ab:cd:ef") is None
    # ... while the rows themselves are still there: shut-off VMs are not hidden.
    assert value(text, "vmwatch_vm_vcpus", **OFF) == 0
    assert value(text, "vmwatch_vm_memory_bytes", **OFF) == 0


def test_label_values_are_escaped():
    registry, _ = make_registry(small_snapshot())
    raw = scrape(registry)
    assert 'vm_name="db \\"primary\\""' in raw
    assert value(raw, "vmwatch_vm_oper_state", **OFF) == 11  # and parse back to the original name


def test_labels_are_bounded():
    """Only identifiers: no timestamps, values or messages in label values; the label names are fixed."""
    registry, _ = make_registry(small_snapshot())
    allowed = {spec.exposed: set(spec.labels) for spec in ALL_SPECS}
    for (name, labels), _ in samples(scrape(registry)).items():
        assert {k for k, _ in labels} == allowed[name], name


def test_counters_are_counters_and_info_metrics_are_info():
    registry, _ = make_registry(small_snapshot(), health=[BackendHealth("lab", "libvirt", up=True, reads=3, failures=1)])
    found = families(registry)
    counters = {"vmwatch_vm_cpu_seconds", "vmwatch_vm_vcpu_seconds", "vmwatch_vm_disk_read_bytes",
                "vmwatch_vm_disk_read_time_seconds", "vmwatch_vm_network_receive_bytes",
                "vmwatch_vm_memory_swap_in_bytes", "vmwatch_vm_memory_major_faults", "vmwatch_backend_reads",
                "vmwatch_backend_read_failures"}
    for name in counters:
        assert found[name].type == "counter", name
    for name in ("vmwatch_vm_oper_state", "vmwatch_vm_memory_bytes", "vmwatch_vm_uptime_seconds", "vmwatch_vms"):
        assert found[name].type == "gauge", name
    for name in ("vmwatch_vm", "vmwatch_hypervisor", "vmwatch_vm_disk", "vmwatch_vm_network", "vmwatch_build"):
        assert found[name].type == "info", name
    for spec in ALL_SPECS:
        assert spec.exposed.endswith("_total") == (spec.kind == "counter"), spec.name
        assert spec.exposed.startswith("vmwatch_")


# --- Health, staleness, build ---------------------------------------------------------------------


def test_backend_health_and_snapshot_age(frozen_build):
    health = [
        BackendHealth("lab", "libvirt", up=True, last_success=TAKEN_AT, last_duration=0.25, reads=7, failures=2),
        BackendHealth("down", "libvirt", up=False, reads=3, failures=3, last_error="refused"),
    ]
    registry, _ = make_registry(small_snapshot(), health=health)
    text = scrape(registry)
    assert value(text, "vmwatch_backend_up", backend="lab", type="libvirt") == 1
    assert value(text, "vmwatch_backend_up", backend="down", type="libvirt") == 0
    assert value(text, "vmwatch_backend_read_duration_seconds", backend="lab") == 0.25
    assert value(text, "vmwatch_backend_last_success_timestamp_seconds", backend="lab") == TAKEN_AT
    assert value(text, "vmwatch_backend_last_success_timestamp_seconds", backend="down") is None  # never
    assert value(text, "vmwatch_backend_reads_total", backend="lab") == 7
    assert value(text, "vmwatch_backend_read_failures_total", backend="down") == 3
    assert value(text, "vmwatch_snapshot_age_seconds", hypervisor="kvm01") == 10.0
    assert value(text, "vmwatch_snapshot_stale", hypervisor="kvm01") == 0
    assert value(text, "vmwatch_build_info", version="0.1.0", python_version="3.11.7") == 1


def test_a_stale_snapshot_is_still_served_and_flagged():
    registry, _ = make_registry(small_snapshot(), stale_after=5.0)  # 10 s old
    text = scrape(registry)
    assert value(text, "vmwatch_snapshot_stale", hypervisor="kvm01") == 1
    assert value(text, "vmwatch_vm_oper_state", **WEB) == 4


# --- collect() per scrape, describe() without reading ---------------------------------------------


def test_collect_follows_the_cache_and_yields_fresh_families():
    registry, cache = make_registry(small_snapshot())
    first = families(registry)
    assert value(scrape(registry), "vmwatch_vm_oper_state", **WEB) == 4
    snapshot = small_snapshot()
    paused = replace(snapshot, vms=(replace(snapshot.vms[0], oper_state=8), snapshot.vms[1]))
    cache.publish(paused)
    second = families(registry)
    assert second["vmwatch_vm_oper_state"] is not first["vmwatch_vm_oper_state"]
    assert value(scrape(registry), "vmwatch_vm_oper_state", **WEB) == 8
    cache.publish(small_snapshot("kvm02"))
    assert value(scrape(registry), "vmwatch_vms", hypervisor="kvm02") == 2
    cache.forget("kvm02")
    assert value(scrape(registry), "vmwatch_vms", hypervisor="kvm02") is None


def test_an_unchanged_snapshot_is_rendered_once(monkeypatch):
    registry, cache = make_registry(small_snapshot())
    rendered = []
    original = collector.render_snapshot

    def counting(snapshot, *args):
        rendered.append(snapshot)
        return original(snapshot, *args)

    monkeypatch.setattr(collector, "render_snapshot", counting)
    for _ in range(3):
        scrape(registry)
    assert len(rendered) == 1
    cache.publish(small_snapshot())  # a new object, even with equal content, is a new snapshot
    scrape(registry)
    scrape(registry)
    assert len(rendered) == 2 and rendered[1] is cache.snapshot("kvm01")


def test_describe_does_not_read_the_cache():
    class Untouchable(SnapshotCache):
        def snapshots(self):
            raise AssertionError("describe() read the cache")

        def health(self):
            raise AssertionError("describe() read the cache")

    registry = CollectorRegistry()
    registry.register(VmwatchCollector(Untouchable()))  # register() calls describe()
    names = {f.name for f in VmwatchCollector(Untouchable()).describe()}
    assert names == {spec.name for spec in ALL_SPECS}


# --- HELP text names the MIB object; every MIB object is represented; docs list every metric ------

# VM-MIB objects with no metric of their own, and why.
NOT_METRICS = {
    "vmTable": "table", "vmEntry": "row", "vmCpuTable": "table", "vmCpuEntry": "row",
    "vmCpuAffinityTable": "table (its columns are in vmwatch_vm_vcpu_affinity_info)", "vmCpuAffinityEntry": "row",
    "vmStorageTable": "table", "vmStorageEntry": "row", "vmNetworkTable": "table", "vmNetworkEntry": "row",
    "vmPerVMNotificationsEnabled": "SNMP-only switch", "vmBulkNotificationsEnabled": "SNMP-only switch",
    "vmAffectedVMs": "accessible-for-notify only",
}


def mib_objects() -> list[str]:
    text = (ROOT / "mibs" / "VM-MIB").read_text()
    return re.findall(r"^(vm\w+)\s+OBJECT-TYPE", text, flags=re.M)


def test_every_mib_object_is_named_in_some_help_text():
    objects = mib_objects()
    assert len(objects) > 50
    helps = " ".join(spec.help for spec in ALL_SPECS)
    missing = [o for o in objects if o not in NOT_METRICS and not re.search(rf"\b{o}\b", helps)]
    assert missing == []


def test_metrics_that_mirror_the_mib_say_so_in_help():
    for spec in SNAPSHOT_SPECS:
        if spec.source == "extension":
            assert "(extension, not in VM-MIB)" in spec.help, spec.name
        else:
            named = re.findall(r"\bvm[A-Z]\w+", spec.source)
            assert named and f"(VM-MIB {spec.source})" in spec.help, spec.name
            assert all(n in mib_objects() for n in named), (spec.name, named)


def test_state_gauges_list_their_codes_in_help():
    found = {spec.name: spec.help for spec in ALL_SPECS}
    assert "4 running" in found["vmwatch_vm_oper_state"] and "12 crashed" in found["vmwatch_vm_oper_state"]
    assert "1 running" in found["vmwatch_vm_admin_state"] and "4 shutdown" in found["vmwatch_vm_admin_state"]
    assert "2 enabled, 3 disabled" in found["vmwatch_vm_autostart"]
    assert "2 persistent, 3 transient" in found["vmwatch_vm_persistent"]


def test_docs_list_every_metric_with_its_source():
    docs = (ROOT / "docs" / "metrics.md").read_text()
    for spec in ALL_SPECS:
        row = next((line for line in docs.splitlines() if line.startswith(f"| `{spec.exposed}`")), None)
        assert row is not None, f"{spec.exposed} missing from docs/metrics.md"
        assert spec.kind.replace("info", "info (gauge)") in row or spec.kind in row, spec.exposed
        for name in re.findall(r"\bvm[A-Z]\w+", spec.source):
            assert name in row, (spec.exposed, name)
        if spec.source == "extension":
            assert "extension" in row, spec.exposed
    for switch in ("vmPerVMNotificationsEnabled", "vmBulkNotificationsEnabled"):
        assert switch in docs  # explained as SNMP-only


# --- Golden exposition, promtool, equivalence with prometheus_client ------------------------------


def golden_registry():
    health = [BackendHealth("lab", "libvirt", up=True, last_success=TAKEN_AT, last_duration=0.125, reads=5, failures=1)]
    return make_registry(small_snapshot(), small_snapshot("kvm02"), health=health)[0]


def test_golden_exposition(frozen_build):
    text = scrape(golden_registry())
    if os.environ.get("VMWATCH_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), "exposition changed; review and rerun with VMWATCH_UPDATE_GOLDEN=1"


def promtool_check(text: str) -> subprocess.CompletedProcess:
    return subprocess.run([require_program("promtool"), "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=120)


def test_promtool_accepts_the_exposition(frozen_build):
    done = promtool_check(scrape(golden_registry()))
    assert done.returncode == 0 and not done.stdout.strip() and not done.stderr.strip(), done.stdout + done.stderr


def test_promtool_accepts_a_large_exposition():
    registry, _ = make_registry(fleet_snapshot(vms=50))
    done = promtool_check(scrape(registry))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("snapshot", [small_snapshot(), fleet_snapshot(vms=20)], ids=["small", "fleet"])
def test_fast_encoder_matches_prometheus_client(snapshot):
    """Same samples as prometheus_client's own encoders, in both formats, plain and gzipped."""
    registry, _ = make_registry(snapshot, small_snapshot("kvm02"))
    text = scrape(registry)
    assert samples(text) == samples(generate_latest(registry).decode())
    assert scrape(registry, encoding="gzip") == text
    om = scrape(registry, accept=PROMETHEUS_ACCEPT, encoding="gzip")
    assert om.endswith("# EOF\n") and om.count("# EOF") == 1
    assert samples(om, openmetrics=True) == samples(openmetrics_latest(registry).decode(), openmetrics=True)
    # HELP, TYPE and UNIT lines are those prometheus_client writes.
    headers = [line for line in om.splitlines() if line.startswith("#")]
    reference = [line for line in openmetrics_latest(registry).decode().splitlines() if line.startswith("#")]
    assert headers == reference


def test_content_negotiation_and_name_filter():
    registry, _ = make_registry(small_snapshot())
    _, headers = exposition.encode(registry, PROMETHEUS_ACCEPT, "gzip")
    assert dict(headers)["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert dict(headers)["Content-Encoding"] == "gzip"
    _, headers = exposition.encode(registry, None, None)
    assert dict(headers) == {"Content-Type": "text/plain; version=0.0.4; charset=utf-8"}
    body, _ = exposition.encode(registry, None, None, {"name[]": ["vmwatch_vms"]})
    assert set(name for name, _ in samples(body.decode())) == {"vmwatch_vms"}


def test_foreign_collectors_are_rendered_by_prometheus_client():
    from prometheus_client import Counter

    registry, _ = make_registry(small_snapshot())
    counter = Counter("other_events", "Something else", registry=registry)
    counter.inc(3)
    text = scrape(registry, accept=PROMETHEUS_ACCEPT)
    assert samples(text, openmetrics=True)[("other_events_total", frozenset())] == 3


# --- Small pure helpers ---------------------------------------------------------------------------


def test_cpuset_and_mac_text():
    assert cpuset([0, 1, 2, 3, 8]) == "0-3,8"
    assert cpuset([5]) == "5"
    assert cpuset([]) == ""
    assert cpuset([3, 1, 2, 2, 7, 9, 8]) == "1-3,7-9"
    assert mac_text(bytes.fromhex("525400abcdef")) == "52:54:00:ab:cd:ef"
    assert mac_text(b"") == ""


def expand(text: str) -> set[int]:
    out: set[int] = set()
    for part in filter(None, text.split(",")):
        low, _, high = part.partition("-")
        out.update(range(int(low), int(high or low) + 1))
    return out


@given(st.sets(st.integers(min_value=0, max_value=4095)))
def test_cpuset_round_trips(numbers):
    text = cpuset(numbers)
    assert expand(text) == numbers
    assert re.fullmatch(r"(\d+(-\d+)?(,\d+(-\d+)?)*)?", text)


# --- Speed at 1000 VMs -------------------------------------------------------------------------------


def test_a_scrape_of_1000_vms_is_fast(capsys):
    snapshot = fleet_snapshot(vms=1000, devices=4, vcpus=2)
    registry, cache = make_registry(snapshot)
    started = time.perf_counter()
    first, _ = exposition.encode(registry, PROMETHEUS_ACCEPT, "gzip")  # renders and compresses the snapshot
    first_time = time.perf_counter() - started
    times = []
    for _ in range(5):
        started = time.perf_counter()
        body, _ = exposition.encode(registry, PROMETHEUS_ACCEPT, "gzip")
        times.append(time.perf_counter() - started)
    series = len(samples(gzip.decompress(body).decode(), openmetrics=True))
    with capsys.disabled():
        print(f"\n1000 VMs: {series} series, {len(gzip.decompress(body)) / 1e6:.1f} MB "
              f"({len(body) / 1e6:.2f} MB gzipped); first scrape {first_time * 1000:.0f} ms, "
              f"then {min(times) * 1000:.1f}-{max(times) * 1000:.1f} ms")
    assert series > 95_000
    assert min(times) < 0.1, times  # the cached scrape: concatenation and CRC only
    assert first_time < 2.0  # rendering from scratch (done on publish in production), with room for slow CI


# --- Degrading, not failing ---------------------------------------------------------------------------


def test_duplicate_device_names_fall_back_to_the_unique_keys():
    snapshot = small_snapshot()
    web = snapshot.vms[0]
    twins = (replace(web.storage[0], device="vda"), replace(web.storage[1], device="vda"))  # keys vda, hdc
    registry, _ = make_registry(replace(snapshot, vms=(replace(web, storage=twins), snapshot.vms[1])))
    text = scrape(registry)  # samples() asserts that no series is duplicated
    assert value(text, "vmwatch_vm_disk_read_requests_total", **WEB, device="vda") == 1500
    assert {dict(labels)["device"] for name, labels in samples(text) if name == "vmwatch_vm_disk_info"
            and dict(labels)["vm_name"] == "web-1"} == {"vda", "hdc"}


def test_a_snapshot_that_cannot_be_rendered_is_left_out_and_logged_once(caplog):
    snapshot = small_snapshot("broken")
    web = snapshot.vms[0]
    bad = replace(snapshot, vms=(replace(web, storage=(replace(web.storage[0], source_type=99),)),))
    registry, _ = make_registry(small_snapshot(), bad)
    with caplog.at_level("ERROR", logger="vmwatch_prometheus.collector"):
        text = scrape(registry)
        scrape(registry)
    assert value(text, "vmwatch_vms", hypervisor="kvm01") == 2
    assert value(text, "vmwatch_vms", hypervisor="broken") is None
    assert value(text, "vmwatch_snapshot_age_seconds", hypervisor="broken") == 10.0  # health still there
    assert len([r for r in caplog.records if "cannot render the snapshot of broken" in r.getMessage()]) == 1


def test_values_of_any_numeric_type_are_valid_exposition():
    assert collector.fmt(True) == "1.0" and collector.fmt(3) == "3" and collector.fmt(0.5) == "0.5"
    assert collector.fmt(float("inf")) == "+Inf" and collector.fmt(float("nan")) == "NaN"
    assert collector.fmt(2**64 - 1) == "18446744073709551615"  # a Counter64 at its end, exactly
