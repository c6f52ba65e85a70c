"""The log generator: reproducible, parseable, with incidents where the ground truth says."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from vmwatch_loganomaly.errors import ConfigError
from vmwatch_loganomaly.lines import Clock, Parser, YearGuess
from vmwatch_loganomaly.simulate import SimConfig, Simulator

CONFIG = SimConfig(seed=11, days=8, hypervisors=8, network_boxes=2, dns_rate=1 / 300)


@pytest.fixture(scope="module")
def sim_lines():
    sim = Simulator(CONFIG)
    return sim, list(sim.lines())


def digest(lines) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_same_seed_same_bytes(sim_lines):
    _, lines = sim_lines
    assert digest(Simulator(CONFIG).lines()) == digest(lines)
    other = SimConfig(seed=12, days=8, hypervisors=8, network_boxes=2, dns_rate=1 / 300)
    assert digest(Simulator(other).lines()) != digest(lines)


def test_lines_parse_and_are_in_time_order(sim_lines):
    _, lines = sim_lines
    parser = Parser(Clock(dt.UTC), YearGuess(dt.date(2015, 12, 31)))
    stamps = [parser.parse(line).ts for line in lines]
    assert stamps == sorted(stamps)
    assert len({parser.parse(line).host for line in lines[:5000]}) == 10


def test_ground_truth_names_three_incident_kinds(sim_lines):
    sim, _ = sim_lines
    truth = sim.ground_truth()
    kinds = [i["kind"] for i in truth["incidents"]]
    assert sorted(kinds) == ["power_loss", "ssh_brute_force", "storage_path_failure"]
    t0 = CONFIG.t0
    for inc in sim.incidents:
        assert t0 <= inc.start < inc.end <= t0 + CONFIG.days * 86400 + 86400
        assert inc.hosts
    assert len(truth["hosts"]) == 10


def _lines_of(lines, needle):
    parser = Parser(Clock(dt.UTC), YearGuess(dt.date(2015, 12, 31)))
    return [parser.parse(line) for line in lines if needle in line]


def test_incident_lines_fall_inside_their_windows(sim_lines):
    sim, lines = sim_lines
    by_kind = {i.kind: i for i in sim.incidents}
    power = by_kind["power_loss"]
    ups = _lines_of(lines, "Running on UPS batteries.")
    assert {r.host for r in ups} == set(power.hosts)
    assert all(power.start <= r.ts <= power.end for r in ups)
    storage = by_kind["storage_path_failure"]
    failed = _lines_of(lines, "mark as failed")
    assert {r.host for r in failed} == set(storage.hosts)
    assert all(storage.start <= r.ts <= storage.end for r in failed)
    brute = by_kind["ssh_brute_force"]
    guesses = _lines_of(lines, "Failed password")
    assert len(guesses) > 500 and {r.host for r in guesses} == set(brute.hosts)
    assert all(brute.start <= r.ts <= brute.end + 1 for r in guesses)


def test_halted_hypervisors_are_silent_until_they_boot(sim_lines):
    sim, lines = sim_lines
    power = next(i for i in sim.incidents if i.kind == "power_loss")
    hv = next(h for h in sim.hosts if h.name in power.hosts and h.role == "hypervisor")
    ((down, up),) = hv.down
    during = [
        r for r in _lines_of(lines, hv.name) if r.host == hv.name and down <= r.ts < up - 1
    ]  # lines keep whole seconds
    assert during == []
    assert _lines_of(lines, f"{hv.name} kernel: [    0.000000] Linux version")


def test_max_lines_and_bad_config():
    assert len(list(Simulator(SimConfig(days=1, hypervisors=2, max_lines=100)).lines())) == 100
    with pytest.raises(ConfigError):
        SimConfig(start="yesterday")
