"""`vmwatch logs ...` end to end through the real command (plugin loaded by its entry point)."""

from __future__ import annotations

import json

import pytest

from vmwatch.cli import main


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    log, truth, db = d / "fleet.log", d / "truth.json", d / "s.db"
    assert main(["logs", "simulate", "--out", str(log), "--truth", str(truth), "--days", "3",
                 "--hypervisors", "6", "--network-boxes", "1", "--seed", "5"]) == 0  # fmt: skip
    assert json.loads(truth.read_text())["incidents"]
    assert main(["logs", "ingest", "--store", str(db), "--tz", "UTC", "--year", "2015", "-q", str(log)]) == 0
    return db


def test_templates_json(store, capsys):
    capsys.readouterr()
    assert (
        main(
            [
                "logs",
                "templates",
                "--store",
                str(store),
                "--format",
                "json",
                "--sort",
                "count",
                "--examples",
                "2",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data[0]["count"] >= data[-1]["count"] and data[0]["examples"]
    assert any(t["template"].startswith("CRON[**]: pam_unix(cron:session): session opened") for t in data)


def test_groups_and_stats(store, capsys):
    capsys.readouterr()
    assert main(["logs", "groups", "--store", str(store), "--format", "json"]) == 0
    groups = json.loads(capsys.readouterr().out)
    assert sum(len(g["templates"]) for g in groups) > len(groups)
    assert main(["logs", "stats", "--store", str(store), "--by", "group", "--format", "json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    snmp = next(s for s in stats if s["template"].startswith("snmpd"))
    assert snmp["periodic"] and abs(snmp["period"] - 300) < 3
    assert main(["logs", "stats", "--store", str(store), "--limit", "5"]) == 0
    assert "period" in capsys.readouterr().out


def test_errors_have_exit_status_2(tmp_path, capsys):
    assert main(["logs", "templates", "--store", str(tmp_path / "none.db")]) == 2
    assert "no such store" in capsys.readouterr().err
    assert (
        main(["logs", "ingest", "--store", str(tmp_path / "x.db"), "--tz", "Mars/Base", "-q", "/dev/null"])
        == 2
    )
    assert (
        main(["logs", "ingest", "--store", str(tmp_path / "y.db"), "-q", str(tmp_path / "missing.log")]) == 1
    )


def test_evaluate_subset(capsys):
    capsys.readouterr()
    code = main(["logs", "evaluate", "--datasets", "Apache,OpenSSH", "--format", "json"])
    if code == 2:
        pytest.skip("loghub data not found")
    rows = json.loads(capsys.readouterr().out)
    assert [r["dataset"] for r in rows] == ["Apache", "OpenSSH"] and rows[0]["ga"] == 1.0
