"""A tiny third-party backend plugin, as someone outside the project would write one.

Tests install it as a distribution with a `vmwatch` entry point (see test_plugins.py) or use
`ToyBackend` directly. Its hosts are read from a JSON file named by the `file` option, so a test
can change what the "hypervisor" reports, or make it fail, between reads.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import vmwatch
from vmwatch.backend import BackendType, BackendUnavailable, Problem
from vmwatch.model import Host, Hypervisor, NetworkInterface, OperState, Storage, VirtualMachine


class ToyBackend:
    def __init__(self, name: str, options):
        self.name = name
        self.file = Path(options["file"])
        self.connects = 0

    def connect(self) -> None:
        if not self.file.exists():
            raise BackendUnavailable(f"{self.file} is missing")
        self.connects += 1

    def read(self) -> tuple[Host, ...]:
        try:
            data = json.loads(self.file.read_text())
        except (OSError, ValueError) as exc:
            raise BackendUnavailable(str(exc)) from exc
        vms = tuple(
            VirtualMachine(
                uuid=uuid.UUID(vm["uuid"]),
                name=vm["name"],
                oper_state=OperState[vm.get("state", "running").upper()],
                storage=tuple(Storage(key=d) for d in vm.get("disks", [])),
                networks=tuple(NetworkInterface(key=m) for m in vm.get("nics", [])),
            )
            for vm in data["vms"]
        )
        return (Host(hypervisor=Hypervisor("Toy", "1.0", up_time=data.get("uptime", 100)), vms=vms),)

    def close(self) -> None:
        pass


def check(options) -> list[Problem]:
    problems = [Problem(key, "unknown key") for key in options if key != "file"]
    if not isinstance(options.get("file"), str):
        problems.append(Problem("file", "required: path of the JSON file describing the host"))
    return problems


@vmwatch.hookimpl
def vmwatch_backend_types():
    return [BackendType(name="toy", description="VMs from a JSON file", check=check, create=ToyBackend)]


def write_host(path: Path, vms: list[dict], uptime: int = 100) -> None:
    path.write_text(json.dumps({"uptime": uptime, "vms": vms}))
