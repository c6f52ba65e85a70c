"""AgentX (RFC 2741) protocol data units as frozen dataclasses. No encoding here: see codec.py.

Every PDU carries the header fields a peer must echo (session, transaction and packet IDs) and
the byte order it travels in. The NON_DEFAULT_CONTEXT flag is not a field: a PDU type that can
name a context has `context`, None for the default context (flag clear) and bytes otherwise. The
other flags are fields of the PDUs they belong to (INSTANCE_REGISTRATION on Register, NEW_INDEX
and ANY_INDEX on IndexAllocate).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

OID = tuple[int, ...]
VERSION = 1
HEADER_SIZE = 20


class PduType(enum.IntEnum):
    """h.type (RFC 2741 6.1)."""

    OPEN = 1
    CLOSE = 2
    REGISTER = 3
    UNREGISTER = 4
    GET = 5
    GET_NEXT = 6
    GET_BULK = 7
    TEST_SET = 8
    COMMIT_SET = 9
    UNDO_SET = 10
    CLEANUP_SET = 11
    NOTIFY = 12
    PING = 13
    INDEX_ALLOCATE = 14
    INDEX_DEALLOCATE = 15
    ADD_AGENT_CAPS = 16
    REMOVE_AGENT_CAPS = 17
    RESPONSE = 18


class Flags(enum.IntFlag):
    """h.flags bits (RFC 2741 6.1)."""

    INSTANCE_REGISTRATION = 0x01
    NEW_INDEX = 0x02
    ANY_INDEX = 0x04
    NON_DEFAULT_CONTEXT = 0x08
    NETWORK_BYTE_ORDER = 0x10


class VarType(enum.IntEnum):
    """v.type of a VarBind (RFC 2741 5.4): the SMI types plus the three SNMPv2 exceptions."""

    INTEGER = 2
    OCTET_STRING = 4
    NULL = 5
    OBJECT_IDENTIFIER = 6
    IP_ADDRESS = 64
    COUNTER32 = 65
    GAUGE32 = 66
    TIMETICKS = 67
    OPAQUE = 68
    COUNTER64 = 70
    NO_SUCH_OBJECT = 128
    NO_SUCH_INSTANCE = 129
    END_OF_MIB_VIEW = 130


# Types whose VarBind has no data part.
VALUELESS = frozenset(
    {VarType.NULL, VarType.NO_SUCH_OBJECT, VarType.NO_SUCH_INSTANCE, VarType.END_OF_MIB_VIEW}
)


class CloseReason(enum.IntEnum):
    """c.reason of Close (RFC 2741 6.2.2)."""

    OTHER = 1
    PARSE_ERROR = 2
    PROTOCOL_ERROR = 3
    TIMEOUTS = 4
    SHUTDOWN = 5
    BY_MANAGER = 6


class ResponseError(enum.IntEnum):
    """res.error (RFC 2741 6.2.16): SNMP error-status values, then AgentX's own from 256."""

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
    OPEN_FAILED = 256
    NOT_OPEN = 257
    INDEX_WRONG_TYPE = 258
    INDEX_ALREADY_ALLOCATED = 259
    INDEX_NONE_AVAILABLE = 260
    INDEX_NOT_ALLOCATED = 261
    UNSUPPORTED_CONTEXT = 262
    DUPLICATE_REGISTRATION = 263
    UNKNOWN_REGISTRATION = 264
    UNKNOWN_AGENT_CAPS = 265
    PARSE_ERROR = 266
    REQUEST_DENIED = 267
    PROCESSING_ERROR = 268


@dataclass(frozen=True, slots=True)
class Header:
    """The fields of h that identify a PDU (RFC 2741 6.1), as a receiver needs them to reply."""

    type: int
    flags: int
    session_id: int
    transaction_id: int
    packet_id: int
    payload_length: int

    @property
    def network_byte_order(self) -> bool:
        return bool(self.flags & 0x10)  # Flags.NETWORK_BYTE_ORDER, without IntFlag's cost


@dataclass(frozen=True, slots=True)
class SearchRange:
    """A SearchRange (RFC 2741 5.2): from `start` (itself too when `include`) up to `end`,
    exclusive; an empty `end` means no bound. In a Get, `end` is empty and unused."""

    start: OID
    end: OID = ()
    include: bool = False


@dataclass(frozen=True, slots=True)
class VarBind:
    """A VarBind (RFC 2741 5.4). `value` is an int, bytes (OCTET STRING, IpAddress, Opaque), an
    OID tuple, or None for NULL and the exceptions."""

    name: OID
    type: VarType
    value: int | bytes | OID | None = None


@dataclass(frozen=True, kw_only=True)
class Pdu:
    """Common header fields. `network_byte_order` chooses how multi-byte integers travel."""

    type: ClassVar[PduType]
    has_context: ClassVar[bool] = False
    session_id: int = 0
    transaction_id: int = 0
    packet_id: int = 0
    network_byte_order: bool = True


@dataclass(frozen=True, kw_only=True)
class Open(Pdu):
    """Subagent → master: start a session. `timeout` (seconds, 0 = master's default) is how long
    the master should wait for this subagent's responses."""

    type: ClassVar[PduType] = PduType.OPEN
    timeout: int = 0
    id: OID = ()
    description: bytes = b""


@dataclass(frozen=True, kw_only=True)
class Close(Pdu):
    type: ClassVar[PduType] = PduType.CLOSE
    reason: CloseReason = CloseReason.SHUTDOWN


@dataclass(frozen=True, kw_only=True)
class Register(Pdu):
    """Claim `subtree` (or, with `range_subid`, a range of subtrees up to `upper_bound`)."""

    type: ClassVar[PduType] = PduType.REGISTER
    has_context: ClassVar[bool] = True
    context: bytes | None = None
    timeout: int = 0
    priority: int = 127
    subtree: OID = ()
    range_subid: int = 0
    upper_bound: int | None = None  # present exactly when range_subid != 0
    instance_registration: bool = False


@dataclass(frozen=True, kw_only=True)
class Unregister(Pdu):
    type: ClassVar[PduType] = PduType.UNREGISTER
    has_context: ClassVar[bool] = True
    context: bytes | None = None
    priority: int = 127
    subtree: OID = ()
    range_subid: int = 0
    upper_bound: int | None = None


@dataclass(frozen=True, kw_only=True)
class Get(Pdu):
    type: ClassVar[PduType] = PduType.GET
    has_context: ClassVar[bool] = True
    context: bytes | None = None
    ranges: tuple[SearchRange, ...] = ()


@dataclass(frozen=True, kw_only=True)
class GetNext(Pdu):
    type: ClassVar[PduType] = PduType.GET_NEXT
    has_context: ClassVar[bool] = True
    context: bytes | None = None
    ranges: tuple[SearchRange, ...] = ()


@dataclass(frozen=True, kw_only=True)
class GetBulk(Pdu):
    type: ClassVar[PduType] = PduType.GET_BULK
    has_context: ClassVar[bool] = True
    context: bytes | None = None
    non_repeaters: int = 0
    max_repetitions: int = 0
    ranges: tuple[SearchRange, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TestSet(Pdu):
    type: ClassVar[PduType] = PduType.TEST_SET
    has_context: ClassVar[bool] = True
    __test__: ClassVar[bool] = False  # not a pytest test class despite its name
    context: bytes | None = None
    varbinds: tuple[VarBind, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CommitSet(Pdu):
    type: ClassVar[PduType] = PduType.COMMIT_SET


@dataclass(frozen=True, kw_only=True)
class UndoSet(Pdu):
    type: ClassVar[PduType] = PduType.UNDO_SET


@dataclass(frozen=True, kw_only=True)
class CleanupSet(Pdu):
    """End of a SET transaction. Never answered (RFC 2741 7.2.4.4)."""

    type: ClassVar[PduType] = PduType.CLEANUP_SET


@dataclass(frozen=True, kw_only=True)
class Notify(Pdu):
    """A notification: optional sysUpTime.0, then snmpTrapOID.0, then its objects."""

    type: ClassVar[PduType] = PduType.NOTIFY
    has_context: ClassVar[bool] = True
    context: bytes | None = None
    varbinds: tuple[VarBind, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Ping(Pdu):
    type: ClassVar[PduType] = PduType.PING
    has_context: ClassVar[bool] = True
    context: bytes | None = None


@dataclass(frozen=True, kw_only=True)
class IndexAllocate(Pdu):
    type: ClassVar[PduType] = PduType.INDEX_ALLOCATE
    has_context: ClassVar[bool] = True
    context: bytes | None = None
    varbinds: tuple[VarBind, ...] = ()
    new_index: bool = False
    any_index: bool = False


@dataclass(frozen=True, kw_only=True)
class IndexDeallocate(Pdu):
    type: ClassVar[PduType] = PduType.INDEX_DEALLOCATE
    has_context: ClassVar[bool] = True
    context: bytes | None = None
    varbinds: tuple[VarBind, ...] = ()


@dataclass(frozen=True, kw_only=True)
class AddAgentCaps(Pdu):
    type: ClassVar[PduType] = PduType.ADD_AGENT_CAPS
    has_context: ClassVar[bool] = True
    context: bytes | None = None
    id: OID = ()
    description: bytes = b""


@dataclass(frozen=True, kw_only=True)
class RemoveAgentCaps(Pdu):
    type: ClassVar[PduType] = PduType.REMOVE_AGENT_CAPS
    has_context: ClassVar[bool] = True
    context: bytes | None = None
    id: OID = ()


@dataclass(frozen=True, kw_only=True)
class Response(Pdu):
    """The answer to any PDU but CleanupSet and Response. `index` is 1-based into the request's
    varbinds for SET errors, else 0. `sys_up_time` is meaningful only from the master."""

    type: ClassVar[PduType] = PduType.RESPONSE
    sys_up_time: int = 0
    error: int = ResponseError.NO_ERROR
    index: int = 0
    varbinds: tuple[VarBind, ...] = ()


PDU_CLASSES: dict[PduType, type[Pdu]] = {
    cls.type: cls
    for cls in (
        Open, Close, Register, Unregister, Get, GetNext, GetBulk, TestSet, CommitSet, UndoSet,
        CleanupSet, Notify, Ping, IndexAllocate, IndexDeallocate, AddAgentCaps, RemoveAgentCaps,
        Response,
    )
}
