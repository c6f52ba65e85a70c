"""Ground truth and detection: which windows are rare-edge peaks, and do they match the incidents (pure).

- `load_truth`: the simulator's `--truth` JSON (or any file with `incidents: [{kind, start, end}]`,
  ISO 8601 times) → incidents.
- `peaks`: windows whose rare-edge count stands out: at least `min_rare` (2) and at or above
  median + k × max(1.4826 × MAD, 0.5) (k = 2) of all windows' counts (a robust "far above the usual day").
- `evaluate`: precision = flagged windows that overlap an incident / flagged windows; recall =
  incidents overlapped by at least one flagged window / incidents; plus the rank of each incident's
  best window (1 = the top peak).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from vmwatch_loganomaly.edges import WindowScore
from vmwatch_loganomaly.errors import LogAnomalyError


@dataclasses.dataclass(frozen=True)
class Incident:
    kind: str
    start: float
    end: float
    description: str = ""

    def overlaps(self, start: float, end: float) -> bool:
        return self.start < end and start < self.end


def _epoch(text: str) -> float:
    t = dt.datetime.fromisoformat(text)
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).timestamp()


def parse_truth(data: dict) -> list[Incident]:
    return [
        Incident(i["kind"], _epoch(i["start"]), _epoch(i["end"]), i.get("description", ""))
        for i in data.get("incidents", [])
    ]


def load_truth(path: str | Path) -> list[Incident]:
    """Incidents from a ground-truth JSON file (`vmwatch logs simulate --truth`)."""
    try:
        return parse_truth(json.loads(Path(path).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LogAnomalyError(f"{path}: not a ground-truth file ({exc})") from None


def peaks(scores: Sequence[WindowScore], k: float = 2.0, min_rare: int = 2) -> list[int]:
    """Indices of the windows whose rare-edge count is a peak (see the module docstring)."""
    if not scores:
        return []
    rare = np.array([s.rare for s in scores], dtype=float)
    median = float(np.median(rare))
    mad = float(np.median(np.abs(rare - median)))
    limit = max(median + k * max(1.4826 * mad, 0.5), min_rare - 1e-9)
    return [i for i, r in enumerate(rare) if r >= limit]


@dataclasses.dataclass(frozen=True)
class Evaluation:
    flagged: int
    true_positive: int  # flagged windows overlapping an incident
    precision: float
    recall: float  # share of incidents with a flagged window
    incident_windows: int  # windows overlapping an incident
    ranks: dict[str, int]  # incident kind → rank of its best window by rare count (1 = top)


def evaluate(
    scores: Sequence[WindowScore], incidents: Sequence[Incident], flagged: Sequence[int]
) -> Evaluation:
    """Precision and recall of the flagged windows against the incidents."""
    hit = [i for i in flagged if any(inc.overlaps(scores[i].start, scores[i].end) for inc in incidents)]
    found = [inc for inc in incidents if any(inc.overlaps(scores[i].start, scores[i].end) for i in flagged)]
    order = sorted(range(len(scores)), key=lambda i: (-scores[i].rare, -scores[i].score, i))
    rank_of = {i: r + 1 for r, i in enumerate(order)}
    ranks = {}
    for inc in incidents:
        mine = [rank_of[i] for i, s in enumerate(scores) if inc.overlaps(s.start, s.end)]
        if mine:
            ranks[inc.kind] = min(mine)
    overlapping = sum(any(inc.overlaps(s.start, s.end) for inc in incidents) for s in scores)
    return Evaluation(
        len(flagged),
        len(hit),
        len(hit) / len(flagged) if flagged else 0.0,
        len(found) / len(incidents) if incidents else 0.0,
        overlapping,
        ranks,
    )
