"""Every hook a vmwatch plugin can implement, grouped by the phase in which it is called.

Plugins are found through the `vmwatch` entry-point group; built-in backends and exporters are
registered through the same entry points (see pyproject.toml). A plugin module implements any
subset of these functions, decorated with `@vmwatch.hookimpl`.
"""

from __future__ import annotations

import argparse
from typing import Any

import pluggy

from vmwatch.backend import BackendType, ExporterType

hookspec = pluggy.HookspecMarker("vmwatch")


# --- Command line: called once while the `vmwatch` command builds its parser --------------------


@hookspec
def vmwatch_cli_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add subcommands to `vmwatch`.

    Each subcommand must `set_defaults(handler=fn)` where `fn(args, plugins) -> int` returns the
    exit status. Use this for plugin-specific tools (`vmwatch logs ...`).
    """


@hookspec
def vmwatch_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add command-line flags to `vmwatch serve` and `vmwatch snapshot`.

    Flags only override configuration: map them into the raw configuration in
    `vmwatch_apply_arguments`, so that a bad flag is reported like a bad config key.
    """


@hookspec
def vmwatch_apply_arguments(args: argparse.Namespace, raw: dict[str, Any]) -> None:
    """Copy the plugin's command-line flags from `args` into the raw configuration `raw`.

    Called after the config file is read and before it is validated; change `raw` in place.
    """


# --- Configuration: called when the config is validated and when `serve` starts -----------------


@hookspec
def vmwatch_backend_types() -> list[BackendType]:
    """Return the kinds of backend this plugin offers.

    A `[[backend]]` entry of the config names one by its `type`. Two plugins offering the same
    type name is an error reported at start-up.
    """


@hookspec
def vmwatch_exporter_types() -> list[ExporterType]:
    """Return the kinds of exporter this plugin offers, each configured by `[exporter.NAME]`."""


@hookspec
def vmwatch_analyser_types() -> list[ExporterType]:
    """Return analysers: consumers of snapshots and events that produce findings of their own.

    They follow the exporter contract (start with the snapshot cache, stop cleanly) and are
    configured by `[analyser.NAME]` tables.
    """
