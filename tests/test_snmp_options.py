"""`[exporter.snmp]` validation and the pure helpers of the embedded agent (no sockets)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from vmwatch_mib import Syntax, Value
from vmwatch_snmp.address import AddressError, ListenAddress, default_listen, parse_listen
from vmwatch_snmp.convert import from_pysnmp, to_pysnmp
from vmwatch_snmp.options import default_engine_id, parse_engine_id, parse_options
from vmwatch_snmp.plugin import check

from vmwatch.backend import Problem

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "text, expected",
    [
        ("udp:127.0.0.1:1161", ListenAddress("udp", "127.0.0.1", 1161)),
        ("127.0.0.1:161", ListenAddress("udp", "127.0.0.1", 161)),
        ("udp6:[::1]:1161", ListenAddress("udp6", "::1", 1161)),
        ("[::1]:0", ListenAddress("udp6", "::1", 0)),
    ],
)
def test_listen_addresses(text, expected):
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text", ["", "localhost:161", "udp:127.0.0.1", "udp:127.0.0.1:99999", "udp6:127.0.0.1:1", "udp:[::1]:1"])
def test_bad_listen_addresses(text):
    with pytest.raises(AddressError):
        parse_listen(text)


def test_default_listen_is_loopback_and_unprivileged_for_users():
    assert default_listen(0) == "udp:127.0.0.1:161"
    assert default_listen(1000) == "udp:127.0.0.1:1161"


def test_defaults():
    settings, problems = parse_options({})
    assert problems == []
    assert settings.communities == ("public",) and settings.write_community is None and settings.users == ()
    assert settings.listen.host == "127.0.0.1"
    assert settings.engine_id.startswith(bytes.fromhex("80004fb804")) and len(settings.engine_id) <= 32


def test_secrets_from_files_and_never_in_repr(tmp_path):
    (tmp_path / "a").write_text("s3cret-auth\n")
    (tmp_path / "p").write_text("s3cret-priv\nignored second line\n")
    for name in ("a", "p"):
        (tmp_path / name).chmod(0o600)
    settings, problems = parse_options(
        {"users": [{"name": "u", "auth_key_file": str(tmp_path / "a"), "priv_key_file": str(tmp_path / "p")}]}
    )
    assert problems == []
    (user,) = settings.users
    assert (user.auth_key, user.priv_key, user.auth_protocol, user.priv_protocol) == ("s3cret-auth", "s3cret-priv", "sha", "aes")
    assert "s3cret" not in repr(settings) and "s3cret" not in repr(user)


def test_secrets_from_the_environment(monkeypatch):
    monkeypatch.setenv("VMWATCH_TEST_AUTH", "env-auth-phrase\n")
    monkeypatch.setenv("VMWATCH_TEST_PRIV", "env-priv-phrase")
    settings, problems = parse_options(
        {"users": [{"name": "u", "auth_key_env": "VMWATCH_TEST_AUTH", "priv_key_env": "VMWATCH_TEST_PRIV"}]}
    )
    assert problems == []
    (user,) = settings.users
    assert (user.auth_key, user.priv_key) == ("env-auth-phrase", "env-priv-phrase")
    assert "env-" not in repr(settings)


def test_bad_environment_secrets_are_problems(monkeypatch):
    monkeypatch.delenv("VMWATCH_TEST_UNSET", raising=False)
    monkeypatch.setenv("VMWATCH_TEST_SHORT", "short")
    users = [
        {"name": "a", "auth_key_env": "VMWATCH_TEST_UNSET", "priv_protocol": "none"},
        {"name": "b", "auth_key_env": "not a name", "priv_protocol": "none"},
        {"name": "c", "auth_key_env": "VMWATCH_TEST_SHORT", "priv_protocol": "none"},
        {"name": "d", "auth_key": "long-enough", "auth_key_env": "VMWATCH_TEST_SHORT", "priv_protocol": "none"},
        {"name": "e", "auth_key": "long-enough", "priv_protocol": "none", "priv_key_env": "VMWATCH_TEST_SHORT"},
    ]
    _, problems = parse_options({"users": users})
    assert problems == [
        Problem("users[0].auth_key_env", "environment variable VMWATCH_TEST_UNSET is not set or empty"),
        Problem("users[1].auth_key_env", "must be an environment variable name, not 'not a name'"),
        Problem("users[2].auth_key_env", "pass phrase must have at least 8 characters"),
        Problem("users[3].auth_key", "give one of auth_key, auth_key_file or auth_key_env, not auth_key and auth_key_env"),
        Problem("users[4].priv_protocol", 'is "none" but a privacy key is given'),
    ]


def test_every_problem_is_reported_with_its_key(tmp_path):
    options = {
        "listen": "nowhere",
        "communities": "public",
        "write_community": "",
        "engine_id": "zz",
        "per_vm_notifications": "yes",
        "colour": "blue",
        "users": [
            {"name": "", "auth_protocol": "md5", "auth_key": "short", "priv_protocol": "des"},
            {"name": "x", "auth_key_file": str(tmp_path / "missing")},
            {"name": "y", "auth_key": "long-enough", "auth_key_file": "/etc/x", "priv_protocol": "none", "priv_key": "p" * 9},
            "not a table",
        ],
    }
    _, problems = parse_options(options)
    keys = {p.key for p in problems}
    assert {
        "listen", "communities", "write_community", "engine_id", "per_vm_notifications", "colour",
        "users[0].name", "users[0].auth_protocol", "users[0].auth_key", "users[0].priv_protocol",
        "users[1].auth_key_file", "users[1].priv_key_file", "users[2].auth_key", "users[2].priv_protocol", "users[3]",
    } <= keys, problems
    assert all(p.reason for p in problems)


def test_write_community_must_differ_from_read_communities():
    _, problems = parse_options({"communities": ["public", "private"], "write_community": "private"})
    assert [p.key for p in problems] == ["write_community"]


def test_duplicate_users():
    user = {"name": "u", "auth_key": "auth-pass-1", "priv_key": "priv-pass-1"}
    _, problems = parse_options({"users": [user, user]})
    assert problems == [Problem("users[1].name", "'u' is defined twice")]


def test_engine_ids():
    assert parse_engine_id("0x80:00:4f:b8:05:01") == bytes.fromhex("80004fb80501")
    with pytest.raises(ValueError):
        parse_engine_id("8000")  # 2 octets: too short
    assert default_engine_id("h" * 100)[:5] == bytes.fromhex("80004fb804") and len(default_engine_id("h" * 100)) == 32


def test_plugin_check_names_keys_relative_to_the_table():
    assert check({"listen": "udp:127.0.0.1:1161"}) == []
    assert [p.key for p in check({"listen": "bad"})] == ["listen"]


@pytest.mark.parametrize(
    "value",
    [
        Value(Syntax.INTEGER, -5),
        Value(Syntax.OCTET_STRING, b"\x00\xffraw"),
        Value(Syntax.OBJECT_IDENTIFIER, (1, 3, 6, 1, 2, 1, 236)),
        Value(Syntax.TIMETICKS, 2**32 - 1),
        Value(Syntax.COUNTER64, 2**64 - 1),
        Value(Syntax.COUNTER32, 7),
        Value(Syntax.GAUGE32, 8),
    ],
)
def test_values_round_trip_through_pysnmp_types(value):
    assert from_pysnmp(to_pysnmp(value)) == value


def test_compiled_mibs_are_up_to_date():
    """exporters/vmwatch_snmp/compiled/ is what scripts/compile-mibs makes from mibs/ now."""
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "compile-mibs"), "--check"], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_compiled_vm_mib_loads_into_pysnmp(tmp_path):
    """The shipped VM-MIB.py resolves names in pysnmp (IF-MIB compiled from the stand-in here)."""
    from pysmi.codegen import PySnmpCodeGen
    from pysmi.compiler import MibCompiler
    from pysmi.parser import SmiStarParser
    from pysmi.reader import FileReader
    from pysmi.writer import PyFileWriter
    from pysnmp.smi import builder, view
    from vmwatch_snmp.basemibs import write_stand_ins

    # IF-MIB is a pysnmp user's own (not shipped); compile the stand-in for this test only.
    write_stand_ins(tmp_path / "src")
    compiler = MibCompiler(SmiStarParser(), PySnmpCodeGen(), PyFileWriter(str(tmp_path / "out")))
    compiler.add_sources(FileReader(str(tmp_path / "src")))
    assert compiler.compile("IF-MIB")["IF-MIB"] == "compiled"
    mib_builder = builder.MibBuilder()
    mib_builder.add_mib_sources(builder.DirMibSource(str(ROOT / "exporters" / "vmwatch_snmp" / "compiled")),
                                builder.DirMibSource(str(tmp_path / "out")))
    mib_builder.load_modules("VM-MIB")
    (vm_name,) = mib_builder.import_symbols("VM-MIB", "vmName")
    assert vm_name.name == (1, 3, 6, 1, 2, 1, 236, 1, 4, 1, 2)
    _, label, _ = view.MibViewController(mib_builder).get_node_name((1, 3, 6, 1, 2, 1, 236, 1, 10))
    assert label[-1] == "vmBulkNotificationsEnabled"


def test_a_world_readable_key_file_is_refused(tmp_path):
    (tmp_path / "a").write_text("s3cret-auth\n")
    (tmp_path / "a").chmod(0o644)
    settings, problems = parse_options({"users": [{"name": "u", "auth_key_file": str(tmp_path / "a"), "priv_protocol": "none"}]})
    assert settings is None
    (problem,) = problems
    assert problem.key == "users[0].auth_key_file"
    assert str(tmp_path / "a") in problem.reason and "every user" in problem.reason and "0644" in problem.reason
