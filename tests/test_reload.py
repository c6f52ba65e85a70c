"""SIGHUP reload: a real `vmwatch serve --demo` re-reads its config, keeps snapshots and indexes."""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from services import Service, free_port, wait_for
from vmwatch.config import BackendConfig, Config, PluginConfig
from vmwatch.reload import plan

pytestmark = pytest.mark.integration


def scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def vm_indexes(body: str) -> dict[str, str]:
    """vm_uuid → vm_index from the vmwatch_vm_info samples."""
    out = {}
    for line in body.splitlines():
        if line.startswith("vmwatch_vm_info{"):
            labels = dict(part.split("=", 1) for part in line[line.index("{") + 1 : line.rindex("}")].split('",'))
            out[labels["vm_uuid"].strip('"')] = labels["vm_index"].strip('"')
    return out


def reads(body: str) -> float:
    for line in body.splitlines():
        if line.startswith("vmwatch_backend_reads_total{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError("no vmwatch_backend_reads_total")


def write_config(path: Path, state: Path, port: int, interval: object) -> None:
    path.write_text(
        f'[vmwatch]\nstate_dir = "{state}"\nrefresh_interval = {interval}\n'
        f'[exporter.prometheus]\nlisten = "127.0.0.1:{port}"\n'
    )


def refused(url: str) -> bool:
    try:
        scrape(url)
    except (urllib.error.URLError, ConnectionError):
        return True
    return False


def test_sighup_applies_a_good_config_and_keeps_running_on_a_bad_one(tmp_path):
    config, state = tmp_path / "vmwatch.toml", tmp_path / "state"
    first, second = free_port(), free_port()
    write_config(config, state, first, 0.5)
    vmwatch = Service(
        "vmwatch", [sys.executable, "-m", "vmwatch", "serve", "--demo", "--config", str(config)], tmp_path / "vmwatch.log"
    ).start()
    try:
        url1, url2 = f"http://127.0.0.1:{first}/metrics", f"http://127.0.0.1:{second}/metrics"
        wait_for(lambda: len(vm_indexes(scrape(url1))) >= 24, 60, "demo up", vmwatch)
        wait_for(lambda: reads(scrape(url1)) >= 3, 10, "a few reads", vmwatch)
        before = vm_indexes(scrape(url1))
        reads_before = reads(scrape(url1))

        # A good config: new listen address, slower refresh.
        write_config(config, state, second, 30)
        os.kill(vmwatch.pid, signal.SIGHUP)
        wait_for(lambda: not refused(url2), 15, "new listen address", vmwatch)
        body = scrape(url2)
        assert vm_indexes(body) == before  # same vmIndex for every VM: indexes kept
        assert reads(body) >= reads_before  # same poller state: the counter did not restart
        wait_for(lambda: refused(url1), 5, "old address closed", vmwatch)
        log = (tmp_path / "vmwatch.log").read_text()
        assert "reload: vmwatch.refresh_interval: 0.5 → 30.0" in log
        assert "reload: prometheus: options changed, restarting" in log
        # 30 s between reads now: no more than the one read asked for right after the reload.
        settled = reads(scrape(url2))
        time.sleep(2)  # at 0.5 s, four more reads would have happened
        assert reads(scrape(url2)) <= settled + 1

        # A bad config: every problem logged, the old config stays.
        config.write_text('[vmwatch]\nrefresh_interval = "fast"\nbogus = 1\n[exporter.prometheus]\nlisten = 7\n')
        os.kill(vmwatch.pid, signal.SIGHUP)
        wait_for(lambda: "still running with the previous" in (tmp_path / "vmwatch.log").read_text(), 10, "refusal", vmwatch)
        log = (tmp_path / "vmwatch.log").read_text()
        assert "vmwatch.refresh_interval: must be a number > 0, not 'fast'" in log
        assert "vmwatch.bogus: unknown key" in log
        assert "exporter.prometheus.listen" in log
        assert vm_indexes(scrape(url2)) == before and vmwatch.alive()
    finally:
        vmwatch.stop()
    assert vmwatch.proc.returncode == 0, vmwatch.describe()


def test_plan_says_what_changed():
    old = Config(source="f", state_dir=Path("/a"), exporters=(PluginConfig("prometheus", {"listen": ":1"}),))
    new = Config(
        source="f",
        state_dir=Path("/b"),
        refresh_interval=5.0,
        exporters=(PluginConfig("prometheus", {"listen": ":2"}),),
        analysers=(PluginConfig("loganomaly", {}),),
    )
    a, b = BackendConfig("a", "toy", {"file": "x"}), BackendConfig("b", "toy", {"file": "y"})
    change = plan(old, new, (a, b), (BackendConfig("a", "toy", {"file": "z"}), BackendConfig("c", "toy", {})))
    assert change.core == {"refresh_interval": (15.0, 5.0)}
    assert change.restart_needed == ["state_dir"]
    assert [x.name for x in change.backends_changed] == ["a"]
    assert [x.name for x in change.backends_added] == ["c"]
    assert change.backends_removed == ["b"]
    assert [p.name for p in change.plugins_restarted] == ["prometheus"]
    assert [p.name for p in change.plugins_started] == ["loganomaly"]
    assert plan(old, old, (a,), (a,)).empty()


def test_a_changed_backend_reconnects_and_keeps_its_indexes(tmp_path):
    import asyncio

    import toy_plugin
    from vmwatch import plugins, service

    vms = [{"uuid": f"00000000-0000-0000-0000-00000000000{i}", "name": f"vm{i}"} for i in range(1, 4)]
    toy_plugin.write_host(tmp_path / "a.json", vms)
    toy_plugin.write_host(tmp_path / "b.json", list(reversed(vms)))  # same VMs, other order
    pm = plugins.make_manager(extra=[toy_plugin])
    old = Config(source="", state_dir=tmp_path / "s", refresh_interval=0.1,
                 backends=(BackendConfig("lab", "toy", {"file": str(tmp_path / "a.json")}),))
    new = Config(source="", state_dir=tmp_path / "s", refresh_interval=0.1,
                 backends=(BackendConfig("lab", "toy", {"file": str(tmp_path / "b.json")}),))
    runtime = service.build(old, pm)

    def indexes() -> dict[str, int]:
        return {vm.name: vm.index for vm in runtime.cache.snapshot("lab").vms}

    async def scenario() -> tuple[dict, dict, object]:
        service.start_poller(runtime, runtime.pollers[0])
        while runtime.cache.snapshot("lab") is None:
            await asyncio.sleep(0.02)
        before = indexes()
        first = runtime.pollers[0]
        await service.apply_reload(runtime, new, pm)
        while runtime.pollers[0].health.reads == 0:
            await asyncio.sleep(0.02)
        after = indexes()
        for task in runtime.tasks.values():
            task.cancel()
        await asyncio.gather(*runtime.tasks.values(), return_exceptions=True)
        return before, after, first

    before, after, first = asyncio.run(scenario())
    assert runtime.pollers[0] is not first and runtime.pollers[0].backend.file == tmp_path / "b.json"
    assert after == before == {"vm1": 1, "vm2": 2, "vm3": 3}


class Recorder:
    """An exporter that records its lifecycle; `consumer=True` also takes the others' list."""

    instances: list = []

    def __init__(self, name: str, options):
        self.name, self.options, self.calls = name, dict(options), []
        Recorder.instances.append(self)

    def start(self, cache) -> None:
        self.calls.append("start")

    def stop(self) -> None:
        self.calls.append("stop")


class Consumer(Recorder):
    def use_exporters(self, exporters) -> None:
        self.calls.append(("use", sorted(name for name, _ in exporters)))


class RecorderPlugin:
    import vmwatch as _vmwatch

    @_vmwatch.hookimpl
    def vmwatch_exporter_types(self):
        from vmwatch.backend import ExporterType

        return [
            ExporterType("consumer", "uses the others", lambda o: [], lambda o: Consumer("consumer", o)),
            ExporterType("other", "a plain exporter", lambda o: [], lambda o: Recorder("other", o)),
        ]


def test_a_consumer_gets_the_new_exporter_list_once_in_a_fresh_instance(tmp_path):
    """Changing one exporter restarts the exporters that use the others (notifications), so none
    is handed a second list (which would start a second notifier)."""
    import asyncio

    import toy_plugin
    from vmwatch import plugins, service

    toy_plugin.write_host(tmp_path / "a.json", [])
    pm = plugins.make_manager(extra=[toy_plugin, RecorderPlugin()], environ={"VMWATCH_BLOCK_PLUGINS": "notifications"})
    backend = (BackendConfig("lab", "toy", {"file": str(tmp_path / "a.json")}),)
    kinds = {"consumer": PluginConfig("consumer", {}), "other": PluginConfig("other", {"x": 1})}
    old = Config(source="", state_dir=tmp_path / "s", backends=backend, exporters=tuple(kinds.values()))
    new = Config(source="", state_dir=tmp_path / "s", backends=backend,
                 exporters=(kinds["consumer"], PluginConfig("other", {"x": 2})))
    Recorder.instances.clear()
    runtime = service.build(old, pm)
    service.start_exporters(runtime, old, pm, only=list(kinds.values()))
    first_consumer, first_other = Recorder.instances
    asyncio.run(service.apply_reload(runtime, new, pm))
    consumers = [r for r in Recorder.instances if r.name == "consumer"]
    others = [r for r in Recorder.instances if r.name == "other"]
    assert len(consumers) == 2 and len(others) == 2
    assert first_consumer.calls == ["start", ("use", ["consumer", "other"]), "stop"]
    assert first_other.calls == ["start", "stop"]
    assert consumers[1].calls == ["start", ("use", ["consumer", "other"])]  # once, in a fresh instance
    assert others[1].options == {"x": 2}
    assert sorted(name for name, _ in runtime.exporters) == ["consumer", "other"]
    service.stop_exporters(runtime)
