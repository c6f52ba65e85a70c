"""Typed errors of the log-anomaly plugin; each says what went wrong and what to do."""

from __future__ import annotations


class LogAnomalyError(Exception):
    """Base class: anything the `vmwatch logs` commands report as a usage or data error."""


class MalformedLine(LogAnomalyError):
    """A line that is not syslog in any supported format (counted and sampled, never fatal)."""


class StoreError(LogAnomalyError):
    """The store cannot be used: wrong schema version, not a vmwatch store, config mismatch."""


class ConfigError(LogAnomalyError):
    """A mining, grouping or time-zone setting is invalid."""
