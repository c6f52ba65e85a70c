"""Live syslog receive rate: lines sent over UDP at a fixed rate vs lines received, no loss allowed.

    python benchmarks/logs_live.py [--rate 10000] [--seconds 20] [--out benchmarks/results/]

The receiver (`vmwatch_loganomaly.receiver`, loopback, SO_RCVBUF raised to what the kernel
allows) runs in this process with one consumer thread that drains its queue, parses each line
(`lines.Parser`) and classifies it (`templates.TemplateMiner`), as the analyser does. A separate
sender process replays generated syslog (`simulate`, seed 1) at `--rate` lines/s, one datagram
per line, paced every millisecond. Reported: sent, received, dropped (queue full), lost in the
kernel (sent − received − dropped), the achieved rate, and this process's CPU and RSS.
`--serve` instead measures a whole `vmwatch serve --demo` with `[analyser.loganomaly]` (1-minute
bins, 1-hour windows) in its own process: its CPU share and RSS (from /proc) while idle and while
the sender sends, and the lines it counted (`vmwatch_log_lines_total`) against those sent.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

SENDER = r"""
import socket, sys, time
from vmwatch_loganomaly.simulate import SimConfig, Simulator
host, port, rate, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
n = int(rate * seconds)
lines = []
for line in Simulator(SimConfig(seed=1, days=30, max_lines=n)).lines():
    lines.append(line.encode())
while len(lines) < n:
    lines += lines[: n - len(lines)]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t0 = time.perf_counter()
sent = 0
while sent < n:
    due = min(n, int((time.perf_counter() - t0) * rate) + 1)
    while sent < due:
        s.sendto(lines[sent], (host, port))
        sent += 1
    time.sleep(0.001)
print(sent, time.perf_counter() - t0)
"""


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def consume(receiver, stop: threading.Event, parsed: list[int]) -> None:
    import datetime as dt

    from vmwatch_loganomaly.errors import MalformedLine
    from vmwatch_loganomaly.lines import Clock, Parser, YearGuess
    from vmwatch_loganomaly.templates import TemplateMiner

    parser = Parser(Clock(dt.UTC), YearGuess(dt.date(2015, 12, 31)))
    miner = TemplateMiner()
    while not stop.is_set() or not receiver.lines.empty():
        try:
            _peer, line, _arrival = receiver.lines.get(timeout=0.1)
        except queue.Empty:
            continue
        try:
            rec = parser.parse(line)
        except MalformedLine:
            continue
        miner.classify(rec.program, rec.pid, rec.message)
        parsed[0] += 1


def receive_rate(rate: int, seconds: float) -> dict:
    from vmwatch_loganomaly.receiver import Receiver, ReceiverConfig

    receiver = Receiver(ReceiverConfig(udp_port=0, tcp_port=None))
    receiver.start()
    stop = threading.Event()
    parsed = [0]
    consumer = threading.Thread(target=consume, args=(receiver, stop, parsed), daemon=True)
    consumer.start()
    idle_cpu0, idle_t0 = time.process_time(), time.perf_counter()
    time.sleep(2)
    idle_cpu = (time.process_time() - idle_cpu0) / (time.perf_counter() - idle_t0)
    idle_rss = rss_mb()
    host, port = receiver.udp_address
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", SENDER, host, str(port), str(rate), str(seconds)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    sent, send_time = out.stdout.split()
    sent = int(sent)
    deadline = time.monotonic() + 10
    while receiver.counts.lines + receiver.counts.dropped < sent and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    busy = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    stop.set()
    consumer.join()
    receiver.stop()
    c = receiver.counts
    return {
        "rate_target": rate,
        "seconds": seconds,
        "sent": sent,
        "send_seconds": round(float(send_time), 2),
        "rate_sent": round(sent / float(send_time)),
        "received": c.lines,
        "dropped_queue_full": c.dropped,
        "lost_in_kernel": sent - c.lines - c.dropped,
        "parsed_and_classified": parsed[0],
        "so_rcvbuf_bytes": receiver.rcvbuf,
        "cpu_share_idle": round(idle_cpu, 3),
        "cpu_share_under_load": round(cpu / busy, 3),
        "rss_mb_idle": round(idle_rss, 1),
        "rss_mb_after": round(rss_mb(), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def proc_cpu_rss(pid: int) -> tuple[float, float]:
    """(CPU seconds, RSS in MB) of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return cpu, int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def counted(url: str) -> int:
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as response:
        body = response.read().decode()
    return int(
        sum(float(x.rsplit(" ", 1)[1]) for x in body.splitlines() if x.startswith("vmwatch_log_lines_total{"))
    )


def serve_rate(rate: int, seconds: float, idle: float = 10.0) -> dict:
    import socket as socketlib
    import tempfile

    def free_port() -> int:
        with socketlib.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    folder = Path(tempfile.mkdtemp(prefix="vmwatch-live-"))
    port, udp = free_port(), free_port()
    config = folder / "vmwatch.toml"
    config.write_text(
        f'[vmwatch]\nstate_dir = "{folder / "state"}"\n[exporter.prometheus]\nlisten = "127.0.0.1:{port}"\n'
        f'[analyser.loganomaly]\nenabled = true\nstate = "{folder / "live.sqlite"}"\nudp_port = {udp}\ntcp_port = false\n'
    )
    log = (folder / "vmwatch.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "vmwatch", "serve", "--demo", "--config", str(config)],
                            stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                counted(url)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        time.sleep(2)
        cpu0, _ = proc_cpu_rss(proc.pid)
        t0 = time.perf_counter()
        time.sleep(idle)
        cpu1, rss_idle = proc_cpu_rss(proc.pid)
        idle_share = (cpu1 - cpu0) / (time.perf_counter() - t0)
        t1 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", SENDER, "127.0.0.1", str(udp), str(rate), str(seconds)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        cpu2, rss_load = proc_cpu_rss(proc.pid)
        load_share = (cpu2 - cpu1) / (time.perf_counter() - t1)
        sent = int(out.stdout.split()[0])
        time.sleep(3)  # the last flush
        got = counted(url)
        return {
            "mode": "vmwatch serve --demo + [analyser.loganomaly] (60 s bins, 1 h windows)",
            "rate_target": rate,
            "sent": sent,
            "counted": got,
            "lost": sent - got,
            "cpu_share_idle": round(idle_share, 3),
            "rss_mb_idle": round(rss_idle, 1),
            "cpu_share_under_load": round(load_share, 3),
            "rss_mb_under_load": round(rss_load, 1),
        }
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--serve", action="store_true", help="measure a whole vmwatch serve with the analyser")
    args = ap.parse_args()
    result = serve_rate(args.rate, args.seconds) if args.serve else receive_rate(args.rate, args.seconds)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        name = "logs_live_serve.json" if args.serve else "logs_live.json"
        (args.out / name).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
