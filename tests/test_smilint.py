"""smilint (libsmi, Debian `smitools`) over mibs/: clean, except the warnings docs/operations.md explains.

Debian ships no IETF base modules (they come from the non-free snmp-mibs-downloader, which
downloads them), so smilint gets lint-only stand-ins: vmwatch_snmp.basemibs (the textual
conventions, with the standards' SYNTAX and DISPLAY-HINT) plus the SMIv2 macro and base type
names libsmi needs to recognise SMIv2. Run at the highest level (-l 9), so nothing is hidden.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from services import require_program
from vmwatch_snmp import basemibs

ROOT = Path(__file__).resolve().parent.parent
MIBS = ROOT / "mibs"

SMI = """SNMPv2-SMI DEFINITIONS ::= BEGIN
org OBJECT IDENTIFIER ::= { iso 3 }
dod OBJECT IDENTIFIER ::= { org 6 }
internet OBJECT IDENTIFIER ::= { dod 1 }
mgmt OBJECT IDENTIFIER ::= { internet 2 }
mib-2 OBJECT IDENTIFIER ::= { mgmt 1 }
transmission OBJECT IDENTIFIER ::= { mib-2 10 }
private OBJECT IDENTIFIER ::= { internet 4 }
enterprises OBJECT IDENTIFIER ::= { private 1 }
snmpV2 OBJECT IDENTIFIER ::= { internet 6 }
snmpModules OBJECT IDENTIFIER ::= { snmpV2 3 }
MODULE-IDENTITY MACRO ::= BEGIN END
OBJECT-IDENTITY MACRO ::= BEGIN END
OBJECT-TYPE MACRO ::= BEGIN END
NOTIFICATION-TYPE MACRO ::= BEGIN END
Integer32 ::= INTEGER (-2147483648..2147483647)
Counter32 ::= [APPLICATION 1] IMPLICIT INTEGER (0..4294967295)
Gauge32 ::= [APPLICATION 2] IMPLICIT INTEGER (0..4294967295)
Unsigned32 ::= [APPLICATION 2] IMPLICIT INTEGER (0..4294967295)
TimeTicks ::= [APPLICATION 3] IMPLICIT INTEGER (0..4294967295)
Counter64 ::= [APPLICATION 6] IMPLICIT INTEGER (0..18446744073709551615)
END
"""
CONF = """SNMPv2-CONF DEFINITIONS ::= BEGIN
OBJECT-GROUP MACRO ::= BEGIN END
NOTIFICATION-GROUP MACRO ::= BEGIN END
MODULE-COMPLIANCE MACRO ::= BEGIN END
END
"""
# Each is explained in docs/operations.md ("smilint"); anything else fails the test.
EXPLAINED = {
    "UUID-TC-MIB": ["current type `UUID' is not referenced in this module",
                    "current type `UUIDorZero' is not referenced in this module"],
    "IANA-STORAGE-MEDIA-TYPE-MIB": ["current type `IANAStorageMediaType' is not referenced in this module"],
    "VM-MIB": ["object identifier name `vmBulkNotificationsVariablesGroup' longer than 32 characters"],
}


def stand_ins(directory: Path) -> Path:
    directory.mkdir()
    for name, text in basemibs.STAND_INS.items():
        (directory / name).write_text(text)
    (directory / "SNMPv2-SMI").write_text(SMI)
    (directory / "SNMPv2-CONF").write_text(CONF)
    tc = (directory / "SNMPv2-TC").read_text()
    (directory / "SNMPv2-TC").write_text(tc.replace(
        "IMPORTS TimeTicks FROM SNMPv2-SMI;", "IMPORTS TimeTicks FROM SNMPv2-SMI;\nTEXTUAL-CONVENTION MACRO ::= BEGIN END"))
    return directory


def test_smilint_is_clean_but_for_explained_warnings(tmp_path):
    smilint = require_program("smilint")
    base = stand_ins(tmp_path / "base")
    found = {}
    for module in EXPLAINED:
        done = subprocess.run([smilint, "-l", "9", "-s", str(MIBS / module)], capture_output=True, text=True,
                              timeout=60, env={**os.environ, "SMIPATH": f"{MIBS}:{base}"})
        found[module] = [line.split("] ", 1)[1].removeprefix("warning: ") for line in done.stderr.splitlines()]
    assert found == EXPLAINED
    docs = (ROOT / "docs" / "operations.md").read_text()
    for warnings in EXPLAINED.values():
        for warning in warnings:
            assert warning in docs, f"not explained in docs/operations.md: {warning}"
