"""Template groups: similar templates merged by word 3-gram overlap and word edit distance (pure).

The study's step from 1147 templates to 531 groups, after amulog's SHISO adjustment:
1. each template's word n-grams (n = 3);
2. candidates: earlier templates whose n-gram overlap `2·shared / (|A| + |B|)` exceeds
   `ngram_threshold` (0.3);
3. the candidate with the smallest normalised word edit distance `2·ED / (len A + len B)` is
   joined when that distance is below `distance_threshold` (0.85); otherwise a new group starts.

Two bugs of the reference code are fixed: it dropped each template's last n-gram, and it divided
the shared count by the wrong n-gram count. Here every n-gram is kept (a template shorter than n
words is one n-gram) and each side's own n-gram count is used.

Deterministic: templates are taken in id order, ties go to the lowest template id, and a group's
id is the id of its first (lowest) template, so adding templates never renumbers old groups.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence

from vmwatch_loganomaly.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class GroupConfig:
    """Grouping thresholds (the study's values by default)."""

    n: int = 3
    ngram_threshold: float = 0.3
    distance_threshold: float = 0.85

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ConfigError(f"n-gram size must be at least 1, not {self.n}")
        if not 0.0 <= self.ngram_threshold <= 1.0:
            raise ConfigError(f"n-gram threshold must be in [0, 1], not {self.ngram_threshold}")
        if not 0.0 < self.distance_threshold <= 2.0:
            raise ConfigError(f"distance threshold must be in (0, 2], not {self.distance_threshold}")


def ngrams(words: Sequence[str], n: int = 3) -> frozenset[tuple[str, ...]]:
    """Every word n-gram of a template, the last one included; fewer than n words: one n-gram."""
    if len(words) < n:
        return frozenset([tuple(words)])
    return frozenset(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def overlap(a: frozenset, b: frozenset) -> float:
    """Dice coefficient `2·|A∩B| / (|A| + |B|)` of two n-gram sets."""
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b))


def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Levenshtein distance between two word sequences (insert, delete, substitute: 1 each)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, wa in enumerate(a, start=1):
        current = [i]
        for j, wb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (wa != wb)))
        previous = current
    return previous[-1]


def distance(a: Sequence[str], b: Sequence[str]) -> float:
    """Normalised word edit distance `2·ED / (len a + len b)` (0 = equal)."""
    if not a and not b:
        return 0.0
    return 2 * edit_distance(a, b) / (len(a) + len(b))


def group_templates(templates: Mapping[int, str], config: GroupConfig = GroupConfig()) -> dict[int, int]:
    """template id → group id for every template (see the module docstring)."""
    group_of: dict[int, int] = {}
    words: dict[int, list[str]] = {}
    grams: dict[int, frozenset] = {}
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for tid in sorted(templates):
        w = templates[tid].split()
        g = ngrams(w, config.n)
        shared: dict[int, int] = defaultdict(int)
        for gram in g:
            for other in index[gram]:
                shared[other] += 1
        best: tuple[float, int] | None = None
        for other, count in shared.items():
            if 2 * count / (len(g) + len(grams[other])) <= config.ngram_threshold:
                continue
            candidate = (distance(w, words[other]), other)
            if best is None or candidate < best:
                best = candidate
        if best is not None and best[0] < config.distance_threshold:
            group_of[tid] = group_of[best[1]]
        else:
            group_of[tid] = tid
        words[tid], grams[tid] = w, g
        for gram in g:
            index[gram].append(tid)
    return group_of


def members(group_of: Mapping[int, int]) -> dict[int, list[int]]:
    """group id → its template ids, ascending."""
    out: dict[int, list[int]] = defaultdict(list)
    for tid in sorted(group_of):
        out[group_of[tid]].append(tid)
    return dict(out)
