"""net-snmp for tests and benchmarks: a private snmpd AgentX master and the command-line tools.

Built on `services.Service` (started in a private directory, on loopback, stopped by PID, log kept
for failure messages). Every starter fails when the program is missing: the SNMP tests must fail,
never skip, on a machine without net-snmp.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from services import Service, ServiceError, free_port, require_program, wait_for

MIBS = Path(__file__).resolve().parent.parent / "mibs"


def mib_options(directory: Path) -> list[str]:
    """`-m +VM-MIB -M +mibs:STAND-INS`, as docs/snmp.md tells users: the project's mibs/ first,
    then vmwatch's stand-ins for the IETF modules Debian does not ship (written into directory)."""
    from vmwatch_snmp.basemibs import write_stand_ins

    base = directory / "base-mibs"
    if not base.is_dir():
        write_stand_ins(base)
    return ["-m", "+VM-MIB", "-M", f"+{MIBS}:{base}"]


class Snmpd(Service):
    """snmpd as an AgentX master on loopback: UDP for managers, a Unix and a TCP AgentX socket.

    Communities: `public` read-only, `private` read-write, both from 127.0.0.1 only. The ports
    stay the same across `restart()`, so a subagent can reconnect to the same addresses.
    """

    def __init__(
        self, directory: Path, agentx_timeout: int = 1, agentx_retries: int = 5, extra: str = "", body: str | None = None
    ):
        """`body` replaces the AgentX and access lines (not agentAddress) with a config of the
        caller's; `extra` is appended either way."""
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.port = free_port()
        self.agentx_port = free_port()
        self.agentx_socket = directory / "agentx-master"
        self.persistent = directory / "persist"
        self.persistent.mkdir(exist_ok=True)
        self.config = directory / "snmpd.conf"
        default_body = (
            "master        agentx\n"
            f"agentXSocket  unix:{self.agentx_socket},tcp:127.0.0.1:{self.agentx_port}\n"
            "agentXPerms   0660 0700\n"
            f"agentXTimeout {agentx_timeout}\n"
            f"agentXRetries {agentx_retries}\n"
            "rocommunity   public 127.0.0.1\n"
            "rwcommunity   private 127.0.0.1\n"
        )
        self.config.write_text(
            f"agentAddress  udp:127.0.0.1:{self.port}\n"
            "dontLogTCPWrappersConnects yes\n"
            f"{default_body if body is None else body}\n{extra}"
        )
        self.pidfile = directory / "snmpd.pid"
        super().__init__(
            "snmpd",
            [require_program("snmpd"), "-f", "-Lo", "-C", "-c", str(self.config), "-p", str(self.pidfile)],
            directory / "snmpd.log",
            env=self.environment(),
        )

    def environment(self) -> dict[str, str]:
        """Keep tools and daemon away from /var/lib/snmp and the user's ~/.snmp."""
        return {"SNMP_PERSISTENT_DIR": str(self.persistent), "SNMPCONFPATH": str(self.directory), "MIBS": ""}

    @property
    def unix_address(self) -> str:
        return f"unix:{self.agentx_socket}"

    @property
    def tcp_address(self) -> str:
        return f"tcp:127.0.0.1:{self.agentx_port}"

    @property
    def target(self) -> str:
        return f"udp:127.0.0.1:{self.port}"

    def start(self) -> Snmpd:
        self.agentx_socket.unlink(missing_ok=True)
        super().start()
        wait_for(self._answers, 20, "snmpd to answer on UDP", self)
        wait_for(self.agentx_socket.exists, 10, "snmpd's AgentX socket", self)
        return self

    def restart(self) -> Snmpd:
        self.stop()
        return self.start()

    def _answers(self) -> bool:
        done = self.tool("snmpget", "-On", "1.3.6.1.2.1.1.3.0", check=False, timeout=2, retries=0)
        return done.returncode == 0 and "Timeticks" in done.stdout

    def tool(
        self,
        program: str,
        *oids: str,
        options: tuple[str, ...] | list[str] = (),
        community: str = "public",
        security: tuple[str, ...] | list[str] = (),
        check: bool = True,
        timeout: float = 5,
        retries: int = 1,
        mibs: bool = True,
        wall: float = 300,
    ) -> subprocess.CompletedProcess:
        """Run a net-snmp tool (snmpget, snmpwalk, snmpbulkwalk, snmptable, snmpset ...) against
        this agent with SNMPv2c, or with `security` instead of `-v2c -c COMMUNITY` (SNMPv3:
        `-v3 -u USER -l authPriv ...`): `options` go before the agent, `oids` after it. With
        `check`, a failure raises with the tool's error output and snmpd's log."""
        credentials = list(security) or ["-v2c", "-c", community]
        command = [require_program(program), *credentials, "-t", str(timeout), "-r", str(retries)]
        if mibs:
            command += mib_options(self.directory)
        command += [*options, self.target, *oids]
        done = subprocess.run(
            command, check=False, capture_output=True, text=True, timeout=wall, env={**os.environ, **self.environment()}
        )
        if check and done.returncode != 0:
            raise ServiceError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}\n{self.describe()}")
        return done
