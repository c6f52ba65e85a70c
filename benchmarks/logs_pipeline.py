"""End-to-end benchmark of steps 5-8 at the study's scale: ~500 template groups, 52 days.

The simulator's fleet has ~60 templates, far fewer than the study's 531 groups, so the store is
filled directly: the simulated fleet's events (`--days`, default 52, 29 hypervisors) plus
`--extra` synthetic template groups (default 450) with log-like behaviour on random hosts: rare
Poisson noise (a few a day to one minute in twenty), cascades (a child fires with its parent in
the same minute with probability 0.7) and daily jobs. Then `pipeline.run` for 1-day and 2-hour
windows with `--workers` processes (default 2), and the edge history and rare-edge scores.

    python benchmarks/logs_pipeline.py [--days 52] [--extra 450] [--workers 2] [--store PATH]

Prints one JSON object: events, groups, windows and seconds per stage.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from vmwatch_loganomaly import edges, incidents, pipeline, results, simulate
from vmwatch_loganomaly.ingest import IngestOptions, ingest
from vmwatch_loganomaly.store import Store


def synthetic_events(t0: float, days: int, groups: int, hosts: int, seed: int = 0):
    """(ts, host index, group index) of `groups` log-like series over `days` one-minute bins."""
    rng = np.random.default_rng(seed)
    minutes = days * 1440
    rates = np.exp(rng.uniform(np.log(3 / 1440), np.log(1 / 20), groups))
    kinds = rng.choice(["noise", "cascade", "daily"], groups, p=[0.7, 0.2, 0.1])
    host_of = rng.integers(0, hosts, groups)
    ts, host, grp = [], [], []
    fired: dict[int, np.ndarray] = {}
    for g in range(groups):
        on = rng.random(minutes) < rates[g]
        if kinds[g] == "cascade" and g > 0:
            parent = int(rng.integers(max(0, g - 20), g))
            on |= fired[parent] & (rng.random(minutes) < 0.7)
        elif kinds[g] == "daily":
            on = np.zeros(minutes, dtype=bool)
            on[int(rng.integers(0, 1440)) :: 1440] = True
        fired[g] = on
        idx = np.flatnonzero(on)
        ts.append(t0 + idx * 60.0 + rng.uniform(0, 59, idx.size))
        host.append(np.full(idx.size, host_of[g]))
        grp.append(np.full(idx.size, g))
    return np.concatenate(ts), np.concatenate(host), np.concatenate(grp)


def build(path: Path, days: int, extra: int) -> dict:
    started = time.perf_counter()
    config = simulate.SimConfig(days=days)
    log = path.with_suffix(".log")
    truth = path.with_suffix(".json")
    simulate.write(config, str(log), str(truth))
    ingest(path, [str(log)], IngestOptions(tz="UTC", year=2015))
    with Store.open(path, create=False) as store:
        pipeline.ensure_groups(store)
        first = 1 + store.db.execute("SELECT max(id) FROM template").fetchone()[0]
        ts, host, grp = synthetic_events(config.t0, days, extra, len(store.hosts()))
        host_ids = sorted(store.hosts().values())
        with store.transaction() as db:
            db.executemany(
                "INSERT INTO template(id, template, seed) VALUES (?, ?, ?)",
                [
                    (first + g, f"synthetic[**]: event {g} of kind ** on **", f"event {g}")
                    for g in range(extra)
                ],
            )
            db.executemany(
                "INSERT INTO event(ts, host, template) VALUES (?, ?, ?)",
                zip(ts.tolist(), [host_ids[h] for h in host.tolist()], (first + grp).tolist()),
            )
            db.executemany(
                "INSERT INTO template_group(template, grp) VALUES (?, ?)",
                [(first + g, first + g) for g in range(extra)],
            )
        store.ensure_index()
        groups = len(set(store.groups().values()))
        events = store.totals()["events"]
    return {
        "events": events,
        "groups": groups,
        "build_s": round(time.perf_counter() - started, 1),
        "truth": str(truth),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=52)
    ap.add_argument("--extra", type=int, default=450)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--store", help="store path (default: a temporary folder)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="vmwatch-pipeline-"))
    path = Path(args.store) if args.store else folder / "logs.db"
    out = build(path, args.days, args.extra)
    truth = incidents.load_truth(out.pop("truth"))
    with Store.open(path, create=False) as store:
        for name, config in (
            ("1d", pipeline.AnalysisConfig()),
            ("2h", pipeline.AnalysisConfig(length=7200, step=7200)),
        ):
            summary = pipeline.run(store, config, workers=args.workers)
            started = time.perf_counter()
            stored, we = results.window_edges(store, summary.analysis)
            hist = edges.history(we)
            threshold = edges.rare_threshold(hist, 0.8)
            scores = edges.score_windows(we, hist, threshold)
            ev = incidents.evaluate(scores, truth, incidents.peaks(scores))
            out[name] = {
                "windows": summary.computed,
                "seconds": round(summary.seconds, 1),
                "pc_worker_seconds": round(summary.pc_seconds, 1),
                "max_nodes": max(w.nodes for w in stored),
                "mean_nodes": round(sum(w.nodes for w in stored) / len(stored), 1),
                "distinct_edges": len(hist),
                "rare_threshold_days": threshold,
                "share_at_most_5_days": round(edges.share_at_most(hist, 5), 3),
                "history_seconds": round(time.perf_counter() - started, 2),
                "precision": round(ev.precision, 2),
                "recall": round(ev.recall, 2),
                "ranks": ev.ranks,
            }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
