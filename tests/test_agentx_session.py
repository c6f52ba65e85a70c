"""The AgentX session state machine, driven byte by byte by a scripted master (no I/O)."""

from __future__ import annotations

import pytest
from mib_fleet import VM, sample_snapshot
from vmwatch_agentx import codec
from vmwatch_agentx.pdu import (
    CleanupSet,
    Close,
    CloseReason,
    CommitSet,
    Get,
    GetBulk,
    GetNext,
    Notify,
    Open,
    PduType,
    Ping,
    Register,
    Response,
    ResponseError,
    SearchRange,
    TestSet,
    UndoSet,
    VarBind,
    VarType,
)
from vmwatch_agentx.session import (
    Closed,
    NotifyAnswered,
    Opened,
    OpenFailed,
    ParseFailed,
    PingAnswered,
    Registered,
    RegistrationFailed,
    Session,
    SessionNotOpen,
    State,
    TimedOut,
)
from vmwatch_mib import NotificationSwitches, Syntax, Value, build_view

SID = 42
PER_VM, BULK = VM + (9, 0), VM + (10, 0)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def packets(data: bytes):
    decoder = codec.Decoder()
    decoder.feed(data)
    out = []
    while (pdu := decoder.next_pdu()) is not None:
        out.append(pdu)
    return out


def one(data: bytes):
    (pdu,) = packets(data)
    return pdu


def events(session):
    out = []
    while (event := session.next_event()) is not None:
        out.append(event)
    return out


def answer(request, **kw):
    """The master's Response to a PDU the subagent sent."""
    return codec.encode(
        Response(
            session_id=kw.pop("session_id", request.session_id),
            transaction_id=request.transaction_id,
            packet_id=request.packet_id,
            network_byte_order=request.network_byte_order,
            **kw,
        )
    )


@pytest.fixture
def switches():
    return NotificationSwitches(per_vm=True, bulk=False)


@pytest.fixture
def views(switches):
    default = build_view(sample_snapshot(), switches)
    other = build_view(sample_snapshot("kvm2"), switches)
    return {None: default, b"kvm2": other}


def make_session(views, switches, contexts=(None,), clock=None):
    return Session(views.get, switches, contexts, clock=clock or Clock(), ping_interval=10, timeout=3)


def open_session(session):
    """Run Open and every Register to completion; return the master's view of the Registers."""
    opened = one(session.connect())
    registers = packets(session.receive_data(answer(opened, session_id=SID)))
    for register in registers:
        assert session.receive_data(answer(register)) == b""
    return opened, registers


@pytest.fixture
def session(views, switches):
    s = make_session(views, switches)
    open_session(s)
    events(s)
    return s


def ask(session, pdu):
    """Send a request as the master would (with our session ID) and decode the answer."""
    import dataclasses

    pdu = dataclasses.replace(pdu, session_id=SID, transaction_id=pdu.transaction_id or 5, packet_id=pdu.packet_id or 6)
    reply = session.receive_data(codec.encode(pdu))
    return one(reply) if reply else None


def test_open_then_register_then_registered(views, switches):
    s = make_session(views, switches)
    assert s.state is State.CLOSED
    opened = one(s.connect())
    assert isinstance(opened, Open) and opened.session_id == 0 and opened.id == VM[:7]
    assert opened.timeout == 0 and b"vmwatch" in opened.description  # the master's agentXTimeout applies
    assert s.state is State.OPENING
    (register,) = packets(s.receive_data(answer(opened, session_id=SID)))
    assert isinstance(register, Register)
    assert (register.session_id, register.subtree, register.context, register.priority) == (SID, VM[:7], None, 127)
    assert s.state is State.REGISTERING
    s.receive_data(answer(register))
    assert s.state is State.REGISTERED
    assert events(s) == [Opened(SID), Registered(None)]


def test_one_register_per_context_and_failures_reported(views, switches):
    s = make_session(views, switches, contexts=(None, b"kvm2"))
    opened = one(s.connect())
    registers = packets(s.receive_data(answer(opened, session_id=SID)))
    assert [r.context for r in registers] == [None, b"kvm2"]
    s.receive_data(answer(registers[1], error=ResponseError.DUPLICATE_REGISTRATION))
    assert s.state is State.REGISTERING
    s.receive_data(answer(registers[0]))
    assert s.state is State.REGISTERED
    assert events(s)[1:] == [RegistrationFailed(b"kvm2", ResponseError.DUPLICATE_REGISTRATION), Registered(None)]
    assert s.registered == {None}


def test_open_refused(views, switches):
    s = make_session(views, switches)
    opened = one(s.connect())
    assert s.receive_data(answer(opened, error=ResponseError.OPEN_FAILED)) == b""
    assert s.state is State.CLOSED and events(s) == [OpenFailed(ResponseError.OPEN_FAILED)]


def test_get_values_and_exceptions(session):
    reply = ask(session, Get(ranges=(SearchRange(VM + (4, 1, 2, 1)), SearchRange(VM + (4, 1, 2, 4)),
                                     SearchRange(VM + (4, 1, 99, 1)), SearchRange(VM + (11, 0)))))
    assert isinstance(reply, Response) and (reply.session_id, reply.transaction_id, reply.packet_id) == (SID, 5, 6)
    assert reply.error == 0
    assert reply.varbinds == (
        VarBind(VM + (4, 1, 2, 1), VarType.OCTET_STRING, b"web-01"),
        VarBind(VM + (4, 1, 2, 4), VarType.NO_SUCH_INSTANCE),
        VarBind(VM + (4, 1, 99, 1), VarType.NO_SUCH_OBJECT),
        VarBind(VM + (11, 0), VarType.NO_SUCH_OBJECT),
    )


def test_get_next_include_end_and_end_of_mib_view(session):
    reply = ask(session, GetNext(ranges=(
        SearchRange(VM + (4, 1, 2, 1)),
        SearchRange(VM + (4, 1, 2, 1), include=True),
        SearchRange(VM + (4, 1, 2, 8), VM + (4, 1, 3)),
        SearchRange(VM + (10, 0)),
        SearchRange((1, 3, 6, 1, 2, 1, 236, 1, 1), (1, 3, 6, 1, 2, 1, 236, 1, 1, 3)),
    )))
    assert reply.varbinds == (
        VarBind(VM + (4, 1, 2, 2), VarType.OCTET_STRING, "dátabase-ü".encode()),
        VarBind(VM + (4, 1, 2, 1), VarType.OCTET_STRING, b"web-01"),
        VarBind(VM + (4, 1, 2, 8), VarType.END_OF_MIB_VIEW),  # end is exclusive; name = start
        VarBind(VM + (10, 0), VarType.END_OF_MIB_VIEW),
        VarBind(VM + (1, 1, 0), VarType.OCTET_STRING, b"QEMU/KVM (libvirt)"),
    )


def test_types_on_the_wire(session):
    reply = ask(session, Get(ranges=tuple(SearchRange(o) for o in (
        VM + (1, 3, 0), VM + (1, 4, 0), VM + (4, 1, 17, 1), VM + (4, 1, 5, 1), VM + (4, 1, 3, 1)))))
    assert [vb.type for vb in reply.varbinds] == [
        VarType.OBJECT_IDENTIFIER, VarType.TIMETICKS, VarType.COUNTER64, VarType.INTEGER, VarType.OCTET_STRING]
    assert len(reply.varbinds[4].value) == 16


def test_answer_in_the_byte_order_of_the_request(session):
    import dataclasses

    request = dataclasses.replace(GetNext(ranges=(SearchRange(VM),)), network_byte_order=False)
    reply = ask(session, request)
    assert reply.network_byte_order is False and reply.varbinds[0].name == VM + (1, 1, 0)


def test_context_selects_the_view_and_unknown_context_is_refused(session):
    reply = ask(session, Get(context=b"kvm2", ranges=(SearchRange(VM + (4, 1, 2, 1)),)))
    assert reply.varbinds[0].value == b"web-01"
    reply = ask(session, Get(context=b"nope", ranges=(SearchRange(VM + (4, 1, 2, 1)),)))
    assert reply.error == ResponseError.UNSUPPORTED_CONTEXT


def test_request_for_another_session_gets_not_open(session):
    reply = one(session.receive_data(codec.encode(Get(session_id=SID + 1, ranges=(SearchRange(VM),)))))
    assert reply.error == ResponseError.NOT_OPEN and reply.session_id == SID + 1


def test_get_bulk_interleaves_repetitions(session):
    start_a, start_b = VM + (4, 1, 2), VM + (4, 1, 6)
    reply = ask(session, GetBulk(non_repeaters=1, max_repetitions=3, ranges=(
        SearchRange(VM + (2,)), SearchRange(start_a), SearchRange(start_b))))
    names = [vb.name for vb in reply.varbinds]
    assert names == [
        VM + (2, 0),
        VM + (4, 1, 2, 1), VM + (4, 1, 6, 1),
        VM + (4, 1, 2, 2), VM + (4, 1, 6, 2),
        VM + (4, 1, 2, 3), VM + (4, 1, 6, 3),
    ]


def test_get_bulk_stops_after_a_round_of_end_of_mib_view(session):
    reply = ask(session, GetBulk(non_repeaters=0, max_repetitions=10, ranges=(
        SearchRange(VM + (8, 1, 5, 8, 2), VM + (9,)), SearchRange(VM + (9, 0)))))
    assert reply.varbinds == (
        VarBind(VM + (8, 1, 5, 8, 3), VarType.OCTET_STRING, b""),
        VarBind(VM + (10, 0), VarType.INTEGER, 2),
        VarBind(VM + (8, 1, 5, 8, 3), VarType.END_OF_MIB_VIEW),
        VarBind(VM + (10, 0), VarType.END_OF_MIB_VIEW),
    )


def test_get_bulk_edge_counts(session):
    reply = ask(session, GetBulk(non_repeaters=5, max_repetitions=4, ranges=(SearchRange(VM),)))
    assert [vb.name for vb in reply.varbinds] == [VM + (1, 1, 0)]  # N capped at the ranges given
    reply = ask(session, GetBulk(non_repeaters=0, max_repetitions=0, ranges=(SearchRange(VM),)))
    assert reply.varbinds == ()
    reply = ask(session, GetBulk(non_repeaters=0, max_repetitions=65535, ranges=(SearchRange(VM),)))
    walk = [vb.name for vb in reply.varbinds if vb.type is not VarType.END_OF_MIB_VIEW]
    assert walk == [oid for oid, _ in session.views(None)]


def test_set_of_an_enable_object_test_commit_undo_cleanup(session, switches):
    reply = ask(session, TestSet(transaction_id=77, varbinds=(VarBind(BULK, VarType.INTEGER, 1),)))
    assert reply.error == 0 and reply.transaction_id == 77
    assert switches.bulk is False  # TestSet changes nothing yet
    assert ask(session, CommitSet(transaction_id=77)).error == 0
    assert switches.bulk is True
    assert ask(session, Get(ranges=(SearchRange(BULK),))).varbinds[0].value == 1
    assert ask(session, UndoSet(transaction_id=77)).error == 0
    assert switches.bulk is False
    assert ask(session, CleanupSet(transaction_id=77)) is None  # never answered


def test_set_errors(session, switches):
    reply = ask(session, TestSet(varbinds=(VarBind(PER_VM, VarType.INTEGER, 2), VarBind(VM + (4, 1, 2, 1), VarType.OCTET_STRING, b"x"))))
    assert (reply.error, reply.index) == (ResponseError.NOT_WRITABLE, 2)
    reply = ask(session, TestSet(varbinds=(VarBind(PER_VM, VarType.OCTET_STRING, b"\x01"),)))
    assert (reply.error, reply.index) == (ResponseError.WRONG_TYPE, 1)
    reply = ask(session, TestSet(varbinds=(VarBind(PER_VM, VarType.INTEGER, 3),)))
    assert (reply.error, reply.index) == (ResponseError.WRONG_VALUE, 1)
    reply = ask(session, TestSet(varbinds=(VarBind(PER_VM, VarType.NO_SUCH_OBJECT),)))
    assert reply.error == ResponseError.WRONG_TYPE
    assert ask(session, CommitSet(transaction_id=999)).error == ResponseError.COMMIT_FAILED
    assert ask(session, UndoSet(transaction_id=998)).error == ResponseError.UNDO_FAILED
    assert switches.per_vm is True


def test_responses_are_never_answered_and_unmatched_ones_ignored(session):
    assert session.receive_data(codec.encode(Response(session_id=SID, packet_id=12345))) == b""
    assert session.state is State.REGISTERED and events(session) == []


def test_response_matching_needs_session_transaction_and_packet(session):
    clock = session.clock
    ping = one(session.ping())
    wrong_tid = codec.encode(Response(session_id=SID, transaction_id=ping.transaction_id + 1, packet_id=ping.packet_id))
    wrong_sid = codec.encode(Response(session_id=SID + 1, transaction_id=ping.transaction_id, packet_id=ping.packet_id))
    assert session.receive_data(wrong_tid + wrong_sid) == b""
    assert events(session) == []
    clock.now += 0.25
    session.receive_data(answer(ping))
    assert events(session) == [PingAnswered(ping.packet_id, 0.25)]


def test_unknown_pdu_type_gets_parse_error_and_the_session_goes_on(session):
    bad = bytearray(codec.encode(Ping(session_id=SID, transaction_id=3, packet_id=4)))
    bad[1] = 99
    get = codec.encode(Get(session_id=SID, transaction_id=5, packet_id=6, ranges=(SearchRange(VM + (2, 0)),)))
    replies = packets(session.receive_data(bytes(bad) + get))
    assert [(r.packet_id, r.error) for r in replies] == [(4, ResponseError.PARSE_ERROR), (6, 0)]
    assert replies[1].varbinds[0].value == 5
    assert session.state is State.REGISTERED
    assert [type(e) for e in events(session)] == [ParseFailed]


def test_malformed_response_or_cleanup_is_dropped_silently(session):
    for ptype in (PduType.RESPONSE, PduType.CLEANUP_SET):
        bad = bytearray(codec.encode(Ping(session_id=SID, packet_id=4)))
        bad[1] = ptype
        bad[19] = 4  # claims a 4-octet payload
        assert session.receive_data(bytes(bad) + b"\0\0\0\1") == b""
    assert session.state is State.REGISTERED


def test_unframeable_stream_closes_the_session(session):
    broken = bytes.fromhex("02 0d 10 00 0000002a 00000000 00000000 00000000".replace(" ", ""))
    close = one(session.receive_data(broken))
    assert isinstance(close, Close) and close.reason is CloseReason.PARSE_ERROR and close.session_id == SID
    assert session.state is State.CLOSED
    assert [type(e) for e in events(session)] == [ParseFailed, Closed]


def test_split_and_coalesced_requests(session):
    a = codec.encode(Get(session_id=SID, packet_id=1, ranges=(SearchRange(VM + (2, 0)),)))
    b = codec.encode(Get(session_id=SID, packet_id=2, ranges=(SearchRange(VM + (3, 0)),)))
    stream = a + b
    assert session.receive_data(stream[:7]) == b""
    cut = len(a) + 3  # the rest of the first request and the start of the second
    assert [r.packet_id for r in packets(session.receive_data(stream[7:cut]))] == [1]
    assert [r.packet_id for r in packets(session.receive_data(stream[cut:]))] == [2]


def test_ping_on_interval_and_timeout(session):
    clock = session.clock
    assert session.tick() == b""
    clock.now += 10
    ping = one(session.tick())
    assert isinstance(ping, Ping) and ping.session_id == SID
    clock.now += 1
    assert session.tick() == b""  # one ping at a time
    clock.now += 3
    assert session.tick() == b""
    assert events(session) == [TimedOut(PduType.PING, ping.packet_id)]
    clock.now += 10
    assert isinstance(one(session.tick()), Ping)


def test_notify_is_tracked(session):
    trap = (1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0)
    data = session.notify([
        VarBind(trap, VarType.OBJECT_IDENTIFIER, VM[:7] + (0, 1)),
        (VM + (4, 1, 2, 1), Value(Syntax.OCTET_STRING, b"web-01")),
    ])
    notify = one(data)
    assert isinstance(notify, Notify) and notify.session_id == SID
    assert notify.varbinds[1] == VarBind(VM + (4, 1, 2, 1), VarType.OCTET_STRING, b"web-01")
    session.receive_data(answer(notify))
    assert events(session) == [NotifyAnswered(notify.packet_id, 0)]


def test_notify_without_session_raises(views, switches):
    with pytest.raises(SessionNotOpen):
        make_session(views, switches).notify([])


def test_close_by_master_and_by_us(session, views, switches):
    assert session.receive_data(codec.encode(Close(session_id=SID, reason=CloseReason.BY_MANAGER))) == b""
    assert session.state is State.CLOSED
    assert events(session) == [Closed(CloseReason.BY_MANAGER, by_master=True)]
    other = make_session(views, switches)
    open_session(other)
    events(other)
    close = one(other.close())
    assert isinstance(close, Close) and close.reason is CloseReason.SHUTDOWN and other.state is State.CLOSING
    other.receive_data(answer(close))
    assert other.state is State.CLOSED and events(other) == [Closed(CloseReason.SHUTDOWN, by_master=False)]
    assert other.close() == b""


def test_reconnect_starts_a_fresh_session(session):
    session.connection_lost()
    assert session.state is State.CLOSED and session.session_id is None
    assert events(session) == [Closed(CloseReason.OTHER, by_master=True)]
    _, registers = open_session(session)
    assert session.state is State.REGISTERED and len(registers) == 1


def test_register_a_context_that_appears_later(session):
    (register,) = packets(session.register(b"kvm2"))
    assert register.context == b"kvm2" and register.session_id == SID
    session.receive_data(answer(register))
    assert session.registered == {None, b"kvm2"}


def _oids():
    from hypothesis import strategies as st

    base = st.lists(st.integers(0, 20), max_size=6).map(lambda tail: VM + tuple(tail))
    return st.one_of(base, st.just(()), st.just(VM[:7]), st.just((1, 3, 6, 1, 2, 1, 237)))


def test_get_next_fast_path_answers_exactly_like_the_general_path(views, switches):
    from hypothesis import given, settings
    from hypothesis import strategies as st

    session = make_session(views, switches)
    open_session(session)

    @settings(max_examples=300, deadline=None)
    @given(_oids(), _oids(), st.booleans(), st.booleans(), st.integers(0, 2**32 - 1))
    def check(start, end, include, nbo, packet_id):
        request = GetNext(session_id=SID, transaction_id=packet_id ^ 1, packet_id=packet_id, network_byte_order=nbo,
                          ranges=(SearchRange(start, end, include),))
        packet = codec.encode(request)
        assert codec.single_get_next(packet) is not None  # the fast path is the one taken
        assert session.receive_data(packet) == session._on_get_next(request)

    check()
