"""packaging/rsyslog/60-vmwatch.conf: a real rsyslogd forwards lines to vmwatch's log receiver."""

from __future__ import annotations

import socket
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from services import Service, free_port, require_program, wait_for

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parent.parent / "packaging" / "rsyslog" / "60-vmwatch.conf"


def lines_from(metrics_url: str, host: str) -> float:
    body = urllib.request.urlopen(metrics_url, timeout=5).read().decode()
    for line in body.splitlines():
        if line.startswith(f'vmwatch_log_lines_total{{host="{host}"}}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_rsyslog_forwards_to_the_log_receiver(tmp_path):
    rsyslogd = require_program("rsyslogd")
    metrics_port, receiver_port, rsyslog_port = free_port(), free_port(), free_port()
    config = tmp_path / "vmwatch.toml"
    config.write_text(
        f'[vmwatch]\nstate_dir = "{tmp_path / "state"}"\nrefresh_interval = 5\n'
        f'[exporter.prometheus]\nlisten = "127.0.0.1:{metrics_port}"\n'
        f'[analyser.loganomaly]\nenabled = true\nstate = "{tmp_path / "log.sqlite"}"\n'
        f'udp_port = false\ntcp_port = {receiver_port}\n'
    )
    work = tmp_path / "rsyslog"
    work.mkdir()
    forward = EXAMPLE.read_text().replace('port="5514"', f'port="{receiver_port}"')
    assert f'port="{receiver_port}"' in forward
    rsyslog_conf = tmp_path / "rsyslog.conf"
    rsyslog_conf.write_text(
        f'global(workDirectory="{work}")\n'
        'module(load="imudp")\n'
        f'input(type="imudp" address="127.0.0.1" port="{rsyslog_port}")\n' + forward
    )
    vmwatch = Service("vmwatch", [sys.executable, "-m", "vmwatch", "serve", "--demo", "--config", str(config)],
                      tmp_path / "vmwatch.log").start()
    rsyslog = Service("rsyslogd", [rsyslogd, "-n", "-f", str(rsyslog_conf), "-i", str(work / "pid")],
                      tmp_path / "rsyslogd.log").start()
    try:
        url = f"http://127.0.0.1:{metrics_port}/metrics"
        wait_for(lambda: "vmwatch_log_templates" in urllib.request.urlopen(url, timeout=5).read().decode(),
                 60, "vmwatch with the log analyser", vmwatch)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for i in range(20):
                stamp = time.strftime("%b %d %H:%M:%S", time.gmtime())
                s.sendto(f"<30>{stamp} kvm07 sshd[{i}]: Accepted publickey for ops from 10.0.0.{i} port 22".encode(),
                         ("127.0.0.1", rsyslog_port))
        wait_for(lambda: lines_from(url, "kvm07") == 20, 30, "20 lines from kvm07 through rsyslog", rsyslog)
    finally:
        rsyslog.stop()
        vmwatch.stop()
