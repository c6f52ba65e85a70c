"""The epoll event implementation vmwatch registers with libvirt (vmwatch_libvirt.eventloop), driven
one iteration at a time from the test: handles on a socket pair, timers, removal. That reads do
not wake it is checked against a real libvirtd in test_events_libvirt.py."""

from __future__ import annotations

import select
import socket
import threading
import time

import libvirt
import pytest
from vmwatch_libvirt.eventloop import (
    ERROR,
    HANGUP,
    READABLE,
    WRITABLE,
    EpollEventLoop,
    epoll_mask,
    handle_events,
)


@pytest.fixture
def loop():
    return EpollEventLoop()


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def recorder(calls: list):
    return lambda *args: calls.append(args)


def test_masks_translate_both_ways():
    assert epoll_mask(READABLE) == select.EPOLLIN
    assert epoll_mask(READABLE | WRITABLE) == select.EPOLLIN | select.EPOLLOUT
    assert epoll_mask(ERROR | HANGUP) == 0  # epoll reports these whatever the mask
    assert handle_events(select.EPOLLIN | select.EPOLLHUP) == READABLE | HANGUP
    assert handle_events(select.EPOLLOUT | select.EPOLLERR) == WRITABLE | ERROR


def test_a_readable_handle_is_dispatched_with_its_own_descriptor(loop, pair):
    a, b = pair
    calls: list = []
    watch = loop.add_handle(a.fileno(), READABLE, recorder(calls), "opaque")
    b.send(b"x")
    loop.run_once()
    assert calls == [(watch, a.fileno(), READABLE, "opaque")]


def test_a_disabled_handle_is_neither_dispatched_nor_woken_and_comes_back_when_enabled(loop, pair):
    a, b = pair
    calls: list = []
    watch = loop.add_handle(a.fileno(), READABLE, recorder(calls), None)
    loop.update_handle(watch, 0)  # what libvirt does for the duration of each RPC
    b.send(b"x")
    b.close()  # not even a hang-up is reported while disabled
    started = time.monotonic()
    loop.add_timeout(100, lambda *_: None, None)
    loop.run_once()  # returns for the timer, not for the socket
    assert time.monotonic() - started >= 0.09 and calls == []
    loop.update_handle(watch, READABLE)
    loop.run_once()
    assert calls and calls[0][2] & READABLE


def test_two_watches_on_one_descriptor(loop, pair):
    a, b = pair
    calls: list = []
    first = loop.add_handle(a.fileno(), READABLE, recorder(calls), 1)
    second = loop.add_handle(a.fileno(), WRITABLE, recorder(calls), 2)
    b.send(b"x")
    loop.run_once()
    assert sorted(calls) == [(first, a.fileno(), READABLE, 1), (second, a.fileno(), WRITABLE, 2)]


def test_timers_fire_on_time_repeat_and_stop(loop):
    calls: list = []
    timer = loop.add_timeout(50, recorder(calls), "t")
    started = time.monotonic()
    loop.run_once()
    assert calls == [(timer, "t")] and time.monotonic() - started >= 0.045
    loop.run_once()
    assert len(calls) == 2  # every 50 ms until changed
    loop.update_timeout(timer, 0)  # every iteration
    loop.run_once()
    loop.run_once()
    assert len(calls) == 4
    loop.update_timeout(timer, -1)  # disabled
    loop.add_timeout(20, lambda *_: None, None)
    loop.run_once()
    assert len(calls) == 4


def test_a_timer_brought_forward_from_another_thread_wakes_the_loop(loop):
    calls: list = []
    timer = loop.add_timeout(-1, recorder(calls), None)
    threading.Timer(0.05, loop.update_timeout, (timer, 0)).start()
    started = time.monotonic()
    loop.run_once()  # would block forever without the wake-up
    assert calls == [(timer, None)] and time.monotonic() - started < 5


def test_removal_frees_later_in_the_loop_and_stops_dispatch(loop, pair, monkeypatch):
    a, b = pair
    freed: list = []
    monkeypatch.setattr(libvirt, "virEventInvokeFreeCallback", freed.append)
    calls: list = []
    watch = loop.add_handle(a.fileno(), READABLE, recorder(calls), "handle")
    timer = loop.add_timeout(0, recorder(calls), "timer")
    assert loop.remove_handle(watch) == 0 and loop.remove_timeout(timer) == 0
    assert freed == []  # never from within the removal: libvirt may hold its locks
    b.send(b"x")
    loop.run_once()
    assert calls == [] and sorted(freed) == ["handle", "timer"]
    assert loop.remove_handle(watch) == -1 and loop.remove_timeout(timer) == -1


def test_a_handle_removed_by_an_earlier_callback_is_not_dispatched(loop, pair):
    a, b = pair
    calls: list = []
    watch = loop.add_handle(a.fileno(), READABLE, recorder(calls), None)
    loop.add_timeout(0, lambda *_: loop.remove_handle(watch), None)
    b.send(b"x")
    loop.run_once()  # the timer runs first and removes the handle
    assert calls == []
