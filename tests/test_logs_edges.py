"""Edge history, CDF of edge-days, rare edges, TF-IDF scores and peak detection (pure)."""

from __future__ import annotations

import math

import pytest
from vmwatch_loganomaly import edges, incidents
from vmwatch_loganomaly.edges import DAY, WindowEdges

common = ("1", "2", False)


def day(d: int, *extra) -> WindowEdges:
    return WindowEdges(d * DAY, (d + 1) * DAY, (common, *extra))


def test_key_ignores_hosts_and_direction_unless_per_host():
    assert edges.edge_key("40@b", "12@a") == ("12", "40")
    assert edges.edge_key("12", "40") == edges.edge_key("40", "12")
    assert edges.edge_key("40@b", "12@a", per_host=True) == ("12@a", "40@b")
    assert edges.edge_key("9", "10") == ("9", "10")  # numeric order, not text order


def test_history_counts_windows_days_first_last():
    ws = [day(0), day(1, ("3", "4", True)), day(2), day(3, ("4", "3", False), ("5@h", "3@g", True))]
    hist = edges.history(ws)
    assert hist[("1", "2")].df == 4 and hist[("1", "2")].days == 4
    rare = hist[("3", "4")]
    assert rare.windows == (1, 3) and rare.days == 2 and rare.directed_windows == 1
    assert rare.first == DAY and rare.last == 4 * DAY
    assert ("3", "5") in hist  # hosts dropped


def test_days_count_distinct_days_for_short_windows():
    two_hours = [WindowEdges(k * 7200, (k + 1) * 7200, (common,)) for k in range(24)]
    assert edges.history(two_hours)[("1", "2")].days == 2 and edges.history(two_hours)[("1", "2")].df == 24


def test_cdf_and_threshold_by_coverage():
    ws = [day(d) for d in range(10)]
    for d, extra in [
        (0, ("3", "4", False)),
        (1, ("5", "6", False)),
        (2, ("5", "6", False)),
        (3, ("7", "8", False)),
    ]:
        ws[d] = day(d, extra)
    hist = edges.history(ws)  # days: 1 (3-4), 1 (7-8), 2 (5-6), 10 (1-2)
    assert edges.edge_days_cdf(hist) == [(1, 0.5), (2, 0.75), (10, 1.0)]
    assert edges.rare_threshold(hist, 0.5) == 1
    assert edges.rare_threshold(hist, 0.75) == 2
    assert edges.rare_threshold(hist, 0.8) == 10
    assert edges.share_at_most(hist, 5) == 0.75
    with pytest.raises(ValueError):
        edges.rare_threshold(hist, 0)


def test_tfidf_is_logdags_smoothed_idf():
    assert edges.idf(1, 9) == pytest.approx(math.log(10 / 2) + 1)
    assert edges.idf(9, 9) == 1.0


def test_window_scores_count_rare_edges():
    ws = [day(d) for d in range(6)]
    ws[4] = day(4, ("3", "4", False), ("5@x", "6@y", True), ("6@z", "5@w", False))
    hist = edges.history(ws)
    scores = edges.score_windows(ws, hist, threshold=1)
    assert [s.rare for s in scores] == [0, 0, 0, 0, 2, 0]
    assert scores[4].rare_keys == (("3", "4"), ("5", "6")) and scores[4].edges == 3
    assert scores[0].score == pytest.approx(0.0)  # the everyday edge adds nothing
    assert scores[4].score == pytest.approx(2 * math.log(7 / 2))
    top = edges.rare_edges(hist, 1, len(ws))
    assert [h.key for h, _ in top] == [("3", "4"), ("5", "6")]


def test_peaks_and_evaluation():
    scores = [
        edges.WindowScore(d * DAY, (d + 1) * DAY, 5, r, float(r), ())
        for d, r in enumerate([1, 0, 1, 9, 1, 2, 6])
    ]
    flagged = incidents.peaks(scores, k=3)
    assert flagged == [3, 6]
    truth = [
        incidents.Incident("power_loss", 3.5 * DAY, 3.6 * DAY),
        incidents.Incident("other", 5.1 * DAY, 5.2 * DAY),
    ]
    ev = incidents.evaluate(scores, truth, flagged)
    assert ev.precision == 0.5 and ev.recall == 0.5 and ev.ranks == {"power_loss": 1, "other": 3}


def test_truth_file(tmp_path):
    p = tmp_path / "t.json"
    p.write_text(
        '{"incidents": [{"kind": "power_loss", "start": "2015-09-27T14:02:03+00:00", "end": "2015-09-27T16:00:00"}]}'
    )
    (inc,) = incidents.load_truth(p)
    assert inc.kind == "power_loss" and inc.end - inc.start == pytest.approx(7077)
    p.write_text("nope")
    with pytest.raises(incidents.LogAnomalyError):
        incidents.load_truth(p)
