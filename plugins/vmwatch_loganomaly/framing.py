"""Syslog framing and line decoding, sans I/O (bytes in, lines out; no sockets here).

- `decode_line(data)`: one frame's bytes → text. Trailing CR/LF/NUL are dropped, invalid UTF-8
  is replaced (never raises), frames longer than `max_line` bytes are cut. A frame that still
  holds NUL bytes or mostly control characters is binary: `None` (the caller counts it).
- `StreamFramer`: a TCP byte stream → frames. RFC 6587 allows two framings and senders may switch
  per message: octet counting (`LEN SP MSG`, chosen when a frame starts with a digit 1-9 followed
  by digits and a space) and non-transparent framing (frames end with LF; NUL also accepted, as
  rsyslog does). An oversized frame is cut at `max_line` bytes and the rest of it skipped, so a
  sender that never sends a newline cannot make the buffer grow.
"""

from __future__ import annotations

import dataclasses

MAX_LINE = 8192  # bytes; rsyslog's default maxMessageSize
_MAX_LENGTH_DIGITS = 9


@dataclasses.dataclass
class FrameCounts:
    """What the framer cut or skipped (counters, only ever grow)."""

    truncated: int = 0


def is_binary(data: bytes) -> bool:
    """NUL bytes, or more than a quarter of the bytes control characters (not TAB)."""
    if b"\x00" in data:
        return True
    controls = sum(1 for b in data if b < 32 and b != 9)
    return controls * 4 > len(data)


def decode_line(data: bytes, max_line: int = MAX_LINE) -> str | None:
    """One frame → its text (cut to `max_line` bytes), or None when the frame is binary."""
    if len(data) > max_line:
        data = data[:max_line]
    data = data.rstrip(b"\r\n\x00")
    if is_binary(data):
        return None
    return data.decode("utf-8", errors="replace")


class StreamFramer:
    """Splits a TCP syslog stream into frames (RFC 6587); bounded by `max_line` per frame."""

    def __init__(self, max_line: int = MAX_LINE):
        self.max_line = max_line
        self.counts = FrameCounts()
        self._buffer = bytearray()
        self._skip = 0  # bytes of an oversized octet-counted frame still to drop
        self._skipping_line = False  # dropping the rest of an oversized newline frame

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the frames completed by them (possibly none)."""
        buf = self._buffer
        buf += data
        frames: list[bytes] = []
        while buf:
            if self._skip:
                n = min(self._skip, len(buf))
                del buf[:n]
                self._skip -= n
                continue
            if self._skipping_line:
                end = _find_end(buf)
                if end < 0:
                    buf.clear()
                    break
                del buf[: end + 1]
                self._skipping_line = False
                continue
            if 0x31 <= buf[0] <= 0x39:  # octet counting: "LEN MSG"
                space = buf.find(b" ", 0, _MAX_LENGTH_DIGITS + 1)
                if space > 0 and buf[:space].isdigit():
                    length = int(buf[:space])
                    start = space + 1
                    if len(buf) - start >= length:
                        frames.append(bytes(buf[start : start + length]))
                        del buf[: start + length]
                        continue
                    if length > self.max_line and len(buf) - start >= self.max_line:
                        frames.append(bytes(buf[start : start + self.max_line]))
                        self.counts.truncated += 1
                        self._skip = length - (len(buf) - start)
                        buf.clear()
                        continue
                    break  # wait for the rest
                if space < 0 and len(buf) <= _MAX_LENGTH_DIGITS and buf.isdigit():
                    break  # the length itself is incomplete
            end = _find_end(buf)
            if end < 0:
                if len(buf) >= self.max_line:
                    frames.append(bytes(buf[: self.max_line]))
                    self.counts.truncated += 1
                    buf.clear()
                    self._skipping_line = True
                break
            if end > self.max_line:
                self.counts.truncated += 1
                end_of_frame = self.max_line
            else:
                end_of_frame = end
            frames.append(bytes(buf[:end_of_frame]))
            del buf[: end + 1]
        return [f for f in frames if f.strip(b"\r\n\x00")]

    def close(self) -> list[bytes]:
        """The connection ended: a last unterminated frame, if any."""
        rest = bytes(self._buffer[: self.max_line])
        self._buffer.clear()
        return [rest] if rest.strip(b"\r\n\x00") and not self._skip and not self._skipping_line else []


def _find_end(buf: bytearray) -> int:
    lf = buf.find(b"\n")
    nul = buf.find(b"\x00")
    if lf < 0:
        return nul
    if nul < 0:
        return lf
    return min(lf, nul)
