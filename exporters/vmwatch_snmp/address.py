"""Listen addresses of the embedded agent: `udp:HOST:PORT`, `udp6:[HOST]:PORT` or `HOST:PORT`.

Pure parsing; binding happens in `agent`. Port 161 needs root (or CAP_NET_BIND_SERVICE), so the
default is 161 for root and 1161 otherwise, always on loopback.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass


class AddressError(ValueError):
    """A listen address that cannot be parsed; the message says what form is expected."""


@dataclass(frozen=True)
class ListenAddress:
    """Where the agent listens: transport domain ("udp" or "udp6"), host and port."""

    domain: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if self.domain == "udp6" else self.host
        return f"{self.domain}:{host}:{self.port}"


def default_listen(euid: int | None = None) -> str:
    """Loopback, on the standard port when we may bind it (root), else on 1161."""
    euid = os.geteuid() if euid is None else euid
    return "udp:127.0.0.1:161" if euid == 0 else "udp:127.0.0.1:1161"


def parse_listen(text: str) -> ListenAddress:
    """Parse `udp:127.0.0.1:1161`, `udp6:[::1]:1161`, `127.0.0.1:1161` or `[::1]:1161`."""
    if not isinstance(text, str) or not text:
        raise AddressError("must be a string like udp:127.0.0.1:1161")
    domain = None
    rest = text
    for prefix in ("udp6:", "udp:"):
        if text.startswith(prefix):
            domain, rest = prefix[:-1], text[len(prefix):]
            break
    if rest.startswith("["):
        host, sep, port_text = rest[1:].partition("]:")
        if not sep:
            raise AddressError(f"{text!r}: expected [IPv6]:PORT")
        domain = domain or "udp6"
    else:
        host, sep, port_text = rest.rpartition(":")
        if not sep or not host:
            raise AddressError(f"{text!r}: expected HOST:PORT, e.g. udp:127.0.0.1:1161")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise AddressError(f"{text!r}: {host!r} is not an IP address") from None
    if domain is None:
        domain = "udp6" if ip.version == 6 else "udp"
    if (domain == "udp6") != (ip.version == 6):
        raise AddressError(f"{text!r}: {domain} needs an IPv{6 if domain == 'udp6' else 4} address")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise AddressError(f"{text!r}: port must be a number 0-65535")
    return ListenAddress(domain, str(ip), int(port_text))
