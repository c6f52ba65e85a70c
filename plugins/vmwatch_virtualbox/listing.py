"""Parsers for `VBoxManage list ...` and `VBoxManage --version` (pure: text in, records out).

- `list vms` / `list runningvms`: one `"name" {uuid}` per line. The name is printed raw, so it may
  itself hold quotes (`"my "lab" vm" {…}`): the name is everything between the first quote and
  the last `" {`. An unregistered-but-listed machine shows as `"<inaccessible>" {uuid}`.
- `list --long hdds`: blocks of `Key:   value` lines separated by blank lines, one per medium
  (UUID, Parent UUID, State, Type, Location, Storage format, Format variant, Capacity, Size on
  disk ...). Sizes are in whole MBytes (`20480 MBytes`). Unknown keys are ignored.
- `--version`: `7.0.14r161095` (possibly after warning lines about the kernel module).

Anything else raises `ListingError`.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from dataclasses import dataclass

__all__ = ["ListedVm", "ListingError", "Medium", "parse_media", "parse_version", "parse_vm_list"]

_VM_LINE = re.compile(r'^"(?P<name>.*)" \{(?P<uuid>[0-9A-Fa-f-]{32,36})\}$')
_SIZE = re.compile(r"^(?P<n>\d+)\s*(?P<unit>[KMGT]?B(?:ytes?)?)$", re.IGNORECASE)
_VERSION = re.compile(r"^\d+\.\d+\.\d+\S*$")
_SIZE_UNITS = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


class ListingError(ValueError):
    """The output of a `list` command (or `--version`) is not in the expected format."""


@dataclass(frozen=True)
class ListedVm:
    """One line of `list vms`."""

    name: str
    uuid: uuidlib.UUID


@dataclass(frozen=True)
class Medium:
    """One medium block of `list --long hdds` (sizes in bytes, None when not printed)."""

    uuid: str
    location: str = ""
    format: str = ""  # "VDI", "VMDK", "VHD", "iSCSI" ...
    variant: str = ""  # "dynamic default", "fixed default", "differencing default" ...
    type: str = ""  # "normal (base)", "readonly", "immutable", "shareable" ...
    parent_uuid: str = ""  # "" for a base medium
    state: str = ""  # "created", "locked write", "inaccessible" ...
    capacity: int | None = None  # the disk size the guest sees
    size_on_disk: int | None = None  # bytes the image takes on the host


def parse_vm_list(text: str) -> list[ListedVm]:
    """Parse `list vms` (or `list runningvms`); raise ListingError on a line of another shape."""
    vms: list[ListedVm] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        match = _VM_LINE.match(line)
        if match is None:
            raise ListingError(f"line {number} is not '\"name\" {{uuid}}': {line[:80]!r}")
        try:
            vm_uuid = uuidlib.UUID(match["uuid"])
        except ValueError:
            raise ListingError(f"line {number}: {match['uuid']!r} is not a UUID") from None
        vms.append(ListedVm(match["name"], vm_uuid))
    return vms


def parse_size(text: str) -> int | None:
    """`20480 MBytes` → bytes; None when the text is not a size."""
    match = _SIZE.match(text.strip())
    if match is None:
        return None
    first = match["unit"][0].lower()
    return int(match["n"]) * _SIZE_UNITS.get(first, 1)


def _medium(fields: dict[str, str], number: int) -> Medium:
    medium_uuid = fields.get("UUID", "")
    if not medium_uuid:
        raise ListingError(f"medium block ending at line {number} has no UUID")
    parent = fields.get("Parent UUID", "")
    state = fields.get("State", "")
    known = state != "inaccessible"  # VirtualBox prints 0 MBytes for a medium it cannot open
    return Medium(
        uuid=medium_uuid.lower(),
        location=fields.get("Location", ""),
        format=fields.get("Storage format", ""),
        variant=fields.get("Format variant", ""),
        type=fields.get("Type", ""),
        parent_uuid="" if parent in ("", "base") else parent.lower(),
        state=state,
        capacity=parse_size(fields.get("Capacity", "")) if known else None,
        size_on_disk=parse_size(fields.get("Size on disk", "")) if known else None,
    )


def parse_media(text: str) -> dict[str, Medium]:
    """Parse `list --long hdds` into media by (lower-case) UUID; raise ListingError."""
    media: dict[str, Medium] = {}
    fields: dict[str, str] = {}
    last_key = ""
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r")
        if not line.strip():
            if fields:
                medium = _medium(fields, number)
                media[medium.uuid] = medium
            fields, last_key = {}, ""
            continue
        if line.startswith(" ") and last_key:  # continuation ("Property:", "In use by VMs:" lists)
            continue
        key, colon, value = line.partition(":")
        if not colon or not key.strip():
            raise ListingError(f"line {number} is not 'Key: value': {line[:80]!r}")
        last_key = key.strip()
        fields.setdefault(last_key, value.strip())
    if fields:
        medium = _medium(fields, len(lines))
        media[medium.uuid] = medium
    return media


def parse_version(text: str) -> str:
    """The version from `VBoxManage --version` ("7.0.14r161095"); the last line that looks like
    one wins, since warnings about the kernel driver may come first."""
    for line in reversed(text.splitlines()):
        if _VERSION.match(line.strip()):
            return line.strip()
    raise ListingError(f"no version in {text.strip()[:80]!r}")
