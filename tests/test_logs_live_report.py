"""`vmwatch logs report --live STATE`: the live analyser's window history as one page."""

from __future__ import annotations

import math
import re
import sqlite3
import time
import xml.etree.ElementTree as ET

import pytest
from test_logs_live import analyser, line, send, wait
from vmwatch_loganomaly import livereport
from vmwatch_loganomaly.edges import WindowEdges
from vmwatch_loganomaly.errors import StoreError
from vmwatch_loganomaly.livestore import LiveStore, read_history

from vmwatch.cli import main

SCSI = "sd 3:0:0:1: rejecting I/O to offline device"
PATH = "sdb: path failed, marking as failed"


@pytest.fixture(scope="module")
def state(tmp_path_factory):
    """A live state from the real analyser: SCSI errors and multipath failures in the same bins."""
    tmp = tmp_path_factory.mktemp("live-report")
    a = analyser(tmp, window="2s", max_depth=0)
    a.start(None)
    try:
        start = (math.floor(time.time() / 2.0) + 1) * 2.0  # the next window
        for b in range(20):
            time.sleep(max(0.0, start + b * 0.1 + 0.03 - time.time()))
            batch = [line("kvm01", "ntpd", "kernel time sync status 0 2001")]
            if b in (3, 8, 14):
                batch += [line("kvm01", "kernel", SCSI, pid=0), line("kvm02", "multipathd", PATH)]
            send(a, batch)
        wait(lambda: a.last is not None and a.last.start >= start, timeout=15)
    finally:
        a.stop()
    return tmp / "live.sqlite"


def test_history_has_the_incident_window_with_rare_edges(state):
    h = read_history(state)
    assert h.hosts["kvm01"][0] == 23 and h.hosts["kvm02"][0] == 3
    (incident,) = [w for w in h.windows if w.rare]
    assert incident.edges >= 1 and incident.rare == len(incident.rare_keys)
    texts = {h.group_text()[int(g)] for key in incident.rare_keys for g in key}
    assert any("rejecting I/O" in t for t in texts) and any("path failed" in t for t in texts)


def test_page_shows_counts_rare_edges_and_valid_svg(state, tmp_path, capsys):
    assert main(["logs", "report", "--live", str(state), "--out", str(tmp_path)]) == 0
    assert str(tmp_path / "index.html") in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == [tmp_path / "index.html"]
    page = (tmp_path / "index.html").read_text()
    h = read_history(state)
    for title in ("The latest window&#x27;s causal graph", "Edges per window", "Rare edges per window",
                  "Top rare edges"):  # fmt: skip
        assert f"<h2>{title}</h2>" in page
    assert f"{len(h.windows)} windows computed" in page and "26 lines from 2 hosts" in page
    for w in h.windows:  # every window's counts, in the bars' hover titles
        stamp = livereport._iso(w.start)
        assert f"{stamp}: {w.edges} edges, {w.nodes} nodes" in page
        assert f"{stamp}: {w.rare} rare edges, score {w.score:.1f}" in page
    top = page[page.index("<h2>Top rare edges</h2>") :]
    names = h.group_text()
    for key in {k for w in h.windows for k in w.rare_keys}:
        for node in key:
            assert f"<code>{livereport.esc(names[int(node)])}</code>" in top
    assert "rejecting I/O to offline device" in top and "path failed" in top
    pictures = re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)
    assert len(pictures) >= 3
    for picture in pictures:
        ET.fromstring(picture)  # well-formed XML
    assert not re.search(r'(src|href)="(https?:)?//', page) and "<script" not in page and "<link" not in page


def test_read_only_while_the_analyser_holds_a_write_transaction(tmp_path):
    path = tmp_path / "live.sqlite"
    s = LiveStore(path)
    s.add_counts({(1, 5): 2}, {"h": (2, 0)})
    s.write_window(WindowEdges(0.0, 10.0, (("1", "2", False),)), 2, 0, 0.0, 0.1, [])
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO live_window VALUES (10, 20, 2, 0, 0, 0, 0, '[]')")
    try:
        started = time.monotonic()
        h = read_history(path)
        assert time.monotonic() - started < 1.0
        assert [w.start for w in h.windows] == [0.0]  # the uncommitted window is not seen
        writer.execute("COMMIT")  # the writer is not blocked by the reader either
    finally:
        writer.close()
    assert [w.start for w in read_history(path).windows] == [0.0, 10.0]
    s.close()


def test_a_bad_state_path_is_a_clear_error(tmp_path, capsys):
    missing = tmp_path / "nope.sqlite"
    assert main(["logs", "report", "--live", str(missing), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "no such live state file" in err
    assert not missing.exists() and not (tmp_path / "out").exists()
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database at all\n" * 100)
    assert main(["logs", "report", "--live", str(junk), "--out", str(tmp_path / "out")]) == 2
    assert str(junk) in capsys.readouterr().err
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE event(x)").connection.commit()
    with pytest.raises(StoreError, match="not a vmwatch live state file"):
        read_history(other)


def test_an_empty_state_renders_a_page(tmp_path):
    LiveStore(tmp_path / "live.sqlite").close()
    page = livereport.render(read_history(tmp_path / "live.sqlite"))
    assert "0 windows computed" in page and "No window has closed yet" in page
