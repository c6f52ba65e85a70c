"""Hook implementations of the log-anomaly plugin (entry point `loganomaly`)."""

from __future__ import annotations

import argparse

import vmwatch
from vmwatch.backend import ExporterType
from vmwatch_loganomaly import cli


@vmwatch.hookimpl
def vmwatch_cli_commands(subparsers: argparse._SubParsersAction) -> None:
    """`vmwatch logs ingest|templates|groups|stats|simulate|evaluate`."""
    cli.register(subparsers)


@vmwatch.hookimpl
def vmwatch_analyser_types() -> list[ExporterType]:
    """`[analyser.loganomaly]`: live syslog (UDP/TCP, files) → templates → causal graphs → rare edges."""
    from vmwatch_loganomaly import online

    return [
        ExporterType(
            name="loganomaly",
            description="live log anomaly detection: syslog receiver, templates, causal graphs, rare edges",
            check=online.check,
            create=online.create,
        )
    ]
