"""The command responder: GET, GETNEXT, GETBULK and SET answered from a `MibTree`.

pysnmp's stock responders route requests through its own MIB instrumentation and VACM; ours is
registered with the message dispatcher directly and reads the prebuilt view instead, so a walk
costs one binary search per varbind and no per-request object building. Authorisation is ours
(`AccessPolicy`); authentication, decryption and the wire format stay pysnmp's, except for plain
SNMPv2c reads, which `fastpath.py` decodes and answers itself with `Responder.read`.

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

from pyasn1.type import univ
from pysnmp.proto import errind, error, rfc1905
from pysnmp.proto.api import v2c
from vmwatch_mib import ErrorStatus, Lookup, check_set
from vmwatch_mib.switches import NotificationSwitches

from vmwatch_snmp import ber
from vmwatch_snmp.access import AccessPolicy
from vmwatch_snmp.convert import from_pysnmp
from vmwatch_snmp.tree import MibTree

log = logging.getLogger(__name__)

GET = rfc1905.GetRequestPDU.tagSet
GET_NEXT = rfc1905.GetNextRequestPDU.tagSet
GET_BULK = rfc1905.GetBulkRequestPDU.tagSet
SET = rfc1905.SetRequestPDU.tagSet
PDU_TYPES = (GET, GET_NEXT, GET_BULK, SET)

# Bytes of a response that are not varbinds (message and PDU headers, request id, community or
# v3 header); generous: the VarBinds themselves are counted exactly.
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
        encoded: list[bytes] | None = None  # the answer's VarBinds, when we encoded them
        varbinds = request  # else: pysnmp objects (errors echo the request)
        if principal is None:
            stats.denied += 1
            status, index = ErrorStatus.AUTHORIZATION_ERROR, 1
        elif tree is None:
            # RFC 3413 3.2: an unknown context is answered with a Report (snmpUnknownContexts).
            stats.unknown_contexts += 1
            self._unknown_contexts.syntax += 1
            status_information["oid"] = self._unknown_contexts.name
            status_information["val"] = self._unknown_contexts.syntax
            status, index = ErrorStatus.GEN_ERR, 1
        else:
            if kind == SET:
                status, index, varbinds = self._set_or_fail(request, principal.may_write)
            else:
                status, index, encoded = self.read(
                    tree, kind, [name.asTuple() for name, _ in request], *self._bulk_arguments(kind, pdu),
                    int(max_size),
                )
        stats.varbinds += len(encoded if encoded is not None else varbinds)
        body = ber.encode_varbind_list(encoded) if encoded is not None else varbinds
        self._respond(snmp_engine, mp_model, security_model, security_name, security_level,
                      context_engine_id, context_name, pdu_version, pdu, max_size, state_reference,
                      status_information, int(status), index, body)

    # --- operations: each returns the encoded VarBinds of the answer ------------------------

    def read(
        self, tree: MibTree, kind, oids: list[tuple[int, ...]], non_repeaters: int, repetitions: int, max_size: int
    ) -> tuple[int, int, list[bytes] | None]:
        """GET, GETNEXT or GETBULK (`kind`: a request PDU tag set) of `oids` in `tree`, for pysnmp's
        path and the fast path alike: (error status, error index, encoded VarBinds). The VarBinds
        are None for a genErr, which echoes the request's. `max_size` bounds a GETBULK answer."""
        try:
            if kind == GET:
                return 0, 0, self._get(tree, oids)
            if kind == GET_NEXT:
                return 0, 0, self._next(tree, oids)
            return 0, 0, self._bulk(tree, oids, non_repeaters, repetitions, max_size)
        except Exception:  # a bug must cost one genErr answer, never the agent
            log.exception("request failed")
            self.stats.errors += 1
            return ErrorStatus.GEN_ERR, 1, None

    @staticmethod
    def _bulk_arguments(kind, pdu) -> tuple[int, int]:
        if kind != GET_BULK:
            return 0, 0
        return (max(0, int(v2c.apiBulkPDU.get_non_repeaters(pdu))),
                max(0, int(v2c.apiBulkPDU.get_max_repetitions(pdu))))

    def _get(self, tree: MibTree, oids) -> list[bytes]:
        out = []
        for oid in oids:
            value = tree.get(oid)
            if value is None:
                missing = tree.missing(oid)
                encoded = ber.NO_SUCH_INSTANCE if missing is Lookup.NO_SUCH_INSTANCE else ber.NO_SUCH_OBJECT
            else:
                encoded = ber.encode_value(value)
            out.append(ber.encode_varbind(oid, encoded))
        return out

    def _next(self, tree: MibTree, oids) -> list[bytes]:
        out = []
        for oid in oids:
            found = tree.next(oid)
            if found is None:
                out.append(ber.encode_varbind(oid, ber.END_OF_MIB_VIEW))
            else:
                out.append(ber.encode_varbind(found[0], ber.encode_value(found[1])))
        return out

    def _bulk(self, tree: MibTree, oids, non_repeaters: int, repetitions: int, max_size: int) -> list[bytes]:
        n = min(non_repeaters, len(oids))
        out = self._next(tree, oids[:n])
        budget = max_size - RESPONSE_OVERHEAD - sum(map(len, out))
        cursors = list(oids[n:])
        ended = [False] * len(cursors)
        limit = min(MAX_BULK_VARBINDS, len(out) + repetitions * len(cursors))
        while len(out) < limit and not all(ended):
            for i, oid in enumerate(cursors):
                found = None if ended[i] else tree.next(oid)
                if found is None:
                    # endOfMibView, named by the last name, repeats in later rounds (4.2.3)
                    ended[i] = True
                    varbind = ber.encode_varbind(oid, ber.END_OF_MIB_VIEW)
                else:
                    cursors[i] = found[0]
                    varbind = ber.encode_varbind(found[0], ber.encode_value(found[1]))
                budget -= len(varbind)
                if budget < 0 or len(out) >= limit:
                    return out  # stop before the response would be too big (4.2.3)
                out.append(varbind)
        return out

    def _set_or_fail(self, request, may_write: bool) -> tuple[int, int, list]:
        try:
            return self._set(request, may_write)
        except Exception:  # a bug must cost one genErr answer, never the agent
            log.exception("request failed")
            self.stats.errors += 1
            return ErrorStatus.GEN_ERR, 1, request

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
                 status_information, status: int, index: int, varbinds: list | bytes) -> None:
        """Send `varbinds` (pysnmp objects, or an encoded VarBindList) with the error status."""
        response = v2c.apiPDU.get_response(pdu)
        v2c.apiPDU.set_error_status(response, status)
        v2c.apiPDU.set_error_index(response, index)
        if isinstance(varbinds, bytes):
            # pyasn1 encodes an ANY as its bytes, verbatim: the VarBindList we built (ber.py)
            response.setComponentByPosition(
                3, univ.Any(varbinds), verifyConstraints=False, matchTags=False, matchConstraints=False
            )
        else:
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
