"""Minimal stand-ins for the standard modules VM-MIB imports, for hosts that lack them.

VM-MIB imports from SNMPv2-SMI, SNMPv2-TC, SNMPv2-CONF, SNMP-FRAMEWORK-MIB and IF-MIB. Most
distributions ship these with net-snmp; Debian does not (its IETF MIBs come from the non-free
`snmp-mibs-downloader`, which downloads them). Without them net-snmp cannot place VM-MIB in the
OID tree and pysmi cannot compile it. These stand-ins, written for vmwatch, define what VM-MIB and
its two companions use (the top of the OID tree and the textual conventions, with the SYNTAX and
DISPLAY-HINT of the standards), plus the SNMPv2-TC conventions net-snmp's own MIBs import, so
`-m +VM-MIB` resolves names and shows MACs and UUIDs the standard way without a wall of warnings. They are not the published modules: put them *after* real ones in a search path.

    python -m vmwatch_snmp.basemibs DIR      # write them into DIR
    snmpwalk -m +VM-MIB -M +mibs:DIR ...
"""

from __future__ import annotations

import sys
from pathlib import Path

_NOTE = "-- vmwatch stand-in: only what VM-MIB imports; prefer the published module when installed\n"

STAND_INS: dict[str, str] = {
    "SNMPv2-SMI": """\
SNMPv2-SMI DEFINITIONS ::= BEGIN
org            OBJECT IDENTIFIER ::= { iso 3 }
dod            OBJECT IDENTIFIER ::= { org 6 }
internet       OBJECT IDENTIFIER ::= { dod 1 }
directory      OBJECT IDENTIFIER ::= { internet 1 }
mgmt           OBJECT IDENTIFIER ::= { internet 2 }
mib-2          OBJECT IDENTIFIER ::= { mgmt 1 }
transmission   OBJECT IDENTIFIER ::= { mib-2 10 }
experimental   OBJECT IDENTIFIER ::= { internet 3 }
private        OBJECT IDENTIFIER ::= { internet 4 }
enterprises    OBJECT IDENTIFIER ::= { private 1 }
security       OBJECT IDENTIFIER ::= { internet 5 }
snmpV2         OBJECT IDENTIFIER ::= { internet 6 }
snmpDomains    OBJECT IDENTIFIER ::= { snmpV2 1 }
snmpProxys     OBJECT IDENTIFIER ::= { snmpV2 2 }
snmpModules    OBJECT IDENTIFIER ::= { snmpV2 3 }
END
""",
    "SNMPv2-TC": """\
SNMPv2-TC DEFINITIONS ::= BEGIN
IMPORTS TimeTicks FROM SNMPv2-SMI;
DisplayString ::= TEXTUAL-CONVENTION
    DISPLAY-HINT "255a"
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       OCTET STRING (SIZE (0..255))
PhysAddress ::= TEXTUAL-CONVENTION
    DISPLAY-HINT "1x:"
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       OCTET STRING
MacAddress ::= TEXTUAL-CONVENTION
    DISPLAY-HINT "1x:"
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       OCTET STRING (SIZE (6))
TruthValue ::= TEXTUAL-CONVENTION
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       INTEGER { true(1), false(2) }
TestAndIncr ::= TEXTUAL-CONVENTION
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       INTEGER (0..2147483647)
AutonomousType ::= TEXTUAL-CONVENTION
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       OBJECT IDENTIFIER
VariablePointer ::= TEXTUAL-CONVENTION
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       OBJECT IDENTIFIER
RowPointer ::= TEXTUAL-CONVENTION
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       OBJECT IDENTIFIER
RowStatus ::= TEXTUAL-CONVENTION
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       INTEGER { active(1), notInService(2), notReady(3), createAndGo(4), createAndWait(5), destroy(6) }
TimeStamp ::= TEXTUAL-CONVENTION
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       TimeTicks
TimeInterval ::= TEXTUAL-CONVENTION
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       INTEGER (0..2147483647)
DateAndTime ::= TEXTUAL-CONVENTION
    DISPLAY-HINT "2d-1d-1d,1d:1d:1d.1d,1a1d:1d"
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       OCTET STRING (SIZE (8 | 11))
StorageType ::= TEXTUAL-CONVENTION
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       INTEGER { other(1), volatile(2), nonVolatile(3), permanent(4), readOnly(5) }
TDomain ::= TEXTUAL-CONVENTION
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       OBJECT IDENTIFIER
TAddress ::= TEXTUAL-CONVENTION
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMPv2-TC convention of this name."
    SYNTAX       OCTET STRING (SIZE (1..255))
END
""",
    "SNMPv2-CONF": """\
SNMPv2-CONF DEFINITIONS ::= BEGIN
END
""",
    "SNMP-FRAMEWORK-MIB": """\
SNMP-FRAMEWORK-MIB DEFINITIONS ::= BEGIN
IMPORTS TEXTUAL-CONVENTION FROM SNMPv2-TC;
SnmpAdminString ::= TEXTUAL-CONVENTION
    DISPLAY-HINT "255t"
    STATUS       current
    DESCRIPTION  "Stand-in for the SNMP-FRAMEWORK-MIB convention of this name (UTF-8)."
    SYNTAX       OCTET STRING (SIZE (0..255))
END
""",
    "IF-MIB": """\
IF-MIB DEFINITIONS ::= BEGIN
IMPORTS Integer32 FROM SNMPv2-SMI
        TEXTUAL-CONVENTION FROM SNMPv2-TC;
InterfaceIndexOrZero ::= TEXTUAL-CONVENTION
    DISPLAY-HINT "d"
    STATUS       current
    DESCRIPTION  "Stand-in for the IF-MIB convention of this name."
    SYNTAX       Integer32 (0..2147483647)
END
""",
}


def write_stand_ins(directory: Path) -> list[Path]:
    """Write every stand-in module into `directory` (created if needed); return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in STAND_INS.items():
        path = directory / name
        path.write_text(_NOTE + text)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m vmwatch_snmp.basemibs DIRECTORY", file=sys.stderr)
        return 2
    for path in write_stand_ins(Path(args[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
