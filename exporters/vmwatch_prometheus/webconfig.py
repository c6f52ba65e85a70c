"""The web config file of Prometheus' exporter-toolkit (TLS, basic auth), so users can reuse theirs.

    tls_server_config: {cert_file, key_file | cert, key, client_ca_file | client_ca,
                        client_auth_type, client_allowed_sans, min_version, max_version,
                        cipher_suites, prefer_server_cipher_suites, curve_preferences}
    http_server_config: {http2, headers}
    basic_auth_users: {user: bcrypt hash}
    rate_limit: {interval, burst}

`parse(data, directory)` is pure: it turns the loaded YAML into a `WebConfig` or a list of
problems, each naming the key and the reason. `load(path)` reads the file, parses it and then
builds the TLS context once, so that unreadable certificates, a key that does not match and a bad
CA file are reported at configuration time, not at the first scrape. Relative paths are relative
to the directory of the web config file, as in exporter-toolkit.

Differences from exporter-toolkit, each reported rather than silently ignored:
- client_auth_type RequestClientCert and RequireAnyClientCert accept client certificates without
  verifying them; Python's ssl module cannot, so they are rejected (use RequireAndVerifyClientCert).
- curve_preferences is applied when it names one curve; with several, OpenSSL's default list
  (which includes them) stays in force and a note says so. http2 is noted: vmwatch serves HTTP/1.1.
"""

from __future__ import annotations

import os
import re
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vmwatch.backend import Problem

TOP_KEYS = ("tls_server_config", "http_server_config", "basic_auth_users", "rate_limit")
TLS_KEYS = (
    "cert", "key", "client_ca", "cert_file", "key_file", "client_auth_type", "client_ca_file",
    "client_allowed_sans", "min_version", "max_version", "cipher_suites", "prefer_server_cipher_suites",
    "curve_preferences",
)
CLIENT_AUTH_TYPES = ("NoClientCert", "VerifyClientCertIfGiven", "RequireAndVerifyClientCert")
UNVERIFIED_CLIENT_AUTH = ("RequestClientCert", "RequireAnyClientCert", "RequireClientCert")
TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1,
    "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2,
    "TLS13": ssl.TLSVersion.TLSv1_3,
}
# Go's crypto/tls names (what exporter-toolkit accepts) → OpenSSL's names.
GO_CIPHERS = {
    "TLS_RSA_WITH_AES_128_CBC_SHA": "AES128-SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA": "AES256-SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
}
# TLS 1.3 suites are always enabled (in Go as in OpenSSL); naming them changes nothing.
TLS13_CIPHERS = ("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")
GO_CURVES = {"CurveP256": "prime256v1", "CurveP384": "secp384r1", "CurveP521": "secp521r1", "X25519": "X25519"}
# The headers exporter-toolkit lets a config set, with their allowed values (None: any).
EXTRA_HEADERS: dict[str, tuple[str, ...] | None] = {
    "Strict-Transport-Security": None,
    "X-Content-Type-Options": ("nosniff",),
    "X-Frame-Options": ("deny", "sameorigin"),
    "X-XSS-Protection": None,
    "Content-Security-Policy": None,
}
BCRYPT_HASH = re.compile(r"^\$2[aby]?\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class TlsSettings:
    """tls_server_config, validated; file paths absolute, inline PEM kept as text."""

    cert_file: Path | None = None
    key_file: Path | None = None
    cert_pem: str | None = None
    key_pem: str | None = None
    client_ca_file: Path | None = None
    client_ca_pem: str | None = None
    client_auth_type: str = "NoClientCert"
    client_allowed_sans: tuple[str, ...] = ()
    min_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2
    max_version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_3
    ciphers: str | None = None  # OpenSSL cipher list for TLS ≤ 1.2, None for OpenSSL's defaults
    prefer_server_cipher_suites: bool = True
    curve: str | None = None  # the one curve to use, when exactly one was named

    def files(self) -> tuple[Path, ...]:
        """Files the context is built from (watched for changes by the server)."""
        return tuple(p for p in (self.cert_file, self.key_file, self.client_ca_file) if p is not None)


@dataclass(frozen=True)
class RateLimit:
    """Token bucket: one request per `interval` seconds on average, bursts of `burst`."""

    interval: float
    burst: int


@dataclass(frozen=True)
class WebConfig:
    """A parsed web config file. The default value means plain HTTP without authentication."""

    source: Path | None = None
    tls: TlsSettings | None = None
    users: Mapping[str, bytes] = field(default_factory=dict)  # user → bcrypt hash
    headers: tuple[tuple[str, str], ...] = ()
    rate_limit: RateLimit | None = None
    notes: tuple[str, ...] = ()  # settings accepted but not applied as written; logged at start


class _Problems(list):
    def add(self, key: str, reason: str) -> None:
        self.append(Problem(key, reason))


def parse(data: Any, directory: Path, source: Path | None = None) -> tuple[WebConfig | None, list[Problem]]:
    """Validate loaded YAML data; relative paths are joined to `directory`. Pure (no file access)."""
    problems = _Problems()
    if data is None:
        data = {}  # an empty file: plain HTTP, no authentication (as in exporter-toolkit)
    if not isinstance(data, dict):
        return None, [Problem("(top level)", f"must be a mapping of {', '.join(TOP_KEYS)}, not {_kind(data)}")]
    for key in data:
        if key not in TOP_KEYS:
            problems.add(str(key), f"unknown key (expected one of {', '.join(TOP_KEYS)})")
    notes: list[str] = []
    tls = _tls(data.get("tls_server_config"), directory, problems, notes)
    headers = _http(data.get("http_server_config"), problems, notes)
    users = _users(data.get("basic_auth_users"), problems)
    rate_limit = _rate_limit(data.get("rate_limit"), problems)
    if problems:
        return None, list(problems)
    return WebConfig(source, tls, users, headers, rate_limit, tuple(notes)), []


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(type(value), type(value).__name__)


def _mapping(value: Any, key: str, problems: _Problems) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.add(key, f"must be a mapping, not {_kind(value)}")
        return None
    return value


def _string(section: dict, key: str, where: str, problems: _Problems) -> str | None:
    value = section.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.add(f"{where}.{key}", f"must be a string, not {_kind(value)}")
        return None
    return value


def _string_list(section: dict, key: str, where: str, problems: _Problems) -> list[str]:
    value = section.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.add(f"{where}.{key}", "must be a list of strings")
        return []
    return value


def _tls(value: Any, directory: Path, problems: _Problems, notes: list[str]) -> TlsSettings | None:
    where = "tls_server_config"
    section = _mapping(value, where, problems)
    if section is None:
        return None
    for key in section:
        if key not in TLS_KEYS:
            problems.add(f"{where}.{key}", f"unknown key (expected one of {', '.join(TLS_KEYS)})")
    s = {key: _string(section, key, where, problems) for key in (
        "cert", "key", "client_ca", "cert_file", "key_file", "client_ca_file", "client_auth_type", "min_version", "max_version",
    )}
    if not any(s[k] for k in ("cert", "key", "client_ca", "cert_file", "key_file", "client_ca_file", "client_auth_type")):
        return None  # present but empty: plain HTTP, as in exporter-toolkit
    for inline, path in (("cert", "cert_file"), ("key", "key_file"), ("client_ca", "client_ca_file")):
        if s[inline] and s[path]:
            problems.add(f"{where}.{path}", f"give {inline} (inline PEM) or {path}, not both")
    if not (s["cert"] or s["cert_file"]):
        problems.add(f"{where}.cert_file", "missing: TLS needs cert_file (or cert)")
    if not (s["key"] or s["key_file"]):
        problems.add(f"{where}.key_file", "missing: TLS needs key_file (or key)")

    auth = s["client_auth_type"] or "NoClientCert"
    if auth in UNVERIFIED_CLIENT_AUTH:
        problems.add(
            f"{where}.client_auth_type",
            f"{auth} accepts client certificates without verifying them, which vmwatch does not support; "
            "use RequireAndVerifyClientCert (or VerifyClientCertIfGiven) with client_ca_file",
        )
    elif auth not in CLIENT_AUTH_TYPES:
        problems.add(f"{where}.client_auth_type", f"unknown value {auth!r} (expected one of {', '.join(CLIENT_AUTH_TYPES)})")
    has_ca = bool(s["client_ca"] or s["client_ca_file"])
    if has_ca and auth == "NoClientCert":
        problems.add(
            f"{where}.client_auth_type",
            "client CA configured without a client auth policy: set RequireAndVerifyClientCert",
        )
    sans = _string_list(section, "client_allowed_sans", where, problems)
    if sans and auth != "RequireAndVerifyClientCert":
        problems.add(f"{where}.client_allowed_sans", "needs client_auth_type RequireAndVerifyClientCert")

    versions = {}
    for key, default in (("min_version", "TLS12"), ("max_version", "TLS13")):
        name = s[key] or default
        if name not in TLS_VERSIONS:
            problems.add(f"{where}.{key}", f"unknown TLS version {name!r} (expected one of {', '.join(TLS_VERSIONS)})")
            name = default
        versions[key] = TLS_VERSIONS[name]
    if versions["min_version"] > versions["max_version"]:
        problems.add(f"{where}.min_version", "is above max_version")

    ciphers = []
    for name in _string_list(section, "cipher_suites", where, problems):
        if name in GO_CIPHERS:
            ciphers.append(GO_CIPHERS[name])
        elif name not in TLS13_CIPHERS:
            problems.add(f"{where}.cipher_suites", f"unknown or insecure cipher suite {name!r}")
    prefer = section.get("prefer_server_cipher_suites", True)
    if not isinstance(prefer, bool):
        problems.add(f"{where}.prefer_server_cipher_suites", f"must be true or false, not {prefer!r}")
        prefer = True
    curves = []
    for name in _string_list(section, "curve_preferences", where, problems):
        if name not in GO_CURVES:
            problems.add(f"{where}.curve_preferences", f"unknown curve {name!r} (expected one of {', '.join(GO_CURVES)})")
        else:
            curves.append(GO_CURVES[name])
    if len(curves) > 1:
        notes.append(
            "tls_server_config.curve_preferences names several curves; Python's ssl module can set only one, "
            "so OpenSSL's default list (X25519, P-256, P-384, P-521 ...) is used"
        )

    def path(key: str) -> Path | None:
        return directory / s[key] if s[key] else None  # an absolute path stays absolute

    return TlsSettings(
        cert_file=path("cert_file"),
        key_file=path("key_file"),
        cert_pem=s["cert"],
        key_pem=s["key"],
        client_ca_file=path("client_ca_file"),
        client_ca_pem=s["client_ca"],
        client_auth_type=auth,
        client_allowed_sans=tuple(sans),
        min_version=versions["min_version"],
        max_version=versions["max_version"],
        ciphers=":".join(ciphers) or None,
        prefer_server_cipher_suites=prefer,
        curve=curves[0] if len(curves) == 1 else None,
    )


def _http(value: Any, problems: _Problems, notes: list[str]) -> tuple[tuple[str, str], ...]:
    where = "http_server_config"
    section = _mapping(value, where, problems)
    if section is None:
        return ()
    for key in section:
        if key not in ("http2", "headers"):
            problems.add(f"{where}.{key}", "unknown key (expected http2 or headers)")
    if "http2" in section:
        if not isinstance(section["http2"], bool):
            problems.add(f"{where}.http2", f"must be true or false, not {section['http2']!r}")
        elif section["http2"]:
            notes.append("http_server_config.http2: vmwatch serves HTTP/1.1 only")
    headers = _mapping(section.get("headers"), f"{where}.headers", problems) or {}
    out = []
    for name, text in headers.items():
        allowed = EXTRA_HEADERS.get(name, ())
        if name not in EXTRA_HEADERS:
            problems.add(f"{where}.headers.{name}", f"this header can not be configured (allowed: {', '.join(EXTRA_HEADERS)})")
        elif not isinstance(text, str):
            problems.add(f"{where}.headers.{name}", f"must be a string, not {_kind(text)}")
        elif allowed is not None and text not in allowed:
            problems.add(f"{where}.headers.{name}", f"must be one of {', '.join(allowed)}, not {text!r}")
        elif "\n" in text or "\r" in text:
            problems.add(f"{where}.headers.{name}", "must be one line")
        elif text:  # blank means unset
            out.append((name, text))
    return tuple(out)


def _users(value: Any, problems: _Problems) -> dict[str, bytes]:
    where = "basic_auth_users"
    section = _mapping(value, where, problems)
    users: dict[str, bytes] = {}
    for user, hashed in (section or {}).items():
        if not isinstance(user, str) or not user or ":" in user:
            problems.add(f"{where}.{user}", "user names must be non-empty strings without ':'")
        elif not isinstance(hashed, str) or not BCRYPT_HASH.match(hashed):
            problems.add(
                f"{where}.{user}",
                "must be a bcrypt hash ($2y$10$... from `htpasswd -nBC 10 \"\" | tr -d ':\\n'`), not a plain password",
            )
        else:
            users[user] = hashed.encode()
    return users


def _rate_limit(value: Any, problems: _Problems) -> RateLimit | None:
    where = "rate_limit"
    section = _mapping(value, where, problems)
    if section is None:
        return None
    for key in section:
        if key not in ("interval", "burst"):
            problems.add(f"{where}.{key}", "unknown key (expected interval or burst)")
    interval = parse_duration(section.get("interval", 0))
    if interval is None:
        problems.add(f"{where}.interval", f"must be a duration such as 1s or 500ms, not {section.get('interval')!r}")
        return None
    burst = section.get("burst", 0)
    if isinstance(burst, bool) or not isinstance(burst, int) or burst < 0:
        problems.add(f"{where}.burst", f"must be a whole number >= 0, not {burst!r}")
        return None
    if interval == 0:
        return None  # 0 disables the limiter, as in exporter-toolkit
    if burst == 0:
        problems.add(f"{where}.burst", "must be at least 1 when interval is set (0 would refuse every request)")
        return None
    return RateLimit(interval, burst)


def parse_duration(value: Any) -> float | None:
    """A Go duration ('1s', '1m30s', '250ms', '0') or a number of seconds → seconds; None if invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if value >= 0 else None
    if not isinstance(value, str):
        return None
    if value == "0":
        return 0.0
    pos, total = 0, 0.0
    for match in _DURATION_PART.finditer(value):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    return total if pos == len(value) and pos > 0 else None


# --- Files ------------------------------------------------------------------------------------------


def load(path: Path) -> tuple[WebConfig | None, list[Problem]]:
    """Read, parse and check a web config file, including the TLS files it names."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None, [Problem("(file)", f"cannot read {path}: no such file")]
    except OSError as exc:
        return None, [Problem("(file)", f"cannot read {path}: {exc.strerror or exc}")]
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [Problem("(file)", f"{path} is not valid YAML{where}: {what}")]
    config, problems = parse(data, path.parent.resolve(), source=path)
    if config is not None and config.tls is not None:
        try:
            ssl_context(config.tls)
        except TlsError as exc:
            return None, [Problem(f"tls_server_config.{exc.key}", exc.reason)]
    return config, problems


class TlsError(Exception):
    """The TLS files cannot be used; `key` names the setting, `reason` says why."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"tls_server_config.{key}: {reason}")
        self.key = key
        self.reason = reason


def _read(path: Path, key: str) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        raise TlsError(key, f"cannot read {path}: no such file") from None
    except OSError as exc:
        raise TlsError(key, f"cannot read {path}: {exc.strerror or exc}") from None


def ssl_context(tls: TlsSettings) -> ssl.SSLContext:
    """A server-side SSLContext for these settings; raises TlsError naming the setting at fault."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = tls.min_version
    ctx.maximum_version = tls.max_version
    if tls.ciphers:
        try:
            ctx.set_ciphers(tls.ciphers)
        except ssl.SSLError as exc:
            raise TlsError("cipher_suites", f"OpenSSL accepts none of these suites: {exc}") from None
    if tls.prefer_server_cipher_suites:
        ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    if tls.curve:
        ctx.set_ecdh_curve(tls.curve)
    _load_cert_chain(ctx, tls)
    if tls.client_auth_type != "NoClientCert":
        ctx.verify_mode = ssl.CERT_REQUIRED if tls.client_auth_type == "RequireAndVerifyClientCert" else ssl.CERT_OPTIONAL
        if tls.client_ca_file is not None:
            _read(tls.client_ca_file, "client_ca_file")  # for a clear message when it is missing
            try:
                ctx.load_verify_locations(cafile=str(tls.client_ca_file))
            except ssl.SSLError as exc:
                raise TlsError("client_ca_file", f"{tls.client_ca_file} holds no usable CA certificate: {exc.reason}") from None
        elif tls.client_ca_pem is not None:
            try:
                ctx.load_verify_locations(cadata=tls.client_ca_pem)
            except (ssl.SSLError, ValueError) as exc:
                raise TlsError("client_ca", f"no usable CA certificate: {exc}") from None
        else:
            ctx.load_default_certs(ssl.Purpose.CLIENT_AUTH)  # like Go: the system roots
    return ctx


def _load_cert_chain(ctx: ssl.SSLContext, tls: TlsSettings) -> None:
    cert_key = "cert_file" if tls.cert_file else "cert"
    key_key = "key_file" if tls.key_file else "key"
    cert_text = _read(tls.cert_file, "cert_file") if tls.cert_file else tls.cert_pem or ""
    key_text = _read(tls.key_file, "key_file") if tls.key_file else tls.key_pem or ""
    # OpenSSL's own message for both is "PEM lib": say which one is wrong.
    if "-----BEGIN CERTIFICATE-----" not in cert_text:
        raise TlsError(cert_key, f"no PEM certificate in {tls.cert_file or 'the inline cert'}")
    if "PRIVATE KEY-----" not in key_text:
        raise TlsError(key_key, f"no PEM private key in {tls.key_file or 'the inline key'}")

    def no_password() -> bytes:
        # Without this OpenSSL would prompt on the terminal and hang the service.
        raise TlsError(key_key, "the private key is encrypted; give an unencrypted key (as exporter-toolkit needs)")

    with tempfile.TemporaryDirectory(prefix="vmwatch-tls-") as private:
        # ssl loads certificates and keys only from files: inline PEM goes to a private directory.
        cert = tls.cert_file or _private_file(private, "cert.pem", cert_text)
        key = tls.key_file or _private_file(private, "key.pem", key_text)
        try:
            ctx.load_cert_chain(certfile=str(cert), keyfile=str(key), password=no_password)
        except ssl.SSLError as exc:
            if exc.reason == "KEY_VALUES_MISMATCH":
                raise TlsError(key_key, f"the key does not match the certificate {cert}") from None
            raise TlsError(cert_key, f"cannot load the certificate and key: {exc.reason or exc}") from None


def _private_file(directory: str, name: str, text: str) -> Path:
    path = Path(directory) / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path
