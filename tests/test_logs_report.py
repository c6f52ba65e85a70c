"""The report and the `vmwatch logs windows|edges|rare|report` commands, end to end on a simulated fleet."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from log_fleet import ingested
from vmwatch_loganomaly import report, svg
from vmwatch_loganomaly.store import Store

from vmwatch.cli import main


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    db, _, truth = ingested(tmp_path_factory.mktemp("report"))
    for length in ("1d", "2h"):
        assert main(["logs", "windows", "--store", str(db), "--length", length, "--workers", "0", "-q"]) == 0
    return db, truth


def test_windows_lists_and_shows_decisions(fleet, capsys):
    db, _ = fleet
    capsys.readouterr()
    assert main(["logs", "windows", "--store", str(db), "--format", "json", "--workers", "0"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["computed"] == 0 and len(out["windows"]) == 8  # already computed by the fixture
    assert main(["logs", "windows", "--store", str(db), "--workers", "0", "--show", "2015-09-26"]) == 0
    text = capsys.readouterr().out
    assert "dropped  periodic" in text and "snmpd" in text  # why the 5-minute poll is not a node
    assert main(["logs", "windows", "--store", str(db), "--workers", "0", "--show", "2015-09-26T01:00"]) == 2


def test_edges_and_rare_with_truth(fleet, capsys):
    db, truth = fleet
    capsys.readouterr()
    assert main(["logs", "edges", "--store", str(db), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["windows"] == 8 and data["rare_share"] >= 0.8 and data["cdf"][-1][1] == 1.0
    assert main(["logs", "rare", "--store", str(db), "--length", "2h", "--truth", str(truth), "--format", "json",
                 "--top", "3"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert data["evaluation"]["ranks"]["power_loss"] == 1
    assert len(data["top"]) == 3 and all(
        len(e["ends"]) == 2 and e["ends"][0]["examples"] for e in data["top"]
    )
    assert main(["logs", "rare", "--store", str(db), "--truth", str(truth), "--days", "1"]) == 0
    assert "precision" in capsys.readouterr().out
    power_day = "2015-09-26"  # seed 1: the power loss is on the first evening
    assert main(["logs", "rare", "--store", str(db), "--window", power_day, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["top"] and all(e["window"] == "2015-09-26T00:00:00Z" for e in data["top"])
    assert main(["logs", "rare", "--store", str(db), "--window", "2015-09-26T05:00"]) == 2
    capsys.readouterr()
    assert main(["logs", "rare", "--store", str(db), "--length", "6h"]) == 2  # not computed: says how
    assert "vmwatch logs windows" in capsys.readouterr().err


def test_report_is_one_self_contained_page_with_the_views(fleet, tmp_path, capsys):
    db, truth = fleet
    assert main(["logs", "report", "--store", str(db), "--out", str(tmp_path), "--truth", str(truth)]) == 0
    page = (tmp_path / "index.html").read_text()
    assert list(tmp_path.iterdir()) == [tmp_path / "index.html"]
    for title in ("Inter-arrival times per template", "Per-template timelines", "A window&#x27;s causal graph",
                  "Edges per window", "CDF of edge-days", "Rare edges per window", "Top rare edges"):  # fmt: skip
        assert f"<h2>{title}</h2>" in page
    assert "1d windows" in page and "2h windows" in page and "power_loss" in page
    assert page.count("<svg") >= 8
    # self-contained: no external resource, no script
    assert not re.search(r'(src|href)="(https?:)?//', page) and "<script" not in page and "<link" not in page
    assert "stopped unexpectedly" in page  # an example line behind a power-loss edge
    assert "<th>its rare edges</th>" in page  # the peaks (here of the 2-hour windows) with their edges


def test_graph_without_graphviz_falls_back_to_a_circle(fleet, monkeypatch):
    db, _ = fleet
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with Store.open(db, create=False) as store:
        page = report.render(store)
    assert "circle layout" in page


def test_svg_escapes_labels():
    chart = svg.time_bars([(0.0, 86400.0, 3, "<b>&")], [(0.0, 10.0, "x<y")], [0])
    assert "&lt;b&gt;&amp;" in chart and "x&lt;y" in chart and svg.RED in chart
    assert "no windows" in svg.time_bars([])
