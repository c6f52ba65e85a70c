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


# --- windows, edges, rare edges, report (steps 5-9) -------------------------------------------


def _analysis(args: argparse.Namespace):
    from vmwatch_loganomaly.pipeline import AnalysisConfig, parse_duration
    from vmwatch_loganomaly.windows import FilterConfig

    length = parse_duration(args.length)
    return AnalysisConfig(
        length=length,
        step=parse_duration(args.step) if args.step else length,
        bin_width=parse_duration(args.bin),
        per_host=args.per_host,
        filters=FilterConfig(enabled=not args.no_filters),
        alpha=args.alpha,
    )


def _parse_time(text: str) -> float:
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        raise LogAnomalyError(f"not a time: {text!r} (use ISO 8601, e.g. 2015-09-27T14:00)") from None
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).timestamp()


def _progress(enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        print(f"\rwindows: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def cmd_windows(args: argparse.Namespace) -> int:
    from vmwatch_loganomaly import pipeline, results

    config = _analysis(args)
    with Store.open(args.store, create=False) as store:
        summary = pipeline.run(
            store, config, workers=args.workers, scheduler=args.scheduler, recompute=args.recompute,
            progress=_progress(not args.quiet),
        )  # fmt: skip
        stored = results.windows(store, summary.analysis)
        if args.show:
            return _show_window(store, stored, _parse_time(args.show), args)
    shown = stored[-args.limit :] if args.limit else stored
    data = [
        {"start": _iso(w.start), "end": _iso(w.end), "series": w.series, "nodes": w.nodes, "edges": w.edges,
         "seconds": round(w.seconds, 3)}
        for w in shown
    ]  # fmt: skip
    if args.format == "json":
        json.dump(
            {"analysis": config.label, "windows": data, "computed": summary.computed,
             "recomputed": summary.recomputed},
            sys.stdout, indent=1,
        )  # fmt: skip
        print()
        return 0
    rows = [[d["start"], d["series"], d["nodes"], d["edges"], f"{d['seconds']:.2f}"] for d in data]
    print(_table(["window start", "series", "nodes", "edges", "PC s"], rows))
    print(
        f"{config.label} windows: {summary.windows} in the data, {summary.computed} computed now in "
        f"{summary.seconds:.1f}s (PC {summary.pc_seconds:.1f}s of worker time)"
    )
    if summary.recomputed:
        plural = "s" if summary.recomputed != 1 else ""
        print(
            f"{summary.recomputed} window{plural} recomputed: late lines (ingested after they were computed)"
        )
    return 0


def _show_window(store: Store, stored, start: float, args: argparse.Namespace) -> int:
    from vmwatch_loganomaly import findings, results

    match = [w for w in stored if w.start == start]
    if not match:
        raise LogAnomalyError(
            f"no window starts at {_iso(start)}; windows start at {_iso(stored[0].start)} + steps"
        )
    w = match[0]
    names = findings.template_of_group(store, findings.group_templates(store))
    decisions = results.decisions(store, w.id)
    found = results.edges_of(store, w.id)
    if args.format == "json":
        json.dump({"start": _iso(w.start), "end": _iso(w.end),
                   "decisions": [dict(zip(("node", "action", "reason", "events", "detail"), d)) for d in decisions],
                   "edges": [{"a": a, "b": b, "directed": d} for a, b, d in found]}, sys.stdout, indent=1)  # fmt: skip
        print()
        return 0
    label = lambda node: f"{node} {names.get(int(node.split('@')[0]), '')[:60]}"
    print(f"window {_iso(w.start)} .. {_iso(w.end)}: {w.nodes} nodes of {w.series} series, {w.edges} edges")
    rows = [[node, action, reason, events, detail, names.get(int(node.split("@")[0]), "")[:60]]
            for node, action, reason, events, detail in decisions]  # fmt: skip
    print(_table(["node", "action", "reason", "events", "detail", "template"], rows))
    for a, b, directed in found:
        print(f"  {label(a)} {'->' if directed else '--'} {label(b)}")
    return 0


def cmd_edges(args: argparse.Namespace) -> int:
    from vmwatch_loganomaly import edges, findings

    with Store.open(args.store, create=False) as store:
        f = findings.load(store, _analysis(args), args.coverage, args.days, args.host_edges)
        names = findings.template_of_group(store, findings.group_templates(store))
    n = len(f.windows)
    rows = list(f.history.values())
    if args.rare:
        rows = [h for h in rows if h.days <= f.threshold]
    order = {"days": lambda h: (h.days, h.first), "first": lambda h: (h.first, h.key),
             "tfidf": lambda h: (-edges.tfidf(h, n), h.first)}[args.sort]  # fmt: skip
    rows.sort(key=order)
    rows = rows[: args.limit] if args.limit else rows
    text = lambda node: names.get(int(node.split("@")[0]), "?")
    data = [
        {"a": h.key[0], "b": h.key[1], "windows": h.df, "days": h.days, "first": _iso(h.first), "last": _iso(h.last),
         "tfidf": round(edges.tfidf(h, n), 4), "rare": h.days <= f.threshold, "directed_windows": h.directed_windows,
         "template_a": text(h.key[0]), "template_b": text(h.key[1])}
        for h in rows
    ]  # fmt: skip
    cdf = edges.edge_days_cdf(f.history)
    if args.format == "json":
        json.dump({"analysis": f.label, "windows": n, "distinct_edges": len(f.history), "rare_threshold_days": f.threshold,
                   "rare_share": f.coverage, "share_at_most_5_days": edges.share_at_most(f.history, 5),
                   "cdf": cdf, "edges": data}, sys.stdout, indent=1, ensure_ascii=False)  # fmt: skip
        print()
        return 0
    table = [[d["a"], d["b"], d["windows"], d["days"], d["first"], d["last"], f"{d['tfidf']:.2f}",
              "rare" if d["rare"] else "", f"{d['template_a'][:40]} | {d['template_b'][:40]}"] for d in data]  # fmt: skip
    print(_table(["a", "b", "windows", "days", "first", "last", "tfidf", "", "templates"], table))
    print(
        f"{f.label}: {len(f.history)} distinct edges over {n} windows; rare = seen on ≤ {f.threshold} days "
        f"({f.coverage:.0%} of edges); ≤ 5 days: {edges.share_at_most(f.history, 5):.0%}"
    )
    print("CDF of edge-days: " + ", ".join(f"≤{d}: {share:.0%}" for d, share in cdf))
    return 0


def cmd_rare(args: argparse.Namespace) -> int:
    from vmwatch_loganomaly import edges, findings, incidents

    with Store.open(args.store, create=False) as store:
        f = findings.load(store, _analysis(args), args.coverage, args.days, args.host_edges)
        members = findings.group_templates(store)
        flagged = set(incidents.peaks(f.scores))
        truth = incidents.load_truth(args.truth) if args.truth else []
        evaluation = incidents.evaluate(f.scores, truth, sorted(flagged)) if truth else None
        if args.window:
            at = _parse_time(args.window)
            match = [i for i, s in enumerate(f.scores) if s.start == at]
            if not match:
                raise LogAnomalyError(f"no {f.label} window starts at {_iso(at)}")
            n = len(f.windows)
            chosen = [
                (f.history[k], edges.tfidf(f.history[k], n), match[0]) for k in f.scores[match[0]].rare_keys
            ]
        else:
            chosen = [(h, score, h.windows[0]) for h, score in f.rare()[: args.top]]
        top = []
        for h, score, i in chosen:
            w = f.window_edges[i]
            a, b = findings.edge_nodes(f, h.key, i)
            ends = [findings.evidence(store, node, w.start, w.end, members, args.examples) for node in (a, b)]
            top.append((h, score, w, ends))
    per_window = [
        {"start": _iso(s.start), "end": _iso(s.end), "edges": s.edges, "rare": s.rare, "score": round(s.score, 3),
         "peak": i in flagged, "incidents": [inc.kind for inc in truth if inc.overlaps(s.start, s.end)],
         "rare_edges": [list(k) for k in s.rare_keys]}
        for i, s in enumerate(f.scores)
    ]  # fmt: skip
    listed = per_window if args.all else [w for w in per_window if w["rare"]]
    top_data = [
        {"a": h.key[0], "b": h.key[1], "days": h.days, "windows": h.df, "tfidf": round(score, 4),
         "window": _iso(w.start),
         "ends": [{"node": e.node, "template": e.template, "count": e.count, "hosts": list(e.hosts),
                   "first": _iso(e.first), "examples": list(e.examples)} for e in ends]}
        for h, score, w, ends in top
    ]  # fmt: skip
    if args.format == "json":
        out = {"analysis": f.label, "rare_threshold_days": f.threshold, "rare_share": f.coverage,
               "windows": listed, "top": top_data}  # fmt: skip
        if evaluation:
            out["evaluation"] = dataclasses.asdict(evaluation)
        json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    rows = [[w["start"], w["edges"], w["rare"], f"{w['score']:.1f}", "PEAK" if w["peak"] else "",
             ",".join(w["incidents"])] for w in listed]  # fmt: skip
    print(_table(["window start", "edges", "rare", "score", "", "incident"], rows))
    print(
        f"{f.label}: rare = seen on ≤ {f.threshold} days ({f.coverage:.0%} of {len(f.history)} distinct edges)"
    )
    if evaluation:
        print(
            f"peaks: {evaluation.flagged} windows, precision {evaluation.precision:.2f}, recall {evaluation.recall:.2f} "
            f"(incidents found / incidents); best rank per incident: "
            + ", ".join(f"{k} #{r}" for k, r in evaluation.ranks.items())
        )
    for d in top_data:
        print(
            f"\nrare edge {d['a']} -- {d['b']}: {d['days']} day(s), tfidf {d['tfidf']:.2f}, in the window of {d['window']}"
        )
        for e in d["ends"]:
            print(
                f"  {e['node']}: {e['template']}  ({e['count']} lines on {', '.join(e['hosts'][:4]) or '-'})"
            )
            for line in e["examples"]:
                print(f"      e.g. {line}  (a stored example of the template)")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from vmwatch_loganomaly import report

    if args.live:  # the live analyser's page alone; the batch options do not apply to it
        from vmwatch_loganomaly import livereport
        from vmwatch_loganomaly.livestore import read_history

        path = livereport.write(read_history(args.live), Path(args.out), top=args.top)
        print(f"report: {path}")
        return 0
    with Store.open(args.store, create=False) as store:
        path = report.write(store, Path(args.out), report.ReportOptions(
            truth=args.truth, coverage=args.coverage, days=args.days, top=args.top, timelines=args.timelines))  # fmt: skip
    print(f"report: {path}")
    return 0
