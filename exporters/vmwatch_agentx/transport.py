"""A thin asyncio driver for one `Session`: connect, pump bytes both ways, tick, reconnect.

All protocol decisions are the session's; this module only moves bytes and keeps time. The
master may be on a Unix socket (net-snmp's default `/var/agentx/master`) or TCP. When the
connection drops, the master closes the session, or the master stops answering, the driver
reconnects with exponential backoff (0.25 s doubling to `backoff_max`, ±20 % jitter), and the
session opens and registers afresh. `stop()` sends Close and waits briefly for its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
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


class _Protocol(asyncio.Protocol):
    """Hands received bytes to the session and writes its answers back at once."""

    def __init__(self, client: AgentXClient) -> None:
        self.client = client
        self.transport: asyncio.Transport | None = None
        self.lost = asyncio.get_running_loop().create_future()

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        out = self.client.session.receive_data(data)
        if out:
            self.transport.write(out)
        self.client._handle_events()

    def connection_lost(self, exc) -> None:
        if not self.lost.done():
            self.lost.set_result(exc)


class AgentXClient:
    """Keeps one session to the master alive until `stop()`.

    `on_event` (optional) sees every session event, for logging or tests; `attempted` is set
    after the first connection attempt ends in registration, refusal or failure to connect.
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
        self.attempted = asyncio.Event()
        self.registered = asyncio.Event()
        self.connections = 0
        self._protocol: _Protocol | None = None
        self._stopping = False
        self._failures = 0
        self._drop: asyncio.Future | None = None

    async def _connect(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        if self.address.kind == "unix":
            _, protocol = await loop.create_unix_connection(lambda: _Protocol(self), self.address.path)
        else:
            _, protocol = await loop.create_connection(lambda: _Protocol(self), self.address.host, self.address.port)
        return protocol

    async def run(self) -> None:
        """Connect, serve, reconnect, until `stop()`."""
        while not self._stopping:
            try:
                self._protocol = await self._connect()
            except OSError as exc:
                self.attempted.set()
                await self._backoff(f"cannot reach the AgentX master at {self.address}: {exc}")
                continue
            self.connections += 1
            self._drop = asyncio.get_running_loop().create_future()
            self._protocol.transport.write(self.session.connect())
            ticker = asyncio.create_task(self._tick())
            try:
                await asyncio.wait({self._protocol.lost, self._drop}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                ticker.cancel()
                self._protocol.transport.close()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
            self.session.connection_lost()
            self._handle_events()
            self.registered.clear()
            self._protocol = None
            if not self._stopping:
                await self._backoff(f"AgentX session with {self.address} ended")

    async def _backoff(self, why: str) -> None:
        self._failures += 1
        delay = min(self.backoff_max, FIRST_BACKOFF * 2 ** (self._failures - 1)) * random.uniform(0.8, 1.2)
        log.log(logging.WARNING if self._failures == 1 else logging.DEBUG, "%s; retrying in %.1f s", why, delay)
        await asyncio.sleep(delay)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(min(1.0, max(0.05, self.session.timeout / 4)))
            out = self.session.tick()
            if out and self._protocol is not None:
                self._protocol.transport.write(out)
            self._handle_events()

    def _handle_events(self) -> None:
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
            elif isinstance(event, Closed) and not self._stopping:
                self._end_connection()
            elif isinstance(event, TimedOut) and event.kind in (PduType.OPEN, PduType.REGISTER, PduType.PING):
                log.warning("the AgentX master did not answer a %s; reconnecting", event.kind.name)
                self._end_connection()
        if session.state is State.REGISTERED and not self.registered.is_set():
            if session.registered:
                self._failures = 0
                self.registered.set()
                self.attempted.set()
            else:  # every registration refused: try again later on a fresh session
                self.attempted.set()
                self._end_connection()

    def _end_connection(self) -> None:
        self.attempted.set()
        if self._drop is not None and not self._drop.done():
            self._drop.set_result(None)

    def register(self, context: bytes | None) -> None:
        """Register one more context now if connected (always on later sessions)."""
        out = self.session.register(context)
        if out and self._protocol is not None:
            self._protocol.transport.write(out)

    def notify(self, varbinds: list[tuple[OID, Value]], context: bytes | None = None) -> int:
        """Send a notification now; returns its packet ID. Raises SessionNotOpen when there is
        no session (the caller decides whether to retry)."""
        if self._protocol is None:
            raise SessionNotOpen("not connected to the AgentX master")
        data = self.session.notify(varbinds, context)
        self._protocol.transport.write(data)
        return int.from_bytes(data[12:16], "big" if self.session.network_byte_order else "little")

    async def stop(self, wait: float = 1.0) -> None:
        """Close the session cleanly (Close, then up to `wait` seconds for its answer)."""
        self._stopping = True
        protocol = self._protocol
        if protocol is not None and self.session.is_open:
            protocol.transport.write(self.session.close())
            loop = asyncio.get_running_loop()
            deadline = loop.time() + wait
            while self.session.state is State.CLOSING and loop.time() < deadline and not protocol.lost.done():
                await asyncio.sleep(0.01)
        self._end_connection()
