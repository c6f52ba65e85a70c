"""vmwatch log-anomaly plugin, first half: syslog lines → templates → template groups → statistics.

Modules, one job each:
- `lines`: pure parsing of one syslog line (RFC 3164, RFC 5424, ISO 8601) into a `LogRecord`
- `masking`: pure, syslog-aware masking of variable words in a message
- `templates`: template mining (Drain's token tree) with a fast path and stable template ids
- `groups`: template groups by word 3-gram similarity and edit distance
- `stats`: occurrence statistics, periodicity and bursts of a timestamp series
- `store`: the SQLite store (one file, versioned schema)
- `ingest`: files (plain, gzip, stdin) → store, resumable and idempotent
- `simulate`: a seeded generator of realistic multi-host syslog with incidents and ground truth
- `evaluate`: grouping/parsing accuracy on the loghub samples
- `cli`, `plugin`: `vmwatch logs ...` subcommands and the hook implementations

Live (the `loganomaly` analyser of `vmwatch serve`):
- `framing`: sans-I/O syslog framing (RFC 6587 octet counting, newline) and line decoding
- `receiver`: UDP/TCP syslog sockets → a bounded queue; `tail`: files followed across rotation
- `live`: pure parts (bins, windows, window tasks, verdicts, incremental grouping, VM events)
- `livestore`: the analyser's SQLite state; `online`: the analyser; `livemetrics`: its metrics
- `alerting`: alerts straight to Alertmanager's API
"""

from vmwatch_loganomaly.errors import LogAnomalyError

__all__ = ["LogAnomalyError"]
