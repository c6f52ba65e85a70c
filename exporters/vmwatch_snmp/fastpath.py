"""SNMPv2c GET, GETNEXT and GETBULK answered without pysnmp's message processing.

A GETNEXT walk is one request per varbind, and pysnmp spends about 0.5 ms on each (pyasn1
decoding, community lookup, dispatch, re-encoding) where the lookup costs microseconds. For the
common case, a v2c read request with a community we know, the transport hands the datagram here
first: `decode_request` parses it strictly, the `Responder` answers it with the same functions
as for pysnmp's path, and `encode_response` builds the Response, byte for byte what pysnmp
would have sent.

Anything else goes to pysnmp unchanged, so its rules and counters stay the only ones for it:
SNMPv1 and v3, SET, unknown communities (counted in snmpInBadCommunityNames, not answered), and
every datagram that is not in the plain form net-snmp and pysnmp send (long-form or non-minimal
lengths and integers, negative request IDs, a value other than NULL in a request varbind,
trailing bytes). The counters pysnmp keeps for the requests answered here (snmpInPkts, and
snmpSilentDrops when a response is too big) are kept here the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyasn1.type import univ
from vmwatch_mib import ErrorStatus

from vmwatch_snmp import ber
from vmwatch_snmp.access import NO_AUTH_NO_PRIV, WRITE_COMMUNITY_NAME, AccessPolicy, read_community_name
from vmwatch_snmp.options import AgentSettings
from vmwatch_snmp.responder import GET, GET_BULK, GET_NEXT, Responder
from vmwatch_snmp.tree import MibTree

V2C_VERSION = 1  # msgVersion of SNMPv2c
V2C_SECURITY_MODEL = 2
GET_TAG, GET_NEXT_TAG, GET_BULK_TAG, RESPONSE_TAG = 0xA0, 0xA1, 0xA5, 0xA2
KINDS = {GET_TAG: GET, GET_NEXT_TAG: GET_NEXT, GET_BULK_TAG: GET_BULK}
MAX_INT32 = 2**31 - 1
MAX_OID_ARCS = 128  # RFC 2578 3.5
MAX_ARC = 2**32 - 1
NULL = b"\x05\x00"


class NotFastPath(ValueError):
    """The datagram is not a plain SNMPv2c read request: pysnmp must handle it."""


@dataclass(frozen=True)
class ReadRequest:
    """A decoded SNMPv2c GetRequest, GetNextRequest or GetBulkRequest."""

    community: bytes
    pdu_tag: int  # GET_TAG, GET_NEXT_TAG or GET_BULK_TAG
    request_id: int
    non_repeaters: int  # GETBULK only (0 otherwise)
    max_repetitions: int  # GETBULK only (0 otherwise)
    oids: tuple[tuple[int, ...], ...]


# --- decoding: pure, strict ----------------------------------------------------------------------


def _header(data: bytes, pos: int, end: int, tag: int) -> tuple[int, int]:
    """The content (start, end) of the TLV at `pos` with `tag`, which must end by `end`."""
    if pos + 2 > end or data[pos] != tag:
        raise NotFastPath(f"expected tag {tag:#x} at {pos}")
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        size = first
    else:
        count = first & 0x7F
        if count == 0 or count > 3 or pos + count > end or data[pos] == 0:
            raise NotFastPath("indefinite, oversized or non-minimal length")
        size = int.from_bytes(data[pos:pos + count], "big")
        pos += count
        if size < 0x80 or (count > 1 and size < 1 << (8 * (count - 1))):
            raise NotFastPath("non-minimal length")
    if pos + size > end:
        raise NotFastPath("length beyond the enclosing value")
    return pos, pos + size


def _integer(data: bytes, pos: int, end: int, low: int, high: int) -> tuple[int, int]:
    """An INTEGER in minimal form within [low, high]; returns (value, next position)."""
    start, stop = _header(data, pos, end, 0x02)
    content = data[start:stop]
    if not 1 <= len(content) <= 5:
        raise NotFastPath("integer size")
    if len(content) > 1 and (
        (content[0] == 0 and content[1] < 0x80) or (content[0] == 0xFF and content[1] >= 0x80)
    ):
        raise NotFastPath("non-minimal integer")
    value = int.from_bytes(content, "big", signed=True)
    if not low <= value <= high:
        raise NotFastPath("integer out of range")
    return value, stop


def _oid(content: bytes) -> tuple[int, ...]:
    """X.690 8.19, minimal subidentifiers only, SNMP's limits on arcs."""
    if not content or content[-1] & 0x80:
        raise NotFastPath("empty or unterminated OBJECT IDENTIFIER")
    arcs: list[int] = []
    arc = 0
    leading = True
    for byte in content:
        if leading and byte == 0x80:
            raise NotFastPath("non-minimal subidentifier")
        arc = (arc << 7) | (byte & 0x7F)
        if byte & 0x80:
            leading = False
            continue
        arcs.append(arc)
        arc, leading = 0, True
    first = arcs[0]
    head = (0, first) if first < 40 else (1, first - 40) if first < 80 else (2, first - 80)
    oid = (*head, *arcs[1:])
    if len(oid) > MAX_OID_ARCS or max(oid) > MAX_ARC:
        raise NotFastPath("OBJECT IDENTIFIER beyond SNMP's limits")
    return oid


def decode_request(data: bytes) -> ReadRequest:
    """Decode a plain SNMPv2c read request, or raise NotFastPath (never anything else)."""
    end = len(data)
    start, stop = _header(data, 0, end, 0x30)
    if stop != end:
        raise NotFastPath("trailing bytes")
    version, pos = _integer(data, start, end, 0, MAX_INT32)
    if version != V2C_VERSION:
        raise NotFastPath("not SNMPv2c")
    start, pos = _header(data, pos, end, 0x04)
    community = data[start:pos]
    if pos >= end or data[pos] not in KINDS:
        raise NotFastPath("not a GET, GETNEXT or GETBULK PDU")
    pdu_tag = data[pos]
    start, stop = _header(data, pos, end, pdu_tag)
    if stop != end:
        raise NotFastPath("bytes after the PDU")
    request_id, pos = _integer(data, start, end, 0, MAX_INT32)
    if pdu_tag == GET_BULK_TAG:
        non_repeaters, pos = _integer(data, pos, end, 0, MAX_INT32)
        max_repetitions, pos = _integer(data, pos, end, 0, MAX_INT32)
    else:  # error-status and error-index: a request carries zeros
        non_repeaters, pos = _integer(data, pos, end, 0, 0)
        max_repetitions, pos = _integer(data, pos, end, 0, 0)
    pos, stop = _header(data, pos, end, 0x30)
    if stop != end:
        raise NotFastPath("bytes after the VarBindList")
    oids = []
    while pos < end:
        start, pos = _header(data, pos, end, 0x30)
        name_start, name_stop = _header(data, start, pos, 0x06)
        if data[name_stop:pos] != NULL:
            raise NotFastPath("a request VarBind whose value is not NULL")
        oids.append(_oid(data[name_start:name_stop]))
    return ReadRequest(community, pdu_tag, request_id, non_repeaters, max_repetitions, tuple(oids))


# --- encoding ---------------------------------------------------------------------------------


def encode_response(community: bytes, request_id: int, status: int, index: int, varbind_list: bytes) -> bytes:
    """The SNMPv2c Response message around an encoded VarBindList (as pyasn1 would encode it)."""
    pdu = (
        ber.tlv(0x02, ber.integer_content(request_id))
        + ber.tlv(0x02, ber.integer_content(status))
        + ber.tlv(0x02, ber.integer_content(index))
        + varbind_list
    )
    return ber.tlv(0x30, b"\x02\x01\x01" + ber.tlv(0x04, community) + ber.tlv(RESPONSE_TAG, pdu))


# --- the agent side ------------------------------------------------------------------------------


def community_security_names(settings: AgentSettings) -> dict[bytes, str]:
    """Community octets (as pysnmp stores them) → security name; a repeated community is left out,
    so pysnmp decides which entry it matches."""
    names: dict[bytes, list[str]] = {}
    for i, community in enumerate(settings.communities):
        names.setdefault(univ.OctetString(community).asOctets(), []).append(read_community_name(i))
    if settings.write_community:
        names.setdefault(univ.OctetString(settings.write_community).asOctets(), []).append(WRITE_COMMUNITY_NAME)
    return {community: found[0] for community, found in names.items() if len(found) == 1}


class FastPath:
    """Answers plain SNMPv2c read requests for the agent's transport; see the module docstring."""

    def __init__(
        self,
        snmp_engine,
        settings: AgentSettings,
        policy: AccessPolicy,
        trees: Callable[[bytes], MibTree | None],
        responder: Responder,
    ) -> None:
        self._names = community_security_names(settings)
        self._policy = policy
        self._trees = trees
        self._responder = responder
        builder = snmp_engine.get_mib_builder()
        (self._max_message_size,) = builder.import_symbols("__SNMP-FRAMEWORK-MIB", "snmpEngineMaxMessageSize")
        self._in_pkts, self._silent_drops = builder.import_symbols("__SNMPv2-MIB", "snmpInPkts", "snmpSilentDrops")
        self.answered = 0  # requests answered here (tests, benchmarks)

    def answer(self, datagram: bytes) -> bytes | None:
        """The Response to send for `datagram`, or None when pysnmp must handle the datagram."""
        try:
            request = decode_request(datagram)
        except NotFastPath:
            return None
        name = self._names.get(request.community)
        if name is None or self._policy.principal(V2C_SECURITY_MODEL, name, NO_AUTH_NO_PRIV) is None:
            return None  # pysnmp counts the bad community and drops it
        tree = self._trees(b"")  # v2c communities map to the default context
        if tree is None:
            return None
        self._in_pkts.syntax += 1
        max_message_size = int(self._max_message_size.syntax)
        # pysnmp's v2c security model reserves 128 octets of the message size for the wrapping
        status, index, encoded = self._responder.read(
            tree, KINDS[request.pdu_tag], request.oids, request.non_repeaters, request.max_repetitions,
            max_message_size - 128,
        )
        stats = self._responder.stats
        stats.requests += 1
        stats.varbinds += len(encoded if encoded is not None else request.oids)
        if encoded is None:  # genErr: the request's varbinds echoed, as pysnmp's path does
            encoded = [ber.encode_varbind(oid, NULL) for oid in request.oids]
        message = encode_response(request.community, request.request_id, status, index,
                                  ber.encode_varbind_list(encoded))
        if max_message_size and len(message) > max_message_size:
            # as pysnmp's dispatcher: a silent drop of the big answer, then tooBig (RFC 3416 4.2.1)
            self._silent_drops.syntax += 1
            stats.too_big += 1
            message = encode_response(request.community, request.request_id, ErrorStatus.TOO_BIG, 0,
                                      ber.encode_varbind_list([]))
        self.answered += 1
        return message
