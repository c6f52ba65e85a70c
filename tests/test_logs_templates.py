"""Template mining: study-style templates, determinism, ids stable across restarts, config."""

from __future__ import annotations

import datetime as dt

import pytest
from vmwatch_loganomaly.errors import ConfigError
from vmwatch_loganomaly.lines import Clock, Parser, YearGuess
from vmwatch_loganomaly.simulate import SimConfig, Simulator
from vmwatch_loganomaly.templates import MiningConfig, TemplateMiner, TemplateState


def records(n: int = 20_000):
    sim = Simulator(SimConfig(seed=7, days=2, hypervisors=6, network_boxes=2, max_lines=n))
    parser = Parser(Clock(dt.UTC), YearGuess(dt.date(2015, 12, 31)))
    return [parser.parse(line) for line in sim.lines()]


def test_study_templates():
    m = TemplateMiner()
    a = m.classify(
        "named", "2607", "client 116.213.132.50#58774: view world: query (cache) 'a.example/A/IN' denied"
    )
    b = m.classify(
        "named", "29923", "client 10.10.20.190#14732: view world: query (cache) 'b.example/AAAA/IN' denied"
    )
    c = m.classify("CRON", "1", "pam_unix(cron:session): session opened for user root by (uid=0)")
    assert a == b != c
    assert m.template(a) == "named[**]: client **: view world: query (cache) ** denied"
    assert m.template(c) == "CRON[**]: pam_unix(cron:session): session opened for user root by (uid=**)"
    assert m.classify("", "", "no program at all 42") not in (a, c)


def test_program_is_part_of_the_template():
    m = TemplateMiner()
    assert m.classify("sshd", "1", "session opened") != m.classify("su", "", "session opened")


def test_same_input_same_ids():
    recs = records(5000)
    one, two = TemplateMiner(), TemplateMiner()
    assert [one.classify(r.program, r.pid, r.message) for r in recs] == [
        two.classify(r.program, r.pid, r.message) for r in recs
    ]
    assert one.states() == two.states()


def test_ids_and_templates_survive_a_restart():
    recs = records()
    whole = TemplateMiner()
    expected = [whole.classify(r.program, r.pid, r.message) for r in recs]
    half = len(recs) // 2
    first = TemplateMiner()
    got = [first.classify(r.program, r.pid, r.message) for r in recs[:half]]
    restarted = TemplateMiner(MiningConfig(), first.states())
    got += [restarted.classify(r.program, r.pid, r.message) for r in recs[half:]]
    assert got == expected
    assert restarted.states() == whole.states()


def test_changes_report_new_and_generalised_templates_once():
    m = TemplateMiner()
    t = m.classify("a", "", "user alice logged in")
    assert m.changes() == [TemplateState(t, "a: user alice logged in", "a: user alice logged in")]
    assert m.changes() == []
    m.classify("a", "", "user bob logged in")
    assert m.changes() == [TemplateState(t, "a: user ** logged in", "a: user alice logged in")]


def test_fast_path_cache_bounded_and_consistent():
    recs = records(5000)
    small = TemplateMiner(MiningConfig(cache_size=50))
    big = TemplateMiner()
    assert [small.classify(r.program, r.pid, r.message) for r in recs] == [
        big.classify(r.program, r.pid, r.message) for r in recs
    ]


@pytest.mark.parametrize(
    "kwargs", [{"similarity": 0}, {"similarity": 1.5}, {"depth": 2}, {"mask_rules": ("x",)}]
)
def test_invalid_config(kwargs):
    with pytest.raises(ConfigError):
        MiningConfig(**kwargs)


def test_config_json_round_trip():
    c = MiningConfig(similarity=0.6, depth=4, mask_rules=("ipv4", "number"))
    assert MiningConfig.from_json(c.to_json()) == c
