"""vmwatch's own RFC 2741 AgentX subagent for net-snmp, sans-IO in the manner of h11.

- `pdu`: frozen PDU dataclasses (what is said);
- `codec`: bytes ⇄ PDUs in both byte orders, with a streaming `Decoder` (how it is said; no I/O);
- `session`: the subagent's state machine, answering from a `vmwatch_mib.MibView` (no I/O);
- `transport`: a thin driver thread with a blocking socket (Unix or TCP, reconnect with backoff);
- `plugin`: the `agentx` exporter type.
"""
