"""Alert rules (packaging/prometheus/alerts.yml) unit-tested with promtool, and the Alertmanager
route example checked and routed with amtool. Fails, never skips, without promtool or amtool."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from services import require_program

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "packaging" / "prometheus" / "alerts.yml"
RULE_TESTS = ROOT / "packaging" / "prometheus" / "alerts_test.yml"
ROUTES = ROOT / "packaging" / "alertmanager" / "vmwatch-route.yml"


def run(*argv: str, cwd: Path | None = None) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=cwd, check=False)
    assert done.returncode == 0, f"{' '.join(argv)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_rules_are_valid():
    assert "SUCCESS: 8 rules found" in run(require_program("promtool"), "check", "rules", str(RULES))


def test_rules_pass_their_unit_tests():
    assert "SUCCESS" in run(require_program("promtool"), "test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)


def test_every_alert_has_a_unit_test():
    alerts = set(re.findall(r"^\s+- alert: (\w+)", RULES.read_text(), flags=re.MULTILINE))
    tested = set(re.findall(r"alertname: (\w+)", RULE_TESTS.read_text()))
    assert alerts and alerts <= tested, alerts - tested


def test_alert_rules_use_only_metrics_vmwatch_exports():
    from vmwatch_prometheus.collector import ALL_SPECS

    exported = {spec.exposed for spec in ALL_SPECS} | {"up"}
    used = set(re.findall(r"\b(vmwatch_\w+|up)\{?", RULES.read_text()))
    assert used <= exported, used - exported


def test_alertmanager_route_example_is_valid():
    assert "SUCCESS" in run(require_program("amtool"), "check-config", str(ROUTES))


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["alertname=VMCrashed", "severity=critical"], "vm-oncall"),
        (["alertname=VMLeftRunningUnexpectedly", "severity=warning"], "vm-owners"),
        (["alertname=VmwatchBackendDown", "severity=critical"], "monitoring"),
        (["alertname=SomethingElse"], "default"),
    ],
)
def test_alerts_are_routed(labels, receiver):
    out = run(require_program("amtool"), "config", "routes", "test", f"--config.file={ROUTES}", *labels)
    assert out.splitlines()[0].strip() == receiver
