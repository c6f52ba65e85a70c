"""The AgentX codec: round trips of every PDU type in both byte orders, fuzzing, stream splits,
and packets written out by hand from RFC 2741."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vmwatch_agentx.codec import AgentXEncodeError, AgentXParseError, Decoder, decode, encode
from vmwatch_agentx.pdu import (
    PDU_CLASSES,
    AddAgentCaps,
    CleanupSet,
    Close,
    CloseReason,
    CommitSet,
    Get,
    GetBulk,
    GetNext,
    IndexAllocate,
    IndexDeallocate,
    Notify,
    Open,
    PduType,
    Ping,
    Register,
    RemoveAgentCaps,
    Response,
    SearchRange,
    TestSet,
    UndoSet,
    Unregister,
    VarBind,
    VarType,
)

u8 = st.integers(0, 255)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
subid = st.one_of(st.integers(0, 300), u32)
plain_oid = st.lists(subid, max_size=12).map(tuple)
internet_oid = st.tuples(st.integers(0, 300), st.lists(subid, max_size=10)).map(lambda t: (1, 3, 6, 1, t[0], *t[1]))
oid = st.one_of(plain_oid, internet_oid, st.just(()), st.just((1, 3, 6, 1)), st.just((1, 3, 6, 1, 2)))
octets = st.binary(max_size=40)
context = st.one_of(st.none(), octets)

value_for = {
    VarType.INTEGER: st.integers(-(1 << 31), (1 << 31) - 1),
    VarType.OCTET_STRING: octets,
    VarType.NULL: st.none(),
    VarType.OBJECT_IDENTIFIER: oid,
    VarType.IP_ADDRESS: st.binary(min_size=4, max_size=4),
    VarType.COUNTER32: u32,
    VarType.GAUGE32: u32,
    VarType.TIMETICKS: u32,
    VarType.OPAQUE: octets,
    VarType.COUNTER64: st.integers(0, (1 << 64) - 1),
    VarType.NO_SUCH_OBJECT: st.none(),
    VarType.NO_SUCH_INSTANCE: st.none(),
    VarType.END_OF_MIB_VIEW: st.none(),
}
varbind = st.sampled_from(list(VarType)).flatmap(
    lambda t: st.builds(VarBind, name=oid, type=st.just(t), value=value_for[t])
)
varbinds = st.lists(varbind, max_size=5).map(tuple)
search_range = st.builds(SearchRange, start=oid, end=oid, include=st.booleans())
ranges = st.lists(search_range, max_size=5).map(tuple)
common = {"session_id": u32, "transaction_id": u32, "packet_id": u32, "network_byte_order": st.booleans()}


def _register(cls, **extra):
    return st.integers(0, 255).flatmap(
        lambda r: st.builds(
            cls, context=context, priority=u8, subtree=oid, range_subid=st.just(r),
            upper_bound=st.none() if r == 0 else u32, **extra, **common,
        )
    )


STRATEGIES = {
    PduType.OPEN: st.builds(Open, timeout=u8, id=oid, description=octets, **common),
    PduType.CLOSE: st.builds(Close, reason=st.sampled_from(list(CloseReason)), **common),
    PduType.REGISTER: _register(Register, timeout=u8, instance_registration=st.booleans()),
    PduType.UNREGISTER: _register(Unregister),
    PduType.GET: st.builds(Get, context=context, ranges=ranges, **common),
    PduType.GET_NEXT: st.builds(GetNext, context=context, ranges=ranges, **common),
    PduType.GET_BULK: st.builds(GetBulk, context=context, non_repeaters=u16, max_repetitions=u16, ranges=ranges, **common),
    PduType.TEST_SET: st.builds(TestSet, context=context, varbinds=varbinds, **common),
    PduType.COMMIT_SET: st.builds(CommitSet, **common),
    PduType.UNDO_SET: st.builds(UndoSet, **common),
    PduType.CLEANUP_SET: st.builds(CleanupSet, **common),
    PduType.NOTIFY: st.builds(Notify, context=context, varbinds=varbinds, **common),
    PduType.PING: st.builds(Ping, context=context, **common),
    PduType.INDEX_ALLOCATE: st.builds(
        IndexAllocate, context=context, varbinds=varbinds, new_index=st.booleans(), any_index=st.booleans(), **common
    ),
    PduType.INDEX_DEALLOCATE: st.builds(IndexDeallocate, context=context, varbinds=varbinds, **common),
    PduType.ADD_AGENT_CAPS: st.builds(AddAgentCaps, context=context, id=oid, description=octets, **common),
    PduType.REMOVE_AGENT_CAPS: st.builds(RemoveAgentCaps, context=context, id=oid, **common),
    PduType.RESPONSE: st.builds(Response, sys_up_time=u32, error=u16, index=u16, varbinds=varbinds, **common),
}
any_pdu = st.one_of(*STRATEGIES.values())


def test_every_pdu_type_has_a_strategy():
    assert set(STRATEGIES) == set(PduType) == set(PDU_CLASSES)


@pytest.mark.parametrize("ptype", list(PduType), ids=lambda t: t.name)
@pytest.mark.parametrize("network_byte_order", [True, False], ids=["big", "little"])
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_round_trip(ptype, network_byte_order, data):
    pdu = dataclasses.replace(data.draw(STRATEGIES[ptype]), network_byte_order=network_byte_order)
    packet = encode(pdu)
    assert len(packet) % 4 == 0
    assert decode(packet) == pdu
    assert encode(decode(packet)) == packet


@settings(max_examples=500)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_decode_or_raise_our_error(data):
    try:
        decode(data)
    except AgentXParseError:
        pass
    decoder = Decoder()
    decoder.feed(data)
    try:
        for _ in range(len(data)):
            if decoder.next_pdu() is None:
                break
    except AgentXParseError:
        pass


@settings(max_examples=300)
@given(any_pdu, st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), min_size=1, max_size=4))
def test_corrupted_packets_decode_or_raise_our_error(pdu, edits):
    packet = bytearray(encode(pdu))
    for position, value in edits:
        packet[position % len(packet)] = value
    try:
        decode(bytes(packet))
    except AgentXParseError:
        pass


def _drain(decoder):
    out = []
    while (pdu := decoder.next_pdu()) is not None:
        out.append(pdu)
    return out


@settings(max_examples=60)
@given(st.lists(any_pdu, min_size=1, max_size=4))
def test_stream_cut_at_every_offset_decodes_identically(pdus):
    stream = b"".join(encode(p) for p in pdus)
    for cut in range(len(stream) + 1):
        decoder = Decoder()
        decoder.feed(stream[:cut])
        got = _drain(decoder)
        decoder.feed(stream[cut:])
        got += _drain(decoder)
        assert got == pdus, cut
        assert decoder.buffered == 0


@settings(max_examples=30)
@given(st.lists(any_pdu, min_size=1, max_size=3))
def test_stream_fed_byte_by_byte(pdus):
    stream = b"".join(encode(p) for p in pdus)
    decoder, got = Decoder(), []
    for i in range(len(stream)):
        decoder.feed(stream[i : i + 1])
        got += _drain(decoder)
    assert got == pdus


# --- packets written out by hand from RFC 2741 ----------------------------------------------


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", "").replace("\n", ""))


def test_open_little_endian_by_hand():
    pdu = Open(timeout=5, id=(1, 3, 6, 1, 4, 1, 8072), description=b"ab", network_byte_order=False, packet_id=3)
    expected = h(
        "01 01 00 00"  # version 1, type Open, flags 0 (little endian), reserved
        " 00000000 00000000 03000000"  # session, transaction, packet 3
        " 18000000"  # payload length 24
        " 05 000000"  # o.timeout 5, reserved
        " 02 04 00 00 01000000 881f0000"  # OID: 2 subids, prefix 4 (1.3.6.1.4), include 0: .1.8072
        " 02000000 6162 0000"  # o.descr "ab" padded to 4
    )
    assert encode(pdu) == expected
    assert decode(expected) == pdu


def test_get_next_with_context_network_order_by_hand():
    pdu = GetNext(
        session_id=7, transaction_id=8, packet_id=9, context=b"kvm2",
        ranges=(SearchRange((1, 3, 6, 1, 2, 1, 236, 1), (1, 3, 6, 1, 2, 1, 237), include=True),),
    )
    expected = h(
        "01 06 18 00"  # GetNext, flags NETWORK_BYTE_ORDER | NON_DEFAULT_CONTEXT
        " 00000007 00000008 00000009 00000024"  # ids; payload 36 = 8 + 16 + 12
        " 00000004 6b766d32"  # context "kvm2": 4 octets, already aligned, so no padding
        " 03 02 01 00 00000001 000000ec 00000001"  # start 1.3.6.1.2.1.236.1, include 1
        " 02 02 00 00 00000001 000000ed"  # end 1.3.6.1.2.1.237
    )
    assert encode(pdu) == expected
    assert decode(expected) == pdu


def test_response_varbinds_network_order_by_hand():
    pdu = Response(
        session_id=1, transaction_id=2, packet_id=3, error=0, index=0,
        varbinds=(
            VarBind((1, 3, 6, 1, 2, 1, 236, 1, 2, 0), VarType.INTEGER, -1),
            VarBind((1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 3, 1), VarType.OCTET_STRING, b"\x01\x02\x03\x04\x05"),
            VarBind((1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 17, 1), VarType.COUNTER64, 1 << 40),
            VarBind((2, 5), VarType.END_OF_MIB_VIEW),
        ),
    )
    expected = h(
        "01 12 10 00 00000001 00000002 00000003 00000094"  # Response, payload 148
        " 00000000 0000 0000"  # sysUpTime 0, error 0, index 0
        " 0002 0000 05 02 00 00 00000001 000000ec 00000001 00000002 00000000"  # INTEGER, 1.3.6.1.2 + 5
        "   ffffffff"  # -1
        " 0004 0000 07 02 00 00 00000001 000000ec 00000001 00000004 00000001 00000003 00000001"
        "   00000005 0102030405 000000"  # 5 octets + 3 of padding
        " 0046 0000 07 02 00 00 00000001 000000ec 00000001 00000004 00000001 00000011 00000001"
        "   00000100 00000000"  # Counter64 2^40, most significant half first
        " 0082 0000 02 00 00 00 00000002 00000005"  # endOfMibView 2.5: no prefix, no value
    )
    assert encode(pdu) == expected
    assert decode(expected) == pdu


def test_ping_and_cleanup_have_empty_payloads():
    assert encode(Ping(session_id=5, transaction_id=6, packet_id=7)) == h("01 0d 10 00 00000005 00000006 00000007 00000000")
    assert encode(CleanupSet(network_byte_order=False)) == h("01 0b 00 00" + "00" * 16)


def test_register_range_little_endian_by_hand():
    pdu = Register(
        network_byte_order=False, timeout=0, priority=127, subtree=(1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 7),
        range_subid=11, upper_bound=9, instance_registration=True,
    )
    assert encode(pdu) == h(
        "01 03 01 00 00000000 00000000 00000000 24000000"  # INSTANCE_REGISTRATION, payload 36
        " 00 7f 0b 00"  # timeout, priority 127, range_subid 11
        " 06 02 00 00 01000000 02000000 02000000 01000000 01000000 07000000"
        " 09000000"  # upper bound
    )


# --- errors -------------------------------------------------------------------------------------


def test_decoder_skips_a_bad_payload_and_goes_on():
    good = encode(Ping(packet_id=1))
    unknown_type = bytearray(encode(Ping(packet_id=2)))
    unknown_type[1] = 99
    short_payload = encode(Response(packet_id=3))[:-8] + b"\0\0\0\0"
    short_payload = short_payload[:16] + (4).to_bytes(4, "big") + short_payload[20:]
    decoder = Decoder()
    decoder.feed(bytes(unknown_type) + short_payload + good)
    with pytest.raises(AgentXParseError) as err:
        decoder.next_pdu()
    assert err.value.header.packet_id == 2 and not err.value.fatal
    with pytest.raises(AgentXParseError) as err:
        decoder.next_pdu()
    assert err.value.header.packet_id == 3 and not err.value.fatal
    assert decoder.next_pdu() == Ping(packet_id=1)


def test_bad_version_or_length_is_fatal_and_stays_fatal():
    for bad in (h("02 0d 10 00 00000000 00000000 00000000 00000000"), h("01 0d 10 00 00000000 00000000 00000000 00000003")):
        decoder = Decoder()
        decoder.feed(bad + encode(Ping()))
        for _ in range(2):
            with pytest.raises(AgentXParseError) as err:
                decoder.next_pdu()
            assert err.value.fatal


def test_trailing_octets_are_a_parse_error():
    packet = bytearray(encode(Close(reason=CloseReason.SHUTDOWN)) + b"\0\0\0\0")
    packet[19] = 8
    with pytest.raises(AgentXParseError, match="left over"):
        decode(bytes(packet))


@pytest.mark.parametrize(
    "pdu",
    [
        Response(varbinds=(VarBind((1,), VarType.INTEGER, 1 << 31),)),
        Response(varbinds=(VarBind((1,), VarType.COUNTER64, -1),)),
        Response(varbinds=(VarBind((1,), VarType.OCTET_STRING, "text"),)),
        Response(varbinds=(VarBind((1 << 32,), VarType.NULL),)),
        Response(varbinds=(VarBind(tuple(range(300)), VarType.NULL),)),
        Response(packet_id=1 << 32),
        Register(subtree=(1,), range_subid=2),
        Open(timeout=256),
    ],
)
def test_unencodable_fields_raise_encode_error(pdu):
    with pytest.raises(AgentXEncodeError):
        encode(pdu)


@settings(max_examples=200)
@given(STRATEGIES[PduType.RESPONSE])
def test_fast_response_encoder_equals_the_general_one(pdu):
    from vmwatch_agentx.codec import encode_response, encode_varbind

    nbo = pdu.network_byte_order
    fast = encode_response(
        pdu.session_id, pdu.transaction_id, pdu.packet_id, nbo, pdu.error, pdu.index,
        b"".join(encode_varbind(vb, nbo) for vb in pdu.varbinds),
    )
    assert fast == encode(dataclasses.replace(pdu, sys_up_time=0))


@settings(max_examples=300)
@given(st.one_of(STRATEGIES[PduType.GET_NEXT], any_pdu), st.booleans())
def test_get_next_fast_path_agrees_with_the_decoder(pdu, corrupt):
    from vmwatch_agentx.codec import single_get_next

    packet = bytearray(encode(pdu))
    if corrupt:
        packet[len(packet) // 2] ^= 0x5A
    fast = single_get_next(bytes(packet))
    if fast is None:
        return
    decoded = decode(bytes(packet))  # wherever the fast path answers, the decoder must agree
    assert isinstance(decoded, GetNext) and decoded.context is None and len(decoded.ranges) == 1
    (r,) = decoded.ranges
    assert fast == (decoded.session_id, decoded.transaction_id, decoded.packet_id,
                    decoded.network_byte_order, r.start, r.include, r.end)


def test_get_next_fast_path_declines_what_it_does_not_cover():
    from vmwatch_agentx.codec import single_get_next

    one = GetNext(session_id=1, ranges=(SearchRange((1, 3, 6, 1, 2, 1, 236), (1, 3, 6, 1, 2, 1, 237), True),))
    assert single_get_next(encode(one)) == (1, 0, 0, True, (1, 3, 6, 1, 2, 1, 236), True, (1, 3, 6, 1, 2, 1, 237))
    for other in (
        dataclasses.replace(one, context=b"kvm2"),
        dataclasses.replace(one, ranges=one.ranges * 2),
        dataclasses.replace(one, ranges=()),
        Get(ranges=one.ranges),
    ):
        assert single_get_next(encode(other)) is None
    assert single_get_next(encode(one) + encode(one)) is None  # two packets in one read
    assert single_get_next(encode(one)[:-4]) is None
