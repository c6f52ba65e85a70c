"""vmPerVMNotificationsEnabled and vmBulkNotificationsEnabled: run-time values and SET rules.

RFC 7666: both objects are read-write and a change "MUST NOT persist across re-initialization of
the management system". So configuration gives the defaults, a SET changes the value until vmwatch
restarts, and nothing is written to disk. Both SNMP agents (AgentX and embedded) and the
notification sender share one `NotificationSwitches` per process (`process_switches()`), so a SET
through either agent is seen by both and by the sender.
"""

from __future__ import annotations

import threading

from vmwatch_mib.objects import BULK_ENABLED, PER_VM_ENABLED
from vmwatch_mib.smi import OID, TRUTH_FALSE, TRUTH_TRUE, ErrorStatus, Syntax, Value, truth

DEFAULT_PER_VM = True
# Off by default: a manager that gets both kinds sees every change twice; bulk is the opt-in
# answer to notification storms.
DEFAULT_BULK = False

WRITABLE: tuple[OID, ...] = (PER_VM_ENABLED, BULK_ENABLED)


class NotificationSwitches:
    """The two enable objects' current values. Thread-safe: SETs and readers may race."""

    def __init__(self, per_vm: bool = DEFAULT_PER_VM, bulk: bool = DEFAULT_BULK) -> None:
        self._lock = threading.Lock()
        self._values = {PER_VM_ENABLED: bool(per_vm), BULK_ENABLED: bool(bulk)}

    @property
    def per_vm(self) -> bool:
        """vmPerVMNotificationsEnabled: send vmRunning ... vmDeleted."""
        with self._lock:
            return self._values[PER_VM_ENABLED]

    @property
    def bulk(self) -> bool:
        """vmBulkNotificationsEnabled: send vmBulkRunning ... vmBulkDeleted."""
        with self._lock:
            return self._values[BULK_ENABLED]

    def value(self, oid: OID) -> Value:
        """The TruthValue of one of the two instances (KeyError for any other OID)."""
        with self._lock:
            return truth(self._values[oid])

    def set(self, oid: OID, flag: bool) -> bool:
        """Change one switch until restart; returns the previous value (for an undo)."""
        with self._lock:
            previous = self._values[oid]
            self._values[oid] = bool(flag)
            return previous

    def apply(self, oid: OID, value: Value) -> bool:
        """Apply a SET value that `check_set` accepted; returns the previous flag."""
        return self.set(oid, value.value == TRUTH_TRUE)


def check_set(oid: OID, value: Value) -> ErrorStatus:
    """Whether a SET of `value` at `oid` may proceed (RFC 3416 4.2.5 order of checks).

    Only the two enable instances are writable; every other name (another object, a row, an
    unknown OID) is notWritable, since vmwatch can create nothing. A TruthValue must be an
    INTEGER (else wrongType) of 1 or 2 (else wrongValue).
    """
    oid = tuple(oid)
    if oid not in WRITABLE:
        return ErrorStatus.NOT_WRITABLE
    if value.syntax is not Syntax.INTEGER or not isinstance(value.value, int):
        return ErrorStatus.WRONG_TYPE
    if value.value not in (TRUTH_TRUE, TRUTH_FALSE):
        return ErrorStatus.WRONG_VALUE
    return ErrorStatus.NO_ERROR


_process_lock = threading.Lock()
_process_switches: NotificationSwitches | None = None


def process_switches(per_vm: bool | None = None, bulk: bool | None = None) -> NotificationSwitches:
    """The one `NotificationSwitches` of this process, created on first use.

    The first caller's defaults win (a later caller's are ignored): the values are run-time
    state, and a second agent starting must not undo a SET made through the first.
    """
    global _process_switches
    with _process_lock:
        if _process_switches is None:
            _process_switches = NotificationSwitches(
                DEFAULT_PER_VM if per_vm is None else per_vm, DEFAULT_BULK if bulk is None else bulk
            )
        return _process_switches


def reset_process_switches() -> None:
    """Forget the process-wide instance (tests; a restart of the management system)."""
    global _process_switches
    with _process_lock:
        _process_switches = None
