"""Hooks: the `virtualbox` backend type, its options and local detection.

Options of a `[[backend]]` entry with `type = "virtualbox"`:
- `vboxmanage`: the VBoxManage executable, a name looked up on PATH or a path (default VBoxManage);
- `timeout`: seconds one VBoxManage call may take (default 30);
- `metrics`: read `VBoxManage metrics` for the estimated CPU time and memory statistics (default true);
- `api`: `auto` (the SDK's vboxapi when importable, else VBoxManage), `vboxmanage` or `sdk`.
"""

from __future__ import annotations

import importlib.util

import vmwatch
from vmwatch.backend import Backend, BackendType, Options, Problem
from vmwatch_virtualbox.client import DEFAULT_TIMEOUT, DEFAULT_VBOXMANAGE, VBoxManageBackend, detect_local

OPTIONS = {
    "vboxmanage": f"VBoxManage executable: name on PATH or path (default {DEFAULT_VBOXMANAGE})",
    "timeout": f"seconds one VBoxManage call may take (default {DEFAULT_TIMEOUT:g})",
    "metrics": "read VBoxManage metrics for CPU time and memory statistics (default true)",
    "api": "auto, vboxmanage or sdk (default auto: vboxapi when importable)",
}
APIS = ("auto", "vboxmanage", "sdk")


def check(options: Options) -> list[Problem]:
    """Problems with a `[[backend]]` entry of type virtualbox: unknown keys and wrong values."""
    problems = [
        Problem(key, f"unknown key (expected {', '.join(OPTIONS)})") for key in options if key not in OPTIONS
    ]
    executable = options.get("vboxmanage", DEFAULT_VBOXMANAGE)
    if not isinstance(executable, str) or not executable.strip():
        problems.append(
            Problem("vboxmanage", f"must be the VBoxManage executable (a name or a path), not {executable!r}")
        )
    timeout = options.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        problems.append(Problem("timeout", f"must be a positive number of seconds, not {timeout!r}"))
    if not isinstance(options.get("metrics", True), bool):
        problems.append(Problem("metrics", f"must be true or false, not {options['metrics']!r}"))
    if options.get("api", "auto") not in APIS:
        problems.append(Problem("api", f"must be one of {', '.join(APIS)}, not {options['api']!r}"))
    return problems


def sdk_available() -> bool:
    """True when the SDK's Python glue (vboxapi) can be imported."""
    return importlib.util.find_spec("vboxapi") is not None


def create(name: str, options: Options) -> Backend:
    """A VirtualBox backend for `options` (checked): the SDK one when asked for or when `auto` finds
    vboxapi, else the VBoxManage one. It connects in `connect()`."""
    api = options.get("api", "auto")
    if api == "sdk" or (api == "auto" and sdk_available()):
        from vmwatch_virtualbox.sdk import SdkBackend

        return SdkBackend(name)
    return VBoxManageBackend(
        name,
        vboxmanage=options.get("vboxmanage", DEFAULT_VBOXMANAGE),
        timeout=float(options.get("timeout", DEFAULT_TIMEOUT)),
        use_metrics=options.get("metrics", True),
    )


def detect() -> Options | None:
    """The local VirtualBox when VBoxManage is on PATH and answers (used when nothing is configured)."""
    return detect_local()


@vmwatch.hookimpl
def vmwatch_backend_types() -> list[BackendType]:
    return [
        BackendType(
            name="virtualbox",
            description="this machine's VirtualBox, read through VBoxManage (or the SDK's vboxapi)",
            check=check,
            create=create,
            detect=detect,
        )
    ]
