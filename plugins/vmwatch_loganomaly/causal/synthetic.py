"""Seeded binary event matrices shaped like a window of binned log series (tests, benchmarks).

One window of `bins` one-minute bins over `variables` template groups, binarised (≥ 1 → 1):
- most series are rare and independent: Poisson arrivals with rates spread log-uniformly from a
  few per day to one bin in twenty;
- some form cascades: small random DAGs where a parent's occurrence triggers each child in the
  same bin with a high probability (a link down, then the bond degraded, then the VM errors),
  on top of the child's own rare noise;
- some are periodic: cron-like jobs every 5 to 60 minutes with a little jitter and missed runs,
  and pairs of lines that a periodic job writes together (session opened / closed).

The generator returns the true edges of its cascades so tests can look for them.
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Synthetic:
    """data: (bins × variables) uint8; edges: true parent → child pairs; kinds: per column."""

    data: np.ndarray
    edges: tuple[tuple[int, int], ...]
    kinds: tuple[str, ...]


def log_like(
    variables: int = 500,
    bins: int = 720,
    seed: int = 0,
    cascade_share: float = 0.2,
    periodic_share: float = 0.08,
    incident: int = 0,
) -> Synthetic:
    """A window of `variables` binarised series over `bins` bins (see the module docstring).

    incident > 0 adds an outage: that many series (chosen at random) fire together, each with
    probability 0.7 per bin, during 20 bins in the middle of the window: the densest structure
    a window of logs gets, and the hardest case for the skeleton search.
    """
    rng = np.random.default_rng(seed)
    data = np.zeros((bins, variables), dtype=np.uint8)
    kinds = ["rare"] * variables
    edges: list[tuple[int, int]] = []
    n_cascade = int(variables * cascade_share)
    n_periodic = int(variables * periodic_share)
    columns = rng.permutation(variables)
    cascade_cols = columns[:n_cascade]
    periodic_cols = columns[n_cascade : n_cascade + n_periodic]

    # Independent rare noise everywhere (cascade members get it too).
    rates = np.exp(rng.uniform(np.log(3 / 1440), np.log(0.05), variables))
    data |= (rng.poisson(rates, size=(bins, variables)) > 0).astype(np.uint8)

    # Cascades: groups of 2-8 columns, each a random DAG in a random topological order.
    at = 0
    while at < len(cascade_cols):
        size = int(rng.integers(2, 9))
        group = cascade_cols[at : at + size]
        at += size
        for pos in range(1, len(group)):
            child = int(group[pos])
            kinds[child] = "cascade"
            parents = [int(group[q]) for q in range(pos) if q == pos - 1 or rng.random() < 0.3]
            for parent in parents:
                strength = rng.uniform(0.5, 0.95)
                data[:, child] |= data[:, parent] & (rng.random(bins) < strength)
                edges.append((parent, child))
        kinds[int(group[0])] = "cascade"

    # Periodic jobs, half of them writing a companion line in the same bin.
    for i, col in enumerate(periodic_cols):
        col = int(col)
        period = int(rng.choice([5, 10, 15, 30, 60]))
        phase = int(rng.integers(0, period))
        runs = np.arange(phase, bins, period)
        runs = runs + rng.integers(-1, 2, runs.size) * (rng.random(runs.size) < 0.1)
        runs = runs[(runs >= 0) & (runs < bins) & (rng.random(runs.size) > 0.03)]
        data[:, col] = 0
        data[runs, col] = 1
        kinds[col] = "periodic"
        if i % 2 == 1:
            leader = int(periodic_cols[i - 1])
            data[:, col] = data[:, leader] & (rng.random(bins) < 0.97)
            edges.append((leader, col))
    if incident:
        hit = rng.choice(variables, min(incident, variables), replace=False)
        during = np.arange(bins // 2, min(bins, bins // 2 + 20))
        data[np.ix_(during, hit)] |= (rng.random((during.size, hit.size)) < 0.7).astype(np.uint8)
    return Synthetic(data, tuple(edges), tuple(kinds))
