"""Syslog framing (sans I/O), the UDP/TCP receiver on loopback, and file tailing across rotations."""

from __future__ import annotations

import contextlib
import os
import queue
import random
import socket
import time

import pytest
from vmwatch_loganomaly.framing import StreamFramer, decode_line
from vmwatch_loganomaly.receiver import Receiver, ReceiverConfig
from vmwatch_loganomaly.tail import Follower

L1 = b"<13>Dec  2 06:48:47 host1 sshd[12]: Accepted publickey for root"
L2 = b"<165>1 2024-01-05T10:20:30Z host2 app 7 - - hello world"


def test_newline_framing_across_chunks():
    f = StreamFramer()
    assert f.feed(L1[:10]) == []
    assert f.feed(L1[10:] + b"\n" + L2[:5]) == [L1]
    assert f.feed(L2[5:] + b"\r\n") == [L2 + b"\r"]


def test_octet_counting_and_mixed():
    f = StreamFramer()
    data = f"{len(L2)} ".encode() + L2 + L1 + b"\n" + f"{len(L1)} ".encode() + L1
    frames = []
    for i in range(0, len(data), 7):
        frames += f.feed(data[i : i + 7])
    assert frames == [L2, L1, L1]


def test_oversized_frames_are_cut_and_counted():
    f = StreamFramer(max_line=100)
    frames = f.feed(b"x" * 250)
    frames += f.feed(b"y" * 50 + b"\nshort\n")
    assert frames == [b"x" * 100, b"short"]
    frames = f.feed(b"1000 " + b"z" * 300)
    frames += f.feed(b"z" * 700 + b"after\n")
    assert frames == [b"z" * 100, b"after"]
    assert f.counts.truncated == 2


def test_arbitrary_bytes_never_raise():
    rng = random.Random(1)
    f = StreamFramer(max_line=64)
    for _ in range(2000):
        chunk = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
        for frame in f.feed(chunk):
            assert len(frame) <= 64
            decode_line(frame)
    assert len(f._buffer) <= 64 + 40


def test_decode_line():
    assert decode_line(b"abc\r\n") == "abc"
    assert decode_line(b"caf\xc3\xa9 \xff") == "café \ufffd"
    assert decode_line(b"a\x00b") is None
    assert decode_line(b"\x01\x02\x03\x04a") is None
    assert decode_line(b"x" * 20, max_line=5) == "xxxxx"


def _drain(r: Receiver, n: int, timeout: float = 5.0) -> list[tuple[str, str]]:
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < deadline:
        with contextlib.suppress(queue.Empty):
            out.append(r.lines.get(timeout=0.05))
    return out


def test_udp_and_tcp_on_loopback():
    r = Receiver(ReceiverConfig(udp_port=0, tcp_port=0, max_line=200))
    r.start()
    try:
        assert r.udp_address[0] == "127.0.0.1"
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.sendto(L1, r.udp_address)
            u.sendto(L1 + b"\n" + L2 + b"\n", r.udp_address)
            u.sendto(b"\x00\x01binary", r.udp_address)
            u.sendto(b"q" * 500, r.udp_address)
        # UDP and TCP are read by different threads: take the UDP lines first, then send on TCP,
        # so that the order between the two transports does not depend on scheduling.
        udp = _drain(r, 4)
        with socket.create_connection(r.tcp_address) as t:
            t.sendall(f"{len(L2)} ".encode() + L2 + L1 + b"\n" + b"tail-without-newline")
        got = udp + _drain(r, 2)
        lines = [line for _, line, _ in got]
        assert all(abs(t - time.time()) < 5 for _, _, t in got)
        assert lines[:3] == [L1.decode(), L1.decode(), L2.decode()]
        assert "q" * 200 in lines
        assert lines[4:] == [L2.decode(), L1.decode()]
        more = _drain(r, 1)  # the last frame arrives once the connection closed
        assert [line for _, line, _ in more] == ["tail-without-newline"]
        assert {peer for peer, _, _ in got} == {"127.0.0.1"}
        assert r.counts.binary == 1
        assert r.counts.truncated == 1
    finally:
        r.stop()


def test_full_queue_drops_and_counts():
    r = Receiver(ReceiverConfig(udp_port=0, tcp_port=None, queue_size=10))
    r.start()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            for _ in range(50):
                u.sendto(L1, r.udp_address)
        deadline = time.monotonic() + 5
        while r.counts.lines + r.counts.dropped < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert r.counts.lines == 10
        assert r.counts.dropped == 40
        assert r.lines.qsize() == 10
    finally:
        r.stop()


def test_port_in_use_raises():
    r = Receiver(ReceiverConfig(udp_port=None, tcp_port=0))
    r.start()
    try:
        with pytest.raises(OSError):
            Receiver(ReceiverConfig(udp_port=None, tcp_port=r.tcp_address[1])).start()
    finally:
        r.stop()


def test_tail_follows_rename_and_copytruncate(tmp_path):
    path = tmp_path / "syslog"
    path.write_text("old line\n")
    f = Follower(path)
    assert f.poll() == []
    with path.open("a") as out:
        out.write("one\ntw")
    assert f.poll() == ["one"]
    with path.open("a") as out:
        out.write("o\nthree\n")
    os.rename(path, tmp_path / "syslog.1")
    with (tmp_path / "syslog.1").open("a") as out:
        out.write("late\n")
    assert f.poll() == ["two", "three", "late"]  # new file not created yet
    path.write_text("new1\n")
    assert f.poll() == ["new1"]
    with path.open("a") as out:
        out.write("new2\n")
    assert f.poll() == ["new2"]
    # copytruncate
    with path.open("r+") as out:
        out.truncate(0)
    with path.open("a") as out:
        out.write("after\n")
    assert f.poll() == ["after"]
    assert f.rotations == 2
    f.close()


def test_tail_bounds_long_lines(tmp_path):
    path = tmp_path / "log"
    path.write_bytes(b"")
    f = Follower(path, max_line=10, max_read=16)
    with path.open("ab") as out:
        out.write(b"a" * 40 + b"\nok\n")
    lines = []
    for _ in range(10):
        lines += f.poll()
    assert "ok" in lines
    assert all(len(x) <= 10 for x in lines)
    assert f.truncated >= 1
