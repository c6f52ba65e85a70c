"""The options of a `[[backend]]` entry of type vmware, checked into a `Settings` value.

Parsing returns problems instead of raising halfway, so `vmwatch check` reports every mistake at
once. The password is never an option value: it is read from `password_file` (when given) or the
`VMWATCH_VMWARE_PASSWORD` environment variable, at connect time, so a rotated secret is picked up
on the next reconnection.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vmwatch.backend import BackendError, Problem
from vmwatch.config import read_secret

PASSWORD_ENV = "VMWATCH_VMWARE_PASSWORD"
OPTIONS = {
    "host": "vCenter or ESXi host name or address (required)",
    "port": "TCP port (default 443 for https, 80 for http)",
    "user": "user name (required), e.g. monitoring@vsphere.local",
    "password_file": f"file holding the password (else the {PASSWORD_ENV} environment variable)",
    "insecure": "true to skip certificate verification (default false)",
    "ca_file": "PEM file of the CA (or self-signed certificate) to trust for https",
    "protocol": "https (default) or http",
    "timeout": "seconds to wait for one API answer (default 60)",
}
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Settings:
    """Where and how to connect; the password is fetched by `password()` when connecting."""

    host: str
    user: str
    port: int = 443
    protocol: str = "https"
    insecure: bool = False
    ca_file: str | None = None
    password_file: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    def password(self, environ: Mapping[str, str] | None = None) -> str:
        """The password from `password_file` (first line) or the environment; BackendError if neither."""
        if self.password_file:
            secret = read_secret(self.password_file, "password_file")
            if isinstance(secret, Problem):
                raise BackendError(f"{secret.key}: {secret.reason}")
            return secret
        env = os.environ if environ is None else environ
        if PASSWORD_ENV in env:
            return env[PASSWORD_ENV]
        raise BackendError(f"no password: set password_file or the {PASSWORD_ENV} environment variable")


def parse(
    options: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> tuple[Settings | None, list[Problem]]:
    """Check `options`; return the settings (None when there are problems) and the problems."""
    env = os.environ if environ is None else environ
    problems = [
        Problem(key, f"unknown key (expected {', '.join(OPTIONS)})") for key in options if key not in OPTIONS
    ]

    def text(key: str, required: bool = False) -> str | None:
        value = options.get(key)
        if value is None:
            if required:
                problems.append(Problem(key, f"required: {OPTIONS[key]}"))
            return None
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(key, f"must be a non-empty string, not {value!r}"))
            return None
        return value.strip()

    host = text("host", required=True)
    user = text("user", required=True)
    protocol = options.get("protocol", "https")
    if protocol not in ("https", "http"):
        problems.append(Problem("protocol", f"must be 'https' or 'http', not {protocol!r}"))
        protocol = "https"
    port = options.get("port", 443 if protocol == "https" else 80)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        problems.append(Problem("port", f"must be a TCP port number (1..65535), not {port!r}"))
    insecure = options.get("insecure", False)
    if not isinstance(insecure, bool):
        problems.append(Problem("insecure", f"must be true or false, not {insecure!r}"))
    timeout = options.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        problems.append(Problem("timeout", f"must be a positive number of seconds, not {timeout!r}"))
    ca_file = text("ca_file")
    if ca_file is not None:
        if not os.access(ca_file, os.R_OK):
            problems.append(Problem("ca_file", f"{ca_file} is not a readable file"))
        if insecure is True:
            problems.append(Problem("ca_file", "insecure = true turns verification off: drop one of them"))
        if protocol == "http":
            problems.append(Problem("ca_file", "protocol = 'http' uses no certificate"))
    password_file = text("password_file")
    if password_file is not None:
        secret = read_secret(password_file, "password_file")  # refuses world-readable files
        if isinstance(secret, Problem):
            problems.append(secret)
    if password_file is None and "password_file" not in options and PASSWORD_ENV not in env:
        problems.append(Problem("password_file", f"required unless {PASSWORD_ENV} is set in the environment"))
    if problems:
        return None, problems
    assert host is not None and user is not None
    return (
        Settings(
            host=host,
            user=user,
            port=port,
            protocol=protocol,
            insecure=insecure,
            ca_file=ca_file,
            password_file=password_file,
            timeout=float(timeout),
        ),
        [],
    )
