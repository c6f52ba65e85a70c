"""G² conditional-independence test for binary data, computed as causal-learn's `gsq` does.

For X ⟂ Y | S on n samples, the counts are split into strata (one per value of S that occurs).
Per stratum the 2×2 table of X and Y gives expected counts e = row·column / stratum size, and
G² = 2 Σ c·ln(c/e) over all non-empty cells. Degrees of freedom follow causal-learn (not the
textbook 2^|S|): each non-empty stratum contributes (rows − 1 − empty rows)·(cols − 1 − empty
columns), i.e. 1 when both X and Y vary inside the stratum and 0 otherwise. With no degree of
freedom left the test says "independent" (p = 1): that is causal-learn's small-sample rule.

logdag's guard is optional on top (`sample_guard`, 10 there): fewer than sample_guard·2^|S|
samples means "independent" before any counting.

p-values come from `scipy.special.chdtrc`, the function `scipy.stats.chi2.sf` calls, without
its ~50 µs of argument handling.

Three entry points, one per shape of work:
- `gsq_pvalue`: one test, plain and readable: the reference the fast paths are tested against;
- `depth0_pvalues`: every marginal test at once from the count matrix XᵀX;
- `PackedData.pvalues`: a batch of conditional tests, columns as bit sets (popcounts, no loops).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import chdtrc

_WORD = 64
# A batch's stratum masks take tests·2^|S|·words uint64; keep each array near 16 MB.
_BATCH_WORDS = 1 << 21


if hasattr(np, "bitwise_count"):
    _popcount = np.bitwise_count
else:  # pragma: no cover - numpy 1.x
    _BYTE_BITS = np.array([i.bit_count() for i in range(256)], dtype=np.uint8)

    def _popcount(a: np.ndarray) -> np.ndarray:
        """Set bits per uint64, by a byte table."""
        b = _BYTE_BITS[np.ascontiguousarray(a).view(np.uint8)]
        return b.reshape(a.shape + (8,)).sum(axis=-1, dtype=np.uint8)


def _guarded(n: int, depth: int, sample_guard: float | None) -> bool:
    """logdag's rule: too few samples for this many strata means "independent"."""
    return sample_guard is not None and n < sample_guard * 2**depth


def _g2_terms(cell: np.ndarray, row: np.ndarray, col: np.ndarray, size: np.ndarray) -> np.ndarray:
    """c·ln(c/e) with e = row·col/size, 0 where c = 0 (as causal-learn: ln 1 = 0 there)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = (row * col) / size
        ratio = np.where(cell > 0, cell / np.where(expected > 0, expected, 1.0), 1.0)
        return cell * np.log(ratio)


def pvalue(g2: np.ndarray | float, df: np.ndarray | int) -> np.ndarray | float:
    """Upper tail of χ²(df) at g2; 1 where df = 0 (causal-learn's rule)."""
    df_arr = np.asarray(df)
    p = chdtrc(np.maximum(df_arr, 1), np.asarray(g2, dtype=float))
    return np.where(df_arr > 0, p, 1.0) if p.ndim else (float(p) if df_arr > 0 else 1.0)


def gsq_pvalue(
    data: np.ndarray, x: int, y: int, s: Sequence[int] = (), sample_guard: float | None = None
) -> float:
    """p-value of X ⟂ Y | S on a binary (0/1) matrix of shape (samples, variables)."""
    n = data.shape[0]
    s = sorted({int(v) for v in s})
    if _guarded(n, len(s), sample_guard):
        return 1.0
    strata = np.zeros(n, dtype=np.int64)
    for v in s:  # first variable most significant, as causal-learn orders its strata
        strata = strata * 2 + data[:, v]
    cells = np.bincount(strata * 4 + data[:, x] * 2 + data[:, y], minlength=4 << len(s))
    tables = cells.reshape(-1, 2, 2)
    tables = tables[tables.sum(axis=(1, 2)) > 0]
    size = tables.sum(axis=(1, 2))[:, None, None]
    rows = tables.sum(axis=2)[:, :, None]
    cols = tables.sum(axis=1)[:, None, :]
    g2 = 2 * np.sum(_g2_terms(tables, rows, cols, size))
    df = int(np.sum(((rows[:, :, 0] > 0).sum(axis=1) - 1) * ((cols[:, 0, :] > 0).sum(axis=1) - 1)))
    return float(pvalue(g2, df))


def depth0_pvalues(data: np.ndarray, sample_guard: float | None = None) -> np.ndarray:
    """p-values of every marginal test X ⟂ Y (a symmetric matrix, diagonal 1).

    All four cells of every pair come from one product: n11 = XᵀX, n10 = n1 − n11, ...
    """
    n, p = data.shape
    if _guarded(n, 0, sample_guard):
        return np.ones((p, p))
    x = data.astype(np.float64)
    n11 = x.T @ x  # exact: integer counts far below 2^53
    ones = np.diag(n11).copy()
    zeros = n - ones
    n10 = ones[:, None] - n11
    n01 = ones[None, :] - n11
    n00 = n - ones[:, None] - ones[None, :] + n11
    r1, r0 = ones[:, None], zeros[:, None]
    c1, c0 = ones[None, :], zeros[None, :]
    size = float(n)
    # Summed in causal-learn's cell order (00, 01, 10, 11) so depth-0 statistics match to the bit.
    g2 = 2 * (
        ((_g2_terms(n00, r0, c0, size) + _g2_terms(n01, r0, c1, size)) + _g2_terms(n10, r1, c0, size))
        + _g2_terms(n11, r1, c1, size)
    )
    varies = (ones > 0) & (zeros > 0)
    upper = np.triu_indices(p, 1)  # the matrix is symmetric: half the χ² tails suffice
    df = (varies[:, None] & varies[None, :])[upper].astype(np.int64)
    pv = np.ones((p, p))
    pv[upper] = pvalue(g2[upper], df)
    pv.T[upper] = pv[upper]
    return pv


class PackedData:
    """Columns of a binary matrix as bit sets, for batches of conditional G² tests.

    With n samples a column is ⌈n/64⌉ words; a stratum of S is the AND of its columns or their
    complements, and every count a test needs is a popcount of an AND. For log series (mostly
    zeros, hundreds of bins) that is far cheaper than counting sample by sample.
    """

    def __init__(self, data: np.ndarray):
        n, p = data.shape
        self.n = n
        words = max(1, -(-n // _WORD))
        padded = np.zeros((words * _WORD, p), dtype=np.uint8)
        padded[:n] = data != 0
        # packbits is big-endian per byte; bit order is irrelevant as long as it is consistent.
        packed = np.packbits(padded, axis=0)  # (words*8, p) bytes
        self.bits = np.ascontiguousarray(packed.T).view(np.uint64)  # (p, words)
        valid = np.zeros(words * _WORD, dtype=np.uint8)
        valid[:n] = 1
        self.valid = np.packbits(valid).view(np.uint64)  # (words,)
        self.words = words

    def pvalues(
        self, x: np.ndarray, y: np.ndarray, s: np.ndarray, sample_guard: float | None = None
    ) -> np.ndarray:
        """p-values of X[t] ⟂ Y[t] | S[t] for every row t; s has shape (tests, |S|)."""
        t, depth = s.shape
        if _guarded(self.n, depth, sample_guard):
            return np.ones(t)
        out = np.empty(t)
        step = max(1, _BATCH_WORDS // ((1 << depth) * self.words))
        for lo in range(0, t, step):
            hi = min(t, lo + step)
            out[lo:hi] = self._batch(x[lo:hi], y[lo:hi], s[lo:hi])
        return out

    def _batch(self, x: np.ndarray, y: np.ndarray, s: np.ndarray) -> np.ndarray:
        bits = self.bits
        masks = np.broadcast_to(self.valid, (len(x), 1, self.words))
        # The last variable of S ends up least significant (causal-learn's stratum order).
        for k in range(s.shape[1] - 1, -1, -1):
            z = bits[s[:, k]][:, None, :]
            masks = np.concatenate([masks & ~z, masks & z], axis=1)
        xb = bits[x][:, None, :]
        yb = bits[y][:, None, :]
        mx = masks & xb
        size = _popcount(masks).sum(axis=2, dtype=np.int64)
        nx = _popcount(mx).sum(axis=2, dtype=np.int64)
        ny = _popcount(masks & yb).sum(axis=2, dtype=np.int64)
        nxy = _popcount(mx & yb).sum(axis=2, dtype=np.int64)
        return table_pvalues(size, nx, ny, nxy)


def table_pvalues(size: np.ndarray, nx: np.ndarray, ny: np.ndarray, nxy: np.ndarray) -> np.ndarray:
    """p-values from per-stratum counts, arrays of shape (tests, strata).

    size: samples in the stratum; nx, ny: samples with X = 1, Y = 1; nxy: with both.
    Empty strata are dropped and the remaining cells summed in causal-learn's order, with numpy's
    own pairwise summation, so each statistic equals causal-learn's to the last bit.
    """
    nx0, ny0 = size - nx, size - ny
    n00 = size - nx - ny + nxy
    sz = np.maximum(size, 1).astype(np.float64)
    terms = np.stack(
        [
            _g2_terms(n00, nx0, ny0, sz),
            _g2_terms(ny - nxy, nx0, ny, sz),
            _g2_terms(nx - nxy, nx, ny0, sz),
            _g2_terms(nxy, nx, ny, sz),
        ],
        axis=2,
    )
    occupied = size > 0
    strata = occupied.sum(axis=1)
    g2 = np.empty(len(size))
    for k in np.unique(strata):
        rows = np.flatnonzero(strata == k)
        cells = terms[rows][occupied[rows]].reshape(len(rows), 4 * k)
        g2[rows] = 2 * _pairwise_sum(cells)
    varies_x = (nx > 0) & (nx0 > 0)
    varies_y = (ny > 0) & (ny0 > 0)
    df = (varies_x & varies_y).sum(axis=1)
    return pvalue(g2, df)


def _pairwise_sum(a: np.ndarray) -> np.ndarray:
    """Row sums of a 2-D float array in exactly the order `np.sum` adds a 1-D array.

    numpy sums fewer than 8 numbers left to right, up to 128 in 8 interleaved partial sums, and
    splits longer runs in two (at a multiple of 8). Reproducing it keeps our G² bit-identical.
    """
    n = a.shape[1]
    if n < 8:
        total = np.zeros(a.shape[0])
        for i in range(n):
            total = total + a[:, i]
        return total
    if n <= 128:
        r = a[:, :8].copy()
        i = 8
        while i < n - n % 8:
            r += a[:, i : i + 8]
            i += 8
        total = ((r[:, 0] + r[:, 1]) + (r[:, 2] + r[:, 3])) + ((r[:, 4] + r[:, 5]) + (r[:, 6] + r[:, 7]))
        for j in range(i, n):
            total = total + a[:, j]
        return total
    half = n // 2
    half -= half % 8
    return _pairwise_sum(a[:, :half]) + _pairwise_sum(a[:, half:])
