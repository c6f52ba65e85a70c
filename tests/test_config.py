
import pytest

from test_plugins import install_toy_distribution, run_vmwatch
from toy_plugin import check as toy_check
from vmwatch import config
from vmwatch.backend import BackendType, ExporterType, Problem

TOY = {"toy": BackendType(name="toy", description="", check=toy_check, create=lambda n, o: None)}
WEB = {
    "web": ExporterType(
        name="web",
        description="",
        check=lambda o: [Problem(k, "unknown key") for k in o if k != "listen"],
        create=lambda o: None,
        enabled_by_default=True,
    )
}


def validate(raw):
    return config.validate(raw, TOY, WEB, {}, source="f.toml")


def test_defaults():
    cfg, problems = validate({})
    assert problems == []
    assert cfg.refresh_interval == 15 and cfg.stale_after == 45 and cfg.backends == ()
    assert [e.name for e in cfg.exporters] == ["web"]  # enabled by default


def test_full_config():
    cfg, problems = validate(
        {
            "vmwatch": {"state_dir": "/tmp/s", "refresh_interval": 5, "log_level": "debug"},
            "backend": [{"name": "kvm1", "type": "toy", "file": "/x"}, {"type": "toy", "file": "/y"}],
            "exporter": {"web": {"enabled": False}},
        }
    )
    assert problems == []
    assert [(b.name, b.type, dict(b.options)) for b in cfg.backends] == [
        ("kvm1", "toy", {"file": "/x"}),
        ("toy1", "toy", {"file": "/y"}),
    ]
    assert cfg.stale_after == 15 and cfg.exporters == ()


def test_every_problem_is_reported_with_its_key():
    cfg, problems = validate(
        {
            "vmwatch": {"refresh_interval": "fast", "colour": "blue", "log_level": "loud"},
            "backend": [{"type": "nope"}, {"type": "toy", "name": "a", "file": 3, "extra": 1}, {"type": "toy", "name": "a", "file": "/z"}],
            "exporter": {"web": {"listen": "x", "port": 1}, "ftp": {}},
            "surprise": 1,
        }
    )
    assert cfg is None
    found = {(p.key, p.reason.split(" (")[0]) for p in problems}
    assert ("surprise", "unknown key") in found
    assert ("vmwatch.colour", "unknown key") in found
    assert ("vmwatch.refresh_interval", "must be a number > 0, not 'fast'") in found
    assert ("vmwatch.log_level", "must be one of debug, info, warning, error, not 'loud'") in found
    assert ("backend[0].type", "unknown backend type 'nope'") in found
    assert ("backend[1].extra", "unknown key") in found
    assert any(k == "backend[1].file" for k, _ in found)
    assert ("backend[2].name", "'a' is used by another backend") in found
    assert ("exporter.web.port", "unknown key") in found
    assert ("exporter.ftp", "unknown exporter") in found


def test_load_attributes_flag_problems_to_the_command_line(tmp_path):
    path = tmp_path / "v.toml"
    path.write_text('[vmwatch]\nlog_level = "loud"\n')

    def flags(raw):
        raw["vmwatch"]["refresh_interval"] = -1

    with pytest.raises(config.ConfigError) as err:
        config.load(path, TOY, WEB, {}, apply_flags=flags)
    assert sorted(err.value.lines) == sorted(
        [
            f"{path}: vmwatch.log_level: must be one of debug, info, warning, error, not 'loud'",
            "command line: vmwatch.refresh_interval: must be a number > 0, not -1",
        ]
    )


def test_malformed_toml_names_the_file_and_position(tmp_path):
    path = tmp_path / "v.toml"
    path.write_text("[vmwatch\nx = 1\n")
    with pytest.raises(config.ConfigError, match=rf"{path}: not valid TOML: .*line 1"):
        config.load(path, TOY, WEB)


# --- through the command, as a user meets it ------------------------------------------------------


def test_version():
    done = run_vmwatch("--version")
    assert done.returncode == 0 and done.stdout.strip() == "vmwatch 0.1.0"


def test_bad_config_exits_2_with_one_line_per_problem_and_starts_nothing(tmp_path):
    site = install_toy_distribution(tmp_path / "site")
    state = tmp_path / "state"
    path = tmp_path / "vmwatch.toml"
    path.write_text(
        f'[vmwatch]\nstate_dir = "{state}"\nrefresh_interval = 0\n'
        '[[backend]]\ntype = "toy"\nfile = "/nonexistent"\nspeed = 9\n'
    )
    done = run_vmwatch("serve", "--config", str(path), env={"PYTHONPATH": str(site)})
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.startswith("vmwatch: ")]
    assert sorted(lines) == sorted(
        [
            f"vmwatch: {path}: vmwatch.refresh_interval: must be a number > 0, not 0",
            f"vmwatch: {path}: backend[0].speed: unknown key",
        ]
    )
    assert not state.exists()  # nothing started


def test_bad_flags_exit_2(tmp_path):
    done = run_vmwatch("serve", "--interval", "-3", "--state-dir", str(tmp_path / "s"))
    assert done.returncode == 2
    assert "vmwatch: command line: vmwatch.refresh_interval: must be a number > 0, not -3.0" in done.stderr
    done = run_vmwatch("serve", "--no-such-flag")
    assert done.returncode == 2 and "unrecognized arguments: --no-such-flag" in done.stderr
    done = run_vmwatch("snapshot", "--format", "xml")
    assert done.returncode == 2 and "invalid choice: 'xml'" in done.stderr


def test_missing_config_file(tmp_path):
    done = run_vmwatch("serve", "--config", str(tmp_path / "absent.toml"))
    assert done.returncode == 2
    assert f"vmwatch: {tmp_path / 'absent.toml'}: cannot read: no such file" in done.stderr


def test_config_from_environment(tmp_path):
    path = tmp_path / "env.toml"
    path.write_text("[vmwatch]\nrefresh_interval = -5\n")
    done = run_vmwatch("snapshot", env={"VMWATCH_CONFIG": str(path)})
    assert done.returncode == 2 and f"{path}: vmwatch.refresh_interval" in done.stderr


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    """`vmwatch snapshot ... | head -1`: no traceback when the reader leaves early."""
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "vmwatch", "snapshot", "--demo", "--format", "json", "--state-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline().strip() == b"["  # far more than a pipe buffer follows
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr


def test_the_packaged_example_config_is_valid():
    from pathlib import Path

    from vmwatch import plugins

    pm = plugins.make_manager(environ={})
    example = Path(__file__).parent.parent / "packaging" / "vmwatch.toml"
    cfg = config.load(
        example, plugins.backend_types(pm), plugins.exporter_types(pm), plugins.analyser_types(pm)
    )
    assert [(b.name, b.type) for b in cfg.backends] == [("kvm01", "libvirt")]
    assert "prometheus" in [e.name for e in cfg.exporters]
