import asyncio
import uuid

import pytest

from toy_plugin import ToyBackend, write_host
from vmwatch.backend import BackendError
from vmwatch.indexer import Indexer
from vmwatch.poller import Poller, SnapshotCache


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def vm(n: int, state: str = "running") -> dict:
    return {"uuid": str(uuid.UUID(int=n)), "name": f"vm{n}", "state": state}


@pytest.fixture
def setup(tmp_path):
    clock = Clock()
    cache = SnapshotCache(stale_after=30, clock=clock)
    hostfile = tmp_path / "host.json"
    backend = ToyBackend("toy1", {"file": str(hostfile)})
    poller = Poller(backend, "toy", cache, lambda name: Indexer(None), interval=0.05, backoff_max=0.1, clock=clock)
    return clock, cache, hostfile, backend, poller


def test_refresh_publishes_an_indexed_snapshot(setup):
    clock, cache, hostfile, backend, poller = setup
    write_host(hostfile, [vm(2), vm(1, "paused")], uptime=1234)
    (snap,) = poller.refresh()
    assert cache.snapshot("toy1") is snap
    assert [(v.index, v.name) for v in snap.vms] == [(1, "vm2"), (2, "vm1")]
    assert snap.by_index[2].name == "vm1"
    assert snap.vm_number == 2 and snap.table_last_change == 1234
    health = cache.health()[0]
    assert health.up and health.last_success == clock.now and health.reads == 1 and health.failures == 0


def test_table_last_change_follows_rows_only(setup):
    clock, cache, hostfile, backend, poller = setup
    write_host(hostfile, [vm(1)], uptime=100)
    poller.refresh()
    write_host(hostfile, [vm(1, "paused")], uptime=200)  # state change: not a row change
    assert poller.refresh()[0].table_last_change == 100
    write_host(hostfile, [vm(1), vm(2)], uptime=300)
    assert poller.refresh()[0].table_last_change == 300


def test_failed_read_keeps_last_snapshot_which_turns_stale(setup):
    clock, cache, hostfile, backend, poller = setup
    write_host(hostfile, [vm(1)])
    (good,) = poller.refresh()
    hostfile.write_text("garbage")
    clock.now += 10
    with pytest.raises(BackendError):
        poller.refresh()
    assert cache.snapshot("toy1") is good
    health = cache.health()[0]
    assert not health.up and health.failures == 1 and "Expecting value" in health.last_error
    assert not cache.is_stale(good)
    clock.now += 30
    assert cache.is_stale(good)


def test_run_reconnects_after_failures_and_recovers(setup):
    clock, cache, hostfile, backend, poller = setup

    async def scenario():
        task = asyncio.create_task(poller.run())
        await asyncio.sleep(0.3)  # no host file: connect fails repeatedly
        assert not cache.health()[0].up and cache.health()[0].failures >= 2
        write_host(hostfile, [vm(1)])
        for _ in range(100):
            await asyncio.sleep(0.05)
            if cache.health()[0].up:
                break
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(scenario())
    assert cache.health()[0].up
    assert [v.name for v in cache.snapshot("toy1").vms] == ["vm1"]


def test_backoff_grows_and_is_capped(setup):
    *_, poller = setup
    poller.backoff_max = 30
    assert 0.8 <= poller.backoff(1) <= 1.2
    assert 3.2 <= poller.backoff(3) <= 4.8
    assert poller.backoff(20) <= 36


def test_a_broken_listener_does_not_stop_publishing(setup):
    clock, cache, hostfile, backend, poller = setup
    seen = []
    cache.subscribe(lambda s: 1 / 0)
    cache.subscribe(seen.append)
    write_host(hostfile, [vm(1)])
    poller.refresh()
    assert len(seen) == 1


def test_an_unsubscribed_listener_is_not_called(setup):
    clock, cache, hostfile, backend, poller = setup
    seen = []
    cache.subscribe(seen.append)
    write_host(hostfile, [vm(1)])
    poller.refresh()
    cache.unsubscribe(seen.append)
    cache.unsubscribe(print)  # never subscribed: ignored
    poller.refresh()
    assert len(seen) == 1


def test_a_stopped_prometheus_exporter_leaves_no_listener(setup):
    from services import free_port
    from vmwatch_prometheus.plugin import create

    clock, cache, hostfile, backend, poller = setup
    exporter = create({"listen": f"127.0.0.1:{free_port()}"})
    exporter.start(cache)
    assert exporter._prepare in cache._listeners
    exporter.stop()
    assert exporter._prepare not in cache._listeners
