"""Causal graph per window: G² against causal-learn's gsq, PC-stable CPDAG identical to causal-learn's."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vmwatch_loganomaly.causal import LOGDAG_SAMPLE_GUARD, PCOptions, pc
from vmwatch_loganomaly.causal.gsq import PackedData, depth0_pvalues, gsq_pvalue
from vmwatch_loganomaly.causal.skeleton import skeleton
from vmwatch_loganomaly.causal.synthetic import log_like

from causallearn.utils import cit  # the reference: part of the test extra, so missing is a failure
from causallearn.search.ConstraintBased.PC import pc as causallearn_pc


class _GuardedGsq(cit.Chisq_or_Gsq):
    """causal-learn's gsq with logdag's guard in front: the reference for `sample_guard`."""

    def __init__(self, data, **kwargs):
        super().__init__(data, method_name="gsq", **kwargs)

    def __call__(self, X, Y, condition_set=None):
        if self.sample_size < LOGDAG_SAMPLE_GUARD * 2 ** len(condition_set or ()):
            return 1.0
        return super().__call__(X, Y, condition_set)


cit.register_ci_test("gsq_logdag_guard", _GuardedGsq)


def random_dag_data(seed: int, variables: int, bins: int, density: float) -> np.ndarray:
    """Binary series from a random DAG: rare noise, and parents switching children on (noisy OR)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(variables)
    x = rng.random((bins, variables)) < rng.uniform(0.02, 0.3, variables)
    for a in range(variables):
        for b in range(a):
            if rng.random() < density:
                x[:, order[a]] |= x[:, order[b]] & (rng.random(bins) < rng.uniform(0.3, 0.9))
    return x.astype(np.int64)


def reference_cpdag(data: np.ndarray, alpha: float, test: str = "gsq"):
    return causallearn_pc(data, alpha, test, stable=True, uc_rule=0, uc_priority=2, show_progress=False)


def sepset_unions(cg, p: int) -> dict[tuple[int, int], frozenset[int]]:
    """causal-learn's separating sets as its collider rule reads them (union of the list)."""
    out = {}
    for i, j in itertools.combinations(range(p), 2):
        if cg.G.graph[i, j] == 0:
            out[(i, j)] = frozenset(int(v) for s in cg.sepset[i, j] for v in s)
    return out


# --- G² ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_gsq_pvalues_equal_causallearn_to_the_bit(seed):
    rng = np.random.default_rng(seed)
    bins, p = 720, 9
    x = rng.random((bins, p)) < rng.uniform(0.05, 0.6, p)
    x[:, 1] |= x[:, 0] & (rng.random(bins) < 0.7)
    x[:, 2] |= x[:, 1] & (rng.random(bins) < 0.5)
    x[:, 8] = 0  # a constant column: no degree of freedom
    data = x.astype(np.int64)
    ref = cit.CIT(data, "gsq")
    marginal = depth0_pvalues(data)
    packed = PackedData(data)
    for depth in range(7):  # depth 6: up to 64 strata, numpy's recursive summation path
        tests = [
            (a, b, s)
            for a, b in itertools.combinations(range(p), 2)
            for s in itertools.combinations([v for v in range(p) if v not in (a, b)], depth)
        ]
        tests = [tests[i] for i in rng.choice(len(tests), min(len(tests), 150), replace=False)]
        expected = np.array([ref(a, b, s) for a, b, s in tests])
        single = np.array([gsq_pvalue(data, a, b, s) for a, b, s in tests])
        if depth == 0:
            batch = np.array([marginal[a, b] for a, b, _ in tests])
        else:
            batch = packed.pvalues(
                np.array([t[0] for t in tests]),
                np.array([t[1] for t in tests]),
                np.array([t[2] for t in tests]),
            )
        assert np.array_equal(single, expected), depth
        assert np.array_equal(batch, expected), depth


def test_constant_column_has_no_degree_of_freedom():
    data = np.zeros((50, 3), dtype=np.uint8)
    data[::3, 1] = 1
    data[::2, 2] = 1
    assert gsq_pvalue(data, 0, 1) == 1.0
    assert depth0_pvalues(data)[0, 1] == 1.0
    assert gsq_pvalue(data, 1, 2, [0]) < 1.0


def test_sample_guard_declares_independence():
    rng = np.random.default_rng(0)
    x = (rng.random((100, 6)) < 0.5).astype(np.uint8)
    x[:, 1] = x[:, 0]  # perfectly dependent
    packed = PackedData(x)
    assert gsq_pvalue(x, 0, 1, [2, 3, 4]) < 1e-10  # 100 ≥ 10·2^3: tested
    assert packed.pvalues(np.array([0]), np.array([1]), np.array([[2, 3, 4]]), LOGDAG_SAMPLE_GUARD)[0] < 1e-10
    # 100 < 10·2^4: not enough samples, "independent"
    assert gsq_pvalue(x, 0, 1, [2, 3, 4, 5], sample_guard=LOGDAG_SAMPLE_GUARD) == 1.0
    assert (
        packed.pvalues(np.array([0]), np.array([1]), np.array([[2, 3, 4, 5]]), LOGDAG_SAMPLE_GUARD)[0] == 1.0
    )


# --- CPDAG identical to causal-learn -------------------------------------------------------

instances = st.tuples(
    st.integers(0, 2**32 - 1), st.integers(2, 15), st.integers(20, 720), st.floats(0.05, 0.45)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances, st.sampled_from([0.01, 0.05]))
def test_cpdag_identical_to_causallearn_stable_pc(instance, alpha):
    seed, variables, bins, density = instance
    data = random_dag_data(seed, variables, bins, density)
    expected = reference_cpdag(data, alpha)
    ours = pc(data, PCOptions(alpha=alpha))
    assert np.array_equal(ours.graph, expected.G.graph)
    assert {k: ours.sepset(*k) for k in sepset_unions(expected, variables)} == sepset_unions(
        expected, variables
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.tuples(st.integers(0, 2**32 - 1), st.integers(4, 12), st.integers(20, 200), st.floats(0.2, 0.5)))
def test_cpdag_with_logdag_guard_identical_to_guarded_causallearn(instance):
    seed, variables, bins, density = instance
    data = random_dag_data(seed, variables, bins, density)
    expected = reference_cpdag(data, 0.01, "gsq_logdag_guard")
    ours = pc(data, PCOptions(alpha=0.01, sample_guard=LOGDAG_SAMPLE_GUARD))
    assert np.array_equal(ours.graph, expected.G.graph)


def test_max_depth_matches_causallearn_max_k():
    data = random_dag_data(7, 12, 600, 0.4)
    expected = causallearn_pc(data, 0.01, "gsq", stable=True, show_progress=False, max_k=1)
    assert np.array_equal(pc(data, PCOptions(max_depth=1)).graph, expected.G.graph)


# --- skeleton -------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(instances, st.randoms(use_true_random=False))
def test_skeleton_does_not_depend_on_variable_order(instance, random):
    seed, variables, bins, density = instance
    data = random_dag_data(seed, variables, bins, density)
    perm = list(range(variables))
    random.shuffle(perm)
    base = skeleton(data, 0.01)
    shuffled = skeleton(data[:, perm], 0.01)  # column c of shuffled is variable perm[c]
    back = np.empty_like(shuffled.adjacency)
    back[np.ix_(perm, perm)] = shuffled.adjacency
    assert np.array_equal(back, base.adjacency)
    for a, b in itertools.combinations(range(variables), 2):
        if not base.adjacency[perm[a], perm[b]]:
            assert {perm[v] for v in shuffled.sepset(a, b)} == base.sepset(perm[a], perm[b])


# --- small graphs with a known answer -------------------------------------------------------

rng = np.random.default_rng(2024)
BINS = 720


def noisy(parent: np.ndarray, keep: float = 0.85, noise: float = 0.03) -> np.ndarray:
    return (parent & (rng.random(BINS) < keep)) | (rng.random(BINS) < noise)


def source(rate: float = 0.2) -> np.ndarray:
    return rng.random(BINS) < rate


def as_data(*cols: np.ndarray) -> np.ndarray:
    return np.column_stack(cols).astype(np.uint8)


def test_chain_is_an_undirected_path():
    a = source()
    b = noisy(a)
    c = noisy(b)
    g = pc(as_data(a, b, c))
    assert g.undirected() == [(0, 1), (1, 2)] and g.directed() == []
    assert g.sepset(0, 2) == frozenset({1})


def test_fork_is_an_undirected_path():
    b = source()
    g = pc(as_data(noisy(b), b, noisy(b)))
    assert g.undirected() == [(0, 1), (1, 2)] and g.directed() == []
    assert g.sepset(0, 2) == frozenset({1})


def test_collider_is_oriented():
    a, b = source(), source()
    c = noisy(a) | noisy(b)
    g = pc(as_data(a, b, c), names=["link down", "psu fail", "vm error"])
    assert g.directed() == [(0, 2), (1, 2)] and g.undirected() == []
    assert g.sepset(0, 1) == frozenset()
    assert set(g.edges()) == {("link down", "vm error", True), ("psu fail", "vm error", True)}


def test_collider_then_chain_is_oriented_by_meek_r1():
    a, b = source(), source()
    c = noisy(a) | noisy(b)
    d = noisy(c)
    g = pc(as_data(a, b, c, d))
    assert g.directed() == [(0, 2), (1, 2), (2, 3)]


def test_independent_series_have_no_edges():
    g = pc(as_data(*(source(0.05) for _ in range(6))))
    assert g.directed() == [] and g.undirected() == []


def test_log_like_window_finds_its_cascades_fast():
    window = log_like(200, 720, seed=3)
    g = pc(window.data)
    found = {tuple(sorted(e)) for e in g.directed()} | set(g.undirected())
    true = {tuple(sorted(e)) for e in window.edges}
    assert len(found & true) / len(true) > 0.6
    assert g.seconds_skeleton + g.seconds_orient < 5


def test_input_checks():
    with pytest.raises(ValueError, match="binary"):
        pc(np.array([[0, 2], [1, 0]]))
    with pytest.raises(ValueError, match="alpha"):
        PCOptions(alpha=1.5)
    with pytest.raises(ValueError, match="names"):
        pc(np.zeros((5, 2), dtype=np.uint8), names=["a"])
    empty = pc(np.zeros((10, 0), dtype=np.uint8))
    assert empty.size == 0 and empty.edges() == []
