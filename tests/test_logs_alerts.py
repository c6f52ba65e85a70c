"""Log alert rules (packaging/prometheus/logs-alerts.yml) unit-tested with promtool; the metrics
they use are the analyser's. Fails, never skips, without promtool."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from services import require_program
from vmwatch_loganomaly.livemetrics import LiveCollector

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "packaging" / "prometheus" / "logs-alerts.yml"
RULE_TESTS = ROOT / "packaging" / "prometheus" / "logs-alerts_test.yml"


def run(*argv: str, cwd: Path | None = None) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=cwd, check=False)
    assert done.returncode == 0, f"{' '.join(argv)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_rules_are_valid_and_pass_their_unit_tests():
    assert "SUCCESS: 2 rules found" in run(require_program("promtool"), "check", "rules", str(RULES))
    assert "SUCCESS" in run(
        require_program("promtool"), "test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent
    )


def test_every_alert_has_a_unit_test():
    alerts = set(re.findall(r"^\s+- alert: (\w+)", RULES.read_text(), flags=re.MULTILINE))
    tested = set(re.findall(r"alertname: (\w+)", RULE_TESTS.read_text()))
    assert alerts and alerts <= tested, alerts - tested


def test_rules_use_only_metrics_the_analyser_exports():
    exported = set()
    for family in LiveCollector(None).describe():
        suffix = {"counter": "_total", "info": "_info"}.get(family.type, "")
        exported.add(family.name + suffix)
    used = set(re.findall(r"\b(vmwatch_log_\w+)", RULES.read_text()))
    assert used and used <= exported, used - exported


def test_every_live_metric_is_documented():
    docs = (ROOT / "docs" / "metrics.md").read_text()
    exposed = {
        family.name + {"counter": "_total", "info": "_info"}.get(family.type, "")
        for family in LiveCollector(None).describe()
    }
    documented = set(re.findall(r"^\| `(vmwatch_log_\w+)` \|", docs, flags=re.MULTILINE))
    assert exposed == documented
