"""`vmwatch logs ingest|templates|groups|stats|simulate|evaluate`: the parsers.

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
    logs = subparsers.add_parser("logs", help="system-log analysis: ingest, templates, groups, statistics")
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
