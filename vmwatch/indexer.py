"""Stable, small, dense indexes: vmIndex per VM UUID, storage and network row indexes per VM.

An index, once given, stays with its UUID (or device key) across refreshes and restarts. When a VM
disappears its index is held for `hold` seconds, because a manager may still have the old row
cached, and only then can a new VM get it. New VMs take the smallest free index, so the table
stays dense (the bulk notifications carry one bit per vmIndex).

State is one JSON file per hypervisor in the state directory, written atomically (temp file,
fsync, rename, fsync of the directory) and only when an assignment changes.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

from vmwatch.model import Host, NetworkInterface, Storage, VirtualMachine

STATE_VERSION = 1
DEFAULT_HOLD = 24 * 3600.0
MAX_INDEX = 2147483647

_Row = TypeVar("_Row", VirtualMachine, Storage, NetworkInterface)


class IndexStateError(Exception):
    """The index state file exists but cannot be used; it names the file and the reason."""


class IndexSpace:
    """Indexes 1..N for keys, with holds on released indexes. Pure: time is passed in."""

    def __init__(self, assigned: dict[str, int] | None = None, released: dict[str, list] | None = None):
        self.assigned: dict[str, int] = dict(assigned or {})
        # key → [index, released_at]: the index stays reserved for that key until the hold ends
        self.released: dict[str, list] = {k: list(v) for k, v in (released or {}).items()}

    def update(self, keys: Iterable[str], now: float, hold: float) -> bool:
        """Assign indexes to `keys` (present now), release the rest. Returns True if anything changed."""
        present = dict.fromkeys(keys)  # in order, without duplicates
        assigned, released = self.assigned, self.released
        changed = False
        for key in [k for k in assigned if k not in present]:
            released[key] = [assigned.pop(key), now]
            changed = True
        for key in [k for k, (_, at) in released.items() if now - at >= hold]:
            del released[key]
            changed = True
        new = [k for k in present if k not in assigned]
        if new:  # the usual refresh has none: no need to collect the used indexes then
            used = set(assigned.values()) | {index for index, _ in released.values()}
            for key in new:
                if key in released:  # it came back while held: same index as before
                    assigned[key] = released.pop(key)[0]
                else:
                    assigned[key] = _smallest_free(used)
                used.add(assigned[key])
            changed = True
        return changed

    def to_json(self) -> dict:
        return {"assigned": self.assigned, "released": self.released}

    @classmethod
    def from_json(cls, data: dict) -> IndexSpace:
        assigned = {str(k): int(v) for k, v in data.get("assigned", {}).items()}
        released = {str(k): [int(v[0]), float(v[1])] for k, v in data.get("released", {}).items()}
        return cls(assigned, released)


def _smallest_free(used: set[int]) -> int:
    index = 1
    while index in used:
        index += 1
    if index > MAX_INDEX:
        raise IndexStateError("no free index left")
    return index


class Indexer:
    """Assigns and persists the indexes of one hypervisor's VMs and their devices."""

    def __init__(
        self,
        path: Path | None,
        hold: float = DEFAULT_HOLD,
        clock: Callable[[], float] = time.time,
        persist: bool = True,
    ):
        """Load the state from `path` if it exists; with `persist` False, never write it back."""
        self.path = path
        self.persist = persist
        self.hold = hold
        self._clock = clock
        self.vms = IndexSpace()
        self.devices: dict[str, dict[str, IndexSpace]] = {}  # vm uuid → {"storage"|"network": space}
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text())
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"unsupported version {data.get('version')!r}")
            self.vms = IndexSpace.from_json(data["vms"])
            self.devices = {
                vm: {kind: IndexSpace.from_json(space) for kind, space in kinds.items()}
                for vm, kinds in data.get("devices", {}).items()
            }
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            raise IndexStateError(f"{path}: cannot read index state: {exc}") from exc

    def assign(self, host: Host) -> Host:
        """Return `host` with vmIndex, vmStorageIndex and vmNetworkIndex filled in; persist changes."""
        now = self._clock()
        keys = [str(vm.uuid) for vm in host.vms]
        changed = self.vms.update(keys, now, self.hold)
        for uuid in list(self.devices):
            if uuid not in self.vms.assigned and uuid not in self.vms.released:
                del self.devices[uuid]  # the VM's own index expired: its device rows go with it
                changed = True
        vms = []
        for uuid, vm in zip(keys, host.vms):
            spaces = self.devices.get(uuid)
            if spaces is None:
                spaces = self.devices[uuid] = {"storage": IndexSpace(), "network": IndexSpace()}
            changed |= spaces["storage"].update((s.key for s in vm.storage), now, self.hold)
            changed |= spaces["network"].update((n.key for n in vm.networks), now, self.hold)
            vms.append(_indexed(vm, self.vms.assigned[uuid], spaces))
        if changed:
            self.save()
        vms.sort(key=lambda vm: vm.index)
        return replace(host, vms=tuple(vms))

    def save(self) -> None:
        if self.path is None or not self.persist:
            return
        data = {
            "version": STATE_VERSION,
            "vms": self.vms.to_json(),
            "devices": {vm: {k: s.to_json() for k, s in kinds.items()} for vm, kinds in self.devices.items()},
        }
        write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True).encode())


def _indexed(vm: VirtualMachine, index: int, spaces: dict[str, IndexSpace]) -> VirtualMachine:
    storage = [_with_index(s, spaces["storage"].assigned[s.key]) for s in vm.storage]
    networks = [_with_index(n, spaces["network"].assigned[n.key]) for n in vm.networks]
    storage.sort(key=_by_index)
    networks.sort(key=_by_index)
    return _with_index(vm, index, storage=tuple(storage), networks=tuple(networks))


_by_index = attrgetter("index")


def _with_index(row: _Row, index: int, **more: Any) -> _Row:
    """`dataclasses.replace(row, index=index, **more)` for the model's rows, several times cheaper.

    The model's rows are plain frozen dataclasses (no __post_init__, no slots), so a copy of the
    instance dict is the object replace() would build field by field through __init__; the
    indexer makes tens of thousands of them per refresh at 1000 VMs. Anything else goes through
    replace().
    """
    if row.index == index and not more:
        return row
    if not hasattr(row, "__dict__") or hasattr(row, "__post_init__"):
        return replace(row, index=index, **more)
    copy = object.__new__(type(row))
    fields = copy.__dict__
    fields.update(row.__dict__)
    fields["index"] = index
    fields.update(more)
    return copy


def state_file(state_dir: Path, hypervisor: str) -> Path:
    """Where the indexes of one hypervisor live: a file name safe for any hypervisor name."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", hypervisor) or "_"
    return state_dir / f"indexes-{safe}.json"


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves either the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
