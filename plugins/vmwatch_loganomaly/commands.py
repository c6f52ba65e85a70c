"""The `vmwatch logs` commands: thin functions over the modules (imported only when a command runs).

Exit status: 0 success, 1 an input could not be read, 2 usage, configuration or store error.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from vmwatch_loganomaly import evaluate as evaluation
from vmwatch_loganomaly import groups as grouping
from vmwatch_loganomaly import simulate as simulation
from vmwatch_loganomaly import stats
from vmwatch_loganomaly.errors import LogAnomalyError
from vmwatch_loganomaly.ingest import IngestError, IngestOptions, ingest
from vmwatch_loganomaly.store import Store
from vmwatch_loganomaly.templates import MiningConfig

DEFAULT_STORE = "vmwatch-logs.db"


def default_store() -> str:
    return os.environ.get("VMWATCH_LOG_STORE", DEFAULT_STORE)


def default_loghub() -> str | None:
    """`$VMWATCH_LOGHUB`, else `shared/data/loghub` beside the repository, if present."""
    if os.environ.get("VMWATCH_LOGHUB"):
        return os.environ["VMWATCH_LOGHUB"]
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "data" / "loghub"
        if candidate.is_dir():
            return str(candidate)
    return None


def _iso(ts: float | None) -> str:
    if ts is None:
        return "-"
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.1f}s"


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [headers] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _guarded(handler):
    """Report our typed errors as one line on stderr with the documented exit status."""

    def run(args: argparse.Namespace, plugins: Any) -> int:
        try:
            return handler(args)
        except IngestError as exc:
            print(f"vmwatch: {exc}", file=sys.stderr)
            return 1
        except LogAnomalyError as exc:
            print(f"vmwatch: {exc}", file=sys.stderr)
            return 2

    return run


# --- ingest -----------------------------------------------------------------------------------


def _mining(args: argparse.Namespace) -> MiningConfig | None:
    """Mining settings from flags; None when none is given (use the store's)."""
    given = {
        k: v
        for k, v in (
            ("similarity", args.similarity),
            ("depth", args.depth),
            (
                "mask_rules",
                tuple(r for r in args.mask_rules.split(",") if r) if args.mask_rules is not None else None,
            ),
        )
        if v is not None
    }
    return MiningConfig(**given) if given else None


def cmd_ingest(args: argparse.Namespace) -> int:
    options = IngestOptions(tz=args.tz, year=args.year, batch_bytes=args.batch_bytes)
    started = time.monotonic()
    results = ingest(args.store, args.files, options, _mining(args), progress=not args.quiet)
    elapsed = time.monotonic() - started
    with Store.open(args.store, create=False) as store:
        totals = store.totals()
    total_lines = sum(r.lines for r in results)
    if args.format == "json":
        json.dump({"inputs": [dataclasses.asdict(r) for r in results], "store": totals}, sys.stdout, indent=1)
        print()
        return 0
    for r in results:
        resumed = f", resumed at byte {r.resumed_at:,}" if r.resumed_at else ""
        print(f"{r.name}: {r.lines:,} lines, {r.malformed:,} malformed{resumed}")
    if any(r.malformed for r in results):
        with Store.open(args.store, create=False) as store:
            sample = store.malformed_sample(5)
        print("malformed lines (sample):")
        for name, number, reason, text in sample:
            print(f"  {name}:{number}: {reason}: {text[:120]}")
    rate = total_lines / elapsed if elapsed > 0 else 0.0
    print(
        f"store {args.store}: {totals['lines']:,} lines, {totals['templates']:,} templates, "
        f"{totals['hosts']:,} hosts, {totals['malformed']:,} malformed ({total_lines / 1e3:,.1f}k lines in "
        f"{elapsed:.1f}s, {rate:,.0f} lines/s)"
    )
    return 0


# --- templates and groups ---------------------------------------------------------------------


def cmd_templates(args: argparse.Namespace) -> int:
    with Store.open(args.store, create=False) as store:
        rows = store.templates()
        if args.sort == "count":
            rows.sort(key=lambda r: (-r[2], r[0]))
        rows = rows[: args.limit] if args.limit else rows
        data = [
            {"id": tid, "template": text, "count": count, "first_seen": _iso(first), "last_seen": _iso(last),
             "examples": store.examples(tid)[: args.examples]}
            for tid, text, count, first, last in rows
        ]  # fmt: skip
    if args.format == "json":
        json.dump(data, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    table = [[d["id"], d["count"], d["first_seen"], d["last_seen"], d["template"]] for d in data]
    print(_table(["id", "count", "first seen", "last seen", "template"], table))
    if args.examples:
        for d in data:
            for line in d["examples"]:
                print(f"  {d['id']}: {line}")
    return 0


def _group_config(args: argparse.Namespace) -> grouping.GroupConfig:
    return grouping.GroupConfig(
        n=args.n, ngram_threshold=args.ngram_threshold, distance_threshold=args.distance_threshold
    )


def compute_groups(store: Store, config: grouping.GroupConfig) -> dict[int, int]:
    """Group the store's templates and write the assignment back; template id → group id."""
    texts = {tid: text for tid, text, *_ in store.templates()}
    assignment = grouping.group_templates(texts, config)
    store.write_groups(sorted(assignment.items()))
    return assignment


def cmd_groups(args: argparse.Namespace) -> int:
    with Store.open(args.store, create=False) as store:
        assignment = compute_groups(store, _group_config(args))
        rows = {tid: (text, count) for tid, text, count, *_ in store.templates()}
        data = []
        for gid, tids in grouping.members(assignment).items():
            data.append({
                "group": gid,
                "count": sum(rows[t][1] for t in tids),
                "templates": [{"id": t, "template": rows[t][0], "count": rows[t][1]} for t in tids],
                "examples": store.examples(tids[0])[: args.examples],
            })  # fmt: skip
    if args.sort == "count":
        data.sort(key=lambda d: (-d["count"], d["group"]))
    print_data = data[: args.limit] if args.limit else data
    if args.format == "json":
        json.dump(print_data, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    print(f"{len(rows)} templates in {len(data)} groups")
    for d in print_data:
        print(f"group {d['group']}: {d['count']:,} lines, {len(d['templates'])} templates")
        for t in d["templates"]:
            print(f"  {t['id']:>5} {t['count']:>9,}  {t['template']}")
        for line in d["examples"]:
            print(f"        e.g. {line}")
    return 0


# --- stats ------------------------------------------------------------------------------------


def series_stats(ts: list[float], args: argparse.Namespace) -> dict[str, Any]:
    occ = stats.occurrence(ts)
    per = stats.periodicity(ts, bin_width=args.bin)
    found = stats.bursts(
        ts,
        bin_width=args.burst_bin,
        k=args.burst_k,
        min_count=args.burst_min,
        period=per.period if per.periodic else None,
    )
    return {
        "count": occ.count,
        "first_seen": _iso(occ.first),
        "last_seen": _iso(occ.last),
        "interval_mean": occ.mean,
        "interval_median": occ.median,
        "interval_std": occ.std,
        "periodic": per.periodic,
        "period": per.period,
        "period_strength": round(per.strength, 3),
        "bursts": [
            {
                "start": _iso(b.start),
                "end": _iso(b.end),
                "count": b.count,
                "peak": b.peak,
                "baseline": b.baseline,
            }
            for b in found
        ],
    }


def cmd_stats(args: argparse.Namespace) -> int:
    with Store.open(args.store, create=False) as store:
        templates = {tid: (text, count) for tid, text, count, *_ in store.templates()}
        if args.by == "group":
            assignment = store.groups() or compute_groups(store, grouping.GroupConfig())
            units = {gid: tids for gid, tids in grouping.members(assignment).items()}
        else:
            units = {tid: [tid] for tid in templates}
        order = sorted(units, key=lambda u: (-sum(templates[t][1] for t in units[u]), u))
        if args.limit:
            order = order[: args.limit]
        data = []
        for unit in order:
            entry = {"id": unit, "template": templates[units[unit][0]][0]}
            entry.update(series_stats(store.timestamps(units[unit]), args))
            data.append(entry)
    if args.format == "json":
        json.dump(data, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    table = [
        [d["id"], d["count"], _duration(d["interval_mean"]), _duration(d["interval_median"]),
         _duration(d["interval_std"]), _duration(d["period"]) if d["periodic"] else "-",
         d["period_strength"] if d["periodic"] else "-", len(d["bursts"]), d["template"][:70]]
        for d in data
    ]  # fmt: skip
    print(
        _table([args.by, "count", "mean", "median", "std", "period", "strength", "bursts", "template"], table)
    )
    for d in data:
        for b in d["bursts"]:
            print(
                f"  {args.by} {d['id']}: burst {b['start']} .. {b['end']}: {b['count']} lines (baseline {b['baseline']:g}/bin)"
            )
    return 0


# --- simulate and evaluate --------------------------------------------------------------------


def cmd_simulate(args: argparse.Namespace) -> int:
    config = simulation.SimConfig(
        seed=args.seed, start=args.start, days=args.days, hypervisors=args.hypervisors,
        network_boxes=args.network_boxes, incidents=not args.no_incidents, max_lines=args.max_lines,
    )  # fmt: skip
    n = simulation.write(config, args.out, args.truth)
    truth = f", ground truth in {args.truth}" if args.truth else ""
    print(f"{n:,} lines from {config.hypervisors + config.network_boxes} hosts{truth}", file=sys.stderr)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    root = args.data or default_loghub()
    if root is None or not Path(root).is_dir():
        raise LogAnomalyError("no loghub data: pass --data DIR (the folder with HDFS/, Linux/ ...)")
    config = MiningConfig(similarity=args.similarity, depth=args.depth)
    datasets = args.datasets.split(",") if args.datasets else list(evaluation.DATASETS)
    scores = evaluation.evaluate(Path(root), config, datasets, corrected=args.corrected)
    if args.format == "json":
        json.dump([dataclasses.asdict(s) for s in scores], sys.stdout, indent=1)
        print()
        return 0
    rows = [[s.dataset, s.lines, s.true_templates, s.predicted_templates, f"{s.ga:.3f}", f"{s.pa:.3f}", f"{s.f1:.3f}",
             f"{evaluation.PUBLISHED_DRAIN_GA.get(s.dataset, float('nan')):.3f}"] for s in scores]  # fmt: skip
    rows.append(["mean", "", "", "", f"{evaluation.mean(scores, 'ga'):.3f}", f"{evaluation.mean(scores, 'pa'):.3f}",
                 f"{evaluation.mean(scores, 'f1'):.3f}", ""])  # fmt: skip
    print(_table(["dataset", "lines", "true", "found", "GA", "PA", "F1", "Drain GA (tuned)"], rows))
    return 0


# --- parser -----------------------------------------------------------------------------------
