"""The embedded agent's own varbind encoder agrees with pyasn1 byte for byte (property tests)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import rfc1902, rfc1905
from pysnmp.proto.api import v2c
from vmwatch_mib import Syntax, Value
from vmwatch_snmp import ber
from vmwatch_snmp.convert import to_pysnmp

oids = st.tuples(st.integers(0, 2), st.integers(0, 39), st.lists(st.integers(0, 2**32 - 1), max_size=20)).map(
    lambda t: (t[0], t[1], *t[2])
)
values = st.one_of(
    st.integers(-(2**31), 2**31 - 1).map(lambda v: Value(Syntax.INTEGER, v)),
    st.binary(max_size=300).map(lambda v: Value(Syntax.OCTET_STRING, v)),
    oids.map(lambda v: Value(Syntax.OBJECT_IDENTIFIER, v)),
    st.integers(0, 2**32 - 1).map(lambda v: Value(Syntax.TIMETICKS, v)),
    st.integers(0, 2**32 - 1).map(lambda v: Value(Syntax.COUNTER32, v)),
    st.integers(0, 2**32 - 1).map(lambda v: Value(Syntax.GAUGE32, v)),
    st.integers(0, 2**64 - 1).map(lambda v: Value(Syntax.COUNTER64, v)),
    st.just(Value(Syntax.NULL, None)),
)


def _pyasn1_quirk(value: Value) -> bool:
    """pyasn1 encodes -2^k with a redundant 0xff octet; X.690 8.3.2 wants the minimal form."""
    v = value.value
    return value.syntax is Syntax.INTEGER and v < 0 and (-v) & (-v - 1) == 0 and v < -64


@given(oids, values)
def test_varbind_encoding_matches_pyasn1(oid, value):
    pdu = v2c.ResponsePDU()
    v2c.apiPDU.set_defaults(pdu)
    v2c.apiPDU.set_varbinds(pdu, [(oid, to_pysnmp(value))])
    ours = ber.encode_varbind_list([ber.encode_varbind(oid, ber.encode_value(value))])
    theirs = encoder.encode(pdu[3])
    if not _pyasn1_quirk(value):
        assert ours == theirs
    assert decoder.decode(ours, asn1Spec=rfc1905.VarBindList())[0] == decoder.decode(theirs, asn1Spec=rfc1905.VarBindList())[0]


@given(st.lists(st.tuples(oids, values), max_size=40))
def test_varbind_lists_decode_back(varbinds):
    data = ber.encode_varbind_list([ber.encode_varbind(o, ber.encode_value(v)) for o, v in varbinds])
    decoded, rest = decoder.decode(data, asn1Spec=rfc1905.VarBindList())
    assert rest == b""
    assert [tuple(vb[0]) for vb in decoded] == [o for o, _ in varbinds]


@pytest.mark.parametrize(
    "encoded, exception",
    [(ber.NO_SUCH_OBJECT, rfc1905.noSuchObject), (ber.NO_SUCH_INSTANCE, rfc1905.noSuchInstance),
     (ber.END_OF_MIB_VIEW, rfc1905.endOfMibView)],
)
def test_exception_values(encoded, exception):
    pdu = v2c.ResponsePDU()
    v2c.apiPDU.set_defaults(pdu)
    v2c.apiPDU.set_varbinds(pdu, [((1, 3, 6), exception)])
    assert ber.encode_varbind_list([ber.encode_varbind((1, 3, 6), encoded)]) == encoder.encode(pdu[3])


@pytest.mark.parametrize("value", [-129, -128, -1, 0, 127, 128, 255, 256, 2**31 - 1, -(2**31)])
def test_integer_edges(value):
    ours = ber.encode_value(Value(Syntax.INTEGER, value))
    assert decoder.decode(ours, asn1Spec=rfc1902.Integer32())[0] == value
    assert len(ours) == 2 + len(ber.integer_content(value))
    assert len(ber.integer_content(value)) == max(1, (value.bit_length() if value >= 0 else (~value).bit_length()) // 8 + 1)


@pytest.mark.parametrize("oid", [(), (1,), (3, 1), (1, 40), (1, 3, -1)])
def test_unencodable_oids_raise_our_error(oid):
    with pytest.raises(ber.EncodeError):
        ber.oid_content(oid)


def test_negative_counter_is_refused():
    with pytest.raises(ber.EncodeError):
        ber.encode_value(Value(Syntax.COUNTER64, -1))
