"""packaging/systemd/vmwatch.service: systemd's own checker accepts it, and it is hardened."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

from services import require_program
from vmwatch.config import default_state_dir

UNIT = Path(__file__).resolve().parent.parent / "packaging" / "systemd" / "vmwatch.service"


def unit_with_local_command(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this checkout's `vmwatch` (verify checks that it exists)."""
    command = shutil.which("vmwatch", path=str(Path(sys.executable).parent))
    assert command, "vmwatch is not installed next to this Python"
    copy = tmp_path / "vmwatch.service"
    copy.write_text(UNIT.read_text().replace("ExecStart=/usr/bin/vmwatch", f"ExecStart={command}"))
    return copy


def directives() -> dict[str, str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(UNIT.read_text())
    return dict(parser["Service"])


def test_systemd_analyze_verify_passes(tmp_path):
    analyze = require_program("systemd-analyze")
    done = subprocess.run([analyze, "verify", str(unit_with_local_command(tmp_path))],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), done.stdout + done.stderr


def test_hardening_and_service_account():
    service = directives()
    expected = {
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
        "User": "vmwatch", "SupplementaryGroups": "libvirt", "StateDirectory": "vmwatch",
        "ConfigurationDirectory": "vmwatch", "ExecReload": "/bin/kill -HUP $MAINPID",
    }
    assert {k: service.get(k) for k in expected} == expected
    # Secrets never on the command line (ps shows it): only the subcommand.
    assert service["ExecStart"] == "/usr/bin/vmwatch serve"


def test_offline_security_score_stays_low(tmp_path):
    analyze = require_program("systemd-analyze")
    done = subprocess.run([analyze, "security", "--offline=yes", "--no-pager", str(unit_with_local_command(tmp_path))],
                          capture_output=True, text=True, timeout=60)
    match = re.search(r"Overall exposure level for vmwatch.service: ([0-9.]+)", done.stdout)
    assert match, done.stdout + done.stderr
    assert float(match.group(1)) <= 4.0, done.stdout  # "OK"; the default for a service is 9.6 "UNSAFE"


def test_state_directory_from_systemd_is_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    assert default_state_dir() == tmp_path / "state"
