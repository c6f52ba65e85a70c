"""Hook implementations of the log-anomaly plugin (entry point `loganomaly`)."""

from __future__ import annotations

import argparse

import vmwatch
from vmwatch_loganomaly import cli


@vmwatch.hookimpl
def vmwatch_cli_commands(subparsers: argparse._SubParsersAction) -> None:
    """`vmwatch logs ingest|templates|groups|stats|simulate|evaluate`."""
    cli.register(subparsers)
