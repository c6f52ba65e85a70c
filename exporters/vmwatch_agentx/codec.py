"""AgentX PDUs ⇄ bytes, exactly per RFC 2741 section 5-6, in both byte orders. No I/O.

Encoding follows the PDU's `network_byte_order`; decoding follows each packet's
NETWORK_BYTE_ORDER flag, so a reply can be sent in the order its request came in. Octet strings
are padded with zeros to a multiple of 4 octets, and with nothing when already aligned. OIDs
starting 1.3.6.1.N (0 < N < 256) are sent with the prefix compression of RFC 2741 5.1.

Errors: `AgentXParseError` is the only exception `decode` and `Decoder` raise. Its `header` is set
when the 20-octet header was readable, so a receiver can answer with parseError and go on with the
next packet; `fatal` is set when the stream cannot be framed any more (bad version, impossible
length) and the connection has to be dropped. `AgentXEncodeError` is raised for a PDU whose
fields do not fit the wire format (an INTEGER beyond 32 bits, an OID of 256 sub-identifiers ...).
"""

from __future__ import annotations

import struct
from typing import Any

from vmwatch_agentx.pdu import (
    HEADER_SIZE,
    OID,
    PDU_CLASSES,
    VALUELESS,
    VERSION,
    AddAgentCaps,
    Close,
    CloseReason,
    Flags,
    GetBulk,
    Header,
    IndexAllocate,
    Open,
    Pdu,
    PduType,
    Register,
    RemoveAgentCaps,
    Response,
    SearchRange,
    Unregister,
    VarBind,
    VarType,
)

# Larger than any SNMP message a master can build; a bigger claimed length means a broken stream.
MAX_PAYLOAD = 1 << 24
INTERNET = (1, 3, 6, 1)

_HEADER = {True: struct.Struct("!BBBBIIII"), False: struct.Struct("<BBBBIIII")}
# Plain ints: IntFlag arithmetic costs microseconds on a path taken once per request.
_NBO = int(Flags.NETWORK_BYTE_ORDER)
_CONTEXT = int(Flags.NON_DEFAULT_CONTEXT)
_PDU_TYPES = {int(t): t for t in PduType}
_RESPONSE_HEAD = {True: struct.Struct("!BBBBIIIIIHH"), False: struct.Struct("<BBBBIIIIIHH")}
_ORDER = {True: "!", False: "<"}


class AgentXParseError(Exception):
    """Bytes that are not a valid AgentX PDU. See the module docstring for `header` and `fatal`."""

    def __init__(self, message: str, header: Header | None = None, fatal: bool = False) -> None:
        super().__init__(message)
        self.header = header
        self.fatal = fatal


class AgentXEncodeError(ValueError):
    """A PDU whose fields cannot be represented on the wire."""


# --- encoding -----------------------------------------------------------------------------------

_subid_structs: dict[tuple[bool, int], struct.Struct] = {}


def _subids(nbo: bool, count: int) -> struct.Struct:
    s = _subid_structs.get((nbo, count))
    if s is None:
        s = _subid_structs[(nbo, count)] = struct.Struct(f"{_ORDER[nbo]}{count}I")
    return s


def _oid(oid: OID, nbo: bool, include: bool = False) -> bytes:
    if len(oid) >= 5 and 0 < oid[4] < 256 and oid[:4] == INTERNET:
        prefix, rest = oid[4], oid[5:]
    else:
        prefix, rest = 0, oid
    if len(rest) > 255:
        raise AgentXEncodeError(f"OID has too many sub-identifiers ({len(oid)})")
    try:
        return bytes((len(rest), prefix, 1 if include else 0, 0)) + _subids(nbo, len(rest)).pack(*rest)
    except struct.error as exc:
        raise AgentXEncodeError(f"bad sub-identifier in OID {oid}: {exc}") from None


def _octets(data: bytes, nbo: bool) -> bytes:
    n = len(data)
    return (n.to_bytes(4, "big" if nbo else "little")) + bytes(data) + b"\0" * (-n % 4)


def _int(fmt: str, value: int, nbo: bool) -> bytes:
    try:
        return struct.pack(_ORDER[nbo] + fmt, value)
    except struct.error as exc:
        raise AgentXEncodeError(f"{value!r} does not fit {fmt!r}: {exc}") from None


_INT_FORMATS = {
    VarType.INTEGER: "i",
    VarType.COUNTER32: "I",
    VarType.GAUGE32: "I",
    VarType.TIMETICKS: "I",
    VarType.COUNTER64: "Q",
}
_STRING_TYPES = frozenset({VarType.OCTET_STRING, VarType.IP_ADDRESS, VarType.OPAQUE})


def _varbind(vb: VarBind, nbo: bool) -> bytes:
    t = vb.type
    head = struct.pack(_ORDER[nbo] + "HH", int(t), 0)
    name = _oid(vb.name, nbo)
    fmt = _INT_FORMATS.get(t)
    if fmt is not None:
        if not isinstance(vb.value, int):
            raise AgentXEncodeError(f"{t.name} needs an int, not {vb.value!r}")
        return head + name + _int(fmt, vb.value, nbo)
    if t in _STRING_TYPES:
        if not isinstance(vb.value, (bytes, bytearray)):
            raise AgentXEncodeError(f"{t.name} needs bytes, not {vb.value!r}")
        return head + name + _octets(vb.value, nbo)
    if t == VarType.OBJECT_IDENTIFIER:
        if not isinstance(vb.value, tuple):
            raise AgentXEncodeError(f"OBJECT_IDENTIFIER needs a tuple, not {vb.value!r}")
        return head + name + _oid(vb.value, nbo)
    if t in VALUELESS:
        return head + name
    raise AgentXEncodeError(f"unknown VarBind type {t!r}")


def _varbinds(varbinds, nbo: bool) -> bytes:
    return b"".join([_varbind(vb, nbo) for vb in varbinds])


def encode_varbind(varbind: VarBind, nbo: bool) -> bytes:
    """One VarBind as it travels inside a PDU (for callers that cache encodings)."""
    return _varbind(varbind, nbo)


def encode_response(
    session_id: int, transaction_id: int, packet_id: int, nbo: bool, error: int = 0, index: int = 0,
    varbinds: bytes = b"",
) -> bytes:
    """A Response packet from already encoded VarBinds: the subagent's hot path, equal to
    `encode(Response(...))` (a test checks this)."""
    try:
        return _RESPONSE_HEAD[nbo].pack(
            VERSION, PduType.RESPONSE, _NBO if nbo else 0, 0, session_id, transaction_id, packet_id,
            8 + len(varbinds), 0, error, index,
        ) + varbinds
    except struct.error as exc:
        raise AgentXEncodeError(f"Response field out of range: {exc}") from None


def _ranges(ranges, nbo: bool) -> bytes:
    return b"".join([_oid(r.start, nbo, r.include) + _oid(r.end, nbo) for r in ranges])


def _context(pdu: Any, nbo: bool) -> bytes:
    return b"" if pdu.context is None else _octets(pdu.context, nbo)


def _u8(value: int, what: str) -> int:
    if not 0 <= value <= 255:
        raise AgentXEncodeError(f"{what} must be 0..255, not {value}")
    return value


def _payload(pdu: Pdu, nbo: bool) -> bytes:
    t = pdu.type
    if t in (PduType.GET, PduType.GET_NEXT):
        return _context(pdu, nbo) + _ranges(pdu.ranges, nbo)
    if t is PduType.RESPONSE:
        return (
            _int("I", pdu.sys_up_time, nbo) + _int("H", pdu.error, nbo) + _int("H", pdu.index, nbo)
            + _varbinds(pdu.varbinds, nbo)
        )
    if t is PduType.GET_BULK:
        return (
            _context(pdu, nbo) + _int("H", pdu.non_repeaters, nbo) + _int("H", pdu.max_repetitions, nbo)
            + _ranges(pdu.ranges, nbo)
        )
    if t in (PduType.TEST_SET, PduType.NOTIFY, PduType.INDEX_ALLOCATE, PduType.INDEX_DEALLOCATE):
        return _context(pdu, nbo) + _varbinds(pdu.varbinds, nbo)
    if t in (PduType.COMMIT_SET, PduType.UNDO_SET, PduType.CLEANUP_SET):
        return b""
    if t is PduType.PING:
        return _context(pdu, nbo)
    if t is PduType.OPEN:
        return bytes((_u8(pdu.timeout, "timeout"), 0, 0, 0)) + _oid(pdu.id, nbo) + _octets(pdu.description, nbo)
    if t is PduType.CLOSE:
        return bytes((_u8(int(pdu.reason), "reason"), 0, 0, 0))
    if t in (PduType.REGISTER, PduType.UNREGISTER):
        if (pdu.range_subid != 0) != (pdu.upper_bound is not None):
            raise AgentXEncodeError("upper_bound must be given exactly when range_subid is not 0")
        first = _u8(pdu.timeout, "timeout") if t is PduType.REGISTER else 0
        out = _context(pdu, nbo) + bytes((first, _u8(pdu.priority, "priority"), _u8(pdu.range_subid, "range_subid"), 0))
        out += _oid(pdu.subtree, nbo)
        if pdu.upper_bound is not None:
            out += _int("I", pdu.upper_bound, nbo)
        return out
    if t is PduType.ADD_AGENT_CAPS:
        return _context(pdu, nbo) + _oid(pdu.id, nbo) + _octets(pdu.description, nbo)
    if t is PduType.REMOVE_AGENT_CAPS:
        return _context(pdu, nbo) + _oid(pdu.id, nbo)
    raise AgentXEncodeError(f"cannot encode {type(pdu).__name__}")


def encode(pdu: Pdu) -> bytes:
    """The PDU as one AgentX packet (header and payload)."""
    nbo = pdu.network_byte_order
    payload = _payload(pdu, nbo)
    flags = Flags.NETWORK_BYTE_ORDER if nbo else 0
    if pdu.has_context and pdu.context is not None:
        flags |= Flags.NON_DEFAULT_CONTEXT
    if isinstance(pdu, Register) and pdu.instance_registration:
        flags |= Flags.INSTANCE_REGISTRATION
    if isinstance(pdu, IndexAllocate):
        flags |= (Flags.NEW_INDEX if pdu.new_index else 0) | (Flags.ANY_INDEX if pdu.any_index else 0)
    try:
        header = _HEADER[nbo].pack(
            VERSION, pdu.type, int(flags), 0, pdu.session_id, pdu.transaction_id, pdu.packet_id, len(payload)
        )
    except struct.error as exc:
        raise AgentXEncodeError(f"header field out of range: {exc}") from None
    return header + payload


# --- decoding -----------------------------------------------------------------------------------


class _Reader:
    """A cursor over one packet's payload; every read checks the payload's end."""

    __slots__ = ("buf", "end", "nbo", "order", "pos")

    def __init__(self, buf: bytes, pos: int, end: int, nbo: bool) -> None:
        self.buf, self.pos, self.end, self.nbo = buf, pos, end, nbo
        self.order = "big" if nbo else "little"

    def take(self, n: int) -> bytes:
        pos = self.pos
        if pos + n > self.end:
            raise AgentXParseError(f"payload ends {pos + n - self.end} octets too early")
        self.pos = pos + n
        return self.buf[pos : pos + n]

    def u8s(self) -> bytes:
        """Four single octets (a field group such as timeout, priority, range_subid, reserved)."""
        return self.take(4)

    def u16(self) -> int:
        return int.from_bytes(self.take(2), self.order)

    def u32(self) -> int:
        return int.from_bytes(self.take(4), self.order)

    def i32(self) -> int:
        return int.from_bytes(self.take(4), self.order, signed=True)

    def u64(self) -> int:
        return int.from_bytes(self.take(8), self.order)

    def oid(self) -> tuple[OID, bool]:
        buf, pos = self.buf, self.pos
        if pos + 4 > self.end:
            raise AgentXParseError("payload ends inside an OID header")
        n, prefix, include = buf[pos], buf[pos + 1], buf[pos + 2]
        stop = pos + 4 + 4 * n
        if stop > self.end:
            raise AgentXParseError(f"OID of {n} sub-identifiers overruns the payload")
        subids = _subids(self.nbo, n).unpack_from(buf, pos + 4) if n else ()
        self.pos = stop
        if prefix:
            subids = (1, 3, 6, 1, prefix) + subids
        return subids, include != 0

    def octets(self) -> bytes:
        n = self.u32()
        if n > self.end - self.pos:
            raise AgentXParseError(f"octet string of {n} octets overruns the payload")
        data = self.take(n)
        self.take(-n % 4)  # padding
        return data

    def done(self) -> bool:
        return self.pos >= self.end

    def varbind(self) -> VarBind:
        code = self.u16()
        self.take(2)
        try:
            t = VarType(code)
        except ValueError:
            raise AgentXParseError(f"unknown VarBind type {code}") from None
        name, _ = self.oid()
        if t is VarType.INTEGER:
            return VarBind(name, t, self.i32())
        if t in (VarType.COUNTER32, VarType.GAUGE32, VarType.TIMETICKS):
            return VarBind(name, t, self.u32())
        if t is VarType.COUNTER64:
            return VarBind(name, t, self.u64())
        if t in _STRING_TYPES:
            return VarBind(name, t, self.octets())
        if t is VarType.OBJECT_IDENTIFIER:
            return VarBind(name, t, self.oid()[0])
        return VarBind(name, t, None)

    def varbinds(self) -> tuple[VarBind, ...]:
        out = []
        while not self.done():
            out.append(self.varbind())
        return tuple(out)

    def ranges(self) -> tuple[SearchRange, ...]:
        out = []
        while not self.done():
            start, include = self.oid()
            end, _ = self.oid()
            out.append(SearchRange(start, end, include))
        return tuple(out)


def decode_header(data: bytes | bytearray | memoryview) -> Header:
    """The header at the start of `data` (at least 20 octets); fatal errors only."""
    nbo = bool(data[2] & _NBO)
    version, ptype, flags, _, sid, tid, pid, length = _HEADER[nbo].unpack_from(data, 0)
    header = Header(ptype, flags, sid, tid, pid, length)
    if version != VERSION:
        raise AgentXParseError(f"AgentX version {version}, expected {VERSION}", header, fatal=True)
    if length % 4 or length > MAX_PAYLOAD:
        raise AgentXParseError(f"impossible payload length {length}", header, fatal=True)
    return header


def _decode_payload(header: Header, buf: bytes) -> Pdu:
    ptype = _PDU_TYPES.get(header.type)
    if ptype is None:
        raise AgentXParseError(f"unknown PDU type {header.type}", header)
    nbo = header.network_byte_order
    r = _Reader(buf, HEADER_SIZE, HEADER_SIZE + header.payload_length, nbo)
    common = {
        "session_id": header.session_id,
        "transaction_id": header.transaction_id,
        "packet_id": header.packet_id,
        "network_byte_order": nbo,
    }
    cls = PDU_CLASSES[ptype]
    if cls.has_context:
        common["context"] = r.octets() if header.flags & _CONTEXT else None
    if ptype in (PduType.GET, PduType.GET_NEXT):
        pdu: Pdu = cls(ranges=r.ranges(), **common)
    elif ptype is PduType.RESPONSE:
        up, error, index = r.u32(), r.u16(), r.u16()
        pdu = Response(sys_up_time=up, error=error, index=index, varbinds=r.varbinds(), **common)
    elif ptype is PduType.GET_BULK:
        n, m = r.u16(), r.u16()
        pdu = GetBulk(non_repeaters=n, max_repetitions=m, ranges=r.ranges(), **common)
    elif ptype in (PduType.TEST_SET, PduType.NOTIFY, PduType.INDEX_DEALLOCATE):
        pdu = cls(varbinds=r.varbinds(), **common)
    elif ptype is PduType.INDEX_ALLOCATE:
        pdu = IndexAllocate(
            varbinds=r.varbinds(),
            new_index=bool(header.flags & Flags.NEW_INDEX),
            any_index=bool(header.flags & Flags.ANY_INDEX),
            **common,
        )
    elif ptype in (PduType.COMMIT_SET, PduType.UNDO_SET, PduType.CLEANUP_SET, PduType.PING):
        pdu = cls(**common)
    elif ptype is PduType.OPEN:
        timeout = r.u8s()[0]
        oid, _ = r.oid()
        pdu = Open(timeout=timeout, id=oid, description=r.octets(), **common)
    elif ptype is PduType.CLOSE:
        code = r.u8s()[0]
        try:
            reason = CloseReason(code)
        except ValueError:
            raise AgentXParseError(f"unknown Close reason {code}", header) from None
        pdu = Close(reason=reason, **common)
    elif ptype in (PduType.REGISTER, PduType.UNREGISTER):
        timeout, priority, range_subid, _ = r.u8s()
        subtree, _ = r.oid()
        upper = r.u32() if range_subid else None
        if ptype is PduType.REGISTER:
            pdu = Register(
                timeout=timeout, priority=priority, subtree=subtree, range_subid=range_subid,
                upper_bound=upper, instance_registration=bool(header.flags & Flags.INSTANCE_REGISTRATION),
                **common,
            )
        else:
            pdu = Unregister(priority=priority, subtree=subtree, range_subid=range_subid, upper_bound=upper, **common)
    elif ptype is PduType.ADD_AGENT_CAPS:
        oid, _ = r.oid()
        pdu = AddAgentCaps(id=oid, description=r.octets(), **common)
    else:  # REMOVE_AGENT_CAPS: every PduType is handled above or here
        oid, _ = r.oid()
        pdu = RemoveAgentCaps(id=oid, **common)
    if not r.done():
        raise AgentXParseError(f"{r.end - r.pos} octets left over after the {ptype.name} payload", header)
    return pdu


def decode(data: bytes) -> Pdu:
    """Exactly one packet. Raises AgentXParseError for anything else."""
    if len(data) < HEADER_SIZE:
        raise AgentXParseError(f"{len(data)} octets: shorter than a header", fatal=True)
    header = decode_header(data)
    if len(data) != HEADER_SIZE + header.payload_length:
        raise AgentXParseError(
            f"packet is {len(data)} octets, header says {HEADER_SIZE + header.payload_length}", header, fatal=True
        )
    return decode_packet(header, bytes(data))


def decode_packet(header: Header, packet: bytes) -> Pdu:
    """The PDU of one complete packet whose header was already read."""
    try:
        return _decode_payload(header, packet)
    except AgentXParseError as exc:
        if exc.header is None:
            exc.header = header
        raise


def single_get_next(data: bytes) -> tuple[int, int, int, bool, OID, bool, OID] | None:
    """The walk's hot path: when `data` is exactly one GetNext in the default context with one
    SearchRange (what snmpd sends for each step of a walk), its (session_id, transaction_id,
    packet_id, network_byte_order, start, include, end) without building PDU objects. None for
    anything else, including anything malformed: the caller then uses `Decoder`, which equals
    this wherever this answers (a property test checks it)."""
    size = len(data)
    if size < 28 or data[0] != VERSION or data[1] != PduType.GET_NEXT or data[2] & _CONTEXT:
        return None
    nbo = bool(data[2] & _NBO)
    _, _, _, _, session_id, transaction_id, packet_id, length = _HEADER[nbo].unpack_from(data, 0)
    if length + HEADER_SIZE != size:
        return None
    n_start, prefix_start, include = data[20], data[21], data[22]
    end_at = 24 + 4 * n_start
    if end_at + 4 > size:
        return None
    n_end, prefix_end = data[end_at], data[end_at + 1]
    if end_at + 4 + 4 * n_end != size:
        return None
    start = _subids(nbo, n_start).unpack_from(data, 24) if n_start else ()
    if prefix_start:
        start = (1, 3, 6, 1, prefix_start) + start
    end = _subids(nbo, n_end).unpack_from(data, end_at + 4) if n_end else ()
    if prefix_end:
        end = (1, 3, 6, 1, prefix_end) + end
    return session_id, transaction_id, packet_id, nbo, start, include != 0, end


class Decoder:
    """Turns a byte stream into PDUs: `feed(bytes)` any split of the stream, then call
    `next_pdu()` until it returns None (more data needed).

    A packet with a bad payload raises AgentXParseError (with its header) after being consumed,
    so the next call goes on with the following packet. A fatal error leaves the decoder broken:
    every later call raises it again.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._fatal: AgentXParseError | None = None

    def feed(self, data: bytes) -> None:
        self._buf += data

    @property
    def buffered(self) -> int:
        """Octets received but not yet decoded."""
        return len(self._buf)

    def next_pdu(self) -> Pdu | None:
        if self._fatal is not None:
            raise self._fatal
        buf = self._buf
        if len(buf) < HEADER_SIZE:
            return None
        try:
            header = decode_header(buf)
        except AgentXParseError as exc:
            self._fatal = exc
            raise
        total = HEADER_SIZE + header.payload_length
        if len(buf) < total:
            return None
        if len(buf) == total:  # the usual case: one whole packet per read, no slicing
            packet = bytes(buf)
            buf.clear()
        else:
            packet = bytes(buf[:total])
            del buf[:total]
        return decode_packet(header, packet)
