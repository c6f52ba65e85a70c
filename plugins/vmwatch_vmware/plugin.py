"""Hooks: the `vmware` backend type (vCenter or a standalone ESXi through pyvmomi) and its options.

pyvmomi is imported only when a backend is created, so that `vmwatch check` and the other plugins
work on a machine without the `vmware` extra.
"""

from __future__ import annotations

import vmwatch
from vmwatch.backend import Backend, BackendError, BackendType, Options, Problem
from vmwatch_vmware import settings as settings_module


def check(options: Options) -> list[Problem]:
    """Problems with a `[[backend]]` entry of type vmware (keys relative to the entry)."""
    return settings_module.parse(options)[1]


def create(name: str, options: Options) -> Backend:
    """A VMwareBackend for `options` (checked); it logs in in `connect()`."""
    parsed, problems = settings_module.parse(options)
    if parsed is None:
        raise BackendError("; ".join(f"{p.key}: {p.reason}" for p in problems))
    from vmwatch_vmware.backend import VMwareBackend  # needs pyvmomi (the vmware extra)

    return VMwareBackend(name, parsed)


@vmwatch.hookimpl
def vmwatch_backend_types() -> list[BackendType]:
    return [
        BackendType(
            name="vmware",
            description="vCenter or standalone ESXi through pyvmomi: one hypervisor per ESXi host",
            check=check,
            create=create,
        )
    ]
