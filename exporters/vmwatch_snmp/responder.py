"""The command responder: GET, GETNEXT, GETBULK and SET answered from a `MibTree`.

pysnmp's stock responders route requests through its own MIB instrumentation and VACM; ours is
registered with the message dispatcher directly and reads the prebuilt view instead, so a walk
costs one binary search per varbind and no per-request object building. Authorisation is ours
(`AccessPolicy`); authentication, decryption and the wire format stay pysnmp's.

Rules (RFC 3416):
- GET: noSuchObject / noSuchInstance per varbind; GETNEXT/GETBULK: endOfMibView past the end.
- GETBULK: non-repeaters once, then up to max-repetitions rounds, cut to what fits in the
  manager's maximum message size (never tooBig: a bulk answer is truncated instead).
- SET: every varbind is checked first (`check_set`: notWritable, wrongType, wrongValue), then
  all are applied; a principal without write access gets noAccess. Nothing else is writable.
- A response that would still be too big becomes tooBig with no varbinds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from pysnmp.proto import errind, error, rfc1902, rfc1905
from pysnmp.proto.api import v2c
from vmwatch_mib import ErrorStatus, Lookup, check_set
from vmwatch_mib.switches import NotificationSwitches

from vmwatch_snmp.access import AccessPolicy
from vmwatch_snmp.convert import from_pysnmp, to_pysnmp
from vmwatch_snmp.tree import MibTree

log = logging.getLogger(__name__)

GET = rfc1905.GetRequestPDU.tagSet
GET_NEXT = rfc1905.GetNextRequestPDU.tagSet
GET_BULK = rfc1905.GetBulkRequestPDU.tagSet
SET = rfc1905.SetRequestPDU.tagSet
PDU_TYPES = (GET, GET_NEXT, GET_BULK, SET)

NO_SUCH_OBJECT = rfc1905.noSuchObject
NO_SUCH_INSTANCE = rfc1905.noSuchInstance
END_OF_MIB_VIEW = rfc1905.endOfMibView
# Bytes of a response that are not varbinds (message and PDU headers, request id, community or
# v3 header); generous, since the estimate below is only a bound to stay under.
RESPONSE_OVERHEAD = 200
MAX_BULK_VARBINDS = 4096  # CPU bound per request, whatever the message size allows


@dataclass
class ResponderStats:
    """What the responder saw; exposed for tests and logs (pysnmp keeps the snmp group counters)."""

    requests: int = 0
    varbinds: int = 0
    sets: int = 0
    denied: int = 0
    too_big: int = 0
    unknown_contexts: int = 0
    errors: int = 0
    by_pdu: dict[str, int] = field(default_factory=dict)


def _oid_size(oid: tuple[int, ...]) -> int:
    """Upper bound of the BER size of an OID (tag, length, subidentifiers)."""
    return 4 + sum(1 if c < 0x80 else 2 if c < 0x4000 else 3 if c < 0x200000 else 5 for c in oid)


def varbind_size(oid: tuple[int, ...], value) -> int:
    """Upper bound of one encoded varbind, from the view value (no encoding done)."""
    data = value.value
    if isinstance(data, bytes):
        size = 4 + len(data)
    elif isinstance(data, tuple):
        size = _oid_size(data)
    else:
        size = 11
    return 4 + _oid_size(oid) + size


class Responder:
    """Answers every request PDU for our engine's context engine ID."""

    def __init__(
        self,
        snmp_engine,
        policy: AccessPolicy,
        trees: Callable[[bytes], MibTree | None],
        switches: NotificationSwitches,
    ) -> None:
        self._policy = policy
        self._trees = trees
        self._switches = switches
        self.stats = ResponderStats()
        builder = snmp_engine.get_mib_builder()
        (engine_id,) = builder.import_symbols("__SNMP-FRAMEWORK-MIB", "snmpEngineID")
        (self._unknown_contexts,) = builder.import_symbols("__SNMP-TARGET-MIB", "snmpUnknownContexts")
        self._context_engine_id = engine_id.syntax
        snmp_engine.message_dispatcher.register_context_engine_id(
            self._context_engine_id, PDU_TYPES, self.process_pdu
        )

    def close(self, snmp_engine) -> None:
        snmp_engine.message_dispatcher.unregister_context_engine_id(self._context_engine_id, PDU_TYPES)

    # Called by pysnmp's dispatcher for every authenticated request (positional signature).
    def process_pdu(
        self,
        snmp_engine,
        mp_model,
        security_model,
        security_name,
        security_level,
        context_engine_id,
        context_name,
        pdu_version,
        pdu,
        max_size,
        state_reference,
    ) -> None:
        stats = self.stats
        stats.requests += 1
        kind = pdu.tagSet
        request = v2c.apiPDU.get_varbinds(pdu)
        status_information: dict = {}

        principal = self._policy.principal(int(security_model), str(security_name), int(security_level))
        tree = self._trees(bytes(context_name))
        if principal is None:
            stats.denied += 1
            status, index, varbinds = ErrorStatus.AUTHORIZATION_ERROR, 1, request
        elif tree is None:
            # RFC 3413 3.2: an unknown context is answered with a Report (snmpUnknownContexts).
            stats.unknown_contexts += 1
            self._unknown_contexts.syntax += 1
            status_information["oid"] = self._unknown_contexts.name
            status_information["val"] = self._unknown_contexts.syntax
            status, index, varbinds = ErrorStatus.GEN_ERR, 1, request
        else:
            try:
                if kind == GET:
                    status, index, varbinds = 0, 0, self._get(tree, request)
                elif kind == GET_NEXT:
                    status, index, varbinds = 0, 0, self._next(tree, request)
                elif kind == GET_BULK:
                    status, index, varbinds = 0, 0, self._bulk(tree, request, pdu, max_size)
                else:
                    status, index, varbinds = self._set(request, principal.may_write)
            except Exception:  # a bug must cost one genErr answer, never the agent
                log.exception("request failed")
                stats.errors += 1
                status, index, varbinds = ErrorStatus.GEN_ERR, 1, request
        stats.varbinds += len(varbinds)
        self._respond(snmp_engine, mp_model, security_model, security_name, security_level,
                      context_engine_id, context_name, pdu_version, pdu, max_size, state_reference,
                      status_information, int(status), index, varbinds)

    # --- operations -------------------------------------------------------------------------

    def _get(self, tree: MibTree, request) -> list:
        out = []
        for name, _ in request:
            oid = name.asTuple()
            value = tree.get(oid)
            if value is None:
                missing = tree.missing(oid)
                out.append((name, NO_SUCH_INSTANCE if missing is Lookup.NO_SUCH_INSTANCE else NO_SUCH_OBJECT))
            else:
                out.append((name, to_pysnmp(value)))
        return out

    def _next(self, tree: MibTree, request) -> list:
        out = []
        for name, _ in request:
            found = tree.next(name.asTuple())
            if found is None:
                out.append((name, END_OF_MIB_VIEW))
            else:
                out.append((rfc1902.ObjectName(found[0]), to_pysnmp(found[1])))
        return out

    def _bulk(self, tree: MibTree, request, pdu, max_size: int) -> list:
        non_repeaters = max(0, int(v2c.apiBulkPDU.get_non_repeaters(pdu)))
        repetitions = max(0, int(v2c.apiBulkPDU.get_max_repetitions(pdu)))
        n = min(non_repeaters, len(request))
        budget = int(max_size) - RESPONSE_OVERHEAD
        out: list = []
        for name, _ in request[:n]:
            found = tree.next(name.asTuple())
            if found is None:
                out.append((name, END_OF_MIB_VIEW))
                budget -= _oid_size(name.asTuple()) + 6
            else:
                out.append((rfc1902.ObjectName(found[0]), to_pysnmp(found[1])))
                budget -= varbind_size(*found)
        cursors = [name.asTuple() for name, _ in request[n:]]
        ended = [False] * len(cursors)
        limit = min(MAX_BULK_VARBINDS, len(out) + repetitions * len(cursors))
        while len(out) < limit and not all(ended):
            for i, oid in enumerate(cursors):
                found = None if ended[i] else tree.next(oid)
                if found is None:
                    # endOfMibView, named by the last name, repeats in later rounds (4.2.3)
                    ended[i] = True
                    budget -= _oid_size(oid) + 6
                    varbind = (rfc1902.ObjectName(oid), END_OF_MIB_VIEW)
                else:
                    budget -= varbind_size(*found)
                    cursors[i] = found[0]
                    varbind = (rfc1902.ObjectName(found[0]), to_pysnmp(found[1]))
                if budget < 0 or len(out) >= limit:
                    return out  # stop before the response would be too big (4.2.3)
                out.append(varbind)
        return out

    def _set(self, request, may_write: bool) -> tuple[int, int, list]:
        self.stats.sets += 1
        if not may_write:
            return ErrorStatus.NO_ACCESS, 1, request
        decoded = []
        for position, (name, value) in enumerate(request, start=1):
            oid, new = name.asTuple(), from_pysnmp(value)
            status = check_set(oid, new)
            if status is not ErrorStatus.NO_ERROR:
                return status, position, request
            decoded.append((oid, new))
        for oid, new in decoded:  # all checked: apply together (the switches cannot fail)
            self._switches.apply(oid, new)
        return 0, 0, request

    # --- answer -----------------------------------------------------------------------------

    def _respond(self, snmp_engine, mp_model, security_model, security_name, security_level,
                 context_engine_id, context_name, pdu_version, pdu, max_size, state_reference,
                 status_information, status: int, index: int, varbinds: list) -> None:
        response = v2c.apiPDU.get_response(pdu)
        v2c.apiPDU.set_error_status(response, status)
        v2c.apiPDU.set_error_index(response, index)
        v2c.apiPDU.set_varbinds(response, varbinds)
        try:
            snmp_engine.message_dispatcher.return_response_pdu(
                snmp_engine, mp_model, security_model, security_name, security_level,
                context_engine_id, context_name, pdu_version, response, max_size,
                state_reference, status_information,
            )
        except error.StatusInformation as exc:
            if exc.get("errorIndication") != errind.tooBig or not varbinds:
                log.debug("response dropped: %s", exc)
                return
            # RFC 3416 4.2.1: an answer that does not fit becomes tooBig without varbinds.
            self.stats.too_big += 1
            self._respond(snmp_engine, mp_model, security_model, security_name, security_level,
                          context_engine_id, context_name, pdu_version, pdu, max_size,
                          state_reference, status_information, ErrorStatus.TOO_BIG, 0, [])
