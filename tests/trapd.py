"""net-snmp's snmptrapd as a real notification receiver for tests, with a parseable log.

Each notification becomes one line in `traps.log`:

    TRAP TRAP2, SNMP v2c, community public~.1.3.6.1.2.1.1.3.0 = Timeticks: (1) 0:00:00.01~.1.3.6...

(security information, then every varbind, numeric OIDs, strings in hex). `traps()` parses the
lines into `Trap`s. Fails, never skips, when snmptrapd is missing.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from pathlib import Path

from services import Service, require_program, wait_for

SNMP_TRAP_OID = (1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0)
SYS_UP_TIME = (1, 3, 6, 1, 2, 1, 1, 3, 0)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Trap:
    security: str  # "TRAP2, SNMP v2c, community public", "INFORM, SNMP v3, user ..."
    varbinds: tuple[tuple[tuple[int, ...], str, object], ...]  # (oid, type, value)

    @property
    def trap_oid(self) -> tuple[int, ...]:
        return next(v for oid, _, v in self.varbinds if oid == SNMP_TRAP_OID)

    def value(self, oid: tuple[int, ...]):
        return next((v for o, _, v in self.varbinds if o == oid), None)

    @property
    def objects(self) -> list[tuple[tuple[int, ...], object]]:
        """The varbinds after sysUpTime.0 and snmpTrapOID.0, in order."""
        return [(o, v) for o, _, v in self.varbinds if o not in (SYS_UP_TIME, SNMP_TRAP_OID)]


def _oid(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.strip().strip(".").split("."))


def _value(kind: str, text: str):
    text = text.strip()
    if kind == "Hex-STRING":
        return bytes.fromhex(text)
    if kind == "STRING":
        return text.strip('"').encode()
    if kind == "INTEGER":
        return int(re.sub(r"\D*\((\d+)\)", r"\1", text)) if "(" in text else int(text)
    if kind == "OID":
        return _oid(text)
    if kind == "Timeticks":
        return int(text.split(")")[0].strip("("))
    return text


def parse_line(line: str) -> Trap | None:
    if not line.startswith("TRAP "):
        return None
    security, *binds = line[5:].rstrip("\n").split("~")
    varbinds = []
    for bind in binds:
        name, _, rest = bind.partition(" = ")
        kind, _, text = rest.partition(": ")
        if rest.strip() == '""':
            kind, text = "Hex-STRING", ""
        varbinds.append((_oid(name), kind, _value(kind, text)))
    return Trap(security, tuple(varbinds))


class Snmptrapd(Service):
    """snmptrapd on a loopback UDP port, accepting community `public` and the given v3 users.

    `users`: `createUser` argument strings, e.g. "-e 0x8000... alice SHA authpass AES privpass"
    (with -e for traps from that engine; without for informs, which snmptrapd authorises with
    its own engine ID).
    """

    def __init__(self, directory: Path, users: list[tuple[str, str]] = (), port: int | None = None):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.port = port or free_udp_port()
        self.log = directory / "traps.log"
        self.persistent = directory / "persist"
        self.persistent.mkdir(exist_ok=True)
        lines = ["authCommunity log,execute,net public"]
        for create_user, name in users:
            lines += [f"createUser {create_user}", f"authUser log,execute,net {name} priv"]
        config = directory / "snmptrapd.conf"
        config.write_text("\n".join(lines) + "\n")
        super().__init__(
            "snmptrapd",
            [require_program("snmptrapd"), "-f", "-C", "-c", str(config), "-X", "-A", "-On", "-Ox",
             "-Lf", str(self.log), "-F", "TRAP %P~%V~%v\n", f"udp:127.0.0.1:{self.port}"],
            directory / "snmptrapd.out",
            env={"SNMP_PERSISTENT_DIR": str(self.persistent), "SNMPCONFPATH": str(directory), "MIBS": ""},
        )

    @property
    def address(self) -> str:
        return f"udp:127.0.0.1:{self.port}"

    def start(self) -> Snmptrapd:
        super().start()
        wait_for(lambda: "NET-SNMP version" in self.log.read_text(errors="replace"), 20, "snmptrapd to start", self)
        return self

    def traps(self) -> list[Trap]:
        try:
            text = self.log.read_text(errors="replace")
        except FileNotFoundError:
            return []
        lines: list[str] = []
        for line in text.splitlines():
            if line.startswith("TRAP ") or not lines:
                lines.append(line)
            else:  # snmptrapd breaks long hex strings over several lines
                lines[-1] += " " + line.strip()
        return [t for t in map(parse_line, lines) if t is not None]

    def wait_traps(self, count: int, timeout: float = 10.0, where=lambda t: True) -> list[Trap]:
        """Wait until at least `count` matching notifications have arrived; return them all."""
        found: list[Trap] = []

        def check() -> bool:
            found[:] = [t for t in self.traps() if where(t)]
            return len(found) >= count

        try:
            wait_for(check, timeout, f"{count} notifications at snmptrapd", self)
        except Exception as exc:
            got = "\n".join(f"  {t.security}: {t.trap_oid}" for t in self.traps())
            raise AssertionError(f"{exc}\nreceived {len(found)} matching; all received:\n{got}") from None
        return found
