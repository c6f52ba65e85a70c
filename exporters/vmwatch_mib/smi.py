"""SMIv2 value types and SNMP error statuses, independent of any wire encoding.

The `Syntax` numbers are the ASN.1 tags of RFC 2578 / RFC 3416, which AgentX (RFC 2741 5.4)
reuses for its VarBind types, so an agent maps a `Syntax` onto its own type by value.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

OID = tuple[int, ...]

INTEGER32_MIN = -(1 << 31)
INTEGER32_MAX = (1 << 31) - 1
UNSIGNED32_MAX = (1 << 32) - 1
COUNTER64_MAX = (1 << 64) - 1


class Syntax(enum.IntEnum):
    """The base type of a value (textual conventions are carried by the base type)."""

    INTEGER = 2  # Integer32, enumerations, TruthValue (true 1, false 2)
    OCTET_STRING = 4  # SnmpAdminString (UTF-8), UUIDorZero (16 raw octets), PhysAddress (raw)
    NULL = 5
    OBJECT_IDENTIFIER = 6
    IP_ADDRESS = 64
    COUNTER32 = 65
    GAUGE32 = 66
    TIMETICKS = 67
    OPAQUE = 68
    COUNTER64 = 70


ValueData = int | bytes | tuple[int, ...] | None


class Value(NamedTuple):
    """One SNMP value: its syntax and the Python value (int, bytes, OID tuple or None for NULL).

    A NamedTuple rather than a frozen dataclass: a view of 3000 VMs makes 168,000 of them per
    snapshot, and a tuple is built several times faster."""

    syntax: Syntax
    value: ValueData


class ErrorStatus(enum.IntEnum):
    """SNMP error-status values (RFC 3416 3); AgentX uses the same numbers for SNMP errors."""

    NO_ERROR = 0
    TOO_BIG = 1
    NO_SUCH_NAME = 2
    BAD_VALUE = 3
    READ_ONLY = 4
    GEN_ERR = 5
    NO_ACCESS = 6
    WRONG_TYPE = 7
    WRONG_LENGTH = 8
    WRONG_ENCODING = 9
    WRONG_VALUE = 10
    NO_CREATION = 11
    INCONSISTENT_VALUE = 12
    RESOURCE_UNAVAILABLE = 13
    COMMIT_FAILED = 14
    UNDO_FAILED = 15
    AUTHORIZATION_ERROR = 16
    NOT_WRITABLE = 17
    INCONSISTENT_NAME = 18


TRUTH_TRUE = 1
TRUTH_FALSE = 2


_SMALL_INTEGERS = {n: Value(Syntax.INTEGER, n) for n in range(-1, 256)}  # enums, -1, counts: shared


def integer32(value: int) -> Value:
    """An Integer32, clamped: one out-of-range model value must not make a whole response fail."""
    shared = _SMALL_INTEGERS.get(value)
    if shared is not None:
        return shared
    return Value(Syntax.INTEGER, min(INTEGER32_MAX, max(INTEGER32_MIN, int(value))))


def counter64(value: int) -> Value:
    """A Counter64; counters wrap, so reduce modulo 2^64 rather than fail."""
    return Value(Syntax.COUNTER64, int(value) & COUNTER64_MAX)


def timeticks(value: int) -> Value:
    """TimeTicks (centiseconds) wrap at 2^32 (RFC 2578 7.1.8)."""
    return Value(Syntax.TIMETICKS, int(value) & UNSIGNED32_MAX)


def truth(flag: bool) -> Value:
    """TruthValue: true(1), false(2)."""
    return Value(Syntax.INTEGER, TRUTH_TRUE if flag else TRUTH_FALSE)


def octets(data: bytes) -> Value:
    return Value(Syntax.OCTET_STRING, bytes(data))


def admin_string(text: str, limit: int = 255) -> Value:
    """SnmpAdminString (SIZE (0..255)): UTF-8, cut to `limit` octets without splitting a character."""
    # "replace": a lone surrogate (an undecodable file name) must not break the UTF-8 guarantee.
    data = text.encode("utf-8", "replace")
    if len(data) > limit:
        # Decoding with 'ignore' drops the partial character left at the cut.
        data = data[:limit].decode("utf-8", "ignore").encode("utf-8")
    return Value(Syntax.OCTET_STRING, data)


def object_identifier(oid: tuple[int, ...]) -> Value:
    """An OBJECT IDENTIFIER; one that SNMP cannot carry (empty, one arc, over 128 arcs, an arc
    beyond 32 bits) becomes 0.0 (zeroDotZero), the SMI's 'unknown', instead of breaking answers."""
    valid = 2 <= len(oid) <= 128 and all(0 <= arc <= UNSIGNED32_MAX for arc in oid)
    return Value(Syntax.OBJECT_IDENTIFIER, tuple(oid) if valid else (0, 0))
