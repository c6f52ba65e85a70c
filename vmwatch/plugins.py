"""The plugin manager: built-in and third-party plugins load through the same entry points.

Environment switches (for support and debugging):
- `VMWATCH_BLOCK_PLUGINS=name,name`: do not load these plugins (entry-point names).
- `VMWATCH_TRACE_PLUGINS=1`: log every hook call and its result to stderr.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import sys
from collections.abc import Iterable

import pluggy

from vmwatch import hookspecs
from vmwatch.backend import BackendType, ExporterType

ENTRY_POINT_GROUP = "vmwatch"
log = logging.getLogger(__name__)


class PluginError(Exception):
    """Plugins disagree or misbehave (two plugins offer the same backend type ...)."""


def blocked_names(environ: dict[str, str] | None = None) -> list[str]:
    """Plugin names listed in VMWATCH_BLOCK_PLUGINS."""
    value = (os.environ if environ is None else environ).get("VMWATCH_BLOCK_PLUGINS", "")
    return [name.strip() for name in value.split(",") if name.strip()]


def make_manager(extra: Iterable[object] = (), environ: dict[str, str] | None = None) -> pluggy.PluginManager:
    """Build the manager: hookspecs, blocked names, entry points, `extra` modules, then check."""
    env = os.environ if environ is None else environ
    pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
    pm.add_hookspecs(hookspecs)
    for name in blocked_names(env):
        pm.set_blocked(name)
    load_errors: dict[str, str] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken plugin must not take the others down
            load_errors[ep.name] = f"{type(exc).__name__}: {exc}"
            print(f"vmwatch: plugin {ep.name} ({ep.value}) failed to load: {exc}", file=sys.stderr)
            continue
        pm.register(plugin, name=ep.name)
    pm.load_errors = load_errors  # type: ignore[attr-defined]
    for plugin in extra:
        pm.register(plugin)
    pm.check_pending()
    if env.get("VMWATCH_TRACE_PLUGINS"):
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    return pm


def _by_name(kind: str, offered: list[list]) -> dict:
    found: dict = {}
    for types in offered:
        for item in types or ():
            if item.name in found:
                raise PluginError(f"two plugins offer the {kind} type {item.name!r}")
            found[item.name] = item
    return found


def _offered(pm: pluggy.PluginManager, hook: str) -> list[list]:
    """Each plugin's answer to a `*_types` hook, asked one plugin at a time.

    A plugin whose optional dependency is not installed (ImportError: its extra was not asked
    for, e.g. `pip install vmwatch` without `[logs]`) offers nothing, and `unavailable(pm)` says
    why; the other plugins and the command go on.
    """
    answers = []
    for impl in getattr(pm.hook, hook).get_hookimpls():
        try:
            answers.append(impl.function())
        except ImportError as exc:
            missing: dict[str, str] = pm.__dict__.setdefault("unavailable", {})
            missing[impl.plugin_name] = f"{type(exc).__name__}: {exc}"
    return answers


def unavailable(pm: pluggy.PluginManager) -> dict[str, str]:
    """Plugins that offered nothing because an optional dependency is missing: name → reason."""
    return dict(pm.__dict__.get("unavailable", {}))


def backend_types(pm: pluggy.PluginManager) -> dict[str, BackendType]:
    """Every backend type offered by the loaded plugins, by name."""
    return _by_name("backend", _offered(pm, "vmwatch_backend_types"))


def exporter_types(pm: pluggy.PluginManager) -> dict[str, ExporterType]:
    """Every exporter type offered by the loaded plugins, by name."""
    return _by_name("exporter", _offered(pm, "vmwatch_exporter_types"))


def analyser_types(pm: pluggy.PluginManager) -> dict[str, ExporterType]:
    """Every analyser type offered by the loaded plugins, by name."""
    return _by_name("analyser", _offered(pm, "vmwatch_analyser_types"))
