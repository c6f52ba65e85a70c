"""The JSON-lines event log: one line per VM state change, appended as it happens.

    {"time": "2026-11-27T07:41:02.153Z", "hypervisor": "kvm01", "vm_index": 3,
     "vm_uuid": "…", "vm_name": "web1", "from": "running", "to": "paused", "source": "native"}

`time` is when the change was seen (UTC, milliseconds), `from`/`to` the MIB's state labels
("deleted" for a VM that left vmTable), `source` "native" (a backend event) or "poll" (a
snapshot diff). The file is reopened when it is moved or removed (logrotate without
copytruncate works), and each line is flushed at once.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import threading
from pathlib import Path

from vmwatch.events import EventHub, StateChange, state_label

log = logging.getLogger(__name__)


def record(change: StateChange) -> dict:
    """The log record of one change (pure)."""
    when = datetime.datetime.fromtimestamp(change.time, datetime.UTC)
    return {
        "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "hypervisor": change.hypervisor,
        "vm_index": change.vm.index,
        "vm_uuid": str(change.vm.uuid),
        "vm_name": change.vm.name,
        "from": state_label(change.previous_oper_state),
        "to": state_label(change.new_oper_state),
        "source": change.source,
    }


def line(change: StateChange) -> str:
    return json.dumps(record(change), ensure_ascii=False, separators=(", ", ": ")) + "\n"


class EventLog:
    """Appends every change the hub reports to `path`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._file = None
        self._inode: tuple[int, int] | None = None
        self.written = 0
        self.failures = 0

    def open(self) -> None:
        """Open (create) the file now, so that a bad path is reported at start-up."""
        with self._lock:
            self._reopen()

    def _reopen(self) -> None:
        if self._file is not None:
            self._file.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")
        st = os.fstat(self._file.fileno())
        self._inode = (st.st_dev, st.st_ino)

    def _moved(self) -> bool:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return True
        return (st.st_dev, st.st_ino) != self._inode

    def write(self, change: StateChange) -> None:
        """The hub's listener; a write error is logged and counted, never raised."""
        text = line(change)
        with self._lock:
            try:
                if self._file is None or self._moved():
                    self._reopen()
                self._file.write(text)
                self._file.flush()
                self.written += 1
            except OSError as exc:
                self.failures += 1
                log.warning("cannot write the event log %s: %s", self.path, exc)

    def follow(self, hub: EventHub) -> None:
        hub.subscribe(self.write)

    def close(self, hub: EventHub | None = None) -> None:
        if hub is not None:
            hub.unsubscribe(self.write)
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
