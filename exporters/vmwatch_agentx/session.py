"""The subagent side of one AgentX session (RFC 2741 7), as a state machine that does no I/O.

The driver feeds received bytes to `receive_data()` and writes whatever bytes any method
returns; it reads what happened from `next_event()`, and calls `tick()` now and then so that
pings go out and unanswered requests time out. Time comes from the injected `clock`.

Rules:
- CLOSED --connect()--> OPENING: an Open goes out with session 0.
- OPENING --Response(noAgentXError)--> REGISTERING: the response carries our session ID; one
  Register of the subtree per context goes out. An error or timeout returns to CLOSED.
- REGISTERING --the last Register answered--> REGISTERED, with a Registered or
  RegistrationFailed event per context.
- Requests of the master (Get, GetNext, GetBulk, TestSet, CommitSet, UndoSet) are answered once
  the session is open, in the byte order they came in, echoing session, transaction and packet
  IDs; a request for another session gets notOpen. CleanupSet and Response are never answered.
- Responses are matched to what we sent by session, transaction and packet ID; a Response that
  matches nothing is ignored.
- A packet that does not parse but whose header does is answered with parseError (unless it is
  itself a Response or CleanupSet) and the session goes on. A stream that cannot be framed any
  more ends the session: Close(parseError) goes out and the state is CLOSED.
- The master's Close, or close() and its answer (or timeout), return to CLOSED.
- SETs: only vmPerVMNotificationsEnabled and vmBulkNotificationsEnabled (vmwatch_mib.check_set);
  TestSet checks and remembers, CommitSet applies and remembers the old values, UndoSet restores
  them, CleanupSet forgets the transaction.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from vmwatch_mib import Lookup, MibView, NotificationSwitches, Syntax, Value, check_set
from vmwatch_mib.switches import WRITABLE

from vmwatch.model import VM_MIB
from vmwatch_agentx import codec
from vmwatch_agentx.codec import AgentXParseError
from vmwatch_agentx.pdu import (
    OID,
    Close,
    CloseReason,
    Get,
    GetBulk,
    GetNext,
    Header,
    Notify,
    Open,
    Pdu,
    PduType,
    Ping,
    Register,
    Response,
    ResponseError,
    VarBind,
    VarType,
)

# Beyond this many varbinds a GetBulk answer is cut short, which RFC 2741 7.2.3.3 allows.
MAX_BULK_VARBINDS = 2000
AGENT_ID: OID = VM_MIB  # o.id of Open: what this subagent is

_TO_VARTYPE = {s: VarType(int(s)) for s in Syntax}
_EXCEPTION = {Lookup.NO_SUCH_OBJECT: VarType.NO_SUCH_OBJECT, Lookup.NO_SUCH_INSTANCE: VarType.NO_SUCH_INSTANCE}


class State(enum.Enum):
    CLOSED = "closed"
    OPENING = "opening"
    REGISTERING = "registering"
    REGISTERED = "registered"
    CLOSING = "closing"


class SessionNotOpen(Exception):
    """A notification or ping was asked for while no session is open; retry after reconnecting."""


# --- events ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    session_id: int


@dataclass(frozen=True)
class OpenFailed:
    error: int


@dataclass(frozen=True)
class Registered:
    context: bytes | None


@dataclass(frozen=True)
class RegistrationFailed:
    context: bytes | None
    error: int


@dataclass(frozen=True)
class Closed:
    """The session ended: by the master (`by_master`), by close(), or on a broken stream."""

    reason: CloseReason
    by_master: bool


@dataclass(frozen=True)
class NotifyAnswered:
    packet_id: int
    error: int


@dataclass(frozen=True)
class PingAnswered:
    packet_id: int
    round_trip: float


@dataclass(frozen=True)
class TimedOut:
    """A request of ours went unanswered for `timeout` seconds; for Open, Register and Ping the
    master is presumed gone and the driver should reconnect."""

    kind: PduType
    packet_id: int


@dataclass(frozen=True)
class ParseFailed:
    """A packet from the master did not parse; `answered` when parseError went back."""

    message: str
    answered: bool
    fatal: bool


Event = Opened | OpenFailed | Registered | RegistrationFailed | Closed | NotifyAnswered | PingAnswered | TimedOut | ParseFailed


@dataclass
class _Outstanding:
    kind: PduType
    transaction_id: int
    sent_at: float
    context: bytes | None = None


@dataclass
class _SetTransaction:
    pending: list[tuple[OID, Value]]
    previous: list[tuple[OID, bool]] | None = None  # set by CommitSet, for UndoSet


ViewSource = Callable[[bytes | None], MibView | None]


class Session:
    """One AgentX session of the vmwatch subagent. See the module docstring for the rules."""

    def __init__(
        self,
        views: ViewSource,
        switches: NotificationSwitches,
        contexts: Sequence[bytes | None] = (None,),
        *,
        subtree: OID = VM_MIB,
        description: bytes = b"vmwatch VM-MIB (RFC 7666) subagent",
        timeout: float = 5.0,
        ping_interval: float = 15.0,
        priority: int = 127,
        network_byte_order: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.views = views
        self.switches = switches
        self.contexts = list(contexts)
        self.subtree = tuple(subtree)
        self.description = description
        self.timeout = timeout
        self.ping_interval = ping_interval
        self.priority = priority
        self.network_byte_order = network_byte_order
        self.clock = clock
        self.state = State.CLOSED
        self.session_id: int | None = None
        self.registered: set[bytes | None] = set()
        self.requests_answered = 0
        self.varbinds_answered = 0
        self._decoder = codec.Decoder()
        self._events: deque[Event] = deque()
        self._outstanding: dict[int, _Outstanding] = {}
        self._sets: dict[int, _SetTransaction] = {}
        self._packet_ids = itertools.count(1)
        self._last_ping = 0.0
        # Encoded VarBinds per view and byte order: a view is immutable, so each instance is
        # encoded once and every later walk copies bytes. Freed with the view.
        self._encoded: weakref.WeakKeyDictionary[MibView, tuple[dict, dict]] = weakref.WeakKeyDictionary()
        self._handlers: dict[PduType, Callable[[Pdu], bytes]] = {
            PduType.GET: self._on_get,
            PduType.GET_NEXT: self._on_get_next,
            PduType.GET_BULK: self._on_get_bulk,
            PduType.TEST_SET: self._on_test_set,
            PduType.COMMIT_SET: self._on_commit_set,
            PduType.UNDO_SET: self._on_undo_set,
            PduType.CLEANUP_SET: self._on_cleanup_set,
            PduType.RESPONSE: self._on_response,
            PduType.CLOSE: self._on_close,
            PduType.PING: self._on_ping,
        }

    # --- what the driver calls -----------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.state in (State.REGISTERING, State.REGISTERED)

    def next_event(self) -> Event | None:
        """The oldest event not yet read, or None."""
        return self._events.popleft() if self._events else None

    def connect(self) -> bytes:
        """Start a new session on a fresh connection: the Open PDU to send."""
        self._decoder = codec.Decoder()
        self._outstanding.clear()
        self._sets.clear()
        self.registered.clear()
        self.session_id = None
        self.state = State.OPENING
        # o.timeout 0: snmpd's own agentXTimeout (snmpd.conf) governs how long it waits for us.
        return self._send(Open(timeout=0, id=AGENT_ID, description=self.description), session_id=0)

    def close(self, reason: CloseReason = CloseReason.SHUTDOWN) -> bytes:
        """A clean end of the session: the Close PDU to send (b"" when nothing is open)."""
        if self.state is State.CLOSED or self.session_id is None:
            self.state = State.CLOSED
            return b""
        self.state = State.CLOSING
        return self._send(Close(reason=reason))

    def connection_lost(self) -> None:
        """The transport is gone (the master closed or restarted): forget the session."""
        if self.state is not State.CLOSED:
            self.state = State.CLOSED
            self._events.append(Closed(CloseReason.OTHER, by_master=True))
        self.session_id = None
        self._outstanding.clear()
        self._sets.clear()
        self.registered.clear()

    def register(self, context: bytes | None) -> bytes:
        """Register the subtree in one more context (a hypervisor that appeared later)."""
        if context not in self.contexts:
            self.contexts.append(context)
        if not self.is_open:
            return b""
        return self._send(
            Register(context=context, priority=self.priority, subtree=self.subtree), context=context
        )

    def notify(self, varbinds: Iterable[VarBind | tuple[OID, Value]], context: bytes | None = None) -> bytes:
        """A Notify PDU to send: snmpTrapOID.0 first (sysUpTime.0 before it is optional), then
        the notification's objects. Its answer arrives as a NotifyAnswered event."""
        if not self.is_open:
            raise SessionNotOpen("no AgentX session is open; the notification was not sent")
        binds = tuple(vb if isinstance(vb, VarBind) else to_varbind(vb[0], vb[1]) for vb in varbinds)
        return self._send(Notify(context=context, varbinds=binds))

    def ping(self) -> bytes:
        """A Ping PDU to send: the master's answer proves it is alive."""
        if not self.is_open:
            raise SessionNotOpen("no AgentX session is open")
        self._last_ping = self.clock()
        return self._send(Ping())

    def tick(self) -> bytes:
        """Time out unanswered requests; return a Ping when one is due (else b"")."""
        now = self.clock()
        for packet_id, request in list(self._outstanding.items()):
            if now - request.sent_at > self.timeout:
                del self._outstanding[packet_id]
                self._events.append(TimedOut(request.kind, packet_id))
                if request.kind in (PduType.OPEN, PduType.CLOSE):
                    self.state = State.CLOSED
        if (
            self.state is State.REGISTERED
            and self.ping_interval > 0
            and now - self._last_ping >= self.ping_interval
            and not any(r.kind is PduType.PING for r in self._outstanding.values())
        ):
            return self.ping()
        return b""

    def receive_data(self, data: bytes) -> bytes:
        """Take bytes from the master; return the bytes to send back (possibly b"")."""
        if not self._decoder.buffered and self.is_open:
            # One GetNext per read is what a walk through snmpd is made of: answer it without
            # building PDU objects. Anything else goes the general way below.
            fast = codec.single_get_next(data)
            if fast is not None and fast[0] == self.session_id:
                view = self.views(None)
                if view is not None:
                    session_id, transaction_id, packet_id, nbo, start, include, end = fast
                    self.requests_answered += 1
                    self.varbinds_answered += 1
                    return codec.encode_response(
                        session_id, transaction_id, packet_id, nbo, 0, 0, self._next(view, start, include, end, nbo)[1]
                    )
        self._decoder.feed(data)
        out: list[bytes] = []
        while True:
            try:
                pdu = self._decoder.next_pdu()
            except AgentXParseError as exc:
                out.append(self._on_parse_error(exc))
                if exc.fatal:
                    break
                continue
            if pdu is None:
                break
            handler = self._handlers.get(pdu.type)
            if handler is None:
                # A PDU only a subagent sends (Open, Register, Notify ...): nothing to act on.
                out.append(self._reply(pdu, error=ResponseError.PROCESSING_ERROR))
            else:
                out.append(handler(pdu))
        return b"".join(out)

    # --- sending --------------------------------------------------------------------------------

    def _send(self, pdu: Pdu, session_id: int | None = None, context: bytes | None = None) -> bytes:
        packet_id = next(self._packet_ids) & 0xFFFFFFFF
        sid = self.session_id if session_id is None else session_id
        pdu = _with_ids(pdu, sid or 0, packet_id, packet_id, self.network_byte_order)
        self._outstanding[packet_id] = _Outstanding(pdu.type, packet_id, self.clock(), context)
        return codec.encode(pdu)

    def _reply(self, request: Pdu | Header, error: int = 0, index: int = 0, varbinds: bytes = b"", count: int = 0) -> bytes:
        """A Response to `request` in its byte order, from already encoded VarBinds."""
        self.requests_answered += 1
        self.varbinds_answered += count
        return codec.encode_response(
            request.session_id, request.transaction_id, request.packet_id, request.network_byte_order,
            error, index, varbinds,
        )

    def _found(self, view: MibView, oid: OID, value: Value, nbo: bool) -> bytes:
        """The encoded VarBind of one instance, from the cache when it was sent before."""
        caches = self._encoded.get(view)
        if caches is None:
            caches = self._encoded[view] = ({}, {})
        cache = caches[nbo]
        data = cache.get(oid)
        if data is None:
            data = codec.encode_varbind(VarBind(oid, _TO_VARTYPE[value.syntax], value.value), nbo)
            if oid not in WRITABLE:  # the enable objects change under SET: never cached
                cache[oid] = data
        return data

    def _next(self, view: MibView, start: OID, include: bool, end: OID, nbo: bool) -> tuple[OID, bytes, bool]:
        """GetNext of one search range: (name, encoded VarBind, reached endOfMibView)."""
        found = view.next(start, include, end)
        if found is None:
            return start, codec.encode_varbind(VarBind(start, VarType.END_OF_MIB_VIEW), nbo), True
        oid, value = found
        return oid, self._found(view, oid, value, nbo), False

    # --- requests from the master -------------------------------------------------------------

    def _view_for(self, pdu: Pdu) -> tuple[MibView | None, bytes]:
        """The view to answer from, or (None, error reply)."""
        if not self.is_open or pdu.session_id != self.session_id:
            return None, self._reply(pdu, error=ResponseError.NOT_OPEN)
        view = self.views(pdu.context)
        if view is None:
            return None, self._reply(pdu, error=ResponseError.UNSUPPORTED_CONTEXT)
        return view, b""

    def _on_get(self, pdu: Get) -> bytes:
        view, error = self._view_for(pdu)
        if view is None:
            return error
        nbo = pdu.network_byte_order
        out = []
        for r in pdu.ranges:
            value = view.get(r.start)
            if value is None:
                out.append(codec.encode_varbind(VarBind(r.start, _EXCEPTION[view.missing(r.start)]), nbo))
            else:
                out.append(self._found(view, r.start, value, nbo))
        return self._reply(pdu, varbinds=b"".join(out), count=len(out))

    def _on_get_next(self, pdu: GetNext) -> bytes:
        view, error = self._view_for(pdu)
        if view is None:
            return error
        nbo = pdu.network_byte_order
        out = [self._next(view, r.start, r.include, r.end, nbo)[1] for r in pdu.ranges]
        return self._reply(pdu, varbinds=b"".join(out), count=len(out))

    def _on_get_bulk(self, pdu: GetBulk) -> bytes:
        """RFC 2741 7.2.3.3: N non-repeaters as GetNext, then up to M rounds of the R others,
        each round starting after the previous round's names; stop early once a whole round is
        endOfMibView (after sending it) or the answer reaches MAX_BULK_VARBINDS."""
        view, error = self._view_for(pdu)
        if view is None:
            return error
        nbo = pdu.network_byte_order
        ranges = pdu.ranges
        n = min(pdu.non_repeaters, len(ranges))
        out = [self._next(view, r.start, r.include, r.end, nbo)[1] for r in ranges[:n]]
        repeaters = [(r.start, r.include, r.end) for r in ranges[n:]]
        for _ in range(pdu.max_repetitions if repeaters else 0):
            if len(out) + len(repeaters) > MAX_BULK_VARBINDS and len(out) > n:
                break
            row = [self._next(view, start, include, end, nbo) for start, include, end in repeaters]
            out.extend(data for _, data, _ in row)
            if all(ended for _, _, ended in row):
                break
            # the next round starts after each name just returned, excluding it, same end bound
            repeaters = [(name, False, r[2]) for (name, _, _), r in zip(row, repeaters)]
        return self._reply(pdu, varbinds=b"".join(out), count=len(out))

    def _on_test_set(self, pdu) -> bytes:
        if not self.is_open or pdu.session_id != self.session_id:
            return self._reply(pdu, error=ResponseError.NOT_OPEN)
        pending = []
        for position, vb in enumerate(pdu.varbinds, start=1):
            try:
                value = Value(Syntax(int(vb.type)), vb.value)
            except ValueError:  # noSuchObject & co. are not values one can set
                return self._reply(pdu, error=ResponseError.WRONG_TYPE, index=position)
            status = check_set(vb.name, value)
            if status:
                return self._reply(pdu, error=int(status), index=position)
            pending.append((vb.name, value))
        self._sets[pdu.transaction_id] = _SetTransaction(pending)
        return self._reply(pdu)

    def _on_commit_set(self, pdu) -> bytes:
        transaction = self._sets.get(pdu.transaction_id)
        if transaction is None or transaction.previous is not None:
            return self._reply(pdu, error=ResponseError.COMMIT_FAILED)
        transaction.previous = [(oid, self.switches.apply(oid, value)) for oid, value in transaction.pending]
        return self._reply(pdu)

    def _on_undo_set(self, pdu) -> bytes:
        transaction = self._sets.get(pdu.transaction_id)
        if transaction is None or transaction.previous is None:
            return self._reply(pdu, error=ResponseError.UNDO_FAILED)
        for oid, flag in reversed(transaction.previous):
            self.switches.set(oid, flag)
        transaction.previous = None
        return self._reply(pdu)

    def _on_cleanup_set(self, pdu) -> bytes:
        self._sets.pop(pdu.transaction_id, None)
        return b""  # RFC 2741 7.2.4.4: no response

    def _on_ping(self, pdu) -> bytes:
        return self._reply(pdu)

    def _on_close(self, pdu) -> bytes:
        self.state = State.CLOSED
        self.session_id = None
        self._outstanding.clear()
        self.registered.clear()
        self._events.append(Closed(pdu.reason, by_master=True))
        return b""  # the master has already ended the session: nothing to answer

    def _on_parse_error(self, exc: AgentXParseError) -> bytes:
        header = exc.header
        if exc.fatal:
            self._events.append(ParseFailed(str(exc), answered=False, fatal=True))
            out = b""
            if self.session_id is not None:
                out = codec.encode(
                    Close(session_id=self.session_id, reason=CloseReason.PARSE_ERROR,
                          network_byte_order=self.network_byte_order)
                )
            if self.state is not State.CLOSED:
                self._events.append(Closed(CloseReason.PARSE_ERROR, by_master=False))
            self.state = State.CLOSED
            self.connection_lost()  # already CLOSED: only forgets the session's state
            return out
        answer = header is not None and header.type not in (PduType.RESPONSE, PduType.CLEANUP_SET)
        self._events.append(ParseFailed(str(exc), answered=answer, fatal=False))
        return self._reply(header, error=ResponseError.PARSE_ERROR) if answer else b""

    # --- answers to what we sent ----------------------------------------------------------------

    def _on_response(self, pdu: Response) -> bytes:
        request = self._outstanding.get(pdu.packet_id)
        if request is None or request.transaction_id != pdu.transaction_id:
            return b""
        if request.kind is not PduType.OPEN and pdu.session_id != self.session_id:
            return b""
        del self._outstanding[pdu.packet_id]
        kind = request.kind
        if kind is PduType.OPEN:
            if pdu.error:
                self.state = State.CLOSED
                self._events.append(OpenFailed(pdu.error))
                return b""
            self.session_id = pdu.session_id
            self.state = State.REGISTERING
            self._events.append(Opened(pdu.session_id))
            return b"".join(self.register(c) for c in list(self.contexts))
        if kind is PduType.REGISTER:
            if pdu.error:
                self._events.append(RegistrationFailed(request.context, pdu.error))
            else:
                self.registered.add(request.context)
                self._events.append(Registered(request.context))
            if self.state is State.REGISTERING and not any(
                r.kind is PduType.REGISTER for r in self._outstanding.values()
            ):
                self.state = State.REGISTERED
                self._last_ping = self.clock()
        elif kind is PduType.NOTIFY:
            self._events.append(NotifyAnswered(pdu.packet_id, pdu.error))
        elif kind is PduType.PING:
            self._events.append(PingAnswered(pdu.packet_id, self.clock() - request.sent_at))
        elif kind is PduType.CLOSE:
            self.state = State.CLOSED
            self.session_id = None
            self._events.append(Closed(CloseReason.SHUTDOWN, by_master=False))
        return b""


def to_varbind(oid: OID, value: Value) -> VarBind:
    """A view value as an AgentX VarBind (the SMI tags are AgentX's type numbers)."""
    return VarBind(tuple(oid), _TO_VARTYPE[value.syntax], value.value)


def _with_ids(pdu: Pdu, session_id: int, transaction_id: int, packet_id: int, nbo: bool) -> Pdu:
    return dataclasses.replace(
        pdu, session_id=session_id, transaction_id=transaction_id, packet_id=packet_id, network_byte_order=nbo
    )
