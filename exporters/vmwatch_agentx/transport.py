"""A thin driver for one `Session`: connect, pump bytes both ways, tick, reconnect.

All protocol decisions are the session's; this module only moves bytes and keeps time. It runs in
one thread of its own with a blocking socket: a walk through snmpd is one AgentX round trip per
VarBind, and a blocking recv/send loop costs vmwatch about 13 µs of CPU and 30 µs of latency per
round trip where an asyncio protocol cost 20-30 µs and 52-57 µs (docs/benchmarks-snmp.md).

The master may be on a Unix socket (net-snmp's default `/var/agentx/master`) or TCP. When the
connection drops, the master closes the session, or the master stops answering, the driver
reconnects with exponential backoff (0.25 s doubling to `backoff_max`, ±20 % jitter), and the
session opens and registers afresh. `stop()` sends Close and waits briefly for its answer.
Other threads may call `notify()`, `register()` and `stop()`: one lock guards the session and the
socket's writes.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from vmwatch_mib import Value

from vmwatch_agentx.pdu import OID, PduType
from vmwatch_agentx.session import (
    Closed,
    Event,
    NotifyAnswered,
    OpenFailed,
    Registered,
    RegistrationFailed,
    Session,
    SessionNotOpen,
    State,
    TimedOut,
)

log = logging.getLogger(__name__)

DEFAULT_MASTER = "unix:/var/agentx/master"
AGENTX_TCP_PORT = 705  # IANA's port for AgentX
FIRST_BACKOFF = 0.25
RECEIVE_SIZE = 1 << 16


class AddressError(ValueError):
    """An AgentX master address that is neither `unix:/path` nor `tcp:host:port`."""


@dataclass(frozen=True)
class Address:
    """Where the master listens: `kind` is "unix" (with `path`) or "tcp" (with host, port)."""

    kind: str
    path: str = ""
    host: str = ""
    port: int = 0

    def __str__(self) -> str:
        return f"unix:{self.path}" if self.kind == "unix" else f"tcp:{self.host}:{self.port}"


def parse_address(text: str) -> Address:
    """`unix:/path`, a bare `/path`, `tcp:host:port`, `tcp:[v6]:port` or `tcp:host` (port 705),
    the forms net-snmp's agentXSocket takes."""
    if not isinstance(text, str) or not text:
        raise AddressError(f"empty AgentX address {text!r}")
    if text.startswith(("unix:", "/")):
        path = text.removeprefix("unix:")
        if not path.startswith("/"):
            raise AddressError(f"{text!r}: a Unix socket path must be absolute")
        return Address("unix", path=path)
    if text.startswith("tcp:"):
        rest = text[4:]
        if rest.startswith("["):  # IPv6 literal
            host, _, tail = rest[1:].partition("]")
            port_text = tail[1:] if tail.startswith(":") else ""
        else:
            host, _, port_text = rest.partition(":")
        if not host:
            raise AddressError(f"{text!r}: no host")
        try:
            port = int(port_text) if port_text else AGENTX_TCP_PORT
        except ValueError:
            raise AddressError(f"{text!r}: port {port_text!r} is not a number") from None
        if not 0 < port < 65536:
            raise AddressError(f"{text!r}: port {port} out of range")
        return Address("tcp", host=host, port=port)
    raise AddressError(f"{text!r}: expected unix:/path or tcp:host:port")


class AgentXClient:
    """Keeps one session to the master alive until `stop()`; `run()` is the thread's body.

    `on_event` (optional) sees every session event, for logging or tests; `attempted` is set
    after the first connection attempt ends in registration, refusal or failure to connect;
    `registered` while a session has its subtree registered.
    """

    def __init__(
        self,
        session: Session,
        address: Address,
        backoff_max: float = 10.0,
        on_event: Callable[[Event], None] | None = None,
    ) -> None:
        self.session = session
        self.address = address
        self.backoff_max = backoff_max
        self.on_event = on_event
        self.attempted = threading.Event()
        self.registered = threading.Event()
        self.connections = 0
        # How often the session's clock is looked at (pings, timeouts) when nothing arrives.
        self.tick_interval = min(1.0, max(0.05, session.timeout / 4))
        self._lock = threading.Lock()  # the session and writes to the socket
        self._sock: socket.socket | None = None
        self._stopping = threading.Event()
        self._drop = False
        self._failures = 0

    # --- the thread ---------------------------------------------------------------------------

    def run(self) -> None:
        """Connect, serve, reconnect, until `stop()`."""
        while not self._stopping.is_set():
            try:
                sock = self._connect()
            except OSError as exc:
                self.attempted.set()
                self._backoff(f"cannot reach the AgentX master at {self.address}: {exc}")
                continue
            self.connections += 1
            try:
                with self._lock:
                    self._sock, self._drop = sock, False
                    sock.sendall(self.session.connect())
                self._serve(sock)
            except OSError as exc:
                log.debug("AgentX connection to %s failed: %s", self.address, exc)
            finally:
                with self._lock:
                    self._sock = None
                    self.session.connection_lost()
                    self._handle_events()
                self.registered.clear()
                sock.close()
            if not self._stopping.is_set():
                self._backoff(f"AgentX session with {self.address} ended")

    def _connect(self) -> socket.socket:
        if self.address.kind == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.session.timeout)
                sock.connect(self.address.path)
            except OSError:
                sock.close()
                raise
        else:
            sock = socket.create_connection((self.address.host, self.address.port), timeout=self.session.timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # one small PDU per exchange
        sock.settimeout(self.tick_interval)  # recv wakes up at least this often to tick
        return sock

    def _serve(self, sock: socket.socket) -> None:
        """Answer the master until the connection ends or is to be dropped."""
        session, lock = self.session, self._lock
        next_tick = time.monotonic() + self.tick_interval
        while not self._drop:
            try:
                data = sock.recv(RECEIVE_SIZE)
            except TimeoutError:
                data = None
            if data == b"":
                return  # the master closed the connection (snmpd stopped or restarted)
            with lock:
                if data:
                    out = session.receive_data(data)
                    if out:
                        sock.sendall(out)
                now = time.monotonic()
                if now >= next_tick:
                    next_tick = now + self.tick_interval
                    out = session.tick()
                    if out:
                        sock.sendall(out)
                self._handle_events()

    def _backoff(self, why: str) -> None:
        self._failures += 1
        delay = min(self.backoff_max, FIRST_BACKOFF * 2 ** (self._failures - 1)) * random.uniform(0.8, 1.2)
        log.log(logging.WARNING if self._failures == 1 else logging.DEBUG, "%s; retrying in %.1f s", why, delay)
        self._stopping.wait(delay)

    def _handle_events(self) -> None:
        """React to what the session reported (called with the lock held)."""
        session = self.session
        while (event := session.next_event()) is not None:
            if self.on_event is not None:
                self.on_event(event)
            if isinstance(event, Registered):
                log.info("registered VM-MIB with the AgentX master at %s (context %r)", self.address, event.context)
            elif isinstance(event, RegistrationFailed):
                log.warning("the AgentX master refused the registration (context %r): error %d", event.context, event.error)
            elif isinstance(event, NotifyAnswered) and event.error:
                log.warning("the AgentX master refused notification %d: error %d", event.packet_id, event.error)
            elif isinstance(event, OpenFailed):
                log.warning("the AgentX master refused the session: error %d", event.error)
                self._end_connection()
            elif isinstance(event, Closed) and not self._stopping.is_set():
                self._end_connection()
            elif isinstance(event, TimedOut) and event.kind in (PduType.OPEN, PduType.REGISTER, PduType.PING):
                log.warning("the AgentX master did not answer a %s; reconnecting", event.kind.name)
                self._end_connection()
        if session.state is State.REGISTERED and not self.registered.is_set():
            self.attempted.set()
            if session.registered:
                self._failures = 0
                self.registered.set()
            else:  # every registration refused: try again later on a fresh session
                self._end_connection()

    def _end_connection(self) -> None:
        self.attempted.set()
        self._drop = True

    # --- other threads ------------------------------------------------------------------------

    def register(self, context: bytes | None) -> None:
        """Register one more context now if connected (always on later sessions)."""
        with self._lock:
            out = self.session.register(context)
            if out and self._sock is not None:
                try:
                    self._sock.sendall(out)
                except OSError:
                    self._drop = True  # the reader sees the broken connection and reconnects

    def notify(self, varbinds: list[tuple[OID, Value]], context: bytes | None = None, wait: float = 5.0) -> int:
        """Send a notification now; returns its packet ID. Raises SessionNotOpen when there is
        no session (the caller decides whether to retry), TimeoutError when the driver stays busy
        for `wait` seconds."""
        if not self._lock.acquire(timeout=wait):
            raise TimeoutError("the AgentX driver stayed busy")
        try:
            if self._sock is None:
                raise SessionNotOpen("not connected to the AgentX master")
            data = self.session.notify(varbinds, context)
            try:
                self._sock.sendall(data)
            except OSError as exc:
                self._drop = True
                raise SessionNotOpen(f"the connection to the AgentX master broke: {exc}") from None
        finally:
            self._lock.release()
        return int.from_bytes(data[12:16], "big" if self.session.network_byte_order else "little")

    def stop(self, wait: float = 1.0) -> None:
        """Close the session cleanly (Close, then up to `wait` seconds for its answer) and make
        `run()` return."""
        self._stopping.set()
        with self._lock:
            sock = self._sock
            if sock is not None and self.session.is_open:
                try:
                    sock.sendall(self.session.close())
                except OSError:
                    pass
        deadline = time.monotonic() + wait
        while sock is not None and self.session.state is State.CLOSING and time.monotonic() < deadline:
            time.sleep(0.01)
        self._drop = True
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes the reader at once
            except OSError:
                pass
