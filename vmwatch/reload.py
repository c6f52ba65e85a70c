"""SIGHUP: re-read the configuration and apply what changed, keeping snapshots and indexes.

`plan(old, new)` is pure: it compares two validated configs and says what to do. `apply` does it
on a running `Runtime`:

- core settings (refresh_interval, backoff_max, stale_after, index_hold, log_level) are changed in
  place on the running pollers, cache and indexers;
- a backend whose type or options changed gets a new poller, which inherits the old poller's
  per-host state (its indexers), so every vmIndex stays what it was; a removed backend's poller
  stops and its snapshots leave the cache; a new backend gets a poller;
- an exporter or analyser whose options changed (or that was turned on or off) is stopped and
  started again over the same cache;
- `state_dir` cannot move under a running service: the change is logged and needs a restart.

An invalid new config changes nothing: the caller logs every problem and keeps the old config.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from vmwatch.config import BackendConfig, Config, PluginConfig

log = logging.getLogger(__name__)

CORE_IN_PLACE = ("refresh_interval", "backoff_max", "stale_after", "index_hold", "log_level")


@dataclass
class Plan:
    """What a reload changes; empty lists mean nothing of that kind changed."""

    core: dict[str, tuple] = field(default_factory=dict)  # key → (old, new), applied in place
    restart_needed: list[str] = field(default_factory=list)  # keys only a restart can apply
    backends_added: list[BackendConfig] = field(default_factory=list)
    backends_changed: list[BackendConfig] = field(default_factory=list)
    backends_removed: list[str] = field(default_factory=list)
    plugins_started: list[PluginConfig] = field(default_factory=list)
    plugins_restarted: list[PluginConfig] = field(default_factory=list)
    plugins_stopped: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        return not any(vars(self).values())

    def describe(self) -> list[str]:
        """One line per change, for the log."""
        lines = [f"vmwatch.{k}: {old!r} → {new!r}" for k, (old, new) in self.core.items()]
        lines += [f"vmwatch.{k}: changed, takes effect after a restart" for k in self.restart_needed]
        lines += [f"backend {b.name}: added" for b in self.backends_added]
        lines += [f"backend {b.name}: changed, reconnecting" for b in self.backends_changed]
        lines += [f"backend {n}: removed" for n in self.backends_removed]
        lines += [f"{p.name}: started" for p in self.plugins_started]
        lines += [f"{p.name}: options changed, restarting" for p in self.plugins_restarted]
        lines += [f"{n}: stopped" for n in self.plugins_stopped]
        return lines


def plan(
    old: Config,
    new: Config,
    old_backends: tuple[BackendConfig, ...],
    new_backends: tuple[BackendConfig, ...],
) -> Plan:
    """Compare two configs (and the backends chosen for each: demo or detected ones included)."""
    result = Plan()
    for key in CORE_IN_PLACE:
        if getattr(old, key) != getattr(new, key):
            result.core[key] = (getattr(old, key), getattr(new, key))
    if old.state_dir != new.state_dir:
        result.restart_needed.append("state_dir")

    before = {b.name: b for b in old_backends}
    after = {b.name: b for b in new_backends}
    for name, entry in after.items():
        if name not in before:
            result.backends_added.append(entry)
        elif before[name] != entry:
            result.backends_changed.append(entry)
    result.backends_removed = [name for name in before if name not in after]

    running = {p.name: p for p in (*old.exporters, *old.analysers)}
    wanted = {p.name: p for p in (*new.exporters, *new.analysers)}
    for name, entry in wanted.items():
        if name not in running:
            result.plugins_started.append(entry)
        elif running[name] != entry:
            result.plugins_restarted.append(entry)
    result.plugins_stopped = [name for name in running if name not in wanted]
    return result
