"""Syslog receiver: UDP and TCP sockets → a bounded queue of `(peer, line, arrival)` (thin I/O driver).

`arrival` is the wall-clock time the datagram or chunk was read, so bins on the arrival clock
do not move when the consumer falls behind.

Framing and decoding live in `framing` (sans I/O). Each socket has its own thread, so a slow
consumer never blocks the kernel's receive path more than the queue allows:

- UDP: one datagram is one message (a datagram holding several LF-separated lines is split).
  The receive buffer is raised (`SO_RCVBUF`, up to the kernel's `net.core.rmem_max`) so bursts
  are absorbed while the reader thread catches up.
- TCP: one selector thread serves every connection (at most `max_connections`; more are refused),
  each with its own `StreamFramer` (octet counting or newline framing, RFC 6587).
- Memory is bounded: the queue holds at most `queue_size` lines (each at most `max_line` bytes);
  when it is full, new lines are dropped and counted (`counts.dropped`), never buffered.
- Binary frames are counted (`counts.binary`) and dropped; oversized ones are cut (`truncated`).

Loopback by default: `bind` is "127.0.0.1"; set it to "0.0.0.0" or "::" to take remote logs.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import selectors
import socket
import threading
import time

from vmwatch_loganomaly.framing import MAX_LINE, StreamFramer, decode_line

log = logging.getLogger(__name__)

RCVBUF = 8 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class ReceiverConfig:
    """Where to listen (port None: that transport is off; 0: any free port) and the bounds."""

    bind: str = "127.0.0.1"
    udp_port: int | None = 5514
    tcp_port: int | None = 5514
    max_line: int = MAX_LINE
    queue_size: int = 100_000
    max_connections: int = 256
    rcvbuf: int = RCVBUF


@dataclasses.dataclass
class ReceiverCounts:
    """Counters since start (each written by one thread only; read without locks)."""

    datagrams: int = 0
    lines: int = 0
    dropped: int = 0  # queue full
    binary: int = 0
    truncated: int = 0
    connections: int = 0
    refused: int = 0


class Receiver:
    """Listens on UDP and/or TCP and puts `(peer_host, line, arrival)` on `self.lines` (a bounded queue)."""

    def __init__(self, config: ReceiverConfig = ReceiverConfig()):
        self.config = config
        self.lines: queue.Queue[tuple[str, str, float]] = queue.Queue(config.queue_size)
        self.counts = ReceiverCounts()
        self.udp_address: tuple[str, int] | None = None
        self.tcp_address: tuple[str, int] | None = None
        self.rcvbuf = 0  # what the kernel granted
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Bind the sockets (raise OSError when a port is taken) and start the reader threads."""
        family = socket.AF_INET6 if ":" in self.config.bind else socket.AF_INET
        try:
            if self.config.udp_port is not None:
                udp = socket.socket(family, socket.SOCK_DGRAM)
                self._sockets.append(udp)
                udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.config.rcvbuf)
                self.rcvbuf = udp.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
                udp.bind((self.config.bind, self.config.udp_port))
                udp.settimeout(0.2)
                self.udp_address = udp.getsockname()[:2]
                self._spawn(self._udp_loop, udp, "syslog-udp")
            if self.config.tcp_port is not None:
                tcp = socket.socket(family, socket.SOCK_STREAM)
                self._sockets.append(tcp)
                tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                tcp.bind((self.config.bind, self.config.tcp_port))
                tcp.listen(64)
                tcp.setblocking(False)
                self.tcp_address = tcp.getsockname()[:2]
                self._spawn(self._tcp_loop, tcp, "syslog-tcp")
        except OSError:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the threads and close every socket; must not raise."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        for s in self._sockets:
            try:
                s.close()
            except OSError:
                pass
        self._threads.clear()
        self._sockets.clear()

    def _spawn(self, target, sock: socket.socket, name: str) -> None:
        t = threading.Thread(target=target, args=(sock,), name=name, daemon=True)
        self._threads.append(t)
        t.start()

    # --- delivery ----------------------------------------------------------------------------

    def _deliver(self, peer: str, frame: bytes, arrival: float) -> None:
        counts = self.counts
        if len(frame) > self.config.max_line:
            counts.truncated += 1
        line = decode_line(frame, self.config.max_line)
        if line is None:
            counts.binary += 1
            return
        if not line:
            return
        try:
            self.lines.put_nowait((peer, line, arrival))
        except queue.Full:
            counts.dropped += 1
            return
        counts.lines += 1

    # --- UDP ---------------------------------------------------------------------------------

    def _udp_loop(self, sock: socket.socket) -> None:
        size = max(self.config.max_line + 1, 65535)
        stop = self._stop
        while not stop.is_set():
            try:
                data, addr = sock.recvfrom(size)
            except TimeoutError:
                continue
            except OSError:
                if stop.is_set():
                    return
                log.exception("syslog UDP receive failed")
                continue
            arrival = time.time()
            self.counts.datagrams += 1
            peer = addr[0]
            if b"\n" in data.rstrip(b"\r\n\x00"):
                for frame in data.split(b"\n"):
                    if frame.strip(b"\r\x00"):
                        self._deliver(peer, frame, arrival)
            else:
                self._deliver(peer, data, arrival)

    # --- TCP ---------------------------------------------------------------------------------

    def _tcp_loop(self, server: socket.socket) -> None:
        sel = selectors.DefaultSelector()
        sel.register(server, selectors.EVENT_READ, None)
        framers: dict[socket.socket, tuple[str, StreamFramer]] = {}
        try:
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=0.2):
                    if key.data is None:
                        self._accept(server, sel, framers)
                        continue
                    conn: socket.socket = key.fileobj  # type: ignore[assignment]
                    peer, framer = framers[conn]
                    try:
                        data = conn.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        data = b""
                    arrival = time.time()
                    frames = framer.feed(data) if data else framer.close()
                    for frame in frames:
                        self._deliver(peer, frame, arrival)
                    self.counts.truncated += framer.counts.truncated
                    framer.counts.truncated = 0
                    if not data:
                        sel.unregister(conn)
                        conn.close()
                        del framers[conn]
        finally:
            for conn in framers:
                conn.close()
            sel.close()

    def _accept(self, server: socket.socket, sel: selectors.BaseSelector, framers: dict) -> None:
        try:
            conn, addr = server.accept()
        except (BlockingIOError, InterruptedError):
            return
        if len(framers) >= self.config.max_connections:
            self.counts.refused += 1
            conn.close()
            return
        self.counts.connections += 1
        conn.setblocking(False)
        framers[conn] = (addr[0], StreamFramer(self.config.max_line))
        sel.register(conn, selectors.EVENT_READ, True)
