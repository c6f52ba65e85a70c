import json
import uuid
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vmwatch.indexer import Indexer, IndexSpace, IndexStateError, state_file
from vmwatch.model import Host, Hypervisor, NetworkInterface, Storage, VirtualMachine


def vm(n: int, disks=("vda",), nics=("52:54:00:00:00:01",)) -> VirtualMachine:
    return VirtualMachine(
        uuid=uuid.UUID(int=n),
        name=f"vm{n}",
        storage=tuple(Storage(key=d) for d in disks),
        networks=tuple(NetworkInterface(key=m) for m in nics),
    )


def host(*vms: VirtualMachine) -> Host:
    return Host(hypervisor=Hypervisor("Test", "1", 0), vms=tuple(vms))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def indexes(h: Host) -> dict[str, int]:
    return {v.name: v.index for v in h.vms}


def test_new_vms_get_small_dense_indexes_in_order():
    ix = Indexer(None)
    assert indexes(ix.assign(host(vm(7), vm(3), vm(5)))) == {"vm7": 1, "vm3": 2, "vm5": 3}


def test_index_is_stable_when_other_vms_come_and_go():
    ix = Indexer(None)
    ix.assign(host(vm(1), vm(2), vm(3)))
    assert indexes(ix.assign(host(vm(3), vm(1)))) == {"vm1": 1, "vm3": 3}


def test_removed_index_is_held_then_reused():
    clock = Clock()
    ix = Indexer(None, hold=60, clock=clock)
    ix.assign(host(vm(1), vm(2)))
    ix.assign(host(vm(1)))  # vm2 leaves: index 2 held
    clock.now += 30
    assert indexes(ix.assign(host(vm(1), vm(9)))) == {"vm1": 1, "vm9": 3}
    clock.now += 31  # hold of vm2's index over
    assert indexes(ix.assign(host(vm(1), vm(9), vm(10)))) == {"vm1": 1, "vm9": 3, "vm10": 2}


def test_vm_that_returns_within_hold_gets_its_old_index():
    clock = Clock()
    ix = Indexer(None, hold=60, clock=clock)
    ix.assign(host(vm(1), vm(2), vm(3)))
    ix.assign(host(vm(1), vm(3)))
    clock.now += 10
    assert indexes(ix.assign(host(vm(4), vm(2), vm(1), vm(3)))) == {"vm1": 1, "vm2": 2, "vm3": 3, "vm4": 4}


def test_device_rows_are_indexed_per_vm_and_stable():
    ix = Indexer(None)
    first = ix.assign(host(vm(1, disks=("vda", "vdb"), nics=("m1", "m2"))))
    assert [(s.key, s.index) for s in first.vms[0].storage] == [("vda", 1), ("vdb", 2)]
    second = ix.assign(host(vm(1, disks=("vdb", "sda"), nics=("m2",))))
    assert [(s.key, s.index) for s in second.vms[0].storage] == [("vdb", 2), ("sda", 3)]
    assert [(n.key, n.index) for n in second.vms[0].networks] == [("m2", 2)]


def test_indexes_survive_a_restart(tmp_path):
    path = state_file(tmp_path, "kvm/01")
    first = Indexer(path)
    first.assign(host(vm(1), vm(2), vm(3, disks=("vda", "vdb"))))
    first.assign(host(vm(1), vm(3, disks=("vdb",))))
    assert path.name == "indexes-kvm_01.json"
    again = Indexer(path)  # a new process
    h = again.assign(host(vm(3, disks=("vdb", "vdc")), vm(4), vm(1)))
    assert indexes(h) == {"vm1": 1, "vm3": 3, "vm4": 4}  # 2 still held for vm2
    assert [(s.key, s.index) for s in h.vms[1].storage] == [("vdb", 2), ("vdc", 3)]


def test_state_is_written_only_on_change_and_atomically(tmp_path):
    path = tmp_path / "ix.json"
    ix = Indexer(path)
    ix.assign(host(vm(1)))
    mtime = path.stat().st_mtime_ns
    ix.assign(host(vm(1)))
    assert path.stat().st_mtime_ns == mtime
    assert json.loads(path.read_text())["vms"]["assigned"] == {str(uuid.UUID(int=1)): 1}
    assert [p.name for p in tmp_path.iterdir()] == ["ix.json"]  # no temp file left behind


def test_read_only_indexer_does_not_write(tmp_path):
    path = tmp_path / "ix.json"
    Indexer(path, persist=False).assign(host(vm(1)))
    assert not path.exists()


def test_corrupt_state_names_the_file(tmp_path):
    path = tmp_path / "ix.json"
    path.write_text("{not json")
    with pytest.raises(IndexStateError, match=str(path)):
        Indexer(path)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), max_size=15), min_size=1, max_size=12), st.integers(0, 3))
def test_indexes_are_unique_and_never_reassigned_while_held(rounds, hold_rounds):
    clock = Clock()
    space = IndexSpace()
    owner: dict[int, tuple[str, float]] = {}  # index → (key, time the key was last present)
    peak = 0  # most indexes ever in use (assigned or held) at once
    for keys in rounds:
        keys = [str(k) for k in keys]
        clock.now += 10
        space.update(keys, clock.now, hold=hold_rounds * 10)
        values = [space.assigned[k] for k in dict.fromkeys(keys)]
        assert len(values) == len(set(values))  # unique
        for key in dict.fromkeys(keys):
            index = space.assigned[key]
            if index in owner and owner[index][0] != key:
                previous, last_seen = owner[index]
                assert clock.now - last_seen > hold_rounds * 10 - 1e-9 or hold_rounds == 0
            owner[index] = (key, clock.now)
        # dense: new keys take the smallest free index, so no index exceeds the peak in use
        peak = max(peak, len(space.assigned) + len(space.released))
        assert max(values, default=0) <= peak


def test_indexed_rows_equal_what_replace_builds():
    """The indexer copies rows without dataclasses.replace (a refresh makes tens of thousands):
    the copies must be equal to replace()'s, of the same type, and leave the backend's rows alone."""
    read = vm(9, disks=("vdb", "vda"), nics=("52:54:00:00:00:02", "52:54:00:00:00:01"))
    indexed = Indexer(None).assign(host(read)).vms[0]
    expected = replace(
        read,
        index=1,
        storage=(replace(read.storage[0], index=1), replace(read.storage[1], index=2)),
        networks=(replace(read.networks[0], index=1), replace(read.networks[1], index=2)),
    )
    assert indexed == expected
    assert [type(row) for row in (indexed, *indexed.storage, *indexed.networks)] == [
        type(row) for row in (expected, *expected.storage, *expected.networks)
    ]
    assert read.index == 0 and {row.index for row in (*read.storage, *read.networks)} == {0}
