"""Who may read and who may write: our own access control, since the responder bypasses VACM.

pysnmp authenticates (community lookup, USM digests and decryption) before a PDU reaches the
responder; what is left is authorisation. Every configured principal may read the whole agent;
only the write community and users marked `write` may SET, and then only the two notification
enable objects (the responder asks `check_set` about each value). A v3 user must use at least
the security level it is configured for: a user with a privacy key gets no data over authNoPriv.
"""

from __future__ import annotations

from dataclasses import dataclass

from vmwatch_snmp.options import AgentSettings

# pysnmp's numbering of security models and levels (RFC 3411)
V2C_MODELS = (1, 2)
USM_MODEL = 3
NO_AUTH_NO_PRIV, AUTH_NO_PRIV, AUTH_PRIV = 1, 2, 3
WRITE_COMMUNITY_NAME = "vmwatch-rw"


def read_community_name(position: int) -> str:
    """The security name (and pysnmp community index) of the n-th read-only community."""
    return f"vmwatch-ro{position}"


@dataclass(frozen=True)
class Principal:
    """An authenticated requester: its security name, whether it may SET, its minimum level."""

    name: str
    may_write: bool
    min_level: int


class AccessPolicy:
    """Maps (security model, security name) to a `Principal`, or None for nobody we know."""

    def __init__(self, settings: AgentSettings) -> None:
        self._v2c: dict[str, Principal] = {}
        for i, _ in enumerate(settings.communities):
            name = read_community_name(i)
            self._v2c[name] = Principal(name, False, NO_AUTH_NO_PRIV)
        if settings.write_community:
            self._v2c[WRITE_COMMUNITY_NAME] = Principal(WRITE_COMMUNITY_NAME, True, NO_AUTH_NO_PRIV)
        self._usm = {
            user.name: Principal(user.name, user.write, AUTH_PRIV if user.priv_protocol != "none" else AUTH_NO_PRIV)
            for user in settings.users
        }

    def principal(self, security_model: int, security_name: str, security_level: int) -> Principal | None:
        """The principal behind a request, or None when it must not be answered with data."""
        if security_model in V2C_MODELS:
            found = self._v2c.get(security_name)
        elif security_model == USM_MODEL:
            found = self._usm.get(security_name)
        else:
            return None
        if found is None or security_level < found.min_level:
            return None
        return found
