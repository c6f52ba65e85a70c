"""Pure parsing of one syslog line into a `LogRecord` (no I/O).

Formats, detected per line:
- RFC 3164 / BSD syslog as written by syslog(3) and rsyslog's default file format:
  `Dec  2 06:48:47 host prog[pid]: message`, optionally preceded by `<PRI>`. There is no year and
  no zone: the zone is configured (`Clock(tz=...)`) and the year inferred by `YearGuess`, which
  follows the months of a file and rolls over at a year boundary (Dec → Jan).
- ISO 8601 / rsyslog high precision (`RSYSLOG_FileFormat`):
  `2024-01-05T10:20:30.123456+01:00 host prog[pid]: message` (zone optional: then the clock's).
- RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD...] MSG` with NILVALUE `-` anywhere.

`Parser.parse(line)` returns a `LogRecord` or raises `MalformedLine`; the year state lives in the
parser, so one parser reads one stream (file) in order.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vmwatch_loganomaly.errors import ConfigError, MalformedLine

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS = {m: i for i, m in enumerate(MONTH_NAMES, start=1)}
MAX_TAG = 64  # longer "tags" are message text that happens to contain ": "
_UNSEEN = object()  # a tag cache miss (None is a cached answer: not a plain tag)


class LogRecord(NamedTuple):
    """One syslog line: `ts` is seconds since the epoch (UTC), `pid` is '' when absent."""

    ts: float
    host: str
    program: str
    pid: str
    message: str


def zone(name: str | None) -> dt.tzinfo:
    """The tzinfo for an IANA zone name, 'UTC', or None for the machine's local zone."""
    if name is None or name == "local":
        local = dt.datetime.now().astimezone().tzinfo
        assert local is not None
        return local
    if name.upper() == "UTC":
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/Paris, or UTC"
        ) from exc


class YearGuess:
    """Infers the year of RFC 3164 timestamps, which have none.

    The first line gets the reference year (the file's modification time, or `year` given by the
    user) unless its month lies after the reference month, in which case it is from the year
    before (a file written until January that starts in November). After that the year follows
    the months: a step back of six months or more (Dec → Jan) starts the next year; a line from
    six or more months ahead of the current one (a late December line after the rollover) belongs
    to the year before and does not move the state. State is (year, month) and is persisted with
    the ingest offset so that a resumed run continues with the same year.
    """

    __slots__ = ("month", "reference", "year")

    def __init__(self, reference: dt.date, year: int | None = None, month: int | None = None):
        self.reference = reference
        self.year = year
        self.month = month

    def year_for(self, month: int) -> int:
        """The year of a line in `month` (1-12), updating the state."""
        if self.month is None or self.year is None:
            ref = self.reference
            self.year = ref.year - 1 if month > ref.month else ref.year
            self.month = month
            return self.year
        if month >= self.month:
            if month - self.month >= 6:
                return self.year - 1  # an old line out of order; keep the state
            self.month = month
            return self.year
        if self.month - month >= 6:
            self.year += 1
        self.month = month
        return self.year


class Clock:
    """Turns local wall-clock fields into epoch seconds in one configured zone (cached per hour)."""

    def __init__(self, tz: dt.tzinfo):
        self.tz = tz
        self._hours: dict[tuple[int, int, int, int], float] = {}

    def epoch(self, year: int, month: int, day: int, hour: int, minute: int, second: float) -> float:
        key = (year, month, day, hour)
        base = self._hours.get(key)
        if base is None:
            try:
                base = dt.datetime(year, month, day, hour, tzinfo=self.tz).timestamp()
            except ValueError as exc:  # Feb 30, hour 25 ...
                raise MalformedLine(f"invalid date: {exc}") from None
            if len(self._hours) > 100_000:
                self._hours.clear()
            self._hours[key] = base
        return base + minute * 60 + second


_RFC3164 = re.compile(
    r"(?:<\d{1,3}>)?([A-Z][a-z]{2}) ([ \d]?\d) (\d\d):(\d\d):(\d\d)(\.\d+)? +(\S+) ?(.*)", re.DOTALL
)
_ISO = re.compile(
    r"(?:<\d{1,3}>)?(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?) +(\S+) ?(.*)",
    re.DOTALL,
)
_RFC5424 = re.compile(r"<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) ?(.*)", re.DOTALL)


def split_tag(rest: str) -> tuple[str, str, str]:
    """`prog[pid]: msg` → (program, pid, message); no tag → ('', '', rest)."""
    i = rest.find(": ")
    if i < 0:
        if rest.endswith(":") and " " not in rest:
            i = len(rest) - 1
        else:
            return "", "", rest
    tag = rest[:i]
    if not tag or len(tag) > MAX_TAG or " " in tag:
        return "", "", rest
    message = rest[i + 2 :]
    if tag.endswith("]"):
        j = tag.rfind("[")
        if j > 0:
            return tag[:j], tag[j + 1 : -1], message
    return tag, "", message


def plain_tag(tag: str) -> tuple[str, str] | None:
    """`prog[pid]:` or `prog:` → (program, pid), as the parser's fast path reads a tag word; None
    when the word is not such a tag (the line then takes the slow path)."""
    if tag[-1:] != ":" or len(tag) > MAX_TAG + 1:
        return None
    if tag[-2:-1] != "]":
        return tag[:-1], ""
    j = tag.rfind("[")
    return (tag[:j], tag[j + 1 : -2]) if j > 0 else None


def skip_structured_data(text: str) -> str:
    """RFC 5424: drop `-` or the `[id k="v"...]...` elements; return the MSG (without BOM)."""
    if text.startswith("-"):
        rest = text[1:]
    elif text.startswith("["):
        i, n = 0, len(text)
        while i < n and text[i] == "[":
            i += 1
            in_quotes = False
            while i < n:
                c = text[i]
                if c == "\\" and in_quotes:
                    i += 2
                    continue
                if c == '"':
                    in_quotes = not in_quotes
                elif c == "]" and not in_quotes:
                    break
                i += 1
            if i >= n:
                raise MalformedLine("unterminated structured data")
            i += 1
        rest = text[i:]
    else:
        raise MalformedLine("RFC 5424 line without structured data")
    rest = rest.removeprefix(" ")
    return rest.removeprefix("\ufeff")


class Parser:
    """Parses the lines of one stream; holds the year state and the clock."""

    def __init__(self, clock: Clock, years: YearGuess, tag_cache_size: int = 2048):
        self.clock = clock
        self.years = years
        # "Mmm dd hh:mm" → epoch and "Mmm dd hh:" → epoch, for the current month of the year state
        # only (cleared when the month changes, so a hit never needs the year inference).
        self._minutes: dict[str, float] = {}
        self._hours: dict[str, float] = {}
        # `prog[pid]:` → (program, pid) or None (not a plain tag); a process writes many lines.
        self._tags: dict[str, tuple[str, str] | None] = {}
        self._tag_cache_size = tag_cache_size

    def parse(self, line: str) -> LogRecord:
        """One line (without its newline) → `LogRecord`, or `MalformedLine`."""
        return tuple.__new__(LogRecord, self.fields(line))

    def fields(self, line: str) -> tuple[float, str, str, str, str]:
        """`parse(line)` as a plain tuple (ts, host, program, pid, message), for hot loops."""
        # Fast path: plain RFC 3164 (`Mmm dd hh:mm:ss host prog[pid]: msg`), the common case, by
        # slicing and one split; the wall clock up to the minute and the tags are cached (lines
        # share them), and no record is built.
        if len(line) > 16 and line[15] == " " and line[12] == ":":
            minute = self._minutes.get(line[:12])
            if minute is None:
                minute = self._new_minute(line)
            if minute is not None:
                sec = line[13:15]
                parts = line[16:].split(" ", 2)
                if len(parts) == 3 and sec.isdigit():
                    host, tag, message = parts
                    program_pid = self._tags.get(tag, _UNSEEN)
                    if program_pid is _UNSEEN:
                        program_pid = self._learn_tag(tag)
                    if host and program_pid is not None:
                        return minute + int(sec), host, program_pid[0], program_pid[1], message  # type: ignore[index]
        return self._slow(line)

    def _new_minute(self, line: str) -> float | None:
        """The epoch of a line's minute when its hour is cached (one line in 20 starts a minute:
        this spares it the regular expression and the year inference), else None."""
        hour = self._hours.get(line[:10])
        mm = line[10:12]
        if hour is None or not mm.isdecimal():
            return None
        if len(self._minutes) > 4096:
            self._minutes.clear()
        minute = self._minutes[line[:12]] = hour + int(mm) * 60
        return minute

    def _learn_tag(self, tag: str) -> tuple[str, str] | None:
        if len(self._tags) >= self._tag_cache_size:
            self._tags.clear()  # bounded memory; tags are re-learnt at once
        program_pid = self._tags[tag] = plain_tag(tag)
        return program_pid

    def _slow(self, line: str) -> LogRecord:
        """Every format, by regular expression (and the year inference for RFC 3164)."""
        if not line:
            raise MalformedLine("empty line")
        first = line[0]
        if first == "<" and line.find(">1 ", 1, 8) > 0:
            return self._rfc5424(line)
        if first.isdigit() or (first == "<" and line[line.find(">") + 1 : line.find(">") + 2].isdigit()):
            return self._iso(line)
        return self._rfc3164(line)

    def _rfc3164(self, line: str) -> LogRecord:
        m = _RFC3164.match(line)
        if m is None:
            raise MalformedLine("not RFC 3164, RFC 5424 or ISO 8601 syslog")
        mon, day, hh, mm, ss, frac, host, rest = m.groups()
        month = MONTHS.get(mon)
        if month is None:
            raise MalformedLine(f"unknown month {mon!r}")
        state = self.years.year, self.years.month
        year = self.years.year_for(month)
        hour = self.clock.epoch(year, month, int(day), int(hh), 0, 0)
        minute = hour + int(mm) * 60
        if state != (self.years.year, self.years.month) or len(self._minutes) > 4096:
            self._minutes.clear()
            self._hours.clear()
        if line[12] == ":" and line[3] == " " and month == self.years.month and year == self.years.year:
            self._minutes[line[:12]] = minute  # no PRI, and the current month: cacheable
            self._hours[line[:10]] = hour
        ts = minute + int(ss) + (float(frac) if frac else 0.0)
        program, pid, message = split_tag(rest)
        return LogRecord(ts, host, program, pid, message)

    def _timestamp(self, text: str) -> float:
        try:
            stamp = dt.datetime.fromisoformat(text.replace(",", ".", 1))
        except ValueError as exc:
            raise MalformedLine(f"bad timestamp {text!r}: {exc}") from None
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=self.clock.tz)
        return stamp.timestamp()

    def _iso(self, line: str) -> LogRecord:
        m = _ISO.match(line)
        if m is None:
            raise MalformedLine("not RFC 3164, RFC 5424 or ISO 8601 syslog")
        stamp, host, rest = m.groups()
        program, pid, message = split_tag(rest)
        return LogRecord(self._timestamp(stamp), host, program, pid, message)

    def _rfc5424(self, line: str) -> LogRecord:
        m = _RFC5424.match(line)
        if m is None:
            raise MalformedLine("malformed RFC 5424 header")
        _pri, stamp, host, app, procid, _msgid, rest = m.groups()
        if stamp == "-":
            raise MalformedLine("RFC 5424 line without a timestamp")
        message = skip_structured_data(rest)
        return LogRecord(
            self._timestamp(stamp),
            "" if host == "-" else host,
            "" if app == "-" else app,
            "" if procid == "-" else procid,
            message,
        )
