"""The `notifications` and `eventlog` exporter types.

`[exporter.notifications]` (on by default) sends RFC 7666 notifications through every exporter
that can deliver them: the `agentx` subagent (Notify PDUs, forwarded by snmpd to its trap sinks)
and the embedded `snmp` agent (its `[[exporter.snmp.targets]]`). With neither enabled it does
nothing. The enable objects' start values are those exporters' `per_vm_notifications` and
`bulk_notifications` options; SETs change them until restart.

    [exporter.notifications]
    bulk_window = 1.0        # seconds a bulk notification gathers changes
    per_vm_rate = 20         # per-VM notifications per second (0: no limit) ...
    per_vm_burst = 50        # ... and at once
    bulk_mode = "all"        # "all": bulk lists every change; "overflow": only what per-VM did not send
    queue_size = 1000        # per sink, while it cannot take notifications (oldest dropped beyond)
    max_age = 600            # seconds; older queued notifications are dropped as expired

`[exporter.eventlog]` appends one JSON line per state change to `path` (off unless a path is
given).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import vmwatch
from vmwatch.backend import ExporterType, Options, Problem
from vmwatch_notify.policy import BULK_MODES, PolicySettings

if TYPE_CHECKING:
    from vmwatch.poller import SnapshotCache

log = logging.getLogger(__name__)

OPTIONS = {
    "bulk_window": ("seconds a bulk notification gathers changes", 1.0, 0.0, 3600.0),
    "per_vm_rate": ("per-VM notifications per second, sustained; 0: unlimited", 20.0, 0.0, 1e6),
    "per_vm_burst": ("per-VM notifications at once", 50, 1, 1e6),
    "queue_size": ("notifications queued per sink while it is unavailable", 1000, 1, 1e7),
    "max_age": ("seconds after which a queued notification is dropped as expired", 600.0, 0.1, 1e7),
}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check(options: Options) -> list[Problem]:
    """Problems with `[exporter.notifications]`."""
    problems = []
    for key in options:
        if key not in OPTIONS and key != "bulk_mode":
            problems.append(Problem(key, f"unknown key (expected {', '.join([*OPTIONS, 'bulk_mode'])})"))
    for key, (_, default, low, high) in OPTIONS.items():
        value = options.get(key, default)
        whole = isinstance(default, int)
        if not _is_number(value) or (whole and not isinstance(value, int)) or not low <= value <= high:
            kind = "a whole number" if whole else "a number"
            problems.append(Problem(key, f"must be {kind} from {low:g} to {high:g}, not {value!r}"))
    mode = options.get("bulk_mode", "all")
    if mode not in BULK_MODES:
        problems.append(Problem("bulk_mode", f"must be one of {', '.join(BULK_MODES)}, not {mode!r}"))
    return problems


def policy_settings(options: Options) -> PolicySettings:
    return PolicySettings(
        bulk_window=float(options.get("bulk_window", OPTIONS["bulk_window"][1])),
        per_vm_rate=float(options.get("per_vm_rate", OPTIONS["per_vm_rate"][1])),
        per_vm_burst=int(options.get("per_vm_burst", OPTIONS["per_vm_burst"][1])),
        bulk_mode=options.get("bulk_mode", "all"),
    )


class NotificationsExporter:
    """Starts a `Notifier` once the delivering exporters are known (`use_exporters`)."""

    def __init__(self, options: Options) -> None:
        self.settings = policy_settings(options)
        self.queue_size = int(options.get("queue_size", OPTIONS["queue_size"][1]))
        self.max_age = float(options.get("max_age", OPTIONS["max_age"][1]))
        self.cache: SnapshotCache | None = None
        self.notifier = None

    def start(self, cache: SnapshotCache) -> None:
        self.cache = cache

    def use_exporters(self, exporters: Sequence[tuple[str, Any]]) -> None:
        from vmwatch_mib import process_switches

        from vmwatch_notify.notifier import Notifier
        from vmwatch_notify.sinks import sinks_for

        hub = getattr(self.cache, "events", None)
        sinks = sinks_for(exporters, self.cache)
        if hub is None or not sinks:
            log.info("notifications: no agentx exporter and no snmp targets; none will be sent")
            return
        # after every agent started: the first of them has set the enable objects' defaults
        self.notifier = Notifier(
            hub, process_switches(), sinks, self.settings, queue_size=self.queue_size, max_age=self.max_age
        )
        self.notifier.start()
        hub.add_reporter("notifications", self.notifier.report)
        log.info("notifications: sending through %s", ", ".join(s.name for s in sinks))

    def stop(self) -> None:
        if self.notifier is not None:
            try:
                self.notifier.stop()
            except Exception:  # stop() must not raise
                log.exception("notifications did not stop cleanly")
            self.notifier = None


class EventLogExporter:
    """Follows the hub and appends each change to a JSON-lines file."""

    def __init__(self, options: Options) -> None:
        self.path = Path(options["path"]) if options.get("path") else None
        self.log = None
        self.hub = None

    def start(self, cache: SnapshotCache) -> None:
        from vmwatch_notify.eventlog import EventLog

        self.hub = getattr(cache, "events", None)
        if self.path is None or self.hub is None:
            return
        self.log = EventLog(self.path)
        self.log.open()  # a path we cannot write fails the start, which is logged
        self.log.follow(self.hub)

    def stop(self) -> None:
        if self.log is not None:
            self.log.close(self.hub)


def check_eventlog(options: Options) -> list[Problem]:
    problems = [Problem(k, "unknown key (expected path)") for k in options if k != "path"]
    path = options.get("path")
    if path is not None and (not isinstance(path, str) or not path):
        problems.append(Problem("path", f"must be a file path, not {path!r}"))
    return problems


@vmwatch.hookimpl
def vmwatch_exporter_types() -> list[ExporterType]:
    return [
        ExporterType(
            name="notifications",
            description="RFC 7666 notifications (per-VM and bulk) through the agentx and snmp exporters",
            check=check,
            create=NotificationsExporter,
            enabled_by_default=True,
        ),
        ExporterType(
            name="eventlog",
            description="JSON-lines log of VM state changes (set path)",
            check=check_eventlog,
            create=EventLogExporter,
            enabled_by_default=True,
        ),
    ]
