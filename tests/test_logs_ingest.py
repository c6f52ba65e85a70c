"""Ingestion: idempotent, resumable (a real process killed with SIGKILL mid-file), gzip, stdin."""

from __future__ import annotations

import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from vmwatch_loganomaly.errors import StoreError
from vmwatch_loganomaly.ingest import IngestError, IngestOptions, _Lock, ingest
from vmwatch_loganomaly.simulate import SimConfig, write
from vmwatch_loganomaly.store import SCHEMA_VERSION, Store
from vmwatch_loganomaly.templates import MiningConfig

OPTS = IngestOptions(tz="UTC", year=2015, batch_bytes=100_000)
N = 50_000


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("logs") / "fleet.log"
    assert write(SimConfig(seed=3, days=4, hypervisors=8, network_boxes=2, max_lines=N), str(path)) == N
    return path


def summary(store_path: Path) -> tuple:
    with Store.open(store_path, create=False) as s:
        counts = [(t, text, n) for t, text, n, _, _ in s.templates()]
        per_template = list(
            s.db.execute("SELECT template, count(*) FROM event GROUP BY template ORDER BY template")
        )
        return s.totals(), counts, per_template


def test_ingest_twice_counts_once(tmp_path, log):
    db = tmp_path / "s.db"
    first = ingest(db, [str(log)], OPTS)
    again = ingest(db, [str(log)], OPTS)
    assert first[0].lines == N and again[0].lines == 0 and again[0].resumed_at == log.stat().st_size
    totals, counts, per_template = summary(db)
    assert totals["lines"] == totals["events"] == N
    assert [(t, n) for t, _, n in counts] == per_template  # template counts match the events


def test_appended_lines_are_continued(tmp_path, log):
    lines = log.read_text().splitlines(keepends=True)
    part = tmp_path / "growing.log"
    part.write_text("".join(lines[:25_000]))
    db = tmp_path / "s.db"
    ingest(db, [str(part)], OPTS)
    with open(part, "a") as fh:
        fh.write("".join(lines[25_000:]))
    ingest(db, [str(part)], OPTS)
    ref = tmp_path / "ref.db"
    ingest(ref, [str(log)], OPTS)
    assert summary(db) == summary(ref)


def test_gzip_and_renamed_file_recognised(tmp_path, log):
    gz = tmp_path / "fleet.log.1.gz"
    with gzip.open(gz, "wb") as fh:
        fh.write(log.read_bytes())
    db = tmp_path / "s.db"
    ingest(db, [str(log)], OPTS)
    again = ingest(db, [str(gz)], OPTS)  # rotated and compressed: same content, same source
    assert again[0].lines == 0
    assert summary(db)[0]["lines"] == N


def test_stdin_is_idempotent_too(tmp_path, log):
    db = tmp_path / "s.db"
    cmd = [
        sys.executable,
        "-m",
        "vmwatch.cli",
        "logs",
        "ingest",
        "--store",
        str(db),
        "--tz",
        "UTC",
        "--year",
        "2015",
        "-q",
        "-",
    ]
    for _ in range(2):
        with open(log, "rb") as fh:
            proc = subprocess.run(cmd, stdin=fh, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
    assert summary(db)[0]["lines"] == N


def test_malformed_lines_are_counted_and_sampled(tmp_path):
    path = tmp_path / "mixed.log"
    good = "Sep 26 00:00:0{} h prog[1]: hello {}\n"
    path.write_text("".join(good.format(i, i) if i % 3 else f"garbage {i}\n" for i in range(9)) + "\n\n")
    db = tmp_path / "s.db"
    result = ingest(db, [str(path)], IngestOptions(tz="UTC", year=2015, malformed_samples=2))[0]
    assert (result.lines, result.malformed) == (11, 3)  # two blank lines: lines, but not malformed
    with Store.open(db, create=False) as s:
        sample = s.malformed_sample()
        assert [(number, text) for _, number, _, text in sample] == [(1, "garbage 0"), (4, "garbage 3")]
        assert s.totals()["events"] == 6


def test_crlf_and_a_last_line_without_newline(tmp_path):
    path = tmp_path / "crlf.log"
    path.write_bytes(b"Sep 26 00:00:01 h a[1]: one\r\nSep 26 00:00:02 h a[1]: two")
    db = tmp_path / "s.db"
    assert ingest(db, [str(path)], OPTS)[0].lines == 2
    with Store.open(db, create=False) as s:
        examples = [line for tid, *_ in s.templates() for line in s.examples(tid)]
        assert examples == ["Sep 26 00:00:01 h a[1]: one", "Sep 26 00:00:02 h a[1]: two"]


def test_event_rows_keep_the_line_order_across_multi_row_inserts(tmp_path):
    # 650 lines: two full 300-row INSERT statements, then 50 rows one by one.
    path = tmp_path / "many.log"
    path.write_text(
        "".join(f"Sep 26 00:{i // 60 % 60:02d}:{i % 60:02d} h{i % 7} p[1]: n {i}\n" for i in range(650))
    )
    db = tmp_path / "s.db"
    assert ingest(db, [str(path)], OPTS)[0].lines == 650
    with Store.open(db, create=False) as s:
        rows = list(s.db.execute("SELECT ts, host FROM event ORDER BY rowid"))
        hosts = {id_: name for name, id_ in s.hosts().items()}
    start = rows[0][0]
    assert [(ts - start, hosts[host]) for ts, host in rows] == [(i, f"h{i % 7}") for i in range(650)]


def test_killed_mid_file_resumes_with_nothing_lost_or_doubled(tmp_path, log):
    db = tmp_path / "killed.db"
    code = (
        "import sys; from vmwatch_loganomaly.ingest import IngestOptions, ingest; "
        "ingest(sys.argv[1], [sys.argv[2]], IngestOptions(tz='UTC', year=2015, batch_bytes=50_000))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(db), str(log)], stderr=subprocess.PIPE)
    size = log.stat().st_size
    offset = 0
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
                    row = con.execute("SELECT offset FROM source").fetchone()
                offset = row[0] if row else 0
            except sqlite3.Error:
                offset = 0
            if size * 0.2 < offset < size * 0.8:
                break
            time.sleep(0.005)
        assert proc.poll() is None, f"ingest ended before it could be killed: {proc.stderr.read()!r}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    partial = summary(db)[0]["lines"]
    assert 0 < partial < N
    resumed = ingest(db, [str(log)], OPTS)[0]
    assert resumed.resumed_at > 0 and resumed.lines == N - partial
    ref = tmp_path / "ref.db"
    ingest(ref, [str(log)], OPTS)
    assert summary(db) == summary(ref)


def test_one_ingest_at_a_time(tmp_path, log):
    db = tmp_path / "s.db"
    with _Lock(db), pytest.raises(IngestError, match="another"):
        ingest(db, [str(log)], OPTS)


def test_missing_file_is_an_ingest_error(tmp_path):
    with pytest.raises(IngestError, match="cannot open"):
        ingest(tmp_path / "s.db", [str(tmp_path / "nope.log")], OPTS)


def test_store_versions_and_settings_are_checked(tmp_path):
    db = tmp_path / "s.db"
    Store.open(db, MiningConfig(similarity=0.6)).close()
    with pytest.raises(StoreError, match="mining settings"):
        Store.open(db, MiningConfig(similarity=0.7))
    with Store.open(db) as s:
        assert s.mining_config().similarity == 0.6
        s.db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(StoreError, match="newer"):
        Store.open(db)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE x(y)")
    with pytest.raises(StoreError, match="not a vmwatch log store"):
        Store.open(other)
    with pytest.raises(StoreError, match="no such store"):
        Store.open(tmp_path / "missing.db", create=False)
