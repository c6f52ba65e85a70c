"""The live analyser: pure parts (bins, windows, verdicts, options) and the analyser on loopback."""

from __future__ import annotations

import itertools
import math
import socket
import time
from types import SimpleNamespace

import pytest
from vmwatch_loganomaly import live
from vmwatch_loganomaly.edges import WindowEdges
from vmwatch_loganomaly.livestore import LiveStore
from vmwatch_loganomaly.online import LiveAnalyser, check, parse_options

from vmwatch.model import OperState

COMMON = ("1", "2", False)


def w(k: int, *extra) -> WindowEdges:
    return WindowEdges(k * 10.0, (k + 1) * 10.0, (COMMON, *extra))


def test_judge_rare_edges_after_warmup():
    history = [w(k) for k in range(12)] + [w(12, ("3", "4", True), ("4", "5", False))]
    v = live.judge(history, rare_windows=1, warmup=10)
    assert v.windows == 13 and v.edges == 3
    assert [k for k, _ in v.rare] == [("3", "4"), ("4", "5")]
    assert v.rare[0][1] == pytest.approx(math.log(14 / 2) + 1)
    assert v.score == pytest.approx(math.log(14 / 14) + 2 * math.log(14 / 2))
    early = live.judge(history[-3:], rare_windows=1, warmup=10)
    assert early.rare == ()  # warm-up: everything is new


def test_event_counts_and_bins():
    c = live.event_counts([(10, 7, 2), (10, 3, 1), (11, 7, 5)], 0.5)
    assert c.keys == (3, 7)
    assert c.bins.tolist() == [10, 10, 11] and c.series.tolist() == [1, 0, 1]
    assert c.time(10) == 5.0
    assert live.bin_of(5.49, 0.5) == 10 and live.window_of(27, 10) == 20
    assert live.short("x" * 200, 10) == "x" * 9 + "…"


def test_options():
    config, problems = parse_options({"bin": "1s", "window": "20s", "udp_port": 0, "tcp_port": False})
    assert problems == []
    assert config.bin_seconds == 1.0 and config.window_bins == 20 and config.receiver.tcp_port is None
    assert parse_options({})[0].window_bins == 60
    assert parse_options({"max_depth": 0})[0].max_depth == 0 and parse_options({})[0].max_depth is None
    keys = {p.key for p in check({"bin": "7s", "window": "20s", "udp_port": "x", "nope": 1, "alpha": 2,
                                  "alertmanager_url": "ftp://x", "timezone": "Mars/Base"})}  # fmt: skip
    assert keys == {"window", "udp_port", "nope", "alpha", "alertmanager_url", "timezone"}


def test_store_counts_add_up_and_windows_are_written_once(tmp_path):
    s = LiveStore(tmp_path / "live.sqlite")
    s.add_counts({(1, 5): 2}, {"h": (2, 0)})
    s.add_counts({(1, 5): 3, (2, 6): 1}, {"h": (1, 1)})
    assert s.counts(0, 10) == [(1, 5, 5), (2, 6, 1)]
    assert s.host_counts() == {"h": (3, 1)}
    win = WindowEdges(0.0, 10.0, (COMMON,))
    s.write_window(win, 2, 0, 0.0, 0.1, [])
    s.write_window(WindowEdges(0.0, 10.0, ()), 2, 0, 0.0, 0.1, [])
    assert s.windows() == [win]
    s.close()


LINE = "<13>{stamp} {host} {prog}[{pid}]: {msg}"


def line(host: str, prog: str, msg: str, pid: int = 42) -> bytes:
    stamp = time.strftime("%b %e %H:%M:%S", time.gmtime())
    return LINE.format(stamp=stamp, host=host, prog=prog, pid=pid, msg=msg).encode()


def analyser(tmp_path, **extra) -> LiveAnalyser:
    options = {"state": str(tmp_path / "live.sqlite"), "bin": "0.1s", "window": "1s", "udp_port": 0,
               "tcp_port": False, "warmup": 0, "filters": False, "flush": 0.05, **extra}  # fmt: skip
    config, problems = parse_options(options)
    assert problems == []
    return LiveAnalyser(config)


def send(a: LiveAnalyser, lines: list[bytes]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
        for x in lines:
            u.sendto(x, a.receiver.udp_address)


def wait(check, timeout=10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def total(path) -> int:
    s = LiveStore(path)
    try:
        return sum(n for _, _, n in s.counts(0, 2**62))
    finally:
        s.close()


def test_analyser_counts_learns_and_survives_a_restart(tmp_path):
    a = analyser(tmp_path)
    a.start(None)
    try:
        send(
            a,
            [
                line("kvm01", "sshd", f"Accepted publickey for root from 10.0.0.{i} port 22")
                for i in range(50)
            ],
        )
        send(a, [b"garbage that is not syslog"])
        wait(lambda: sum(n for n, _ in a.host_totals().values()) == 50)
        assert a.host_totals()["kvm01"] == (50, 0)
        assert a.host_totals()["127.0.0.1"] == (0, 1)
        assert a.templates_known() == 1 and a.new_templates == 1
        wait(lambda: a.last is not None)  # a window closed and was judged, off the analysis thread
    finally:
        a.stop()
    windows_before = len(LiveStore(tmp_path / "live.sqlite").windows())
    assert total(tmp_path / "live.sqlite") == 51 - 1  # the malformed line counts by host only

    b = analyser(tmp_path)
    b.start(None)
    try:
        assert b.templates_known() == 1 and b.host_totals()["kvm01"] == (50, 0)
        send(
            b, [line("kvm02", "sshd", "Accepted publickey for root from 10.0.0.9 port 22") for _ in range(20)]
        )
        wait(lambda: b.host_totals().get("kvm02") == (20, 0))
        assert b.new_templates == 0  # known from the store, not learnt again
        wait(lambda: b.windows_computed > windows_before)
    finally:
        b.stop()
    assert total(tmp_path / "live.sqlite") == 70
    starts = [x.start for x in LiveStore(tmp_path / "live.sqlite").windows()]
    assert starts == sorted(set(starts))
    assert all(b2 - b1 == pytest.approx(1.0) for b1, b2 in itertools.pairwise(starts))  # no holes


def test_vm_events_are_events_of_their_own(tmp_path):
    a = analyser(tmp_path)
    hub = SimpleNamespace(
        subscribed=[], subscribe=lambda f: hub.subscribed.append(f), unsubscribe=lambda f: None
    )
    a.start(SimpleNamespace(events=hub))
    try:
        change = SimpleNamespace(
            hypervisor="kvm01", previous_oper_state=OperState.RUNNING, new_oper_state=OperState.CRASHED
        )
        for _ in range(3):
            hub.subscribed[0](change)
        wait(lambda: a.host_totals().get("kvm01") == (3, 0))
        text = "vmwatch[**]: VM ** changed state running -> crashed"
        assert a.vm_templates == {text: live.VM_EVENT_BASE}
        assert a.texts[live.VM_EVENT_BASE] == text
    finally:
        a.stop()
    s = LiveStore(tmp_path / "live.sqlite")
    assert [(st.id, st.template, g) for st, g in s.templates()] == [
        (live.VM_EVENT_BASE, text, live.VM_EVENT_BASE)
    ]


def test_metrics_through_the_prometheus_exporter(tmp_path):
    import subprocess

    from prometheus_client import generate_latest
    from vmwatch_loganomaly.online import LastWindow, RareEdge
    from vmwatch_prometheus.plugin import PrometheusExporter

    a = analyser(tmp_path)
    a.start(None)
    try:
        send(a, [line("kvm01", "multipathd", "sdb: path failed") for _ in range(5)])
        wait(lambda: a.host_totals().get("kvm01") == (5, 0))
        a.last = LastWindow(0.0, 60.0, 4, 1, 3.5, (RareEdge("3", "1000000", "multipathd: ** path failed",
                            "vmwatch[**]: VM ** changed state running -> crashed", 4.2),), 0.01)  # fmt: skip
        exporter = PrometheusExporter(listen="127.0.0.1:0")
        from prometheus_client import CollectorRegistry

        exporter.registry = CollectorRegistry()
        exporter.use_exporters([("prometheus", exporter), ("loganomaly", a)])
        text = generate_latest(exporter.registry).decode()
    finally:
        a.stop()
    assert 'vmwatch_log_lines_total{host="kvm01"} 5.0' in text
    assert "vmwatch_log_templates 1.0" in text
    assert "vmwatch_log_window_rare_edges 1.0" in text
    assert "vmwatch_log_anomaly_score 3.5" in text
    assert (
        'vmwatch_log_rare_edge_info{from_group="3",from_template="multipathd: ** path failed",'
        'to_group="1000000",to_template="vmwatch[**]: VM ** changed state running -> crashed"} 1.0'
    ) in text
    lint = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_group_index_agrees_with_bulk_grouping():
    from vmwatch_loganomaly.groups import group_templates

    texts = {
        1: "named[**]: client **: view world: query (cache) '**' denied",
        2: "sshd[**]: Accepted publickey for root from ** port ** ssh2",
        3: "named[**]: client **: view internal: query (cache) '**' denied",
        4: "kernel: [**] sd **: rejecting I/O to offline device",
        5: "sshd[**]: Accepted password for root from ** port ** ssh2",
    }
    index = live.GroupIndex()
    assert {t: index.add(t, texts[t]) for t in sorted(texts)} == group_templates(texts)
    restored = live.GroupIndex()
    restored.add(1, texts[1], group=7)
    assert restored.add(3, texts[3]) == 7  # joins the restored group


def test_files_are_followed(tmp_path):
    log = tmp_path / "syslog"
    log.write_text("")
    a = analyser(tmp_path, files=[str(log)])
    a.start(None)
    try:
        with log.open("ab") as out:
            out.write(line("kvm03", "cron", "job started") + b"\n" + b"not syslog\n")
        wait(lambda: a.host_totals().get("kvm03") == (1, 0))
        wait(lambda: a.host_totals().get(str(log)) == (0, 1))
    finally:
        a.stop()


def test_alerts_posted_to_alertmanager(tmp_path):
    from services import Alertmanager
    from vmwatch_loganomaly.online import LastWindow, RareEdge

    am = Alertmanager(tmp_path / "am").start()
    try:
        a = analyser(tmp_path, alertmanager_url=am.url)
        a.last = LastWindow(0.0, 60.0, 4, 3, 7.5, (RareEdge("3", "9", "multipathd: ** path failed", "kernel: sd ** offline", 4.2),), 0.01)  # fmt: skip
        a.last = dataclasses_replace(a.last, start=time.time() - 60, end=time.time())
        a._post_alert()
        assert a.alerts_sent == 1
        (alert,) = am.alerts(alertname="LogAnomalyRareEdges")
        assert alert["labels"]["severity"] == "warning" and alert["labels"]["source"] == "vmwatch"
        assert (
            "[multipathd: ** path failed] — [kernel: sd ** offline]"
            not in alert["annotations"]["description"]
        )
        assert "multipathd: ** path failed — kernel: sd ** offline" in alert["annotations"]["description"]
        assert alert["annotations"]["summary"].startswith("3 rare edges")
    finally:
        am.stop()
    a.config = dataclasses_replace(a.config, alertmanager_url="http://127.0.0.1:1")
    a._post_alert()
    assert a.alert_errors == 1


def dataclasses_replace(obj, **changes):
    import dataclasses

    return dataclasses.replace(obj, **changes)


def test_a_storage_error_template_links_to_vms_crashing(tmp_path):
    """Real event hub: VM crashes in the same bins as SCSI errors give the window an edge between them."""
    import uuid

    from vmwatch.events import BackendStateChange, EventHub
    from vmwatch.model import Hypervisor, Persistent, Snapshot, VirtualMachine

    def vm(n: int, state: OperState) -> VirtualMachine:
        return VirtualMachine(uuid=uuid.UUID(int=n), name=f"vm{n}", index=n, oper_state=state, persistent=Persistent.PERSISTENT)  # fmt: skip

    hub = EventHub()
    hub.on_snapshot(Snapshot("kvm01", "lab", Hypervisor("test", "1", 0), tuple(vm(n, OperState.RUNNING) for n in range(1, 7)), taken_at=time.time()))  # fmt: skip
    a = analyser(tmp_path, window="2s")  # full PC
    a.start(SimpleNamespace(events=hub))
    try:
        now = time.time()
        start = (math.floor(now / 2.0) + 1) * 2.0  # the next window
        crashes = {3: 1, 8: 2, 14: 3}  # bin → VM
        for b in range(20):
            time.sleep(max(0.0, start + b * 0.1 + 0.03 - time.time()))
            send(a, [line("kvm01", "ntpd", "kernel time sync status 0 2001")])
            if b in crashes:
                send(a, [line("kvm01", "kernel", "sd 3:0:0:1: rejecting I/O to offline device", pid=0)])
                hub.on_native(
                    "lab", BackendStateChange(uuid.UUID(int=crashes[b]), OperState.CRASHED, time=time.time())
                )
        wait(lambda: a.last is not None and a.last.start == start, timeout=10)
        (window,) = [w for w in LiveStore(tmp_path / "live.sqlite").windows() if w.start == start]
    finally:
        a.stop()
    crash = str(a.vm_templates["vmwatch[**]: VM ** changed state running -> crashed"])
    scsi = str(next(g for g, text in a.texts.items() if "rejecting I/O" in text))
    assert {(x, y) for x, y, _ in window.edges} & {(scsi, crash), (crash, scsi)}, window.edges


def test_templates_are_capped(tmp_path):
    a = analyser(tmp_path, max_templates=2)
    a.start(None)
    try:
        send(a, [line("h", f"prog{i}", "something happened") for i in range(5)])
        wait(lambda: a.host_totals().get("h") == (5, 0))
        assert a.templates_known() == 2 and a.unclassified == 3
    finally:
        a.stop()
