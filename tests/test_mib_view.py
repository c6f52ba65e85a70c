"""The shared VM-MIB view: every column against a hand-built snapshot, ordering, types, SET rules."""

from __future__ import annotations

import dataclasses
import itertools
import uuid as uuidlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mib_fleet import C64, INTEGER, LONG_NAME, OCTETS, OID, TICKS, VM, expected_instances, sample_snapshot
from vmwatch_mib import ErrorStatus, Lookup, NotificationSwitches, Syntax, Value, build_view, check_set
from vmwatch_mib.objects import OBJECT_TYPES, object_type
from vmwatch_mib.switches import process_switches, reset_process_switches

KIND = {
    Syntax.INTEGER: INTEGER,
    Syntax.OCTET_STRING: OCTETS,
    Syntax.OBJECT_IDENTIFIER: OID,
    Syntax.TIMETICKS: TICKS,
    Syntax.COUNTER64: C64,
}


@pytest.fixture
def snapshot():
    return sample_snapshot()


@pytest.fixture
def view(snapshot):
    return build_view(snapshot, NotificationSwitches(per_vm=True, bulk=False))


def as_oracle(view):
    return {oid: (KIND[v.syntax], v.value) for oid, v in view}


def test_every_instance_equals_the_snapshot(view, snapshot):
    expected = expected_instances(snapshot)
    got = as_oracle(view)
    assert sorted(got) == sorted(expected)
    for oid in expected:
        assert got[oid] == expected[oid], oid


@pytest.mark.parametrize("column", range(2, 18))
def test_vm_table_column_by_column(view, snapshot, column):
    expected = expected_instances(snapshot)
    rows = {oid[-1]: value for oid, value in expected.items() if oid[:-1] == VM + (4, 1, column)}
    got = {oid[-1]: (KIND[v.syntax], v.value) for oid, v in view if oid[:-1] == VM + (4, 1, column)}
    assert got == rows
    if column != 17:  # vmCpuTime is absent for the shut-off VM; every other column is in every row
        assert sorted(got) == [vm.index for vm in snapshot.vms]


@pytest.mark.parametrize(
    "table, columns", [(5, [2]), (6, [3]), (7, list(range(3, 19))), (8, [2, 3, 4, 5])]
)
def test_other_tables_column_by_column(view, snapshot, table, columns):
    expected = expected_instances(snapshot)
    for column in columns:
        prefix = VM + (table, 1, column)
        want = {o: v for o, v in expected.items() if o[: len(prefix)] == prefix}
        got = {o: (KIND[v.syntax], v.value) for o, v in view if o[: len(prefix)] == prefix}
        assert got == want and got, (table, column)


def test_exact_values_of_tricky_columns(view, snapshot):
    web = snapshot.by_index[1]
    uuid = view.get(VM + (4, 1, 3, 1))
    assert uuid == Value(Syntax.OCTET_STRING, web.uuid.bytes) and len(uuid.value) == 16
    assert view.get(VM + (8, 1, 5, 1, 1)) == Value(Syntax.OCTET_STRING, b"\x52\x54\x00\x00\x01\x01")
    assert view.get(VM + (1, 3, 0)) == Value(Syntax.OBJECT_IDENTIFIER, (1, 3, 6, 1, 4, 1, 8072, 3, 2, 10))
    assert view.get(VM + (4, 1, 2, 2)).value == "dátabase-ü".encode()
    # vmCpuAffinity index: vmIndex.vmCpuIndex.vmCpuPhysIndex (hrDeviceIndex 196608 + n)
    assert view.get(VM + (6, 1, 3, 1, 1, 196608 + 2)) == Value(Syntax.INTEGER, 1)
    assert view.get(VM + (6, 1, 3, 1, 1, 196608 + 0)) == Value(Syntax.INTEGER, 2)
    # Counter64 above 2^63 and TimeTicks at 2^32-1 survive unchanged
    assert view.get(VM + (4, 1, 17, 5)) == Value(Syntax.COUNTER64, (1 << 63) + 17)
    assert view.get(VM + (4, 1, 16, 5)) == Value(Syntax.TIMETICKS, 4_294_967_295)
    assert view.get(VM + (7, 1, 16, 1, 1)) == Value(Syntax.COUNTER64, (1 << 40) + 1)
    # -1 means "no limit / unknown" in the MIB: it is a value, not an absence
    assert view.get(VM + (4, 1, 10, 1)) == Value(Syntax.INTEGER, -1)


def test_long_string_is_cut_to_255_octets_on_a_character_boundary(view):
    name = view.get(VM + (4, 1, 2, 5)).value
    assert len(name) == 254  # 250 'x' + 2 × 'é' (2 octets each); the third é would need 256
    assert name.decode("utf-8") == LONG_NAME[:252]


def test_none_in_the_model_means_absent(view):
    assert view.get(VM + (4, 1, 17, 3)) is None  # vmCpuTime of the shut-off VM
    assert view.get(VM + (5, 1, 2, 3, 1)) is None  # vmCpuCoreTime without a running vCPU
    assert view.get(VM + (7, 1, 13, 3, 1)) is None  # vmStorageReadIOs of a stopped disk
    assert view.get(VM + (7, 1, 17, 2, 3)) is None  # a latency the hypervisor does not report
    assert view.get(VM + (7, 1, 3, 3, 1)) is not None  # configuration columns stay


def test_table_is_strictly_sorted_and_next_walks_it(view):
    oids = [oid for oid, _ in view]
    assert oids == sorted(oids) and len(set(oids)) == len(oids)
    walked, oid = [], (1, 3, 6, 1, 2, 1, 236)
    while (found := view.next(oid)) is not None:
        walked.append(found[0])
        oid = found[0]
    assert walked == oids
    assert view.next(oids[-1]) is None


def test_next_crosses_from_one_table_to_the_next(view, snapshot):
    last_vm_cell = VM + (4, 1, 17, 8)
    assert view.next(last_vm_cell)[0] == VM + (5, 1, 2, 1, 1)
    assert view.next(VM + (5, 1, 2, 9999))[0] == VM + (6, 1, 3, 1, 1, 196608)
    assert view.next(VM + (6,))[0] == VM + (6, 1, 3, 1, 1, 196608)
    assert view.next(VM + (8, 1, 5, 8, 3))[0] == VM + (9, 0)
    assert view.next(VM + (9, 0))[0] == VM + (10, 0)
    assert view.next(VM + (4, 1, 2))[0] == VM + (4, 1, 2, 1)  # a column's first row
    assert view.next(VM + (4, 1, 2, 3, 7))[0] == VM + (4, 1, 2, 5)  # between rows, index gap


def test_next_include_and_end_bound(view):
    first = VM + (1, 1, 0)
    assert view.next(first, include=True)[0] == first
    assert view.next(first)[0] == VM + (1, 2, 0)
    assert view.next(VM + (1, 1), include=True)[0] == first  # include of a non-instance
    assert view.next(VM + (4,), end=VM + (4, 1, 3))[0] == VM + (4, 1, 2, 1)
    assert view.next(VM + (4, 1, 2, 8), end=VM + (4, 1, 3)) is None  # end is exclusive
    assert view.next(VM + (4, 1, 2, 8), end=VM + (4, 1, 3, 1, 0))[0] == VM + (4, 1, 3, 1)


def test_accessible_for_notify_and_index_columns_never_appear(view):
    assert all(oid[: len(VM) + 1] != VM + (11,) for oid, _ in view)
    assert view.get(VM + (11, 0)) is None
    assert all(oid[: len(VM) + 3] != VM + (4, 1, 1) for oid, _ in view)


def test_missing_tells_no_such_object_from_no_such_instance(view):
    assert view.missing(VM + (4, 1, 2, 4)) is Lookup.NO_SUCH_INSTANCE  # no VM 4
    assert view.missing(VM + (1, 1, 1)) is Lookup.NO_SUCH_INSTANCE  # scalar instance must be .0
    assert view.missing(VM + (4, 1, 1, 1)) is Lookup.NO_SUCH_OBJECT  # vmIndex: not-accessible
    assert view.missing(VM + (4, 1, 99, 1)) is Lookup.NO_SUCH_OBJECT
    assert view.missing(VM + (11, 0)) is Lookup.NO_SUCH_OBJECT  # vmAffectedVMs
    assert view.missing(VM + (4, 1, 2)) is Lookup.NO_SUCH_OBJECT  # the column itself
    assert view.missing((1, 3, 6, 1, 2, 1, 237)) is Lookup.NO_SUCH_OBJECT


def test_types_match_the_module(view):
    for oid, value in view:
        kind = object_type(oid)
        assert kind is not None, oid
        assert value.syntax is kind.syntax, (kind.name, value)
        if value.syntax is Syntax.OCTET_STRING:
            assert isinstance(value.value, bytes) and len(value.value) <= 255
        if value.syntax is Syntax.INTEGER:
            assert -(1 << 31) <= value.value < (1 << 31)


def test_object_types_cover_the_module():
    names = {o.name for o in OBJECT_TYPES}
    assert len(names) == 47  # 6 scalars + 16 + 1 + 1 + 16 + 4 columns + 2 enables + vmAffectedVMs
    oids = sorted(o.oid for o in OBJECT_TYPES)
    assert all(b[: len(a)] != a for a, b in itertools.pairwise(oids))  # none is a prefix of another


def test_view_without_snapshot_has_only_the_enable_objects():
    view = build_view(None, NotificationSwitches(per_vm=False, bulk=True))
    assert list(view) == [(VM + (9, 0), Value(Syntax.INTEGER, 2)), (VM + (10, 0), Value(Syntax.INTEGER, 1))]


def test_set_shows_in_the_view_without_rebuilding(snapshot):
    switches = NotificationSwitches(per_vm=True, bulk=False)
    view = build_view(snapshot, switches)
    assert view.get(VM + (9, 0)).value == 1 and view.get(VM + (10, 0)).value == 2
    assert switches.apply(VM + (10, 0), Value(Syntax.INTEGER, 1)) is False
    assert view.get(VM + (10, 0)).value == 1 and switches.bulk
    assert dict(view)[VM + (10, 0)].value == 1
    assert view.next(VM + (9, 0)) == (VM + (10, 0), Value(Syntax.INTEGER, 1))


def test_unindexed_rows_and_zero_uuid_and_empty_object_id():
    snap = sample_snapshot()
    vm0 = dataclasses.replace(snap.vms[0], index=0)
    nil = dataclasses.replace(snap.vms[1], uuid=uuidlib.UUID(int=0))
    hv = dataclasses.replace(snap.hypervisor, object_id=())
    snap = dataclasses.replace(snap, vms=(vm0, nil), hypervisor=hv, by_index={})
    view = build_view(snap, NotificationSwitches())
    assert view.get(VM + (4, 1, 3, 2)) == Value(Syntax.OCTET_STRING, b"")  # UUIDorZero: empty
    assert view.get(VM + (1, 3, 0)) == Value(Syntax.OBJECT_IDENTIFIER, (0, 0))  # zeroDotZero
    for unusable in ((1,), (1, 3, 1 << 32), tuple(range(129))):
        hv = dataclasses.replace(snap.hypervisor, object_id=unusable)
        bad = build_view(dataclasses.replace(snap, hypervisor=hv), NotificationSwitches())
        assert bad.get(VM + (1, 3, 0)).value == (0, 0)
    assert all(oid[len(VM) + 3] != 0 for oid, _ in view if oid[len(VM)] == 4)


def test_check_set():
    per_vm, bulk = VM + (9, 0), VM + (10, 0)
    ok = Value(Syntax.INTEGER, 2)
    assert check_set(per_vm, ok) is ErrorStatus.NO_ERROR
    assert check_set(bulk, Value(Syntax.INTEGER, 1)) is ErrorStatus.NO_ERROR
    assert check_set(bulk, Value(Syntax.INTEGER, 3)) is ErrorStatus.WRONG_VALUE
    assert check_set(bulk, Value(Syntax.INTEGER, 0)) is ErrorStatus.WRONG_VALUE
    assert check_set(bulk, Value(Syntax.OCTET_STRING, b"\x01")) is ErrorStatus.WRONG_TYPE
    assert check_set(bulk, Value(Syntax.GAUGE32, 1)) is ErrorStatus.WRONG_TYPE
    for oid in (VM + (4, 1, 2, 1), VM + (9,), VM + (9, 0, 0), VM + (11, 0), VM + (1, 1, 0), (1, 3, 6, 1, 2, 1, 1, 5, 0)):
        assert check_set(oid, ok) is ErrorStatus.NOT_WRITABLE, oid


def test_process_switches_is_one_instance_and_first_defaults_win():
    reset_process_switches()
    try:
        first = process_switches(per_vm=False, bulk=True)
        assert process_switches(per_vm=True, bulk=False) is first
        assert (first.per_vm, first.bulk) == (False, True)
    finally:
        reset_process_switches()


@given(st.lists(st.integers(min_value=0, max_value=12), min_size=0, max_size=14), st.booleans())
def test_next_equals_a_linear_scan(suffix, include):
    view = _shared_view()
    oid = (1, 3, 6, 1, 2, 1, 236, 1)[: max(0, len(suffix) and 8)] + tuple(suffix)
    oids = [o for o, _ in view]
    want = next((o for o in oids if (o >= oid if include else o > oid)), None)
    found = view.next(oid, include=include)
    assert (found[0] if found else None) == want


_cached = []


def _shared_view():
    if not _cached:
        _cached.append(build_view(sample_snapshot(), NotificationSwitches()))
    return _cached[0]
