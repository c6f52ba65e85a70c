"""Line parsing: RFC 3164 (year inference, time zones), ISO 8601, RFC 5424, malformed lines."""

from __future__ import annotations

import datetime as dt

import pytest
from vmwatch_loganomaly.errors import ConfigError, MalformedLine
from vmwatch_loganomaly.lines import Clock, LogRecord, Parser, YearGuess, split_tag, zone

UTC = dt.UTC


def parser(ref: dt.date = dt.date(2015, 11, 16), tz: str = "UTC", year=None, month=None) -> Parser:
    return Parser(Clock(zone(tz)), YearGuess(ref, year, month))


def ts(*fields, tz=UTC) -> float:
    return dt.datetime(*fields, tzinfo=tz).timestamp()


def test_rfc3164_study_line():
    rec = parser().parse(
        "Dec  2 06:48:47 syslog-collect.wide.ad.jp nfcapd[1107]: Process_v9: Found options flowset: template 256"
    )
    assert rec == LogRecord(ts(2014, 12, 2, 6, 48, 47), "syslog-collect.wide.ad.jp", "nfcapd", "1107",
                            "Process_v9: Found options flowset: template 256")  # fmt: skip


def test_rfc3164_with_pri_fraction_and_no_pid():
    rec = parser().parse("<34>Oct 11 22:14:15.250 mymachine su: 'su root' failed for lonvick on /dev/pts/8")
    assert rec.ts == ts(2015, 10, 11, 22, 14, 15) + 0.25
    assert (rec.host, rec.program, rec.pid) == ("mymachine", "su", "")
    assert rec.message == "'su root' failed for lonvick on /dev/pts/8"


def test_line_without_tag_keeps_everything_as_message():
    rec = parser().parse("Oct 11 22:14:15 host last message repeated 3 times")
    assert (rec.program, rec.pid, rec.message) == ("", "", "last message repeated 3 times")


def test_year_rolls_over_at_the_year_boundary():
    p = parser(ref=dt.date(2016, 1, 20))
    first = p.parse("Dec 31 23:59:59 h a: x")
    second = p.parse("Jan  1 00:00:00 h a: y")
    assert first.ts == ts(2015, 12, 31, 23, 59, 59)  # December is after the reference month: last year
    assert second.ts == ts(2016, 1, 1)
    assert second.ts - first.ts == 1.0
    late = p.parse("Dec 31 23:59:58 h a: late line after the rollover")
    assert late.ts == ts(2015, 12, 31, 23, 59, 58)
    assert p.parse("Jan  1 00:00:05 h a: z").ts == ts(2016, 1, 1, 0, 0, 5)  # state not moved back


def test_year_state_resumes():
    p = parser(ref=dt.date(2030, 6, 1), year=2015, month=12)
    assert p.parse("Jan  3 00:00:00 h a: x").ts == ts(2016, 1, 3)


def test_year_given_by_user():
    p = Parser(Clock(UTC), YearGuess(dt.date(2012, 12, 31)))
    assert p.parse("Feb 29 12:00:00 h a: leap day").ts == ts(2012, 2, 29, 12)


def test_time_zone_applies_to_zoneless_stamps_including_dst():
    paris = zone("Europe/Paris")
    winter = parser(tz="Europe/Paris").parse("Jan 15 12:00:00 h a: x")
    summer = parser(tz="Europe/Paris").parse("Jul 15 12:00:00 h a: x")
    assert winter.ts == ts(2015, 1, 15, 11)  # UTC+1
    assert summer.ts == ts(2015, 7, 15, 10)  # UTC+2
    assert summer.ts == dt.datetime(2015, 7, 15, 12, tzinfo=paris).timestamp()


def test_unknown_zone_is_a_config_error():
    with pytest.raises(ConfigError, match="Europe/Nowhere"):
        zone("Europe/Nowhere")


def test_iso8601_rsyslog_high_precision():
    p = parser(tz="Asia/Tokyo")
    rec = p.parse("2024-01-05T10:20:30.123456+01:00 hv1 libvirtd[812]: domain started")
    assert rec.ts == pytest.approx(ts(2024, 1, 5, 9, 20, 30) + 0.123456)
    assert (rec.host, rec.program, rec.pid, rec.message) == ("hv1", "libvirtd", "812", "domain started")
    zoneless = p.parse("2024-01-05 10:20:30 hv1 kernel: x")
    assert zoneless.ts == ts(2024, 1, 5, 1, 20, 30)  # the configured zone (UTC+9)
    assert p.parse("2024-01-05T10:20:30Z hv1 kernel: x").ts == ts(2024, 1, 5, 10, 20, 30)


def test_rfc5424_with_structured_data_and_nil_values():
    p = parser()
    line = '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application\\]" eventID="1011"][x@1 a="b"] \ufeffAn application event'
    rec = p.parse(line)
    assert rec == LogRecord(
        ts(2003, 10, 11, 22, 14, 15) + 0.003, "mymachine.example.com", "evntslog", "", "An application event"
    )
    rec = p.parse("<34>1 2003-10-11T22:14:15Z - su 77 - - 'su root' failed")
    assert (rec.host, rec.program, rec.pid, rec.message) == ("", "su", "77", "'su root' failed")


@pytest.mark.parametrize(
    "line",
    ["", "garbage without a timestamp", "Foo 11 22:14:15 h a: x", "Feb 30 10:00:00 h a: no such day",
     "<34>1 - host app - - - no timestamp", '<34>1 2003-10-11T22:14:15Z h a - - [unterminated x="1"'],
)  # fmt: skip
def test_malformed_lines_raise_our_error(line):
    with pytest.raises(MalformedLine):
        parser().parse(line)


def test_fast_path_agrees_with_the_full_parser():
    tags = ["prog[{i}]:", "prog:", "a[b][{i}]:", "[{i}]:", "x" * 70 + ":", "no-colon", "prog[{i}]", "k:"]
    lines = [
        f"Sep 26 00:0{i % 10}:{i % 60:02d} host{i % 3} {tags[i % len(tags)].format(i=i)} message: {i}"
        for i in range(200)
    ]
    lines += [f"Sep 26 00:01:{i:02d}  host prog: double space" for i in range(3)] + [
        "Sep 26 00:01:05 host sshd:"
    ]
    cold = [parser().parse(line) for line in lines]  # each parser sees one line: no cache
    p = parser()
    warm = [p.parse(line) for line in lines]
    assert cold == warm


def test_caches_are_bounded_and_change_no_result():
    # New minutes of known hours, out-of-order months, more tags than the tag cache holds.
    lines = [
        f"{mon} 26 {h:02d}:{m:02d}:{m % 60:02d} host p{m % 7}[{m}]: x {m}"
        for mon in ("Nov", "Dec", "Jan", "Dec")
        for h in (0, 1, 0)
        for m in range(0, 60, 7)
    ]
    full = parser()
    expected = [full._slow(line) for line in lines]  # every line by regex, the year state carried
    p = Parser(Clock(UTC), YearGuess(dt.date(2015, 11, 16)), tag_cache_size=3)
    assert [p.parse(line) for line in lines] == expected
    assert len({r.ts // 31_536_000 for r in expected}) == 2  # the year rolled over (Dec → Jan)
    assert len(p._tags) <= 3


@pytest.mark.parametrize(
    "rest, expected",
    [
        (
            "named[29923]: error (unexpected RCODE SERVFAIL)",
            ("named", "29923", "error (unexpected RCODE SERVFAIL)"),
        ),
        ("postfix/smtpd[12]: connect from x", ("postfix/smtpd", "12", "connect from x")),
        ("kernel: [ 1.0] eth0: up", ("kernel", "", "[ 1.0] eth0: up")),
        ("sshd:", ("sshd", "", "")),
        ("no tag here: really not", ("", "", "no tag here: really not")),
    ],
)
def test_split_tag(rest, expected):
    assert split_tag(rest) == expected
