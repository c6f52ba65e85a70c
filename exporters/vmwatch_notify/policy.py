"""Which notifications to send, and when: enable objects, per-VM rate limit, bulk windows.

Pure: time is passed in, nothing here sleeps or sends. `Policy.offer(change, ...)` returns the
per-VM notification to send now (if any) and gathers the change for bulk; `Policy.due(now)`
returns the bulk notifications whose window has ended.

Rules, in order:
1. A change to a state without a notification type (unknown, other, preparing) yields nothing.
2. vmPerVMNotificationsEnabled true: a per-VM notification, if the rate limit (a token bucket
   of `per_vm_rate` per second, `per_vm_burst` deep; 0 turns it off) has a token; otherwise the
   change is `rate_limited`.
3. vmBulkNotificationsEnabled true: the change joins the bulk window of its hypervisor and new
   state. With `bulk_mode = "all"` (the default, vmAffectedVMs being "a complete list") every
   change does; with "overflow", only changes the per-VM path did not send (rate limited, or
   per-VM disabled), so each change reaches the manager once.
4. A rate-limited change that no bulk notification will carry (bulk disabled) is dropped and
   counted as `dropped_rate_limit`: never silently.
5. A bulk window opens with its first change and closes `bulk_window` seconds later; then one
   notification per (hypervisor, state) goes out, in the order the states were first seen.
   If bulk notifications were disabled meanwhile, the gathered changes are counted as `disabled`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vmwatch.events import StateChange
from vmwatch.model import OperState
from vmwatch_notify.varbinds import MAX_BITMAP_INDEX, Notification, bulk, per_vm

BULK_MODES = ("all", "overflow")


@dataclass(frozen=True)
class PolicySettings:
    bulk_window: float = 1.0  # seconds a bulk notification gathers changes
    per_vm_rate: float = 20.0  # per-VM notifications per second, sustained; 0: no limit
    per_vm_burst: int = 50  # ... and at once
    bulk_mode: str = "all"  # "all" or "overflow" (see the module docstring)


@dataclass
class PolicyCounters:
    """What the policy decided, cumulative. `changes` = per_vm + rate_limited + (per-VM off) ..."""

    changes: int = 0  # state changes offered
    per_vm: int = 0  # per-VM notifications produced
    bulk: int = 0  # bulk notifications produced
    coalesced: int = 0  # changes carried by those bulk notifications
    rate_limited: int = 0  # per-VM notifications the rate limit held back
    dropped_rate_limit: int = 0  # ... of which no bulk notification carries (bulk disabled)
    disabled: int = 0  # changes neither kind was enabled for (or bulk disabled before the flush)
    no_type: int = 0  # changes to states the MIB has no notification for
    index_too_large: int = 0  # vmIndex beyond what vmAffectedVMs can carry

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class TokenBucket:
    """`rate` tokens per second up to `burst`; `rate` 0 means unlimited."""

    def __init__(self, rate: float, burst: int, now: float = 0.0) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.tokens = float(self.burst)
        self.updated = now

    def take(self, now: float) -> bool:
        if self.rate <= 0:
            return True
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass
class _Window:
    closes: float
    # (hypervisor, new state) → vmIndexes, in the order each key was first seen
    gathered: dict[tuple[str, OperState | None], set[int]] = field(default_factory=dict)
    first_time: dict[tuple[str, OperState | None], float] = field(default_factory=dict)


class Policy:
    """Per-VM rate limiting and bulk coalescing for one stream of state changes."""

    def __init__(self, settings: PolicySettings | None = None, now: float = 0.0) -> None:
        self.settings = settings or PolicySettings()
        if self.settings.bulk_mode not in BULK_MODES:
            raise ValueError(f"bulk_mode must be one of {BULK_MODES}, not {self.settings.bulk_mode!r}")
        self.counters = PolicyCounters()
        self._bucket = TokenBucket(self.settings.per_vm_rate, self.settings.per_vm_burst, now)
        self._window: _Window | None = None

    def offer(self, change: StateChange, per_vm_enabled: bool, bulk_enabled: bool, now: float) -> list[Notification]:
        """Take one change; return the per-VM notification to send now (zero or one)."""
        c = self.counters
        c.changes += 1
        single = per_vm(change)
        if single is None:
            c.no_type += 1
            return []
        out: list[Notification] = []
        sent_single = False
        if per_vm_enabled:
            if self._bucket.take(now):
                out.append(single)
                c.per_vm += 1
                sent_single = True
            else:
                c.rate_limited += 1
        if bulk_enabled and (self.settings.bulk_mode == "all" or not sent_single):
            self._gather(change, now)
        elif per_vm_enabled and not sent_single:
            c.dropped_rate_limit += 1
        elif not per_vm_enabled:
            c.disabled += 1
        return out

    def _gather(self, change: StateChange, now: float) -> None:
        index = change.vm.index
        if index > MAX_BITMAP_INDEX:
            self.counters.index_too_large += 1
            return
        if self._window is None:
            self._window = _Window(closes=now + self.settings.bulk_window)
        key = (change.hypervisor, change.new_oper_state)
        self._window.gathered.setdefault(key, set()).add(index)
        self._window.first_time.setdefault(key, change.time)

    def next_due(self) -> float | None:
        """When the open bulk window closes (None: no window open)."""
        return self._window.closes if self._window is not None else None

    def due(self, now: float, bulk_enabled: bool = True, force: bool = False) -> list[Notification]:
        """The bulk notifications of a window that has closed by `now` (all of it with `force`)."""
        window = self._window
        if window is None or (now < window.closes and not force):
            return []
        self._window = None
        if not bulk_enabled:
            self.counters.disabled += sum(len(v) for v in window.gathered.values())
            return []
        out = []
        for (hypervisor, state), indexes in window.gathered.items():
            notification = bulk(state, hypervisor, indexes, window.first_time[(hypervisor, state)])
            if notification is not None:
                out.append(notification)
                self.counters.bulk += 1
                self.counters.coalesced += len(notification.indexes)
        return out
