"""File tailing that follows rotation: rename (logrotate's default) and copytruncate.

`Follower(path).poll()` returns the complete lines written since the last call (no threads here;
the caller polls). It keeps the open file and its inode:

- **rename**: the path now names another inode. The old file is read to its end first (a writer
  may have added lines before reopening), then the new one from its start.
- **copytruncate**: the same inode got shorter than our offset: read again from the start.
- the path is missing (between rename and create): keep the old file, retry next poll.

Memory is bounded: at most `max_read` bytes are read per poll, and a line longer than `max_line`
bytes is cut (counted in `truncated`). A partial last line waits for its newline.
Starts at the end of an existing file (`from_start=False`, like `tail -F`) or at its start.
"""

from __future__ import annotations

import os
from pathlib import Path

from vmwatch_loganomaly.framing import MAX_LINE, decode_line


class Follower:
    """Follows one file across rotations; `poll()` → new lines (text)."""

    def __init__(self, path: Path | str, from_start: bool = False, max_line: int = MAX_LINE,
                 max_read: int = 4 * 1024 * 1024):  # fmt: skip
        self.path = Path(path)
        self.max_line = max_line
        self.max_read = max_read
        self.truncated = 0
        self.binary = 0
        self.rotations = 0
        self._file = None
        self._inode: int | None = None
        self._partial = b""
        self._open(at_end=not from_start)

    def _open(self, at_end: bool) -> bool:
        try:
            f = open(self.path, "rb")  # noqa: SIM115 (kept open across polls)
        except FileNotFoundError:
            return False
        st = os.fstat(f.fileno())
        if at_end:
            f.seek(st.st_size)
        self._file, self._inode = f, st.st_ino
        self._partial = b""
        return True

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def poll(self) -> list[str]:
        """Lines completed since the last poll, following a rotation if one happened."""
        if self._file is None and not self._open(at_end=False):
            return []
        lines = self._read()
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return lines
        if st.st_ino != self._inode:
            lines += self._read(all_of_it=True)
            if self._partial:
                lines += self._split(self._partial + b"\n")
            self.close()
            self.rotations += 1
            if self._open(at_end=False):
                lines += self._read()
        elif st.st_size < self._file.tell():
            self.rotations += 1
            self._file.seek(0)
            self._partial = b""
            lines += self._read()
        return lines

    def _read(self, all_of_it: bool = False) -> list[str]:
        out: list[str] = []
        while True:
            data = self._file.read(self.max_read)
            if not data:
                return out
            out += self._split(self._partial + data)
            if not all_of_it:
                return out

    def _split(self, data: bytes) -> list[str]:
        parts = data.split(b"\n")
        self._partial = parts.pop()
        if len(self._partial) > self.max_line:
            parts.append(self._partial)
            self._partial = b""
        out = []
        for p in parts:
            if len(p) > self.max_line:
                self.truncated += 1
            line = decode_line(p, self.max_line)
            if line is None:
                self.binary += 1
            elif line:
                out.append(line)
        return out
