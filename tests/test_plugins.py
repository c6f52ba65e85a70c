"""Third-party plugins load through the `vmwatch` entry points, like the built-in ones."""

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

import vmwatch.hookspecs
from vmwatch import plugins

TESTS = Path(__file__).parent


def install_toy_distribution(site: Path) -> Path:
    """A real (unpacked) distribution with an entry point, as `pip install` would leave it."""
    site.mkdir(parents=True, exist_ok=True)
    shutil.copy(TESTS / "toy_plugin.py", site / "vmwatch_toy.py")
    info = site / "vmwatch_toy-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vmwatch-toy\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[vmwatch]\ntoy = vmwatch_toy\n")
    return site


def run_vmwatch(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "vmwatch", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


@pytest.fixture
def toy_site(tmp_path):
    return install_toy_distribution(tmp_path / "site")


def test_third_party_backend_is_loaded_and_its_vms_are_seen(toy_site, tmp_path):
    host = tmp_path / "host.json"
    host.write_text(json.dumps({"vms": [{"uuid": str(uuid.UUID(int=42)), "name": "thirdparty-vm", "disks": ["d0"]}]}))
    config = tmp_path / "vmwatch.toml"
    config.write_text(
        f'[vmwatch]\nstate_dir = "{tmp_path / "state"}"\n[[backend]]\nname = "toyhost"\ntype = "toy"\n'
        f'file = "{host}"\n'
    )
    done = run_vmwatch("snapshot", "--config", str(config), "--format", "json", env={"PYTHONPATH": str(toy_site)})
    assert done.returncode == 0, done.stderr
    (snapshot,) = json.loads(done.stdout)
    assert snapshot["name"] == "toyhost" and snapshot["hypervisor"]["software"] == "Toy"
    assert [(vm["index"], vm["name"], vm["uuid"]) for vm in snapshot["vms"]] == [
        (1, "thirdparty-vm", str(uuid.UUID(int=42)))
    ]
    assert snapshot["vms"][0]["storage"][0]["index"] == 1


def test_plugins_command_lists_the_third_party_type(toy_site):
    done = run_vmwatch("plugins", env={"PYTHONPATH": str(toy_site)})
    assert done.returncode == 0, done.stderr
    assert "toy" in done.stdout.split("backend types:")[1].splitlines()[0]


def test_blocked_plugin_is_not_loaded(toy_site, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(toy_site))
    assert "toy" in plugins.backend_types(plugins.make_manager(environ={}))
    pm = plugins.make_manager(environ={"VMWATCH_BLOCK_PLUGINS": "other, toy"})
    assert "toy" not in plugins.backend_types(pm)
    assert pm.is_blocked("toy")


def test_broken_plugin_is_reported_and_the_others_still_load(toy_site, tmp_path, monkeypatch, capsys):
    broken = toy_site / "vmwatch_broken-0.1.dist-info"
    broken.mkdir()
    (broken / "METADATA").write_text("Metadata-Version: 2.1\nName: vmwatch-broken\nVersion: 0.1\n")
    (broken / "entry_points.txt").write_text("[vmwatch]\nbroken = vmwatch_does_not_exist\n")
    monkeypatch.syspath_prepend(str(toy_site))
    pm = plugins.make_manager(environ={})
    assert "toy" in plugins.backend_types(pm)
    assert "broken" in pm.load_errors
    assert "plugin broken" in capsys.readouterr().err


def test_misspelt_hook_is_rejected(monkeypatch):
    import types

    import vmwatch

    bad = types.ModuleType("bad_plugin")

    @vmwatch.hookimpl
    def vmwatch_backend_typez():
        return []

    bad.vmwatch_backend_typez = vmwatch_backend_typez
    with pytest.raises(Exception, match="unknown hook"):
        plugins.make_manager(extra=[bad], environ={})


def test_two_plugins_offering_one_type_is_an_error(monkeypatch):
    import types

    import toy_plugin

    twin = types.ModuleType("twin")
    twin.vmwatch_backend_types = toy_plugin.vmwatch_backend_types
    pm = plugins.make_manager(extra=[toy_plugin, twin], environ={})
    with pytest.raises(plugins.PluginError, match="'toy'"):
        plugins.backend_types(pm)


def test_every_hook_is_documented():
    for name in dir(vmwatch.hookspecs):
        if name.startswith("vmwatch_"):
            doc = getattr(vmwatch.hookspecs, name).__doc__ or ""
            assert len(doc.strip()) > 40, f"hook {name} needs a docstring"


def test_builtin_plugins_come_through_entry_points():
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="vmwatch")}
    assert names.get("libvirt") == "vmwatch_libvirt.plugin"
    assert names.get("prometheus") == "vmwatch_prometheus.plugin"
