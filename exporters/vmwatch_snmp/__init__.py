"""Embedded SNMP agent (pysnmp 7): VM-MIB and the SNMPv2-MIB system group over UDP.

For hosts without net-snmp. The agent reads the same `MibView` as the AgentX subagent, built
once per published snapshot, and answers GET, GETNEXT, GETBULK and SET itself (a custom command
responder), so access control is ours too: v2c communities and v3 USM users (SHA/AES) are
read-only, apart from the two notification enable objects for a write community or a user
marked `write`.

Modules: `address` (listen address), `options` (config → `AgentSettings` or problems),
`convert` (view values → pysnmp types), `system` (SNMPv2-MIB scalars), `tree` (several views as
one ordered OID tree), `access` (who may read/write), `responder` (the PDU handler), `engine`
(pysnmp engine setup), `agent` (thread, loop, lifecycle), `plugin` (the `snmp` exporter type).
"""

from pathlib import Path

# pysnmp-compiled VM-MIB, UUID-TC-MIB and IANA-STORAGE-MEDIA-TYPE-MIB (scripts/compile-mibs),
# for pysnmp users: mib_builder.add_mib_sources(builder.DirMibSource(str(COMPILED_MIBS))).
COMPILED_MIBS = Path(__file__).parent / "compiled"
