"""Sinks over the running exporters: the AgentX subagent's Notify and the embedded agent's targets.

`sinks_for(exporters)` picks, from the exporters `vmwatch serve` started, those that can deliver
notifications, and wraps each in a `Sink` that turns its errors into `SinkUnavailable` (retry
later: no AgentX session, agent not running) or `DeliveryFailed` (give this one up).

Contexts: a notification's vmIndexes belong to one hypervisor. Both agents serve the first
hypervisor (by name) in the default context; the AgentX subagent serves the others in a context
named after each when `contexts = true`, the embedded agent always does (SNMPv3 contextName).
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Sequence
from typing import Any

from vmwatch_notify.delivery import DeliveryFailed, Sink, SinkUnavailable
from vmwatch_notify.varbinds import Notification


def _default_hypervisor(cache) -> str | None:
    snapshots = cache.snapshots() if cache is not None else []
    return snapshots[0].name if snapshots else None


class AgentXSink:
    """Notify PDUs through the AgentX subagent's session; the master forwards them to its sinks."""

    name = "agentx"

    def __init__(self, exporter: Any, cache: Any, timeout: float = 5.0) -> None:
        self.exporter = exporter
        self.cache = cache
        self.timeout = timeout

    def context(self, hypervisor: str) -> bytes | None:
        default = _default_hypervisor(self.cache)
        if default is None or hypervisor == default:
            return None
        if getattr(self.exporter, "use_contexts", False):
            return hypervisor.encode()
        raise DeliveryFailed(
            f"hypervisor {hypervisor!r} is not served by the agentx exporter (set contexts = true)"
        )

    def deliver(self, notification: Notification) -> None:
        from vmwatch_agentx.session import SessionNotOpen

        context = self.context(notification.hypervisor)
        try:
            self.exporter.notify(notification.varbinds, context, wait=self.timeout)
        except SessionNotOpen as exc:
            raise SinkUnavailable(str(exc)) from None
        except concurrent.futures.TimeoutError:
            raise SinkUnavailable("the AgentX exporter did not take the notification in time") from None


class SnmpTargetsSink:
    """Traps and informs from the embedded agent to its `[[exporter.snmp.targets]]`."""

    name = "snmp"

    def __init__(self, agent: Any, cache: Any) -> None:
        self.agent = agent
        self.cache = cache

    def deliver(self, notification: Notification) -> None:
        from vmwatch_snmp.notify import AgentNotRunning, NotificationError

        default = _default_hypervisor(self.cache)
        context = b"" if default is None or notification.hypervisor == default else notification.hypervisor.encode()
        try:
            self.agent.send_notification(notification.varbinds, context)
        except AgentNotRunning as exc:
            raise SinkUnavailable(str(exc)) from None
        except (NotificationError, concurrent.futures.TimeoutError) as exc:
            raise DeliveryFailed(str(exc) or type(exc).__name__) from None


def sinks_for(exporters: Sequence[tuple[str, Any]], cache: Any) -> list[Sink]:
    """The sinks among the started exporters: agentx (always), snmp (when it has targets)."""
    sinks: list[Sink] = []
    for name, exporter in exporters:
        if name == "agentx" and hasattr(exporter, "notify"):
            sinks.append(AgentXSink(exporter, cache))
        elif name == "snmp" and hasattr(exporter, "send_notification") and getattr(exporter, "has_targets", False):
            sinks.append(SnmpTargetsSink(exporter, cache))
    return sinks
