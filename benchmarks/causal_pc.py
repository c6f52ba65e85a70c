"""PC-stable with the G² test on log-like windows: vmwatch vs causal-learn (stock) vs logdag's stack.

    python benchmarks/causal_pc.py [--sizes 100,300,500] [--bins 720] [--cap 600]
                                   [--causal-learn-sizes 100,300] [--logdag-sizes 100,300,500]
                                   [--out benchmarks/results/]

Data: `vmwatch_loganomaly.causal.synthetic.log_like(variables, bins, seed)`: one window of
one-minute bins, binarised; mostly rare independent series, ~20 % in small cascades, ~8 %
periodic; --incident K adds an outage where K series fire together for 20 bins. Every contender
runs in its own fresh process pinned to one CPU (BLAS threads 1 too), on the same matrix, α = 0.01:
- vmwatch: `vmwatch_loganomaly.causal.pc` (3 runs, median reported);
- causal-learn 0.1.4.8: `pc(data, 0.01, "gsq", stable=True, uc_rule=0, uc_priority=2)`, one run;
- logdag's stack: `pcalg.estimate_skeleton(gsq.ci_tests.ci_test_bin, ..., method="stable")` then
  `pcalg.estimate_cpdag`, one run (what logdag's pc_input.py calls).
A peer that does not finish within --cap seconds is stopped and reported as such; sizes not in
its --*-sizes are "not run" (stock causal-learn needs more than 15 minutes at 500 variables).
Nothing is extrapolated. Where causal-learn finishes, its CPDAG is compared with vmwatch's (they
must be identical).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ONE_CORE_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

CHILD = r"""
import os, sys, time, json
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
import numpy as np
kind, data_path, graph_path = sys.argv[1:4]
data = np.load(data_path)
if kind == "vmwatch":
    from vmwatch_loganomaly.causal import pc
    times = []
    for _ in range(3):
        t = time.perf_counter(); g = pc(data); times.append(time.perf_counter() - t)
    np.save(graph_path, g.graph)
    print(json.dumps({"seconds": sorted(times)[1], "runs": times, "skeleton": g.seconds_skeleton,
                      "orient": g.seconds_orient, "tests": sum(d.tests for d in g.depths),
                      "depth": g.depths[-1].depth, "directed": len(g.directed()), "undirected": len(g.undirected())}))
elif kind == "causal-learn":
    from causallearn.search.ConstraintBased.PC import pc
    t = time.perf_counter()
    cg = pc(data.astype(np.int64), 0.01, "gsq", stable=True, uc_rule=0, uc_priority=2, show_progress=False)
    seconds = time.perf_counter() - t
    np.save(graph_path, cg.G.graph)
    print(json.dumps({"seconds": seconds}))
elif kind == "logdag":
    import logging
    logging.disable(logging.WARNING)  # gsq logs a warning per guarded test
    import pcalg
    from gsq.ci_tests import ci_test_bin
    t = time.perf_counter()
    skel, sep = pcalg.estimate_skeleton(ci_test_bin, data.astype(np.int64), 0.01, method="stable")
    dag = pcalg.estimate_cpdag(skel_graph=skel, sep_set=sep)
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "edges": dag.number_of_edges()}))
"""


def run(kind: str, data_path: Path, graph_path: Path, cap: float) -> dict:
    env = {**os.environ, **ONE_CORE_ENV}
    started = time.perf_counter()
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, kind, str(data_path), str(graph_path)],
            check=False,
            capture_output=True,
            text=True,
            timeout=cap,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"status": f"stopped after {cap:.0f} s"}
    if out.returncode != 0:
        return {"status": "failed", "error": out.stderr.strip().splitlines()[-1:]}
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["status"] = "ok"
    result["wall"] = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,300,500")
    parser.add_argument("--bins", type=int, default=720)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--incident", type=int, default=0, help="series firing together in an outage (0: none)"
    )
    parser.add_argument("--causal-learn-sizes", default="100,300", help="sizes at which causal-learn runs")
    parser.add_argument("--logdag-sizes", default="100,300,500", help="sizes at which logdag's stack runs")
    parser.add_argument("--cap", type=float, default=600.0, help="seconds before a peer run is stopped")
    parser.add_argument("--out", type=Path, default=None, help="directory for a JSON result file")
    args = parser.parse_args()

    from vmwatch_loganomaly.causal.synthetic import log_like

    sizes = [int(s) for s in args.sizes.split(",")]
    peer_sizes = {
        "causal-learn": {int(s) for s in args.causal_learn_sizes.split(",") if s},
        "logdag": {int(s) for s in args.logdag_sizes.split(",") if s},
    }
    peers = list(peer_sizes)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            window = log_like(size, args.bins, seed=args.seed, incident=args.incident)
            data_path = Path(tmp) / f"data{size}.npy"
            np.save(data_path, window.data)
            row = {
                "variables": size,
                "bins": args.bins,
                "ones": float(window.data.mean()),
                "true_edges": len(window.edges),
            }
            ours_graph = Path(tmp) / f"vmwatch{size}.npy"
            row["vmwatch"] = run("vmwatch", data_path, ours_graph, args.cap)
            for peer in peers:
                if size not in peer_sizes[peer]:
                    row[peer] = {"status": "not run"}
                    continue
                graph = Path(tmp) / f"{peer}{size}.npy"
                row[peer] = run(peer, data_path, graph, args.cap)
                if row[peer]["status"] == "ok":
                    row[peer]["ratio"] = row[peer]["seconds"] / row["vmwatch"]["seconds"]
                    if peer == "causal-learn":
                        row[peer]["identical"] = bool(np.array_equal(np.load(graph), np.load(ours_graph)))
            rows.append(row)
            print(json.dumps(row), flush=True)

    print()
    print("| variables | vmwatch | " + " | ".join(peers) + " |")
    print("|---|---|" + "---|" * len(peers))
    for row in rows:
        cells = [f"{row['vmwatch']['seconds']:.2f} s"]
        for peer in peers:
            r = row[peer]
            if r["status"] == "ok":
                same = {True: ", identical", False: ", DIFFERENT"}.get(r.get("identical"), "")
                cells.append(f"{r['seconds']:.1f} s (×{r['ratio']:.0f}{same})")
            else:
                cells.append(r["status"])
        print(f"| {row['variables']} | " + " | ".join(cells) + " |")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / time.strftime("causal_pc-%Y%m%d-%H%M%S.json")
        meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
        path.write_text(
            json.dumps({"meta": meta, "args": vars(args) | {"out": str(args.out)}, "rows": rows}, indent=1)
        )
        print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
