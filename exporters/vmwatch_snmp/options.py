"""The `[exporter.snmp]` table → `AgentSettings`, or the list of problems with it.

Pure apart from reading key files and the environment: parsing collects every problem (key and
reason) instead of stopping at the first, so `vmwatch` reports a bad config in one go. Secrets are
preferably read from files (`auth_key_file`, `priv_key_file`: first line, surrounding whitespace
dropped) or environment variables (`auth_key_env`, `priv_key_env`: the variable's name) so the
config file itself can stay world-readable.

    [exporter.snmp]
    enabled = true
    listen = "udp:127.0.0.1:1161"
    communities = ["public"]
    write_community = "private"          # may SET only the two notification enable objects
    [[exporter.snmp.users]]
    name = "monitor"
    auth_protocol = "sha"                # sha, sha224, sha256, sha384, sha512
    auth_key_file = "/etc/vmwatch/snmp-auth.key"
    priv_protocol = "aes"                # aes, aes192, aes256 (net-snmp AES-192/256), aes192c, aes256c, none
    priv_key_file = "/etc/vmwatch/snmp-priv.key"
    write = false
    [[exporter.snmp.targets]]            # notification receivers: see vmwatch_snmp.notify
    address = "udp:192.0.2.10:162"
    type = "inform"
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vmwatch.backend import Problem
from vmwatch.config import read_secret
from vmwatch_snmp.address import AddressError, ListenAddress, default_listen, parse_listen
from vmwatch_snmp.notify import TargetSettings, parse_targets

AUTH_PROTOCOLS = ("sha", "sha224", "sha256", "sha384", "sha512")
PRIV_PROTOCOLS = ("aes", "aes192", "aes256", "aes192c", "aes256c", "none")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MIN_KEY_LENGTH = 8  # RFC 3414 section 11.2; net-snmp refuses shorter pass phrases too
USER_KEYS = ("name", "auth_protocol", "auth_key", "auth_key_file", "auth_key_env", "priv_protocol", "priv_key",
             "priv_key_file", "priv_key_env", "write")
KEYS = {
    "listen": "UDP address to listen on (udp:HOST:PORT or udp6:[HOST]:PORT)",
    "communities": "read-only SNMPv2c community names",
    "write_community": "SNMPv2c community that may also SET the two notification enable objects",
    "users": "SNMPv3 USM users (name, auth_protocol, auth_key[_file|_env], priv_protocol, priv_key[_file|_env], write)",
    "engine_id": "SNMPv3 snmpEngineID as hex (5 to 32 octets); default derived from the host name",
    "per_vm_notifications": "initial value of vmPerVMNotificationsEnabled",
    "bulk_notifications": "initial value of vmBulkNotificationsEnabled",
    "sys_name": "sysName (default: the host name)",
    "sys_contact": "sysContact",
    "sys_location": "sysLocation",
    "targets": "notification receivers (address, version, community or user, type, timeout, retries)",
}
# RFC 3411 SnmpEngineID: enterprise 20408 (pysnmp's, whose engine this is) with the high bit
# set, format 4 (text). Derived from the host name so that v3 managers' localized keys and
# discovery caches stay valid across restarts.
ENGINE_ID_PREFIX = bytes.fromhex("80004fb8") + b"\x04"


@dataclass(frozen=True)
class UserSettings:
    """One SNMPv3 USM user. `priv_protocol` "none" means authNoPriv is the user's level."""

    name: str
    auth_protocol: str
    auth_key: str
    priv_protocol: str
    priv_key: str
    write: bool = False

    def __repr__(self) -> str:  # never print secrets in logs or tracebacks
        return f"UserSettings(name={self.name!r}, auth={self.auth_protocol}, priv={self.priv_protocol}, write={self.write})"


@dataclass(frozen=True)
class AgentSettings:
    """Everything the agent needs, validated."""

    listen: ListenAddress
    communities: tuple[str, ...] = ("public",)
    write_community: str | None = None
    users: tuple[UserSettings, ...] = ()
    engine_id: bytes = b""
    per_vm_notifications: bool | None = None  # None: leave the shared switch as it is
    bulk_notifications: bool | None = None
    sys_name: str = ""
    sys_contact: str = ""
    sys_location: str = ""
    targets: tuple[TargetSettings, ...] = ()  # notification receivers (vmwatch_snmp.notify)

    def __repr__(self) -> str:
        return (f"AgentSettings(listen={self.listen}, communities={len(self.communities)}, "
                f"write_community={'set' if self.write_community else 'unset'}, users={self.users!r})")


def default_engine_id(host_name: str | None = None) -> bytes:
    """`80004fb804` + "vmwatch:" + host name, cut to the 32 octets RFC 3411 allows."""
    name = (host_name if host_name is not None else socket.gethostname()) or "localhost"
    return (ENGINE_ID_PREFIX + b"vmwatch:" + name.encode("utf-8", "replace"))[:32]


def parse_engine_id(text: str) -> bytes:
    """Hex, optionally with `0x` and `:` separators; 5 to 32 octets (RFC 3411)."""
    cleaned = re.sub(r"[:\s]", "", text.lower().removeprefix("0x"))
    try:
        value = bytes.fromhex(cleaned)
    except ValueError:
        raise ValueError(f"not hex: {text!r}") from None
    if not 5 <= len(value) <= 32:
        raise ValueError(f"must be 5 to 32 octets, not {len(value)}")
    return value


def _string(options: Mapping[str, Any], key: str, problems: list[Problem], default: str = "") -> str:
    value = options.get(key, default)
    if not isinstance(value, str):
        problems.append(Problem(key, f"must be a string, not {value!r}"))
        return default
    return value


def _bool(options: Mapping[str, Any], key: str, problems: list[Problem]) -> bool | None:
    value = options.get(key)
    if value is not None and not isinstance(value, bool):
        problems.append(Problem(key, f"must be true or false, not {value!r}"))
        return None
    return value


def _secret(entry: Mapping[str, Any], key: str, where: str, problems: list[Problem]) -> str | None:
    """The secret given inline (`key`), in a file (`key_file`) or in an environment variable
    (`key_env`, e.g. from a systemd EnvironmentFile); None when none of them is given."""
    given = [name for name in (key, f"{key}_file", f"{key}_env") if entry.get(name) is not None]
    if len(given) > 1:
        problems.append(Problem(f"{where}.{key}", f"give one of {key}, {key}_file or {key}_env, not {' and '.join(given)}"))
        return None
    if not given:
        return None
    (key_name,) = given
    raw = entry[key_name]
    if key_name.endswith("_file"):
        if not isinstance(raw, str) or not raw:
            problems.append(Problem(f"{where}.{key_name}", f"must be a file path, not {raw!r}"))
            return None
        secret = read_secret(raw, f"{where}.{key_name}")  # refuses world-readable files
        if isinstance(secret, Problem):
            problems.append(secret)
            return None
        value = secret
    elif key_name.endswith("_env"):
        if not isinstance(raw, str) or not ENV_NAME.fullmatch(raw):
            problems.append(Problem(f"{where}.{key_name}", f"must be an environment variable name, not {raw!r}"))
            return None
        value = os.environ.get(raw, "").strip()
        if not value:
            problems.append(Problem(f"{where}.{key_name}", f"environment variable {raw} is not set or empty"))
            return None
    else:
        if not isinstance(raw, str):
            problems.append(Problem(f"{where}.{key_name}", "must be a string"))
            return None
        value = raw
    if len(value) < MIN_KEY_LENGTH:
        problems.append(Problem(f"{where}.{key_name}", f"pass phrase must have at least {MIN_KEY_LENGTH} characters"))
        return None
    return value


def _given(entry: Mapping[str, Any], key: str) -> bool:
    return any(name in entry for name in (key, f"{key}_file", f"{key}_env"))


def _user(entry: Any, where: str, problems: list[Problem]) -> UserSettings | None:
    if not isinstance(entry, Mapping):
        problems.append(Problem(where, "must be a table with name, auth_key or auth_key_file, ..."))
        return None
    before = len(problems)
    for key in entry:
        if key not in USER_KEYS:
            problems.append(Problem(f"{where}.{key}", f"unknown key (expected one of {', '.join(USER_KEYS)})"))
    name = entry.get("name")
    if not isinstance(name, str) or not name or len(name) > 32:
        problems.append(Problem(f"{where}.name", f"must be a user name of 1 to 32 characters, not {name!r}"))
    auth_protocol = entry.get("auth_protocol", "sha")
    if auth_protocol not in AUTH_PROTOCOLS:
        problems.append(Problem(f"{where}.auth_protocol", f"must be one of {', '.join(AUTH_PROTOCOLS)}, not {auth_protocol!r}"))
    priv_protocol = entry.get("priv_protocol", "aes")
    if priv_protocol not in PRIV_PROTOCOLS:
        problems.append(Problem(f"{where}.priv_protocol", f"must be one of {', '.join(PRIV_PROTOCOLS)}, not {priv_protocol!r}"))
    auth_key = _secret(entry, "auth_key", where, problems)
    if auth_key is None and not _given(entry, "auth_key"):
        problems.append(Problem(f"{where}.auth_key_file",
                                "required (or auth_key_env, auth_key): the user's authentication pass phrase"))
    priv_key = ""
    if priv_protocol != "none":
        priv_key = _secret(entry, "priv_key", where, problems)
        if priv_key is None and not _given(entry, "priv_key"):
            problems.append(Problem(f"{where}.priv_key_file",
                                    'required (or priv_key_env, priv_key) unless priv_protocol = "none"'))
    elif _given(entry, "priv_key"):
        problems.append(Problem(f"{where}.priv_protocol", 'is "none" but a privacy key is given'))
    write = entry.get("write", False)
    if not isinstance(write, bool):
        problems.append(Problem(f"{where}.write", f"must be true or false, not {write!r}"))
    if len(problems) > before:
        return None
    return UserSettings(name, auth_protocol, auth_key or "", priv_protocol, priv_key or "", write)


def parse_options(options: Mapping[str, Any], euid: int | None = None) -> tuple[AgentSettings | None, list[Problem]]:
    """Validate the exporter's options; return the settings, or None and every problem found."""
    problems: list[Problem] = []
    for key in options:
        if key not in KEYS:
            problems.append(Problem(key, f"unknown key (expected one of {', '.join(KEYS)})"))

    listen_text = options.get("listen", default_listen(euid))
    listen = None
    try:
        listen = parse_listen(listen_text)
    except AddressError as exc:
        problems.append(Problem("listen", str(exc)))

    communities = options.get("communities", ["public"])
    if not isinstance(communities, list) or not all(isinstance(c, str) and c for c in communities):
        problems.append(Problem("communities", f"must be a list of non-empty strings, not {communities!r}"))
        communities = []
    write_community = options.get("write_community")
    if write_community is not None:
        if not isinstance(write_community, str) or not write_community:
            problems.append(Problem("write_community", "must be a non-empty string"))
            write_community = None
        elif write_community in communities:
            problems.append(Problem("write_community", "is also listed in communities (read-only); use another name"))

    users_raw = options.get("users", [])
    users: list[UserSettings] = []
    if not isinstance(users_raw, list):
        problems.append(Problem("users", "must be an array of tables ([[exporter.snmp.users]])"))
        users_raw = []
    seen: set[str] = set()
    for i, entry in enumerate(users_raw):
        user = _user(entry, f"users[{i}]", problems)
        if user is None:
            continue
        if user.name in seen:
            problems.append(Problem(f"users[{i}].name", f"{user.name!r} is defined twice"))
            continue
        seen.add(user.name)
        users.append(user)

    engine_id = default_engine_id()
    if "engine_id" in options:
        raw = options["engine_id"]
        if not isinstance(raw, str):
            problems.append(Problem("engine_id", f"must be a hex string, not {raw!r}"))
        else:
            try:
                engine_id = parse_engine_id(raw)
            except ValueError as exc:
                problems.append(Problem("engine_id", str(exc)))

    targets = parse_targets(options.get("targets", []), {u.name: u for u in users}, problems)
    per_vm = _bool(options, "per_vm_notifications", problems)
    bulk = _bool(options, "bulk_notifications", problems)
    sys_name = _string(options, "sys_name", problems, default=socket.gethostname())
    sys_contact = _string(options, "sys_contact", problems)
    sys_location = _string(options, "sys_location", problems)
    if not communities and not write_community and not users_raw and "communities" in options:
        problems.append(Problem("communities", "no community and no user: nobody could query the agent"))

    if problems:
        return None, problems
    assert listen is not None
    return (
        AgentSettings(
            listen=listen,
            communities=tuple(communities),
            write_community=write_community,
            users=tuple(users),
            engine_id=engine_id,
            per_vm_notifications=per_vm,
            bulk_notifications=bulk,
            sys_name=sys_name,
            sys_contact=sys_contact,
            sys_location=sys_location,
            targets=targets,
        ),
        [],
    )
