"""sdist and wheel build cleanly; the wheel installs into a clean venv, with and without extras.

Built as a user builds (`python -m build`: the sdist first, then the wheel from the sdist, so a
file missing from the sdist breaks the wheel). Non-Python files ship as data files under the
environment's prefix: share/vmwatch/mibs (VM-MIB and its imports) and share/vmwatch/examples.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import vmwatch

ROOT = Path(__file__).resolve().parent.parent
MIBS = ("VM-MIB", "UUID-TC-MIB", "IANA-STORAGE-MEDIA-TYPE-MIB")
EXAMPLES = ("vmwatch.toml", "systemd/vmwatch.service", "prometheus/scrape.yml", "prometheus/alerts.yml",
            "prometheus/federate.yml", "alertmanager/vmwatch-route.yml", "snmpd/vmwatch.conf", "grafana/vmwatch.json",
            "snmp_exporter/snmp.yml", "rsyslog/60-vmwatch.conf")
# The environment's doing, not the project's: PYTHONDONTWRITEBYTECODE turns byte-compiling off.
HARMLESS = ("byte-compiling is disabled",)


def run(*argv, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    done = run(sys.executable, "-m", "build", "--outdir", out, ROOT, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    warnings = [line for line in (done.stdout + done.stderr).splitlines()
                if ("warning" in line.lower() or "deprecat" in line.lower())
                and not any(h in line for h in HARMLESS) and "Location 'file:" not in line]
    assert not warnings, "\n".join(warnings)
    (wheel,) = out.glob("vmwatch-*.whl")
    (sdist,) = out.glob("vmwatch-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


def venv(directory: Path, requirement: str) -> Path:
    """A new virtual environment with only `requirement` (and its dependencies) installed; its bin/."""
    done = run(sys.executable, "-m", "venv", directory)
    assert done.returncode == 0, done.stderr
    done = run(directory / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", requirement,
               timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return directory / "bin"


def test_wheel_and_sdist_carry_mibs_examples_and_compiled_mibs(dist):
    version = vmwatch.__version__
    names = set(zipfile.ZipFile(dist["wheel"]).namelist())
    data = f"vmwatch-{version}.data/data/share/vmwatch"
    assert {f"{data}/mibs/{m}" for m in MIBS} <= names
    assert {f"{data}/examples/{e}" for e in EXAMPLES} <= names
    assert "vmwatch_snmp/compiled/VM-MIB.py" in names
    for package in ("vmwatch", "vmwatch_libvirt", "vmwatch_prometheus", "vmwatch_agentx", "vmwatch_snmp",
                    "vmwatch_notify", "vmwatch_vmware", "vmwatch_virtualbox", "vmwatch_loganomaly"):
        assert f"{package}/__init__.py" in names, package
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]
    members = set(tarfile.open(dist["sdist"]).getnames())
    prefix = f"vmwatch-{version}"
    assert {f"{prefix}/mibs/{m}" for m in MIBS} <= members
    assert {f"{prefix}/packaging/{e}" for e in EXAMPLES} <= members


def test_without_extras(dist, tmp_path):
    bin_dir = venv(tmp_path / "venv", str(dist["wheel"]))
    done = run(bin_dir / "vmwatch", "--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"vmwatch {vmwatch.__version__}"), done.stderr
    done = run(bin_dir / "vmwatch", "plugins")
    assert done.returncode == 0, done.stderr
    assert "backend types: libvirt, virtualbox, vmware" in done.stdout
    assert "exporter types: agentx, eventlog, notifications, prometheus, snmp" in done.stdout
    assert "unavailable: loganomaly" in done.stdout  # numpy is in the logs extra
    # The demo host is libvirt's test driver: without the extra, a clear message, not a traceback.
    done = run(bin_dir / "vmwatch", "snapshot", "--demo")
    assert done.returncode == 2 and "pip install 'vmwatch[libvirt]'" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    mibs = tmp_path / "venv" / "share" / "vmwatch" / "mibs"
    assert sorted(p.name for p in mibs.iterdir()) == sorted(MIBS)


def test_with_the_libvirt_extra_the_demo_runs(dist, tmp_path):
    bin_dir = venv(tmp_path / "venv", f"{dist['wheel']}[libvirt]")
    done = run(bin_dir / "vmwatch", "--version")
    assert done.stdout.strip() == f"vmwatch {vmwatch.__version__}"
    done = run(bin_dir / "vmwatch", "snapshot", "--demo", "--state-dir", tmp_path / "state", "--format", "json",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (snapshot,) = json.loads(done.stdout)
    assert len(snapshot["vms"]) >= 24
    assert {"running", "paused", "shutdown"} <= {vm["oper_state"] for vm in snapshot["vms"]}
