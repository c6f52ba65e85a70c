"""vmwatch: VM monitoring from the hypervisor side (RFC 7666 VM-MIB, Prometheus)."""

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("vmwatch")
"""Marker for plugin hook implementations: `@vmwatch.hookimpl`."""
