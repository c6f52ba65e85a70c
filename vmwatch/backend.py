"""The contracts between the core and its plugins: backends, exporters, analysers.

A backend talks to one hypervisor connection and returns complete `Host` readings; it raises
`BackendError` (or a subclass) and never decides indexes. An exporter reads snapshots from the
`SnapshotCache` it is given and never calls a hypervisor. Each plugin offers its kinds of backend
and exporter as `BackendType` / `ExporterType` values through the hooks in `vmwatch.hookspecs`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from vmwatch.model import Host

if TYPE_CHECKING:
    from vmwatch.poller import SnapshotCache

Options = Mapping[str, Any]


class BackendError(Exception):
    """A read failed; the poller keeps serving the last snapshot and retries with backoff."""


class BackendUnavailable(BackendError):
    """The hypervisor cannot be reached (down, restarting, refused); reconnect later."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration: the key (dotted path) and why."""

    key: str
    reason: str


class Backend(Protocol):
    """One long-lived connection to a hypervisor (or a manager of several hosts)."""

    name: str

    def connect(self) -> None:
        """Open the connection; raise BackendUnavailable when the hypervisor cannot be reached."""

    def read(self) -> tuple[Host, ...]:
        """Read every host behind this connection, complete (every VM, whatever its state)."""

    def close(self) -> None:
        """Close the connection; must not raise."""

    # Optional, for backends with native lifecycle events (libvirt, vSphere). Without them,
    # state changes still come from comparing snapshots, one refresh interval late.
    #
    # def on_state_change(self, listener: Callable[[NativeEvent], None]) -> None:
    #     """Call `listener(event)` for every VM state change as it happens, from any thread,
    #     across reconnections (the backend registers again after each connect). The event has
    #     `uuid`, `new` (an OperState) and optionally `time` and `host` (vmwatch.events)."""
    #
    # def on_resync(self, callback: Callable[[], None]) -> None:
    #     """Call `callback()` when a read is needed now (a VM was defined or removed, the
    #     event stream was lost); vmwatch then refreshes at once."""


class Exporter(Protocol):
    """Serves snapshots to a consumer (Prometheus, SNMP ...)."""

    def start(self, cache: SnapshotCache) -> None:
        """Start serving; return once listening. Raise on a fatal setup error (port in use ...)."""

    def stop(self) -> None:
        """Stop serving and release every resource; must not raise."""

    # Optional, for exporters that build on others (notifications are delivered through the
    # AgentX and SNMP exporters):
    #
    # def use_exporters(self, exporters: Sequence[tuple[str, Exporter]]) -> None:
    #     """Called once after every exporter started, with all of them (name, exporter)."""


@dataclass(frozen=True)
class BackendType:
    """A kind of backend that `[[backend]]` entries of the config can name in `type`.

    `check` validates the entry's options (keys relative to the entry) and returns problems;
    `create(name, options)` builds the backend (it connects later); `demo(directory)` returns
    options for a built-in demo host, or is None when the type has no demo; `detect()` returns
    options for a hypervisor found on this machine (used when no backend is configured), or None.
    """

    name: str
    description: str
    check: Callable[[Options], list[Problem]]
    create: Callable[[str, Options], Backend]
    demo: Callable[[Path], Options] | None = None
    detect: Callable[[], Options | None] | None = None


@dataclass(frozen=True)
class ExporterType:
    """A kind of exporter configured by an `[exporter.NAME]` table of the config."""

    name: str
    description: str
    check: Callable[[Options], list[Problem]]
    create: Callable[[Options], Exporter]
    enabled_by_default: bool = False
