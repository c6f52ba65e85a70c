"""Notifications from the embedded agent to its configured targets: v2c or v3, trap or inform.

Configured as `[[exporter.snmp.targets]]` entries:

    [[exporter.snmp.targets]]
    address = "udp:192.0.2.10:162"   # udp:HOST[:PORT] or udp6:[HOST]:PORT; port 162 by default
    version = "2c"                    # "2c" (community) or "3" (user)
    community = "public"              # v2c
    user = "monitor"                  # v3: the name of one of [[exporter.snmp.users]]
    type = "trap"                     # "trap" (unacknowledged) or "inform" (acknowledged)
    timeout = 1.0                     # inform: seconds to wait for the acknowledgement ...
    retries = 3                       # ... and how often to send it again before giving up

Notifications leave from the agent's own engine and socket: v3 traps carry the agent's
snmpEngineID (a receiver configures the user with `createUser -e <engine ID> ...`), informs
discover the receiver's engine first, as RFC 3414 has it. The PDU is built here (sysUpTime.0 from
the agent's sysUpTime, then the notification's varbinds) and handed to pysnmp's notification
originator target by target, so no VACM set-up is needed and no community added for a target
can read anything (the responder only answers its own principals).
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vmwatch.backend import Problem
from vmwatch_snmp.address import AddressError, ListenAddress, parse_listen

TARGET_KEYS = ("address", "version", "community", "user", "type", "timeout", "retries")
VERSIONS = ("2c", "3")
TYPES = ("trap", "inform")
DEFAULT_PORT = 162
SYS_UP_TIME = (1, 3, 6, 1, 2, 1, 1, 3, 0)


class NotificationError(Exception):
    """A notification did not reach every target (no acknowledgement, or a send error)."""


class AgentNotRunning(NotificationError):
    """The agent is stopped or not started: nothing can be sent now."""


@dataclass(frozen=True)
class TargetSettings:
    """One notification receiver."""

    address: ListenAddress
    version: str = "2c"
    community: str = "public"
    user: str = ""
    type: str = "trap"
    timeout: float = 1.0
    retries: int = 3

    def __repr__(self) -> str:  # the community is a secret of sorts
        return f"TargetSettings({self.address}, v{self.version}, {self.type}, user={self.user!r})"


def parse_target_address(text: Any) -> ListenAddress:
    """`udp:HOST:PORT`, `udp:HOST` (port 162), `udp6:[HOST]:PORT`, `HOST:PORT`."""
    try:
        return parse_listen(text)
    except AddressError as first:
        if isinstance(text, str):
            try:
                bare = text.split(":", 1)[1] if text.startswith(("udp:", "udp6:")) else text
                ipaddress.ip_address(bare.strip("[]"))
            except (ValueError, IndexError):
                raise first from None
            prefix = text[: len(text) - len(bare)]
            host = f"[{bare.strip('[]')}]" if ":" in bare.strip("[]") else bare
            return parse_listen(f"{prefix}{host}:{DEFAULT_PORT}")
        raise


def parse_targets(raw: Any, users: Mapping[str, Any], problems: list[Problem]) -> tuple[TargetSettings, ...]:
    """`[[exporter.snmp.targets]]` → settings; problems are appended (keys relative to the table).

    `users` maps the configured v3 user names to their settings (a v3 target must name one).
    """
    if not isinstance(raw, list):
        problems.append(Problem("targets", "must be an array of tables ([[exporter.snmp.targets]])"))
        return ()
    targets = []
    for i, entry in enumerate(raw):
        where = f"targets[{i}]"
        if not isinstance(entry, Mapping):
            problems.append(Problem(where, "must be a table with address, version, community or user, type"))
            continue
        before = len(problems)
        for key in entry:
            if key not in TARGET_KEYS:
                problems.append(Problem(f"{where}.{key}", f"unknown key (expected one of {', '.join(TARGET_KEYS)})"))
        address = None
        try:
            address = parse_target_address(entry.get("address"))
        except AddressError as exc:
            problems.append(Problem(f"{where}.address", str(exc)))
        version = str(entry.get("version", "2c"))
        if version not in VERSIONS:
            problems.append(Problem(f"{where}.version", f'must be "2c" or "3", not {entry.get("version")!r}'))
        kind = entry.get("type", "trap")
        if kind not in TYPES:
            problems.append(Problem(f"{where}.type", f'must be "trap" or "inform", not {kind!r}'))
        community = entry.get("community", "public")
        user = entry.get("user", "")
        if version == "2c" and (not isinstance(community, str) or not community):
            problems.append(Problem(f"{where}.community", "must be a non-empty string"))
        if version == "3" and user not in users:
            known = ", ".join(sorted(users)) or "none configured"
            problems.append(Problem(f"{where}.user", f"must name one of [[exporter.snmp.users]] ({known}), not {user!r}"))
        timeout = entry.get("timeout", 1.0)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0.01 <= timeout <= 600:
            problems.append(Problem(f"{where}.timeout", f"must be seconds from 0.01 to 600, not {timeout!r}"))
        retries = entry.get("retries", 3)
        if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 100:
            problems.append(Problem(f"{where}.retries", f"must be a whole number from 0 to 100, not {retries!r}"))
        if len(problems) == before and address is not None:
            targets.append(TargetSettings(address, version, community, user, kind, float(timeout), retries))
    return tuple(targets)


def community_security_names(communities: Sequence[str], write_community: str | None) -> dict[str, str]:
    """Community → the security name the agent configured for it (engine.build_engine)."""
    from vmwatch_snmp.access import WRITE_COMMUNITY_NAME, read_community_name  # access imports options

    names = {community: read_community_name(i) for i, community in enumerate(communities)}
    if write_community:
        names[write_community] = WRITE_COMMUNITY_NAME
    return names


@dataclass(frozen=True)
class _Configured:
    name: str  # snmpTargetAddrName
    target: TargetSettings


class NotificationSender:
    """Sends notifications through one pysnmp engine to its targets; used in the agent's loop.

    `security_names` maps a v2c community to the security name the agent already configured for
    it (its read or write community), so that no second community entry competes with it.
    """

    def __init__(
        self,
        snmp_engine,
        targets: Sequence[TargetSettings],
        users: Mapping[str, Any],
        up_time: Callable[[], int],
        security_names: Mapping[str, str] | None = None,
    ) -> None:
        from pysnmp.entity.rfc3413 import ntforg

        self._engine = snmp_engine
        self._targets = list(targets)
        self._users = users
        self._up_time = up_time
        self._security_names = dict(security_names or {})
        self._originator = ntforg.NotificationOriginator()
        self._configured: list[_Configured] = []

    @property
    def targets(self) -> list[TargetSettings]:
        return list(self._targets)

    def longest_wait(self) -> float:
        """Seconds a notification may take to every target (informs with all their retries)."""
        waits = [t.timeout * (t.retries + 1) * 2 + 1 for t in self._targets if t.type == "inform"]  # x2: v3 discovery
        return max(waits, default=1.0) + 1.0

    def configure(self) -> None:
        """Add the targets to the engine (in the agent's loop, after its transport exists)."""
        from pysnmp.carrier.asyncio.dgram import udp, udp6
        from pysnmp.entity import config

        domains = {udp.DOMAIN_NAME: udp.UdpTransport, udp6.DOMAIN_NAME: udp6.Udp6Transport}
        for i, target in enumerate(self._targets):
            domain = udp6.DOMAIN_NAME if target.address.domain == "udp6" else udp.DOMAIN_NAME
            if self._engine.transport_dispatcher.get_transport(domain) is None:
                # the agent listens on the other IP version: send from a socket of our own
                config.add_transport(self._engine, domain, domains[domain]().open_client_mode())
            params = f"vmwatch-notify-params{i}"
            if target.version == "2c":
                security_name = self._security_names.get(target.community)
                if security_name is None:
                    security_name = f"vmwatch-notify{i}"
                    config.add_v1_system(self._engine, security_name, target.community)
                config.add_target_parameters(self._engine, params, security_name, "noAuthNoPriv", mpModel=1)
            else:
                user = self._users[target.user]
                level = "authNoPriv" if user.priv_protocol == "none" else "authPriv"
                config.add_target_parameters(self._engine, params, target.user, level, mpModel=3)
            name = f"vmwatch-notify-target{i}"
            config.add_target_address(
                self._engine,
                name,
                domain,
                (target.address.host, target.address.port),
                params,
                timeout=round(target.timeout * 100),  # centiseconds, as snmpTargetAddrTimeout
                retryCount=target.retries,
            )
            self._configured.append(_Configured(name, target))

    def _pdu(self, kind: str, varbinds):
        from pysnmp.proto.api import v2c

        from vmwatch_snmp.convert import to_pysnmp

        pdu = v2c.InformRequestPDU() if kind == "inform" else v2c.SNMPv2TrapPDU()
        v2c.apiPDU.set_defaults(pdu)  # a fresh request-id per PDU
        binds = [(v2c.ObjectIdentifier(SYS_UP_TIME), v2c.TimeTicks(self._up_time() & 0xFFFFFFFF))]
        binds += [(v2c.ObjectIdentifier(oid), to_pysnmp(value)) for oid, value in varbinds]
        v2c.apiPDU.set_varbinds(pdu, binds)
        return pdu

    async def send(self, varbinds, context: bytes = b"") -> None:
        """Send to every target: traps at once, informs until acknowledged or out of retries.

        Raises NotificationError naming the targets that did not acknowledge.
        """
        loop = asyncio.get_running_loop()
        waiting: list[tuple[TargetSettings, asyncio.Future]] = []
        for configured in self._configured:
            target = configured.target
            pdu = self._pdu(target.type, varbinds)
            # v2c carries no context; v3 names the hypervisor's context when it is not the default
            name = context if target.version == "3" else b""
            if target.type == "trap":
                self._originator.send_pdu(self._engine, configured.name, None, name, pdu)
                continue
            future = loop.create_future()
            self._originator.send_pdu(self._engine, configured.name, None, name, pdu, _answered, future)
            waiting.append((target, future))
        failed = []
        for target, future in waiting:
            error_indication = await future
            if error_indication:
                failed.append(f"{target.address}: {error_indication}")
        if failed:
            raise NotificationError("no acknowledgement from " + "; ".join(failed))


def _answered(_engine, _handle, error_indication, _response, future: asyncio.Future) -> None:
    """pysnmp's callback for an inform: acknowledged (no error) or given up (an error)."""
    if not future.done():
        future.set_result(error_indication)
