"""A small simulated fleet for the log-analysis tests: 12 hypervisors, 2 network boxes, 8 days.

Seed 1 puts the power loss on the first day's evening, the storage failure on day 5 and the ssh
brute force across the night of day 7.
"""

from __future__ import annotations

from pathlib import Path

from vmwatch_loganomaly import simulate
from vmwatch_loganomaly.ingest import IngestOptions, ingest

CONFIG = simulate.SimConfig(seed=1, days=8, hypervisors=12, network_boxes=2)
OPTIONS = IngestOptions(tz="UTC", year=2015)


def write_fleet(folder: Path) -> tuple[Path, Path]:
    """(log, truth) files of the fleet."""
    log, truth = folder / "fleet.log", folder / "truth.json"
    simulate.write(CONFIG, str(log), str(truth))
    return log, truth


def ingested(folder: Path, days: int | None = None) -> tuple[Path, Path, Path]:
    """(store, log, truth): the fleet ingested (only its first `days` days when given)."""
    log, truth = write_fleet(folder)
    db = folder / "logs.db"
    if days is None:
        ingest(db, [str(log)], OPTIONS)
    else:
        ingest(db, [str(first_days(log, folder / "part.log", days))], OPTIONS)
    return db, log, truth


def first_days(log: Path, out: Path, days: int) -> Path:
    """The lines of the first `days` days of the fleet's log (RFC 3164 day-of-month field)."""
    first = CONFIG.t0
    import datetime as dt

    stop = dt.datetime.fromtimestamp(first + days * 86400, dt.UTC)
    marker = f"{stop:%b} {stop.day:>2} "
    lines = log.read_text().splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if line.startswith(marker))
    out.write_text("".join(lines[:cut]))
    return out
