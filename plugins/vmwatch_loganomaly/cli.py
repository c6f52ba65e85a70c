"""`vmwatch logs ingest|templates|groups|stats|simulate|evaluate|windows|edges|rare|report`: the parsers.

Only argparse is imported here: every `vmwatch` invocation builds these parsers, so the command
modules (numpy, drain3 ...) are imported only when a `logs` command actually runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from vmwatch_loganomaly.masking import DEFAULT_RULES

DEFAULT_STORE = "vmwatch-logs.db"


def _default_store() -> str:
    return os.environ.get("VMWATCH_LOG_STORE", DEFAULT_STORE)


def _command(name: str):
    """A handler that imports the command module on first use."""

    def run(args: argparse.Namespace, plugins: Any) -> int:
        from vmwatch_loganomaly import commands

        return commands._guarded(getattr(commands, name))(args, plugins)

    return run


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `vmwatch logs` and its subcommands."""
    logs = subparsers.add_parser(
        "logs", help="system-log analysis: ingest, templates, groups, statistics, causal graphs, rare edges"
    )
    sub = logs.add_subparsers(dest="logs_command", metavar="COMMAND")
    logs.set_defaults(handler=lambda args, plugins: (logs.print_help(sys.stderr), 2)[1])

    def with_store(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--store",
            default=_default_store(),
            help="SQLite store (default: $VMWATCH_LOG_STORE or %(default)s)",
        )

    def with_format(p: argparse.ArgumentParser) -> None:
        p.add_argument("--format", choices=("table", "json"), default="table", help="output format")

    p = sub.add_parser("ingest", help="read syslog files (plain, gzip, - for stdin) into the store")
    p.add_argument("files", nargs="+", metavar="FILE")
    with_store(p)
    with_format(p)
    p.add_argument("--tz", help="time zone of timestamps without one (IANA name or UTC; default: local)")
    p.add_argument(
        "--year", type=int, help="year of the first RFC 3164 line (default: from the file's mtime)"
    )
    p.add_argument(
        "--batch-bytes",
        type=int,
        default=2 << 20,
        help="bytes read per transaction (default: %(default)s)",
    )
    p.add_argument(
        "--similarity", type=float, help="Drain similarity threshold, new stores only (default 0.7)"
    )
    p.add_argument("--depth", type=int, help="Drain tree depth, new stores only (default 5)")
    p.add_argument(
        "--mask-rules",
        help=f"comma-separated masking rules, new stores only (default: {','.join(DEFAULT_RULES)})",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_command("cmd_ingest"))

    p = sub.add_parser("templates", help="list templates with counts and example lines")
    with_store(p)
    with_format(p)
    p.add_argument("--sort", choices=("id", "count"), default="id")
    p.add_argument("--limit", type=int, default=0, help="show only the first N")
    p.add_argument(
        "--examples", type=int, default=0, help="example lines per template (table: 0, json: up to 3)"
    )
    p.set_defaults(handler=_command("cmd_templates"))

    p = sub.add_parser(
        "groups", help="group similar templates (word 3-grams + edit distance) and list the groups"
    )
    with_store(p)
    with_format(p)
    p.add_argument("--n", type=int, default=3, help="n-gram size (default: %(default)s)")
    p.add_argument(
        "--ngram-threshold",
        type=float,
        default=0.3,
        help="n-gram overlap for candidates (default: %(default)s)",
    )
    p.add_argument(
        "--distance-threshold",
        type=float,
        default=0.85,
        help="normalised edit distance to join (default: %(default)s)",
    )
    p.add_argument("--sort", choices=("id", "count"), default="id")
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--examples", type=int, default=1, help="example lines per group (default: %(default)s)")
    p.set_defaults(handler=_command("cmd_groups"))

    p = sub.add_parser(
        "stats", help="per template or group: counts, inter-arrival times, periodicity, bursts"
    )
    with_store(p)
    with_format(p)
    p.add_argument("--by", choices=("template", "group"), default="template")
    p.add_argument("--limit", type=int, default=0, help="only the N most frequent")
    p.add_argument(
        "--bin", type=float, default=60.0, help="bin width (s) of the periodicity test (default: %(default)s)"
    )
    p.add_argument(
        "--burst-bin", type=float, default=3600.0, help="bin width (s) for bursts (default: %(default)s)"
    )
    p.add_argument(
        "--burst-k", type=float, default=5.0, help="burst: bins above median + k·scale (default: %(default)s)"
    )
    p.add_argument(
        "--burst-min",
        type=int,
        default=20,
        help="burst: at least this many lines in a bin (default: %(default)s)",
    )
    p.set_defaults(handler=_command("cmd_stats"))

    p = sub.add_parser("simulate", help="generate weeks of realistic multi-host syslog with incidents")
    p.add_argument("--out", default="-", help="log file (default: stdout)")
    p.add_argument("--truth", help="write the incidents (ground truth) as JSON here")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", default="2015-09-26", help="first day, YYYY-MM-DD (UTC)")
    p.add_argument("--days", type=int, default=21)
    p.add_argument("--hypervisors", type=int, default=29)
    p.add_argument("--network-boxes", type=int, default=3)
    p.add_argument("--max-lines", type=int, help="stop after this many lines")
    p.add_argument("--no-incidents", action="store_true", help="background only")
    p.set_defaults(handler=_command("cmd_simulate"))

    p = sub.add_parser("evaluate", help="template accuracy (GA, PA, F1) on the loghub samples")
    with_format(p)
    p.add_argument("--data", help="loghub folder (default: $VMWATCH_LOGHUB or shared/data/loghub)")
    p.add_argument("--datasets", help="comma-separated dataset names (default: all nine)")
    p.add_argument("--corrected", action="store_true", help="use the *_corrected ground truth")
    p.add_argument("--similarity", type=float, default=0.7)
    p.add_argument("--depth", type=int, default=5)
    p.set_defaults(handler=_command("cmd_evaluate"))

    def with_analysis(p: argparse.ArgumentParser) -> None:
        g = p.add_argument_group("windows (the same settings select the same stored analysis)")
        g.add_argument(
            "--length", default="1d", help="window length: 1d, 2h, 90m or seconds (default: %(default)s)"
        )
        g.add_argument("--step", help="window step (default: the length; shorter steps overlap)")
        g.add_argument("--bin", default="60", help="bin width of the event series (default: %(default)s s)")
        g.add_argument(
            "--per-host", action="store_true", help="a node per (group, host) instead of per group"
        )
        g.add_argument("--no-filters", action="store_true", help="keep periodic and constant-rate series")
        g.add_argument(
            "--alpha",
            type=float,
            default=0.01,
            help="significance level of the G² test (default: %(default)s)",
        )

    def with_rarity(p: argparse.ArgumentParser) -> None:
        g = p.add_argument_group("rare edges")
        g.add_argument(
            "--coverage",
            type=float,
            default=0.8,
            help="rare = the fewest edge-days covering this share of distinct edges (default: %(default)s)",
        )
        g.add_argument(
            "--days", type=int, help="rare = seen on at most this many days (overrides --coverage)"
        )
        g.add_argument(
            "--host-edges", action="store_true", help="key edges by node pair with hosts (per-host graphs)"
        )

    p = sub.add_parser(
        "windows", help="causal graph per window (PC-stable, G²): compute new windows and list them"
    )
    with_store(p)
    with_format(p)
    with_analysis(p)
    p.add_argument("--workers", type=int, help="worker processes (default: CPUs; 0: in this process)")
    p.add_argument("--scheduler", help="Dask scheduler address (tcp://host:8786): run the windows there")
    p.add_argument(
        "--recompute", action="store_true",
        help="recompute every window of these settings (windows that late lines changed are recomputed without it)",
    )  # fmt: skip
    p.add_argument(
        "--show",
        metavar="TIME",
        help="the window starting at TIME (ISO 8601, UTC): nodes, filter decisions, edges",
    )
    p.add_argument("--limit", type=int, default=0, help="list only the last N windows")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_command("cmd_windows"))

    p = sub.add_parser("edges", help="edge history: windows and days per edge, CDF of edge-days, TF-IDF")
    with_store(p)
    with_format(p)
    with_analysis(p)
    with_rarity(p)
    p.add_argument("--sort", choices=("days", "first", "tfidf"), default="days")
    p.add_argument("--rare", action="store_true", help="only rare edges")
    p.add_argument("--limit", type=int, default=0)
    p.set_defaults(handler=_command("cmd_edges"))

    p = sub.add_parser("rare", help="rare edges per window, peaks, and the rare edges with example lines")
    with_store(p)
    with_format(p)
    with_analysis(p)
    with_rarity(p)
    p.add_argument("--truth", help="ground truth JSON (vmwatch logs simulate --truth): precision and recall")
    p.add_argument(
        "--top", type=int, default=10, help="rare edges to show with evidence (default: %(default)s)"
    )
    p.add_argument(
        "--examples", type=int, default=1, help="example lines per edge end (default: %(default)s)"
    )
    p.add_argument("--all", action="store_true", help="list every window, not only those with rare edges")
    p.add_argument(
        "--window",
        metavar="TIME",
        help="the rare edges of the window starting at TIME (ISO 8601, UTC), with evidence",
    )
    p.set_defaults(handler=_command("cmd_rare"))

    p = sub.add_parser("report", help="one self-contained HTML page with the study's views")
    with_store(p)
    with_rarity(p)
    p.add_argument("--out", required=True, help="folder for index.html")
    p.add_argument(
        "--live",
        metavar="STATE",
        help="the live analyser's state file instead of the store (read-only, safe while `vmwatch serve` runs)",
    )
    p.add_argument("--truth", help="ground truth JSON: incidents marked and precision/recall")
    p.add_argument(
        "--top", type=int, default=15, help="rare edges listed with example lines (default: %(default)s)"
    )
    p.add_argument(
        "--timelines", type=int, default=24, help="template groups with a timeline (default: %(default)s)"
    )
    p.set_defaults(handler=_command("cmd_report"))
