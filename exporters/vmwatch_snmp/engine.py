"""Build the pysnmp engine: engine ID, communities, USM users and the UDP transport.

Must run inside the agent's event loop (pysnmp's asyncio transport binds to the running loop).
SNMPv1 is not served: its message model is removed, so v1 requests count as snmpInBadVersions
and get no answer (Counter64 columns cannot be expressed in v1 anyway).
"""

from __future__ import annotations

import socket
import time

from pysnmp.carrier.asyncio.dgram import udp, udp6
from pysnmp.entity import config, engine
from pysnmp.proto.mpmod.rfc2576 import SnmpV1MessageProcessingModel

from vmwatch_snmp.access import WRITE_COMMUNITY_NAME, read_community_name
from vmwatch_snmp.fastpath import FastPath
from vmwatch_snmp.options import AgentSettings

AUTH = {
    "sha": config.USM_AUTH_HMAC96_SHA,
    "sha224": config.USM_AUTH_HMAC128_SHA224,
    "sha256": config.USM_AUTH_HMAC192_SHA256,
    "sha384": config.USM_AUTH_HMAC256_SHA384,
    "sha512": config.USM_AUTH_HMAC384_SHA512,
}
# AES-192/256 key extension as net-snmp's AES-192/AES-256 do it (draft-blumenthal-aes-usm);
# "aes192c"/"aes256c" are the Cisco-style (Reeder) variant net-snmp calls AES-192-C/AES-256-C.
PRIV = {
    "aes": config.USM_PRIV_CFB128_AES,
    "aes192": config.USM_PRIV_CFB192_AES_BLUMENTHAL,
    "aes256": config.USM_PRIV_CFB256_AES_BLUMENTHAL,
    "aes192c": config.USM_PRIV_CFB192_AES,
    "aes256c": config.USM_PRIV_CFB256_AES,
    "none": config.USM_PRIV_NONE,
}
# snmpEngineBoots must grow with every restart under the same engine ID (RFC 3414 2.2), or a
# captured v3 request could be replayed within 150 s of a restart. vmwatch keeps no state for
# the agent, so boots count seconds since this epoch (2023-11-14): monotonic across restarts,
# and within Integer32 until 2091.
BOOTS_EPOCH = 1_700_000_000


def engine_boots(now: float | None = None) -> int:
    """snmpEngineBoots for an engine starting now."""
    return max(1, int(time.time() if now is None else now) - BOOTS_EPOCH)


# Large enough for a GETBULK answer of a few hundred varbinds in one UDP datagram.
MAX_MESSAGE_SIZE = 65507


def build_engine(settings: AgentSettings) -> engine.SnmpEngine:
    """An engine with our engine ID, every community and user, and no SNMPv1."""
    # The engine ID is set after construction: given to SnmpEngine(), pysnmp would keep
    # snmpEngineBoots in a file under the world-writable temp directory (/tmp/__pysnmp/...),
    # which another local user could pre-create. Boots come from the clock instead.
    snmp_engine = engine.SnmpEngine(maxMessageSize=MAX_MESSAGE_SIZE)
    engine_id, boots = snmp_engine.get_mib_builder().import_symbols(
        "__SNMP-FRAMEWORK-MIB", "snmpEngineID", "snmpEngineBoots"
    )
    engine_id.syntax = engine_id.syntax.clone(settings.engine_id)
    snmp_engine.snmpEngineID = engine_id.syntax
    boots.syntax = boots.syntax.clone(engine_boots())
    snmp_engine.message_processing_subsystems.pop(SnmpV1MessageProcessingModel.MESSAGE_PROCESSING_MODEL_ID)
    for i, community in enumerate(settings.communities):
        config.add_v1_system(snmp_engine, read_community_name(i), community)
    if settings.write_community:
        config.add_v1_system(snmp_engine, WRITE_COMMUNITY_NAME, settings.write_community)
    for user in settings.users:
        config.add_v3_user(
            snmp_engine,
            user.name,
            AUTH[user.auth_protocol],
            user.auth_key,
            PRIV[user.priv_protocol],
            user.priv_key if user.priv_protocol != "none" else None,
        )
    return snmp_engine


class _FastPathDatagrams:
    """Mixed into pysnmp's UDP transports: every datagram is offered to `fast_path` first (the one
    place where pysnmp's asyncio transport receives them), and goes on to pysnmp's dispatcher
    unchanged when the fast path does not answer it."""

    fast_path: FastPath | None = None

    def datagram_received(self, datagram, transportAddress):  # pysnmp's signature and argument name
        fast_path = self.fast_path
        if fast_path is not None and self.transport is not None:
            response = fast_path.answer(datagram)
            if response is not None:
                self.transport.sendto(response, transportAddress)
                return
        super().datagram_received(datagram, transportAddress)


class FastPathUdpTransport(_FastPathDatagrams, udp.UdpTransport):
    pass


class FastPathUdp6Transport(_FastPathDatagrams, udp6.Udp6Transport):
    pass


def add_udp_transport(snmp_engine: engine.SnmpEngine, sock: socket.socket, fast_path: FastPath | None = None):
    """Serve on an already bound socket (binding early lets start() report EADDRINUSE itself);
    `fast_path` answers the plain SNMPv2c read requests before pysnmp sees them."""
    if sock.family == socket.AF_INET6:
        transport, domain = FastPathUdp6Transport(), udp6.DOMAIN_NAME
    else:
        transport, domain = FastPathUdpTransport(), udp.DOMAIN_NAME
    transport.fast_path = fast_path
    transport.open_server_mode(sock=sock)
    config.add_transport(snmp_engine, domain, transport)
    return transport
