"""Secrets come from files (or the environment), and a world-readable secret file is refused
with one line naming the config file, the key, the secret file and the reason."""

from __future__ import annotations

import subprocess
import sys

import pytest

from vmwatch.backend import Problem
from vmwatch.config import read_secret, secret_file_problem


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o400])
def test_private_files_are_read(tmp_path, mode):
    path = tmp_path / "secret"
    path.write_text("  pass phrase \nsecond line ignored\n")
    path.chmod(mode)
    assert read_secret(path, "k") == "pass phrase"


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda p: (p.write_text("x\n"), p.chmod(0o644)), "readable or writable by every user (mode 0644)"),
        (lambda p: (p.write_text("x\n"), p.chmod(0o602)), "readable or writable by every user (mode 0602)"),
        (lambda p: None, "does not exist"),
        (lambda p: p.mkdir(), "is not a regular file"),
        (lambda p: (p.write_text("\n"), p.chmod(0o600)), "is empty"),
        (lambda p: (p.write_bytes(b"\xff\xfe\n"), p.chmod(0o600)), "is not UTF-8 text"),
    ],
)
def test_unusable_files_are_problems_naming_key_file_and_reason(tmp_path, setup, reason):
    path = tmp_path / "secret"
    setup(path)
    problem = read_secret(path, "backend[0].password_file")
    assert isinstance(problem, Problem) and problem.key == "backend[0].password_file"
    assert str(path) in problem.reason and reason in problem.reason


def test_group_readable_is_fine_for_the_service_group(tmp_path):
    path = tmp_path / "secret"
    path.write_text("x\n")
    path.chmod(0o640)
    assert secret_file_problem(path, "k") is None


def test_the_cli_refuses_a_world_readable_password_file(tmp_path):
    secret = tmp_path / "vc.password"
    secret.write_text("hunter2\n")
    secret.chmod(0o644)
    config = tmp_path / "vmwatch.toml"
    config.write_text(f'[[backend]]\ntype = "vmware"\nhost = "vc"\nuser = "mon"\npassword_file = "{secret}"\n')
    done = subprocess.run([sys.executable, "-m", "vmwatch", "snapshot", "--config", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert (f"vmwatch: {config}: backend[0].password_file: secret file {secret} is readable or writable by every "
            f"user (mode 0644); refusing to use it: chmod o-rwx {secret}") in done.stderr
    assert "hunter2" not in done.stderr + done.stdout


def test_a_world_readable_basic_auth_file_is_refused(tmp_path):
    from vmwatch_prometheus.plugin import check

    web = tmp_path / "web.yml"
    web.write_text("basic_auth_users:\n  prometheus: $2y$10$abcdefghijklmnopqrstuuJ1y0WnFyD1cCJfWQ6bH0XK2zqJ7nH9S\n")
    web.chmod(0o644)
    (problem,) = check({"web_config_file": str(web)})
    assert problem.key == "web_config_file" and "every user" in problem.reason


def test_no_secret_flag_on_the_command_line():
    """Nothing in `vmwatch serve --help` takes a password or key as an argument."""
    done = subprocess.run([sys.executable, "-m", "vmwatch", "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    flags = [word for word in done.stdout.split() if word.startswith("--")]
    assert not [f for f in flags if any(s in f for s in ("password", "passwd", "secret", "auth-key", "priv-key"))], flags


def test_inline_secrets_need_a_private_config_file(tmp_path):
    config = tmp_path / "vmwatch.toml"
    config.write_text('[exporter.snmp]\nenabled = false\n[[exporter.snmp.users]]\nname = "u"\n'
                      'auth_key = "long-enough-phrase"\npriv_protocol = "none"\n')
    config.chmod(0o644)
    done = subprocess.run([sys.executable, "-m", "vmwatch", "snapshot", "--config", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert (f"{config}: exporter.snmp.users[0].auth_key: a secret written in a file every user can read "
            f"(mode 0644): use auth_key_file, or chmod o-rwx {config}") in done.stderr
    assert "long-enough-phrase" not in done.stderr
    config.chmod(0o640)
    from vmwatch import config as cfg

    assert cfg.inline_secret_problems(cfg.read_file(config), config) == []
