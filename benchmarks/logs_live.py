"""Live syslog receive rate: lines sent over UDP at a fixed rate vs lines received, no loss allowed.

    python benchmarks/logs_live.py [--rate 10000] [--seconds 20] [--out benchmarks/results/]

The receiver (`vmwatch_loganomaly.receiver`, loopback, SO_RCVBUF raised to what the kernel
allows) runs in this process with one consumer thread that drains its queue, parses each line
(`lines.Parser`) and classifies it (`templates.TemplateMiner`), as the analyser does. A separate
sender process replays generated syslog (`simulate`, seed 1) at `--rate` lines/s, one datagram
per line, paced every millisecond. Reported: sent, received, dropped (queue full), lost in the
kernel (sent − received − dropped), the achieved rate, and this process's CPU and RSS.
`--analyser` instead measures a running `vmwatch serve`-like analyser (online.LiveAnalyser).
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rate", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    result = receive_rate(args.rate, args.seconds)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "logs_live.json").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
