"""Event series from the store: occurrences of each template group (optionally per host) per bin.

The store keeps one row per line (`event(ts, host, template)`); here they become sparse counts
`(bin, series, count)` on a bin grid aligned to `origin` (bin k covers [origin + k·width, ...)),
so day windows start at midnight UTC and never move when data is added. A series is a template
group (`int` key) or, per host, a `(group, host name)` pair. Sparse because a fleet has hundreds of
groups × dozens of hosts × weeks of minutes, most of them empty; `EventCounts.dense` gives the
`windows.SeriesCounts` of one stretch, with only the series that occur there.

Node names (what graphs, edges and reports show): `"12"` for group 12, `"12@vm1.site"` per host.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np

from vmwatch_loganomaly.windows import SeriesCounts


def node_name(key: Hashable) -> str:
    """`"12"` for group 12, `"12@host"` for (12, "host")."""
    if isinstance(key, tuple):
        return f"{key[0]}@{key[1]}"
    return str(key)


def node_group(name: str) -> int:
    """The template group of a node name (`"12@host"` → 12)."""
    return int(name.split("@", 1)[0])


@dataclasses.dataclass(frozen=True)
class EventCounts:
    """Sparse counts: `counts[i]` events of series `keys[series[i]]` in bin `bins[i]` (sorted by bin).

    Bin b covers [origin + b·width, origin + (b+1)·width).
    """

    origin: float
    width: float
    keys: tuple[Hashable, ...]
    bins: np.ndarray
    series: np.ndarray
    counts: np.ndarray

    @property
    def first_bin(self) -> int | None:
        return int(self.bins[0]) if self.bins.size else None

    @property
    def last_bin(self) -> int | None:
        return int(self.bins[-1]) if self.bins.size else None

    def time(self, b: int) -> float:
        return self.origin + b * self.width

    def bin_of(self, t: float) -> int:
        """The bin starting at `t` (t must lie on the grid)."""
        b = (t - self.origin) / self.width
        if abs(b - round(b)) > 1e-6:
            raise ValueError(f"{t} is not on the {self.width} s bin grid from {self.origin}")
        return round(b)

    def slice(self, start: float, end: float) -> EventCounts:
        """The counts in [start, end) (both on the grid), keys unchanged."""
        lo, hi = np.searchsorted(self.bins, [self.bin_of(start), self.bin_of(end)])
        return dataclasses.replace(
            self, bins=self.bins[lo:hi], series=self.series[lo:hi], counts=self.counts[lo:hi]
        )

    def active(self, start: float, end: float) -> np.ndarray:
        """Indices of the series with at least one event in [start, end)."""
        return np.unique(self.slice(start, end).series)

    def dense(self, start: float, end: float, only: Sequence[int] | None = None) -> SeriesCounts:
        """`SeriesCounts` over [start, end) for the series `only` (default: those present there)."""
        part = self.slice(start, end)
        columns = np.unique(part.series) if only is None else np.asarray(only, dtype=np.int64)
        position = np.full(len(self.keys), -1, dtype=np.int64)
        position[columns] = np.arange(columns.size)
        b0, b1 = self.bin_of(start), self.bin_of(end)
        matrix = np.zeros((b1 - b0, columns.size), dtype=np.int64)
        keep = position[part.series] >= 0
        np.add.at(matrix, (part.bins[keep] - b0, position[part.series[keep]]), part.counts[keep])
        return SeriesCounts(start, self.width, tuple(self.keys[c] for c in columns), matrix)


def count_events(
    ts: np.ndarray,
    series: np.ndarray,
    keys: Sequence[Hashable],
    width: float = 60.0,
    origin: float = 0.0,
) -> EventCounts:
    """Sparse counts of events (timestamp, index into keys) per bin of `width` seconds from `origin`."""
    if width <= 0:
        raise ValueError(f"bin width must be positive, got {width}")
    ts = np.asarray(ts, dtype=float)
    series = np.asarray(series, dtype=np.int64)
    bins = np.floor((ts - origin) / width).astype(np.int64)
    n = max(len(keys), 1)
    combined, counts = np.unique(bins * n + series, return_counts=True)  # sorted: by bin, then series
    return EventCounts(origin, width, tuple(keys), combined // n, combined % n, counts.astype(np.int64))


def read_events(store, start: float | None = None, end: float | None = None) -> tuple[np.ndarray, ...]:
    """(ts, host id, template id) arrays of the store's events in [start, end)."""
    lo = -math.inf if start is None else start
    hi = math.inf if end is None else end
    rows = store.db.execute("SELECT ts, host, template FROM event WHERE ts >= ? AND ts < ?", (lo, hi))
    data = np.array(rows.fetchall(), dtype=float).reshape(-1, 3)
    return data[:, 0], data[:, 1].astype(np.int64), data[:, 2].astype(np.int64)


def bins_since(store, rowid: int, width: float = 60.0, origin: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(bins, newest): the bins holding events ingested after event `rowid`, sorted, and the highest
    rowid in each. One pass over those events only (rowid order is ingestion order)."""
    # floor() of the bin position, exact for negative values too (CAST truncates towards zero)
    rows = store.db.execute(
        "SELECT CAST(x AS INTEGER) - (x < CAST(x AS INTEGER)) AS b, max(r) FROM "
        "(SELECT (ts - ?) / ? AS x, rowid AS r FROM event WHERE rowid > ?) GROUP BY b ORDER BY b",
        (origin, width, rowid),
    ).fetchall()
    data = np.array(rows, dtype=np.int64).reshape(-1, 2)
    return data[:, 0], data[:, 1]


def group_counts(
    store,
    assignment: Mapping[int, int],
    width: float = 60.0,
    origin: float = 0.0,
    per_host: bool = False,
    start: float | None = None,
    end: float | None = None,
) -> EventCounts:
    """Counts per template group (or group and host) per bin, from the store's events.

    `assignment`: template id → group id (`Store.groups()`); a template without a group is its
    own group (its id), as `groups.group_templates` would start it.
    """
    ts, hosts, templates = read_events(store, start, end)
    top = int(templates.max(initial=0)) + 1
    lookup = np.arange(max(top, max(assignment, default=0) + 1), dtype=np.int64)
    for tid, gid in assignment.items():
        lookup[tid] = gid
    grp = lookup[templates]
    if per_host:
        names = {hid: name for name, hid in store.hosts().items()}
        pairs, series = np.unique(np.stack([grp, hosts], axis=1), axis=0, return_inverse=True)
        keys = [(int(g), names[int(h)]) for g, h in pairs]
    else:
        groups_present, series = np.unique(grp, return_inverse=True)
        keys = [int(g) for g in groups_present]
    return count_events(ts, series.reshape(-1), keys, width, origin)
