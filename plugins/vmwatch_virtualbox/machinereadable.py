"""Parser for `VBoxManage showvminfo <vm> --machinereadable` (pure: text in, key → value out).

The format, as VBoxManageInfo.cpp writes it, is one `key=value` per line, with awkward cases:

- keys are bare (`memory=2048`) or quoted when they hold dashes, spaces or `=`
  (`"SATA-0-0"="/vms/web/web.vdi"`, `"SATA-ImageUUID-0-0"="..."`); a bare key runs up to the
  first `=` and may hold spaces or brackets (`GuestAdditionsFacility_VirtualBox Base Driver=50,1`,
  `vrdeproperty[TCP/Ports]="3389"`, `Forwarding(0)="ssh,tcp,,2222,,22"`);
- string values are quoted, with `"` and `\\` escaped by a backslash since VirtualBox 5.x; older
  releases print some strings raw, so a backslash before any other character is kept as it is
  (Windows paths such as `C:\\VMs\\web.vdi` survive either way);
- a quoted value may span lines (`description`, `SnapshotDescription`);
- some values carry an unquoted tail after the closing quote (`VideoMode="720,400,0"@0,0 1`,
  `BandwidthGroup0="limit",Disk,1000`): the value is the quoted part, the tail is kept apart;
- numbers and a few others are unquoted (`cpus=2`, `vrdeproperty[Security/Method]=<not set>`,
  `videocapres=1024x768`, VirtualBox 7's `VRDEClients==0`); an unquoted value runs to the end of
  the line;
- VirtualBox 7 prints an indented heading without `=` before each recording screen
  (` rec_screen0`): indented lines without `=` are skipped, any other line without one is an error.

`parse(text)` returns the values by key (a later duplicate wins, as it would in a shell `eval`);
`parse_entries(text)` keeps every entry with its tail and line number. Anything the grammar
cannot read (a line without `=`, an unterminated quote: a truncated output) raises
`MachineReadableError`, never another exception.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Entry", "MachineReadableError", "parse", "parse_entries", "quote"]


class MachineReadableError(ValueError):
    """The text is not `--machinereadable` output (or was cut short); says where and why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    """One `key=value` of the output. `quoted` tells a quoted string from a bare value."""

    key: str
    value: str
    line: int  # 1-based line where the entry starts
    quoted: bool = False
    tail: str = ""  # text after the closing quote (`@0,0 1` of VideoMode), else ""


_ESCAPABLE = frozenset('"\\')


def _read_quoted(text: str, pos: int, line: int, multiline: bool) -> tuple[str, int, int]:
    """Read a quoted string whose opening quote is at `pos`; return (value, pos after the closing
    quote, line number there). Newlines are allowed inside only when `multiline`."""
    start_line = line
    out: list[str] = []
    i = pos + 1
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in _ESCAPABLE:
            out.append(text[i + 1])
            i += 2
            continue
        if ch == '"':
            return "".join(out), i + 1, line
        if ch == "\n":
            if not multiline:
                raise MachineReadableError(start_line, "quoted key is not closed on its line")
            line += 1
        out.append(ch)
        i += 1
    raise MachineReadableError(start_line, "quoted value is not closed before the end (output cut short?)")


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _strip_cr(value: str) -> str:
    return value.removesuffix("\r")


def parse_entries(text: str) -> list[Entry]:
    """Every entry of the output in order; raise MachineReadableError when it cannot be read."""
    if not isinstance(text, str):
        raise MachineReadableError(0, f"expected text, got {type(text).__name__}")
    entries: list[Entry] = []
    pos, line, n = 0, 1, len(text)
    while pos < n:
        end = _line_end(text, pos)
        if not text[pos:end].strip():  # blank line (or trailing whitespace)
            pos, line = end + 1, line + 1
            continue
        start_line = line
        # --- key
        if text[pos] == '"':
            key, pos, line = _read_quoted(text, pos, line, multiline=False)
            if pos >= n or text[pos] != "=":
                raise MachineReadableError(start_line, f"quoted key {key!r} is not followed by '='")
        else:
            equals = text.find("=", pos, end)
            if equals < 0 and text[pos] in " \t":
                # VirtualBox 7 prints an indented " rec_screen0" heading among the recording keys
                pos, line = end + 1, line + 1
                continue
            if equals < 0:
                raise MachineReadableError(start_line, f"no '=' in {_strip_cr(text[pos:end])[:60]!r}")
            key = text[pos:equals]
            pos = equals
        if not key:
            raise MachineReadableError(start_line, "empty key")
        pos += 1  # the '='
        # --- value
        if pos < n and text[pos] == '"':
            value, pos, line = _read_quoted(text, pos, line, multiline=True)
            end = _line_end(text, pos)
            tail = _strip_cr(text[pos:end])
            entries.append(Entry(key, value, start_line, quoted=True, tail=tail))
        else:
            end = _line_end(text, pos)
            entries.append(Entry(key, _strip_cr(text[pos:end]), start_line))
        pos, line = end + 1, line + 1
    return entries


def parse(text: str) -> dict[str, str]:
    """The values by key (quoted values unescaped, tails dropped; a later duplicate wins)."""
    return {entry.key: entry.value for entry in parse_entries(text)}


def quote(value: str) -> str:
    """`value` as VBoxManage quotes it (for fixtures and tests): escape `"` and `\\`, add quotes."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
