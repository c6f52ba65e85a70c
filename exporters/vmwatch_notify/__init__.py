"""RFC 7666 notifications and the event log, from the event hub's state changes.

Modules: `varbinds` (pure: a change → per-VM or bulk notification varbinds, the vmAffectedVMs
bitmap), `policy` (pure: enable objects, per-VM rate limit, bulk windows, counters), `delivery`
(a bounded queue and a thread per sink), `sinks` (AgentX Notify, the embedded agent's targets),
`notifier` (hub → policy → sinks), `eventlog` (JSON lines), `plugin` (the `notifications` and
`eventlog` exporter types). See docs/notifications.md.
"""
