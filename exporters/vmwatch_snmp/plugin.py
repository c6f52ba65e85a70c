"""The `snmp` exporter type: vmwatch's embedded SNMP agent (off by default).

Configured by `[exporter.snmp]` (see `vmwatch_snmp.options` and docs/snmp-embedded.md), or
enabled from the command line with `vmwatch serve --snmp-listen udp:127.0.0.1:1161`. Needs the
`snmp` extra (pysnmp, cryptography for AES); it is imported only when the agent is created, so a
missing extra is reported as a config problem instead of breaking every vmwatch command.
"""

from __future__ import annotations

import argparse
import importlib.util
from typing import Any

import vmwatch
from vmwatch.backend import Exporter, ExporterType, Options, Problem
from vmwatch_snmp.address import default_listen
from vmwatch_snmp.options import parse_options


def check(options: Options) -> list[Problem]:
    """Problems with `[exporter.snmp]` options (keys relative to the table)."""
    _, problems = parse_options(options)
    missing = [name for name in ("pysnmp", "cryptography") if importlib.util.find_spec(name) is None]
    if missing and not problems:
        problems.append(Problem("enabled", f"needs {', '.join(missing)}: pip install 'vmwatch[snmp]'"))
    return problems


def create(options: Options) -> Exporter:
    from vmwatch_snmp.agent import SnmpAgent  # pysnmp is an optional dependency

    settings, problems = parse_options(options)
    if settings is None:  # validated before, unless a key file changed in between
        raise ValueError("; ".join(f"{p.key}: {p.reason}" for p in problems))
    return SnmpAgent(settings)


@vmwatch.hookimpl
def vmwatch_exporter_types() -> list[ExporterType]:
    return [
        ExporterType(
            name="snmp",
            description=f"embedded SNMP agent (VM-MIB, v2c/v3) on {default_listen()} by default",
            check=check,
            create=create,
            enabled_by_default=False,
        )
    ]


@vmwatch.hookimpl
def vmwatch_serve_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("embedded SNMP agent")
    group.add_argument(
        "--snmp-listen",
        metavar="ADDR",
        help=f"enable the embedded SNMP agent on ADDR (udp:HOST:PORT); default address {default_listen()}",
    )


@vmwatch.hookimpl
def vmwatch_apply_arguments(args: argparse.Namespace, raw: dict[str, Any]) -> None:
    listen = getattr(args, "snmp_listen", None)
    if listen is None:
        return
    exporters = raw.setdefault("exporter", {})
    if not isinstance(exporters, dict):
        return  # reported by validation
    table = exporters.setdefault("snmp", {})
    if isinstance(table, dict):
        table["enabled"] = True
        table["listen"] = listen
