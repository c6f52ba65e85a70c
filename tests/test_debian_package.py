"""scripts/build-deb: the package builds, installs with dpkg, runs, reinstalls and purges cleanly.

This installs a real package on the machine (as the issue asks) and purges it afterwards, also
when an assertion fails. It refuses to touch a `vmwatch` package that is not ours.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from services import require_program

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
MAINTAINER = "vmwatch developers <vmwatch@example.org>"
INSTALLED = ["/usr/bin/vmwatch", "/usr/lib/vmwatch", "/lib/systemd/system/vmwatch.service",
             "/usr/share/snmp/mibs/VM-MIB", "/usr/share/snmp/mibs/UUID-TC-MIB",
             "/usr/share/snmp/mibs/IANA-STORAGE-MEDIA-TYPE-MIB", "/etc/vmwatch/vmwatch.toml",
             "/usr/share/doc/vmwatch/operations.md", "/usr/share/doc/vmwatch/examples/grafana/vmwatch.json"]


def run(*argv, check: bool = True, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kwargs)
    if check:
        assert done.returncode == 0, f"{' '.join(map(str, argv))}\n{done.stdout}\n{done.stderr}"
    return done


def installed_version() -> str | None:
    done = run("dpkg-query", "-W", "-f=${Status} ${Maintainer}", "vmwatch", check=False)
    if done.returncode != 0 or "installed" not in done.stdout.split(" ${")[0]:
        return None
    assert MAINTAINER in done.stdout, f"a vmwatch package that is not ours is installed: {done.stdout}"
    return done.stdout


@pytest.fixture
def deb(tmp_path) -> Path:
    require_program("dpkg-deb")
    done = run(ROOT / "scripts" / "build-deb", tmp_path / "out", env={**os.environ, "PYTHON": sys.executable},
               timeout=600)
    path = Path(done.stdout.strip().splitlines()[-1])
    assert path.exists() and path.name.endswith(".deb")
    return path


def test_build_install_run_purge(deb, tmp_path):
    dpkg = require_program("dpkg")
    if installed_version() is not None:  # left over by an interrupted run
        run(dpkg, "--purge", "vmwatch")
    # A root-run vmwatch (not the package) keeps its state in /var/lib/vmwatch, and purge deletes
    # that directory: keep it aside for the test and put it back afterwards.
    saved = Path(f"/var/lib/vmwatch.saved-by-test-{os.getpid()}")
    if os.path.lexists("/var/lib/vmwatch"):
        os.rename("/var/lib/vmwatch", saved)
    try:
        run(dpkg, "-i", deb)
        for path in INSTALLED:
            assert os.path.lexists(path), path
        assert run("/usr/bin/vmwatch", "--version").stdout.strip().startswith("vmwatch ")

        # The service user and its directories.
        user = pwd.getpwnam("vmwatch")
        assert user.pw_dir == "/var/lib/vmwatch" and user.pw_shell in ("/usr/sbin/nologin", "/bin/false")
        state = os.stat("/var/lib/vmwatch")
        assert (state.st_uid, stat.S_IMODE(state.st_mode)) == (user.pw_uid, 0o750)
        config = os.stat("/etc/vmwatch/vmwatch.toml")
        assert config.st_gid == grp.getgrnam("vmwatch").gr_gid and stat.S_IMODE(config.st_mode) == 0o640
        if any(g.gr_name == "libvirt" for g in grp.getgrall()):
            assert "vmwatch" in grp.getgrnam("libvirt").gr_mem

        # The demo, as the service user, with state in the service's state directory.
        done = run("runuser", "-u", "vmwatch", "--", "/usr/bin/vmwatch", "snapshot", "--demo",
                   "--state-dir", "/var/lib/vmwatch/demo", "--format", "json", cwd="/")
        (snapshot,) = json.loads(done.stdout)
        assert len(snapshot["vms"]) >= 24
        # The installed unit verifies where ExecStart really exists.
        run(require_program("systemd-analyze"), "verify", "/lib/systemd/system/vmwatch.service")
        # net-snmp finds the MIB on its default path.
        plugins = run("/usr/bin/vmwatch", "plugins").stdout
        assert "backend types: libvirt, virtualbox, vmware" in plugins and "snmp" in plugins

        run(dpkg, "-i", deb)  # reinstall (an upgrade's path through the maintainer scripts)
        assert run("/usr/bin/vmwatch", "--version").returncode == 0
    finally:
        try:
            if installed_version() is not None:
                run(dpkg, "--purge", "vmwatch")
        finally:
            purged_state = not os.path.lexists("/var/lib/vmwatch")
            if saved.exists():
                if not purged_state:
                    subprocess.run(["rm", "-rf", "/var/lib/vmwatch"], check=True)
                os.rename(saved, "/var/lib/vmwatch")
    assert purged_state, "left after purge: /var/lib/vmwatch"
    for path in INSTALLED + ["/etc/vmwatch"]:
        assert not os.path.lexists(path), f"left after purge: {path}"
    assert installed_version() is None
