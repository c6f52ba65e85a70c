"""The SNMPv2c fast path answers exactly what pysnmp's path answers, and passes on the rest.

Two agents serve the same cache, one with the fast path and one without; the same request
datagram (built with pysnmp) must get the same response datagram from both: byte for byte, or
value for value where it holds a clock or counter that differs between two agents.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import rfc1905
from pysnmp.proto.api import v2c
from vmwatch_mib import NotificationSwitches
from vmwatch_snmp.agent import SnmpAgent
from vmwatch_snmp.fastpath import (
    GET_BULK_TAG,
    GET_NEXT_TAG,
    GET_TAG,
    NotFastPath,
    ReadRequest,
    decode_request,
)
from vmwatch_snmp.options import parse_options

sys.path.insert(0, str(Path(__file__).parent))

from services import wait_for
from test_snmp_agent import AUTH, PRIV, fleet_snapshot, run

from vmwatch.poller import SnapshotCache

VM_MIB = (1, 3, 6, 1, 2, 1, 236)
SYS_DESCR = (1, 3, 6, 1, 2, 1, 1, 1, 0)
VM_NAME_1 = VM_MIB + (1, 4, 1, 2, 1)
PDUS = {GET_TAG: v2c.GetRequestPDU, GET_NEXT_TAG: v2c.GetNextRequestPDU, GET_BULK_TAG: v2c.GetBulkRequestPDU}
OPTIONS = {
    "listen": "udp:127.0.0.1:0",
    "communities": ["public", "monitoring"],
    "write_community": "private",
    "users": [{"name": "bob", "auth_protocol": "sha256", "auth_key": AUTH, "priv_protocol": "aes256", "priv_key": PRIV}],
}


def request(tag: int, oids, community: bytes = b"public", request_id: int = 4242, non_repeaters: int = 0,
            max_repetitions: int = 0) -> bytes:
    """A v2c request message as pysnmp encodes it."""
    pdu = PDUS[tag]()
    v2c.apiPDU.set_defaults(pdu)
    v2c.apiPDU.set_request_id(pdu, request_id)
    v2c.apiPDU.set_varbinds(pdu, [(oid, v2c.null) for oid in oids])
    if tag == GET_BULK_TAG:
        v2c.apiBulkPDU.set_non_repeaters(pdu, non_repeaters)
        v2c.apiBulkPDU.set_max_repetitions(pdu, max_repetitions)
    message = v2c.Message()
    v2c.apiMessage.set_defaults(message)
    v2c.apiMessage.set_community(message, community)
    v2c.apiMessage.set_pdu(message, pdu)
    return encoder.encode(message)


def exchange(agent: SnmpAgent, datagram: bytes, timeout: float = 5.0) -> bytes | None:
    """Send one datagram; the answer, or None when none came within `timeout`."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(datagram, agent.address)
        try:
            return s.recv(65535)
        except TimeoutError:
            return None


# Values that differ between two agents by when they started or what they counted.
VOLATILE = ((1, 3, 6, 1, 2, 1, 1, 3), (1, 3, 6, 1, 2, 1, 11), (1, 3, 6, 1, 6, 3, 10, 2, 1, 2), (1, 3, 6, 1, 6, 3, 10, 2, 1, 3))


def comparable(data: bytes):
    """The response decoded, volatile values masked, and whether any was."""
    message, rest = decoder.decode(data, asn1Spec=v2c.Message())
    assert rest == b""
    pdu = v2c.apiMessage.get_pdu(message)
    varbinds, masked = [], False
    for name, value in v2c.apiPDU.get_varbinds(pdu):
        oid = name.asTuple()
        if any(oid[:len(prefix)] == prefix for prefix in VOLATILE) and value.tagSet != rfc1905.endOfMibView.tagSet:
            varbinds.append((oid, "volatile"))
            masked = True
        else:
            varbinds.append((oid, encoder.encode(value)))
    header = (bytes(v2c.apiMessage.get_community(message)), int(v2c.apiPDU.get_request_id(pdu)),
              int(v2c.apiPDU.get_error_status(pdu)), int(v2c.apiPDU.get_error_index(pdu)))
    return (header, varbinds), masked


def assert_same_answer(ours: bytes | None, theirs: bytes | None) -> None:
    """Byte for byte; where the answer holds a volatile value, value for value beside it."""
    assert ours is not None and theirs is not None
    (mine, masked), (expected, _) = comparable(ours), comparable(theirs)
    assert mine == expected
    if not masked:
        assert ours == theirs


def response_pdu(data: bytes):
    message, rest = decoder.decode(data, asn1Spec=v2c.Message())
    assert rest == b""
    return v2c.apiMessage.get_pdu(message)


@pytest.fixture(scope="module")
def agents():
    """(fast, pysnmp-only) agents over one cache."""
    cache = SnapshotCache()
    cache.publish(fleet_snapshot())
    settings_, problems = parse_options(OPTIONS)
    assert not problems, problems
    started = []
    try:
        for fast in (True, False):
            agent = SnmpAgent(settings_, switches=NotificationSwitches(per_vm=True, bulk=False), fast_path=fast)
            agent.start(cache)
            started.append(agent)
        yield tuple(started)
    finally:
        for agent in started:
            agent.stop()


CASES = {
    "get": (GET_TAG, [VM_MIB + (1, 2, 0), VM_NAME_1, SYS_DESCR], {}),
    "get-missing": (GET_TAG, [VM_MIB + (1, 4, 1, 2, 99), VM_MIB + (99, 1), (1, 3, 6, 1, 4, 1, 9), VM_MIB + (1, 4, 1, 3, 7)], {}),
    "get-empty": (GET_TAG, [], {}),
    "getnext": (GET_NEXT_TAG, [VM_MIB, (1, 3, 6, 1, 2, 1, 1), (0, 0), VM_MIB + (1, 4, 1, 2, 1)], {}),
    "getnext-end-of-mib": (GET_NEXT_TAG, [(1, 3, 6, 1, 6, 3, 99), (2, 5, 2**32 - 1)], {}),
    "getbulk": (GET_BULK_TAG, [SYS_DESCR, VM_MIB, (1, 3, 6, 1, 2, 1, 1, 9)], {"non_repeaters": 1, "max_repetitions": 7}),
    "getbulk-end-of-mib": (GET_BULK_TAG, [VM_MIB + (9,), (1, 3, 6, 1, 6, 3, 10, 2, 1, 3)], {"max_repetitions": 20}),
    "getbulk-more-non-repeaters": (GET_BULK_TAG, [VM_MIB], {"non_repeaters": 5, "max_repetitions": 3}),
    # 4096 varbinds at most, and no more than fits in the message size: both cut the answer
    "getbulk-truncated": (GET_BULK_TAG, [VM_MIB] * 12 + [SYS_DESCR] * 12, {"max_repetitions": 2**31 - 1}),
    "getbulk-zero-repetitions": (GET_BULK_TAG, [VM_MIB, SYS_DESCR], {"non_repeaters": 1}),
    "write-community-reads": (GET_TAG, [VM_NAME_1], {"community": b"private"}),
    "second-community": (GET_NEXT_TAG, [VM_MIB], {"community": b"monitoring", "request_id": 0}),
    "large-request-id": (GET_TAG, [VM_NAME_1], {"request_id": 2**31 - 1}),
}


@pytest.mark.parametrize("case", CASES)
def test_fast_path_answers_what_pysnmp_answers(agents, case):
    fast, slow = agents
    tag, oids, extra = CASES[case]
    datagram = request(tag, oids, **extra)
    answered = fast.fast_path_answers
    ours, theirs = exchange(fast, datagram), exchange(slow, datagram)
    assert fast.fast_path_answers == answered + 1, "the fast path did not take it"
    assert slow.fast_path_answers == 0
    assert_same_answer(ours, theirs)


def test_the_compared_answers_hold_what_the_cases_are_for(agents):
    fast, _ = agents
    missing = v2c.apiPDU.get_varbinds(response_pdu(exchange(fast, request(GET_TAG, *CASES["get-missing"][1:2]))))
    assert [value.tagSet for _, value in missing] == [
        rfc1905.noSuchInstance.tagSet, rfc1905.noSuchObject.tagSet, rfc1905.noSuchObject.tagSet,
        rfc1905.noSuchInstance.tagSet,
    ]
    tag, oids, extra = CASES["getnext-end-of-mib"]
    ended = v2c.apiPDU.get_varbinds(response_pdu(exchange(fast, request(tag, oids, **extra))))
    assert all(value.tagSet == rfc1905.endOfMibView.tagSet for _, value in ended)
    tag, oids, extra = CASES["getbulk-truncated"]
    data = exchange(fast, request(tag, oids, **extra))
    assert 60_000 < len(data) <= 65_507
    assert 0 < len(v2c.apiPDU.get_varbinds(response_pdu(data))) < 4096


def test_too_big_answer(agents):
    """RFC 3416 4.2.1: tooBig without varbinds; the big answer counts as a silent drop, as in
    pysnmp's dispatcher. (pysnmp's path sends nothing at all here: its second attempt, the
    tooBig, finds the request's state already released; docs/snmp-embedded.md.)"""
    fast, slow = agents
    datagram = request(GET_TAG, [SYS_DESCR] * 4000)  # ~56 kB asking for far more than 64 kB
    drops, too_big = [agent.counter("snmpSilentDrops") for agent in agents], [agent.stats.too_big for agent in agents]
    pdu = response_pdu(exchange(fast, datagram))
    assert int(v2c.apiPDU.get_error_status(pdu)) == 1 and int(v2c.apiPDU.get_error_index(pdu)) == 0  # tooBig
    assert int(v2c.apiPDU.get_request_id(pdu)) == 4242 and len(v2c.apiPDU.get_varbinds(pdu)) == 0
    assert exchange(slow, datagram, timeout=2.0) is None
    assert [agent.counter("snmpSilentDrops") for agent in agents] == [n + 1 for n in drops]
    assert [agent.stats.too_big for agent in agents] == [n + 1 for n in too_big]


def test_fast_path_keeps_snmp_in_pkts_and_responder_stats(agents):
    fast, _ = agents
    packets, requests, varbinds = fast.counter("snmpInPkts"), fast.stats.requests, fast.stats.varbinds
    for _ in range(3):
        assert exchange(fast, request(GET_NEXT_TAG, [VM_MIB, SYS_DESCR])) is not None
    assert fast.counter("snmpInPkts") == packets + 3
    assert fast.stats.requests == requests + 3 and fast.stats.varbinds == varbinds + 6


def test_unknown_community_gets_no_answer_and_is_counted_by_pysnmp(agents):
    fast, _ = agents
    bad, packets, answered = fast.counter("snmpInBadCommunityNames"), fast.counter("snmpInPkts"), fast.fast_path_answers
    assert exchange(fast, request(GET_TAG, [VM_NAME_1], community=b"wrong"), timeout=1.0) is None
    assert exchange(fast, request(GET_TAG, [VM_NAME_1], community=b"publi"), timeout=1.0) is None
    wait_for(lambda: fast.counter("snmpInBadCommunityNames") == bad + 2, 5, "bad communities to be counted")
    assert fast.counter("snmpInPkts") == packets + 2
    assert fast.fast_path_answers == answered


def test_what_is_not_a_plain_v2c_read_goes_to_pysnmp(agents):
    fast, slow = agents
    answered = fast.fast_path_answers
    odd = [
        request(GET_TAG, [VM_NAME_1], request_id=-5),  # negative request-id: left to pysnmp
        bytes.fromhex("30 81") + bytes([len(request(GET_TAG, [VM_NAME_1])) - 2]) + request(GET_TAG, [VM_NAME_1])[2:],
    ]
    for datagram in odd:
        assert_same_answer(exchange(fast, datagram), exchange(slow, datagram))
    assert fast.fast_path_answers == answered


def test_net_snmp_requests_take_the_fast_path_and_v3_does_not(agents, tmp_path):
    fast, _ = agents
    env = {"SNMP_PERSISTENT_DIR": str(tmp_path), "SNMPCONFPATH": str(tmp_path), "MIBS": "", "PATH": "/usr/bin:/bin"}
    host, port = fast.address
    before = fast.fast_path_answers
    done = run("snmpget", ["-v2c", "-c", "public", "-On", "-Oqv", f"udp:{host}:{port}", ".1.3.6.1.2.1.236.1.2.0"], env)
    assert done.returncode == 0 and done.stdout.strip() == "3", done.stderr
    assert fast.fast_path_answers == before + 1
    v3 = ["-v3", "-l", "authPriv", "-u", "bob", "-a", "SHA-256", "-A", AUTH, "-x", "AES-256", "-X", PRIV]
    done = run("snmpget", [*v3, "-On", "-Oqv", f"udp:{host}:{port}", ".1.3.6.1.2.1.236.1.2.0"], env)
    assert done.returncode == 0 and done.stdout.strip() == "3", done.stderr
    assert fast.fast_path_answers == before + 1


# --- the decoder alone -----------------------------------------------------------------------------

oids = st.tuples(st.integers(0, 2), st.integers(0, 39), st.lists(st.integers(0, 2**32 - 1), max_size=20)).map(
    lambda t: (t[0], t[1], *t[2])
)


@given(st.sampled_from(sorted(PDUS)), st.lists(oids, max_size=30), st.binary(max_size=40),
       st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1))
def test_decoder_reads_what_pysnmp_encodes(tag, names, community, request_id, non_repeaters, max_repetitions):
    bulk = tag == GET_BULK_TAG
    data = request(tag, names, community, request_id, non_repeaters, max_repetitions)
    assert decode_request(data) == ReadRequest(
        community, tag, request_id, non_repeaters if bulk else 0, max_repetitions if bulk else 0, tuple(names)
    )


def _outcome(data: bytes):
    try:
        return decode_request(data)
    except NotFastPath:
        return None


@given(st.binary(max_size=300))
def test_arbitrary_bytes_decode_or_raise_not_fast_path(data):
    _outcome(data)


@given(st.sampled_from(sorted(PDUS)), st.lists(oids, max_size=5), st.data())
def test_damaged_requests_decode_or_raise_not_fast_path(tag, names, draw):
    data = bytearray(request(tag, names, max_repetitions=3))
    for _ in range(draw.draw(st.integers(1, 4))):
        position = draw.draw(st.integers(0, len(data) - 1))
        data[position] = draw.draw(st.integers(0, 255))
    cut = draw.draw(st.integers(0, len(data)))
    decoded = _outcome(bytes(data[:cut]))
    if decoded is not None:  # whatever we accept, pyasn1 reads the same way
        message, rest = decoder.decode(bytes(data[:cut]), asn1Spec=v2c.Message())
        assert rest == b""
        pdu = v2c.apiMessage.get_pdu(message)
        assert tuple(name.asTuple() for name, _ in v2c.apiPDU.get_varbinds(pdu)) == decoded.oids
        assert int(v2c.apiPDU.get_request_id(pdu)) == decoded.request_id
        assert bytes(v2c.apiMessage.get_community(message)) == decoded.community


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=200), st.builds(lambda d, i, b: d[:i] + bytes([b]) + d[i + 1:],
                                                      st.just(request(GET_NEXT_TAG, [VM_MIB, SYS_DESCR])),
                                                      st.integers(0, 40), st.integers(0, 255))))
def test_fast_path_never_fails_on_arbitrary_datagrams(agents, data):
    fast, _ = agents
    answer = fast._fast_path.answer(data)  # the unit under test, without the socket
    if answer is not None:
        response_pdu(answer)  # a well-formed Response
