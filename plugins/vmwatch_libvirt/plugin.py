"""Hooks: the `libvirt` backend type, its options, its demo host and local detection.

libvirt-python is imported only when a backend is created, so that `vmwatch check` and the other
plugins work on a machine without it.
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path

import vmwatch
from vmwatch.backend import Backend, BackendType, Options, Problem
from vmwatch_libvirt import demo as demo_fleet

DEFAULT_URI = "qemu:///system"
OPTIONS = {
    "uri": "libvirt connection URI (default qemu:///system)",
    "events": "follow libvirt's lifecycle events for immediate state changes (default true)",
}
DEMO_VMS = 48


def check(options: Options) -> list[Problem]:
    """Problems with a `[[backend]]` entry of type libvirt: unknown keys and wrong types."""
    problems = [
        Problem(key, f"unknown key (expected {', '.join(OPTIONS)})") for key in options if key not in OPTIONS
    ]
    uri = options.get("uri", DEFAULT_URI)
    if not isinstance(uri, str) or not uri.strip():
        problems.append(Problem("uri", f"must be a libvirt URI such as {DEFAULT_URI!r}, not {uri!r}"))
    elif ":" not in uri:
        problems.append(Problem("uri", f"{uri!r} is not a URI (expected driver[+transport]://[host]/path)"))
    if not isinstance(options.get("events", True), bool):
        problems.append(Problem("events", f"must be true or false, not {options['events']!r}"))
    return problems


def create(name: str, options: Options) -> Backend:
    """A LibvirtBackend for `options` (checked); it connects in `connect()`."""
    from vmwatch_libvirt.client import LibvirtBackend  # needs libvirt-python

    return LibvirtBackend(name, options.get("uri", DEFAULT_URI), events=options.get("events", True))


def demo(directory: Path) -> Options:
    """Write the demo fleet (a test-driver node file) into `directory`; options that serve it."""
    directory.mkdir(parents=True, exist_ok=True)
    path = (directory / "libvirt-demo-node.xml").resolve()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(demo_fleet.fleet_xml(DEMO_VMS))
    os.replace(tmp, path)  # atomic: a running vmwatch may be reopening the file
    return {"uri": "test://" + urllib.parse.quote(str(path))}


def detect() -> Options | None:
    """The local system libvirt when its socket exists (used when no backend is configured)."""
    try:
        from vmwatch_libvirt.client import detect_local
    except ImportError:  # libvirt-python missing: nothing to detect with
        return None
    return detect_local()


@vmwatch.hookimpl
def vmwatch_backend_types() -> list[BackendType]:
    return [
        BackendType(
            name="libvirt",
            description="libvirt hosts (QEMU/KVM, Xen, LXC, test driver) over one read-only connection",
            check=check,
            create=create,
            demo=demo,
            detect=detect,
        )
    ]
