"""Load and validate the configuration (TOML) and the command-line flags that override it.

Validation collects every problem instead of stopping at the first; each names the file (or
"command line"), the key and the reason, so a bad config reads as one line per mistake:

    /etc/vmwatch/vmwatch.toml: vmwatch.refresh_interval: must be a number > 0, not 'fast'
"""

from __future__ import annotations

import copy
import os
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vmwatch.backend import BackendType, ExporterType, Options, Problem

DEFAULT_CONFIG = Path("/etc/vmwatch/vmwatch.toml")
COMMAND_LINE = "command line"

CORE_KEYS = {
    "state_dir": "directory for persistent state (indexes)",
    "refresh_interval": "seconds between reads of each backend",
    "stale_after": "seconds after which a snapshot is served as stale",
    "index_hold": "seconds a removed VM's index stays reserved",
    "backoff_max": "longest wait, in seconds, between reconnection attempts",
    "log_level": "debug, info, warning or error",
}
LOG_LEVELS = ("debug", "info", "warning", "error")


@dataclass(frozen=True)
class BackendConfig:
    """One `[[backend]]` entry: its name (the `hypervisor` label), type and type options."""

    name: str
    type: str
    options: Options


@dataclass(frozen=True)
class PluginConfig:
    """One `[exporter.NAME]` or `[analyser.NAME]` table that is enabled, with its options."""

    name: str
    options: Options


@dataclass(frozen=True)
class Config:
    source: str  # the file it came from, or "" for built-in defaults
    state_dir: Path
    refresh_interval: float = 15.0
    stale_after: float = 45.0
    index_hold: float = 24 * 3600.0
    backoff_max: float = 30.0
    log_level: str = "info"
    backends: tuple[BackendConfig, ...] = ()
    exporters: tuple[PluginConfig, ...] = ()
    analysers: tuple[PluginConfig, ...] = ()


class ConfigError(Exception):
    """The configuration is invalid; `lines` has one message per problem."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def default_state_dir() -> Path:
    """Where indexes live unless the config says: systemd's $STATE_DIRECTORY when it runs us
    (StateDirectory=vmwatch), /var/lib/vmwatch for root, else the user's XDG state directory."""
    if os.environ.get("STATE_DIRECTORY"):
        return Path(os.environ["STATE_DIRECTORY"].split(":")[0])
    if os.geteuid() == 0:
        return Path("/var/lib/vmwatch")
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "vmwatch"


def read_file(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a missing, unreadable or malformed file raises ConfigError."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError([f"{path}: cannot read: no such file"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None


# --- Secrets ----------------------------------------------------------------------------------
# Passwords and keys come from files (or the environment), never from command-line arguments,
# which every user sees in `ps`. A secret file that every user can read is refused: the secret is
# already out, and going on would hide it.


def secret_file_problem(path: str | Path, key: str) -> Problem | None:
    """Why `path` cannot hold the secret named by config key `key`, or None when it can.

    Refused: missing, unreadable, not a regular file, readable or writable by every user.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return Problem(key, f"secret file {path} does not exist")
    except OSError as exc:
        return Problem(key, f"cannot read secret file {path}: {exc.strerror or exc}")
    if not stat.S_ISREG(info.st_mode):
        return Problem(key, f"secret file {path} is not a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if mode & (stat.S_IROTH | stat.S_IWOTH):
        return Problem(
            key,
            f"secret file {path} is readable or writable by every user (mode {mode:04o}); "
            f"refusing to use it: chmod o-rwx {path} (e.g. chmod 0640, group vmwatch)",
        )
    if not os.access(path, os.R_OK):
        return Problem(key, f"cannot read secret file {path}: permission denied")
    return None


# Options that hold a secret inline (the SNMPv3 pass phrases); each has a `KEY_file` form.
INLINE_SECRET_KEYS = ("auth_key", "priv_key", "password")


def inline_secret_problems(raw: dict[str, Any], path: Path) -> list[Problem]:
    """A config file that holds secrets inline must not be readable by every user either."""
    keys = [k for k in flatten(raw) if k.rsplit(".", 1)[-1] in INLINE_SECRET_KEYS]
    if not keys:
        return []
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return []
    if not mode & (stat.S_IROTH | stat.S_IWOTH):
        return []
    return [
        Problem(key, f"a secret written in a file every user can read (mode {mode:04o}): "
                     f"use {key.rsplit('.', 1)[-1]}_file, or chmod o-rwx {path}")
        for key in keys
    ]


def read_secret(path: str | Path, key: str) -> str | Problem:
    """The secret in `path` (first line, surrounding whitespace dropped), or a Problem naming `key`,
    the file and the reason (see `secret_file_problem`); an empty secret is a problem too."""
    problem = secret_file_problem(path, key)
    if problem is not None:
        return problem
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        return Problem(key, f"cannot read secret file {path}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        return Problem(key, f"secret file {path} is not UTF-8 text")
    value = lines[0].strip() if lines else ""
    if not value:
        return Problem(key, f"secret file {path} is empty")
    return value


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted key → leaf value, with list items as `key[i]` (to tell which keys flags changed)."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list):
        out = {}
        for i, value in enumerate(data):
            out.update(flatten(value, f"{prefix}[{i}]"))
        return out
    return {prefix: data}


def _number(raw: dict, key: str, default: float, problems: list[Problem], minimum: float = 0.0) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= minimum:
        problems.append(Problem(f"vmwatch.{key}", f"must be a number > {minimum:g}, not {value!r}"))
        return default
    return float(value)


def validate(
    raw: dict[str, Any],
    backend_types: dict[str, BackendType],
    exporter_types: dict[str, ExporterType],
    analyser_types: dict[str, ExporterType] | None = None,
    source: str = "",
) -> tuple[Config | None, list[Problem]]:
    """Turn raw TOML data into a Config, or return the list of problems (keys are dotted paths)."""
    analyser_types = analyser_types or {}
    problems: list[Problem] = []
    for key in raw:
        if key not in ("vmwatch", "backend", "exporter", "analyser"):
            problems.append(Problem(key, "unknown key (expected vmwatch, backend, exporter, analyser)"))

    core = raw.get("vmwatch", {})
    if not isinstance(core, dict):
        problems.append(Problem("vmwatch", "must be a table"))
        core = {}
    for key in core:
        if key not in CORE_KEYS:
            problems.append(Problem(f"vmwatch.{key}", f"unknown key (expected one of {', '.join(CORE_KEYS)})"))
    interval = _number(core, "refresh_interval", 15.0, problems)
    stale_after = _number(core, "stale_after", 3 * interval, problems)
    index_hold = _number(core, "index_hold", 24 * 3600.0, problems, minimum=-1)
    backoff_max = _number(core, "backoff_max", 30.0, problems)
    state_dir = core.get("state_dir", str(default_state_dir()))
    if not isinstance(state_dir, str) or not state_dir:
        problems.append(Problem("vmwatch.state_dir", f"must be a directory path, not {state_dir!r}"))
        state_dir = str(default_state_dir())
    log_level = core.get("log_level", "info")
    if log_level not in LOG_LEVELS:
        problems.append(Problem("vmwatch.log_level", f"must be one of {', '.join(LOG_LEVELS)}, not {log_level!r}"))
        log_level = "info"

    backends = _backends(raw.get("backend", []), backend_types, problems)
    exporters = _plugin_tables("exporter", raw.get("exporter", {}), exporter_types, problems)
    analysers = _plugin_tables("analyser", raw.get("analyser", {}), analyser_types, problems)
    if problems:
        return None, problems
    return (
        Config(
            source=source,
            state_dir=Path(state_dir),
            refresh_interval=interval,
            stale_after=stale_after,
            index_hold=index_hold,
            backoff_max=backoff_max,
            log_level=log_level,
            backends=tuple(backends),
            exporters=tuple(exporters),
            analysers=tuple(analysers),
        ),
        [],
    )


def _backends(entries: Any, types: dict[str, BackendType], problems: list[Problem]) -> list[BackendConfig]:
    if not isinstance(entries, list):
        problems.append(Problem("backend", "must be an array of tables ([[backend]])"))
        return []
    backends: list[BackendConfig] = []
    names: set[str] = set()
    for i, entry in enumerate(entries):
        where = f"backend[{i}]"
        if not isinstance(entry, dict):
            problems.append(Problem(where, "must be a table"))
            continue
        kind = entry.get("type")
        if kind not in types:
            known = ", ".join(sorted(types)) or "none installed"
            problems.append(Problem(f"{where}.type", f"unknown backend type {kind!r} (known: {known})"))
            continue
        name = entry.get("name", kind if len(entries) == 1 else f"{kind}{i}")
        if not isinstance(name, str) or not name:
            problems.append(Problem(f"{where}.name", f"must be a non-empty string, not {name!r}"))
            continue
        if name in names:
            problems.append(Problem(f"{where}.name", f"{name!r} is used by another backend"))
            continue
        names.add(name)
        options = {k: v for k, v in entry.items() if k not in ("name", "type")}
        found = types[kind].check(options)
        problems.extend(Problem(f"{where}.{p.key}", p.reason) for p in found)
        if not found:
            backends.append(BackendConfig(name=name, type=kind, options=options))
    return backends


def _plugin_tables(
    section: str, tables: Any, types: dict[str, ExporterType], problems: list[Problem]
) -> list[PluginConfig]:
    if not isinstance(tables, dict):
        problems.append(Problem(section, f"must be a table of [{section}.NAME] tables"))
        return []
    for name, table in tables.items():
        if name not in types:
            known = ", ".join(sorted(types)) or "none installed"
            problems.append(Problem(f"{section}.{name}", f"unknown {section} (known: {known})"))
        elif not isinstance(table, dict):
            problems.append(Problem(f"{section}.{name}", "must be a table"))
    enabled: list[PluginConfig] = []
    for name, kind in sorted(types.items()):
        table = tables.get(name, {})
        if not isinstance(table, dict):
            continue
        on = table.get("enabled", kind.enabled_by_default)
        if not isinstance(on, bool):
            problems.append(Problem(f"{section}.{name}.enabled", f"must be true or false, not {on!r}"))
            continue
        options = {k: v for k, v in table.items() if k != "enabled"}
        found = kind.check(options) if on or options else []
        if not on:
            # A problem with `enabled` itself (a missing extra: pysnmp for the snmp exporter)
            # matters only when it is on; options written for later are still checked.
            found = [p for p in found if p.key != "enabled"]
        problems.extend(Problem(f"{section}.{name}.{p.key}", p.reason) for p in found)
        if on and not found:
            enabled.append(PluginConfig(name=name, options=options))
    return enabled


def origin_of(key: str, flag_keys: set[str], source: str) -> str:
    """Which input a problem key came from: the command line if a flag set it, else the file."""
    for flag_key in flag_keys:
        if key == flag_key or key.startswith(flag_key + ".") or flag_key.startswith(key + "."):
            return COMMAND_LINE
    return source or "defaults"


def load(
    path: Path | None,
    backend_types: dict[str, BackendType],
    exporter_types: dict[str, ExporterType],
    analyser_types: dict[str, ExporterType] | None = None,
    apply_flags=None,
) -> Config:
    """Read `path` (None: built-in defaults), let `apply_flags(raw)` override, validate.

    Raises ConfigError with one line per problem: `SOURCE: KEY: REASON`.
    """
    raw = read_file(path) if path is not None else {}
    source = str(path) if path is not None else ""
    before = flatten(copy.deepcopy(raw))
    if apply_flags is not None:
        apply_flags(raw)
    after = flatten(raw)
    flag_keys = {k for k, v in after.items() if k not in before or before[k] != v}
    config, problems = validate(raw, backend_types, exporter_types, analyser_types, source)
    if path is not None:
        problems = [*problems, *inline_secret_problems(raw, path)]
    if problems:
        raise ConfigError([f"{origin_of(p.key, flag_keys, source)}: {p.key}: {p.reason}" for p in problems])
    assert config is not None
    return config
