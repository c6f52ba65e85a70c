"""One million generated syslog lines end to end: vmwatch logs ingest vs plain drain3.

    python benchmarks/logs_ingest.py [--lines 1000000] [--out benchmarks/results/]

The lines come from `vmwatch logs simulate` (seed 1, 29 hypervisors, 3 network boxes, as many
days as it takes), written once to a temporary file. Each contender then runs in its own fresh
process on that file, so its peak RSS is its own:
- vmwatch: `ingest()` into a new SQLite store: read, parse the header (timestamp with year
  inference, host, program, pid), mask, classify, store every line and the templates, commit
  every 20,000 lines, build the event index at the end;
- drain3: `TemplateMiner` with masks equivalent to vmwatch's (UUID, IPv4 with port, MAC, IPv6,
  hex, numbers), no persistence, same Drain settings (similarity 0.7, depth 5), fed each line's
  `prog[pid]: message` part (a `split(None, 4)`: no timestamp parsing and nothing stored).
Reported: wall and CPU seconds, lines/s for both, their ratio, peak RSS, and vmwatch's RSS at each
quarter of the input (bounded memory: it must not grow with the line count once templates are
known). CPU time is reported next to wall time because other work on the machine slows both.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MASKS = [
    r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}",
    r"((?<=[^A-Za-z0-9])|^)(\d{1,3}\.){3}\d{1,3}([:#/]\d{1,5})?((?=[^A-Za-z0-9])|$)",
    r"((?<=[^A-Za-z0-9])|^)([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}((?=[^A-Za-z0-9])|$)",
    r"((?<=[^A-Za-z0-9])|^)([0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}((?=[^A-Za-z0-9])|$)",
    r"((?<=[^A-Za-z0-9])|^)(0x[a-fA-F0-9]+)((?=[^A-Za-z0-9])|$)",
    r"((?<=[^A-Za-z0-9])|^)([\-\+]?\d+(\.\d+)?)((?=[^A-Za-z0-9])|$)",
]


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_vmwatch(log: str, store: str, lines: int) -> dict:
    from vmwatch_loganomaly.ingest import Ingester, IngestOptions, _Lock
    from vmwatch_loganomaly.store import Store

    marks: list[tuple[int, float]] = []
    quarter = lines // 4
    wall, cpu = time.perf_counter(), time.process_time()
    with _Lock(Path(store)), Store.open(store) as s:
        ingester = Ingester(s, IngestOptions(tz="UTC", year=2015))
        ingester.on_commit = lambda src: (
            marks.append((src.lines, round(rss_mb(), 1))) if src.lines >= quarter * (len(marks) + 1) else None
        )
        result = ingester.ingest(log)
        s.ensure_index()
        totals = s.totals()
    return {
        "lines": result.lines, "templates": totals["templates"], "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu, "peak_rss_mb": round(peak_mb(), 1), "rss_by_lines": marks,
        "store_mb": round(os.path.getsize(store) / 2**20, 1),
    }  # fmt: skip


def run_drain3(log: str) -> dict:
    from drain3 import TemplateMiner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    cfg = TemplateMinerConfig()
    cfg.profiling_enabled = False
    cfg.drain_sim_th = 0.7
    cfg.drain_depth = 5
    cfg.masking_instructions = [MaskingInstruction(p, "**") for p in MASKS]
    miner = TemplateMiner(config=cfg)  # no persistence handler
    n = 0
    wall, cpu = time.perf_counter(), time.process_time()
    with open(log, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.split(None, 4)
            miner.add_log_message(parts[4].rstrip("\n") if len(parts) == 5 else line.rstrip("\n"))
            n += 1
    return {
        "lines": n, "templates": len(miner.drain.clusters), "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu, "peak_rss_mb": round(peak_mb(), 1),
    }  # fmt: skip


def child(kind: str, log: str, work: str, lines: int) -> dict:
    """Run one contender in a fresh interpreter and return its JSON report."""
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--log", log, "--work", work, "--lines", str(lines)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(proc.stdout.splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--out", default="benchmarks/results", help="folder for the JSON result")
    ap.add_argument("--child", choices=("vmwatch", "drain3"), help=argparse.SUPPRESS)
    ap.add_argument("--log", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "vmwatch":
        print(json.dumps(run_vmwatch(args.log, os.path.join(args.work, "bench.db"), args.lines)))
        return 0
    if args.child == "drain3":
        print(json.dumps(run_drain3(args.log)))
        return 0

    from importlib.metadata import version

    from drain3 import __file__ as drain3_file
    from vmwatch_loganomaly.simulate import SimConfig, write

    with tempfile.TemporaryDirectory() as work:
        log = os.path.join(work, "fleet.log")
        t = time.perf_counter()
        n = write(SimConfig(seed=1, days=60, max_lines=args.lines), log)
        print(
            f"generated {n:,} lines ({os.path.getsize(log) / 2**20:.0f} MiB) in {time.perf_counter() - t:.0f} s",
            file=sys.stderr,
        )
        drain3 = child("drain3", log, work, n)
        print(f"drain3:  {drain3}", file=sys.stderr)
        ours = child("vmwatch", log, work, n)
        print(f"vmwatch: {ours}", file=sys.stderr)
    for r in (drain3, ours):
        r["lines_per_s_wall"] = round(r["lines"] / r["wall_s"])
        r["lines_per_s_cpu"] = round(r["lines"] / r["cpu_s"])
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "lines": n,
        "cores": os.cpu_count(),
        "load_before": os.getloadavg(),
        "python": sys.version.split()[0],
        "drain3_distribution": f"drain3-improved {version('drain3-improved')}"
        if "site-packages" in drain3_file
        else "drain3",
        "drain3": drain3,
        "vmwatch": ours,
        "ratio_wall": round(ours["lines_per_s_wall"] / drain3["lines_per_s_wall"], 2),
        "ratio_cpu": round(ours["lines_per_s_cpu"] / drain3["lines_per_s_cpu"], 2),
    }
    Path(args.out).mkdir(parents=True, exist_ok=True)
    out = Path(args.out) / f"logs_ingest-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    print("| contender | lines/s (wall) | lines/s (CPU) | peak RSS MB | templates |")
    print("|---|---|---|---|---|")
    for name in ("drain3", "vmwatch"):
        r = report[name]
        print(
            f"| {name} | {r['lines_per_s_wall']:,} | {r['lines_per_s_cpu']:,} | {r['peak_rss_mb']} | {r['templates']} |"
        )
    print(
        f"ratio vmwatch/drain3: {report['ratio_wall']}x wall, {report['ratio_cpu']}x CPU; RSS by lines: {ours['rss_by_lines']}"
    )
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
