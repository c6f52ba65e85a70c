"""The exporter's HTTP(S) server, its web config file and its plugin hooks, over real sockets."""

from __future__ import annotations

import argparse
import base64
import gzip
import http.client
import logging
import os
import re
import socket
import ssl
import threading
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import bcrypt
import pluggy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from certificates import make_pki
from prometheus_snapshots import small_snapshot
from vmwatch import __version__, config, hookspecs
from vmwatch.backend import Problem
from vmwatch.poller import SnapshotCache
from vmwatch_prometheus import plugin, web, webconfig
from vmwatch_prometheus.collector import VmwatchCollector
from vmwatch_prometheus.web import MetricsServer, parse_listen

PASSWORD = "correct horse"
HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()  # cost 4: fast tests, same code path


# --- Helpers -----------------------------------------------------------------------------------------


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def get(url: str, path: str = "/metrics", headers: dict | None = None, context: ssl.SSLContext | None = None,
        method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=10, context=context)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def registry_with(snapshot=None) -> CollectorRegistry:
    cache = SnapshotCache()
    if snapshot is not None:
        cache.publish(snapshot)
    registry = CollectorRegistry()
    registry.register(VmwatchCollector(cache))
    return registry


@pytest.fixture
def serve():
    """Factory: start a MetricsServer on a free loopback port; every one is stopped afterwards."""
    started: list[MetricsServer] = []

    def start(registry=None, web_config: Path | None = None, listen: str = "127.0.0.1:0") -> MetricsServer:
        server = MetricsServer(registry or registry_with(small_snapshot()), listen, web_config)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


def client_context(ca: Path, cert: Path | None = None, key: Path | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca))
    if cert is not None:
        ctx.load_cert_chain(str(cert), str(key))
    return ctx


def write_config(directory: Path, text: str) -> Path:
    path = directory / "web.yml"
    path.write_text(text)
    path.chmod(0o600)  # it holds basic-auth hashes: vmwatch refuses it world-readable
    return path


# --- Listen addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("127.0.0.1:9236", ("127.0.0.1", 9236)),
    ("[::1]:9236", ("::1", 9236)),
    (":9236", ("", 9236)),
    ("localhost:0", ("localhost", 0)),
    ("[fe80::1%eth0]:80", ("fe80::1%eth0", 80)),
])
def test_parse_listen(text, expected):
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text, reason", [
    ("9236", "no port"),
    ("::1:9236", "brackets"),
    ("[::1]9236", "brackets and a port"),
    ("[nothost]:9236", "not an IPv6 address"),
    ("host:http", "port must be a number"),
    ("127.0.0.1:70000", "port must be a number from 0 to 65535"),
    ("", "HOST:PORT"),
])
def test_parse_listen_rejects(text, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_listen(text)


def test_the_default_is_loopback_port_9236():
    assert web.DEFAULT_LISTEN == "127.0.0.1:9236"
    assert plugin.create({}).listen == "127.0.0.1:9236"


# --- Pages --------------------------------------------------------------------------------------------


def test_landing_page_links_to_metrics(serve):
    server = serve()
    status, headers, body = get(server.url, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert __version__ in page
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert any(urlsplit(urljoin(server.url + "/", href)).path == "/metrics" for href in hrefs), hrefs


def test_metrics_page(serve):
    server = serve()
    status, headers, body = get(server.url)
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    assert 'vmwatch_vm_oper_state{hypervisor="kvm01",vm_uuid=' in body.decode()


def test_unknown_paths_are_404(serve):
    server = serve()
    for path in ("/nope", "/metrics/x", "/favicon.ico", "/metricsx"):
        status, _, _ = get(server.url, path)
        assert status == 404, path


def test_head_has_headers_and_no_body(serve):
    server = serve()
    status, headers, body = get(server.url, method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000


def test_gzip_and_openmetrics_negotiation(serve):
    server = serve()
    status, headers, body = get(server.url, headers={"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip"
    text = gzip.decompress(body).decode()
    assert "vmwatch_vms" in text
    status, headers, body = get(server.url, headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert headers["Content-Type"].startswith("application/openmetrics-text; version=1.0.0")
    assert body.decode().endswith("# EOF\n")


def test_ipv6_loopback(serve):
    server = serve(listen="[::1]:0")
    assert server.url.startswith("http://[::1]:")
    status, _, body = get(server.url)
    assert status == 200 and b"vmwatch_vms" in body


# --- Life cycle -----------------------------------------------------------------------------------------


def test_start_returns_listening_and_stop_closes_everything(serve):
    server = serve()
    host, port = server.address
    socket.create_connection((host, port), timeout=2).close()  # listening as soon as start() returned
    idle = http.client.HTTPConnection(host, port, timeout=10)  # a kept-alive connection, left open
    idle.request("GET", "/metrics")
    idle.getresponse().read()
    threads_before = threading.active_count()
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3, "stop() waited for the idle connection to time out"
    with pytest.raises(OSError):
        socket.create_connection((host, port), timeout=2)
    assert threading.active_count() < threads_before  # the serving and connection threads are gone
    server.stop()  # a second stop is harmless


def test_a_busy_port_is_a_clear_error(serve):
    first = serve()
    second = MetricsServer(registry_with(), f"127.0.0.1:{first.address[1]}")
    with pytest.raises(OSError, match="cannot listen on 127.0.0.1:"):
        second.start()


def test_a_failing_collector_costs_a_scrape_not_the_server(serve, caplog):
    class Broken:
        def describe(self):
            return []

        def collect(self):
            raise RuntimeError("hypervisor exploded")

    registry = registry_with(small_snapshot())
    registry.register(Broken())
    server = serve(registry)
    with caplog.at_level(logging.ERROR, logger="vmwatch_prometheus.web"):
        status, _, body = get(server.url)
    assert status == 500 and b"see vmwatch's log" in body
    assert any("scrape failed" in r.message and r.exc_info and "hypervisor exploded" in str(r.exc_info[1])
               for r in caplog.records)
    assert get(server.url, "/")[0] == 200
    assert get(server.url)[0] == 500  # still serving, still failing the same way


# --- TLS ------------------------------------------------------------------------------------------------


def test_tls_with_the_configured_certificate(serve, pki, tmp_path):
    # Relative paths are relative to the web config file, as in exporter-toolkit.
    (tmp_path / "certs").mkdir()
    for source in (pki.server_cert, pki.server_key):
        (tmp_path / "certs" / source.name).write_bytes(source.read_bytes())
    path = write_config(tmp_path, "tls_server_config:\n  cert_file: certs/server.crt\n  key_file: certs/server.key\n")
    server = serve(web_config=path)
    assert server.url.startswith("https://127.0.0.1:")
    status, _, body = get(server.url, context=client_context(pki.ca))  # verifies chain and IP SAN
    assert status == 200 and b"vmwatch_vms" in body
    with pytest.raises(ssl.SSLCertVerificationError):
        get(server.url, context=client_context(pki.other_ca))
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
        get(server.url.replace("https", "http"))  # plain HTTP to a TLS port gets nothing


def test_tls_min_version_is_enforced(serve, pki, tmp_path):
    path = write_config(tmp_path, f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: {pki.server_key}\n"
                                  "  min_version: TLS13\n")
    server = serve(web_config=path)
    old = client_context(pki.ca)
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    with pytest.raises(ssl.SSLError):
        get(server.url, context=old)
    assert get(server.url, context=client_context(pki.ca))[0] == 200


def test_client_certificates(serve, pki, tmp_path):
    path = write_config(tmp_path, f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: {pki.server_key}\n"
                                  f"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {pki.ca}\n"
                                  "  client_allowed_sans: [prometheus.example]\n")
    server = serve(web_config=path)
    assert get(server.url, context=client_context(pki.ca, pki.client_cert, pki.client_key))[0] == 200
    with pytest.raises((ssl.SSLError, ConnectionResetError, http.client.RemoteDisconnected)):
        get(server.url, context=client_context(pki.ca))  # no client certificate


def test_client_allowed_sans_rejects_other_names(serve, pki, tmp_path):
    path = write_config(tmp_path, f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: {pki.server_key}\n"
                                  f"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {pki.ca}\n"
                                  "  client_allowed_sans: [grafana.example]\n")
    server = serve(web_config=path)
    with pytest.raises((ssl.SSLError, ConnectionResetError, http.client.RemoteDisconnected)):
        get(server.url, context=client_context(pki.ca, pki.client_cert, pki.client_key))


# --- Basic auth -----------------------------------------------------------------------------------------


def test_basic_auth(serve, tmp_path):
    server = serve(web_config=write_config(tmp_path, f"basic_auth_users:\n  prometheus: {HASH}\n"))
    for headers in ({}, basic("prometheus", "wrong"), basic("nobody", PASSWORD), {"Authorization": "Bearer x"},
                    {"Authorization": "Basic !!!not-base64"}):
        status, response_headers, _ = get(server.url, headers=headers)
        assert status == 401, headers
        assert response_headers["WWW-Authenticate"].startswith("Basic realm=")
    assert get(server.url, headers=basic("prometheus", PASSWORD))[0] == 200
    assert get(server.url, "/", headers=basic("prometheus", PASSWORD))[0] == 200
    assert get(server.url, "/", headers={})[0] == 401  # the landing page is protected too


def test_successful_bcrypt_checks_are_cached(serve, tmp_path, monkeypatch):
    calls = []
    real = bcrypt.checkpw

    def counting(password, hashed):
        calls.append(password)
        return real(password, hashed)

    monkeypatch.setattr(web.bcrypt, "checkpw", counting)
    server = serve(web_config=write_config(tmp_path, f"basic_auth_users:\n  prometheus: {HASH}\n"))
    for _ in range(3):
        assert get(server.url, headers=basic("prometheus", PASSWORD))[0] == 200
    assert len(calls) == 1
    for _ in range(2):
        assert get(server.url, headers=basic("prometheus", "wrong"))[0] == 401
    assert len(calls) == 3  # failures are never cached as successes


def test_basic_auth_over_tls(serve, pki, tmp_path):
    path = write_config(tmp_path, f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: {pki.server_key}\n"
                                  f"basic_auth_users:\n  prometheus: {HASH}\n")
    server = serve(web_config=path)
    ctx = client_context(pki.ca)
    assert get(server.url, context=ctx)[0] == 401
    assert get(server.url, context=ctx, headers=basic("prometheus", PASSWORD))[0] == 200


# --- Other web config settings ---------------------------------------------------------------------------


def test_rate_limit_and_headers(serve, tmp_path):
    path = write_config(tmp_path, "rate_limit: {interval: 1h, burst: 2}\n"
                                  "http_server_config:\n  headers: {X-Frame-Options: deny, X-Content-Type-Options: nosniff}\n")
    server = serve(web_config=path)
    first = get(server.url)
    assert first[0] == 200 and first[1]["X-Frame-Options"] == "deny" and first[1]["X-Content-Type-Options"] == "nosniff"
    assert get(server.url, "/nope")[1]["X-Frame-Options"] == "deny"  # on every response
    assert get(server.url)[0] == 429


def test_changed_web_config_applies_without_restart(serve, tmp_path, caplog):
    path = write_config(tmp_path, f"basic_auth_users:\n  alice: {HASH}\n")
    server = serve(web_config=path)
    assert get(server.url, headers=basic("alice", PASSWORD))[0] == 200
    path.write_text(f"basic_auth_users:\n  bob: {HASH}\n")
    os.utime(path, ns=(time.time_ns() + 10**9,) * 2)  # a different mtime even on coarse clocks
    assert get(server.url, headers=basic("bob", PASSWORD))[0] == 200
    assert get(server.url, headers=basic("alice", PASSWORD))[0] == 401
    path.write_text("basic_auth_users:\n  bob: not-a-hash\n")
    os.utime(path, ns=(time.time_ns() + 2 * 10**9,) * 2)
    with caplog.at_level(logging.ERROR, logger="vmwatch_prometheus.web"):
        assert get(server.url, headers=basic("bob", PASSWORD))[0] == 200  # the previous settings stay
        assert get(server.url, headers=basic("bob", PASSWORD))[0] == 200
    errors = [r.getMessage() for r in caplog.records if "keeping the previous web settings" in r.getMessage()]
    assert len(errors) == 1 and "basic_auth_users.bob" in errors[0]  # said once, naming the key


# --- Web config problems -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, key, reason", [
    ("- a list\n", "(top level)", "must be a mapping"),
    ("tls_server_config: [\n", "(file)", "not valid YAML at line 2"),
    ("tls_config: {}\n", "tls_config", "unknown key"),
    ("tls_server_config:\n  cert_file: a.crt\n", "tls_server_config.key_file", "missing"),
    ("tls_server_config:\n  key_file: a.key\n", "tls_server_config.cert_file", "missing"),
    ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAnyClientCert\n",
     "tls_server_config.client_auth_type", "without verifying them"),
    ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Sometimes\n",
     "tls_server_config.client_auth_type", "unknown value 'Sometimes'"),
    ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: ca\n",
     "tls_server_config.client_auth_type", "without a client auth policy"),
    ("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_allowed_sans: [x]\n",
     "tls_server_config.client_allowed_sans", "RequireAndVerifyClientCert"),
    ("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: SSL3\n",
     "tls_server_config.min_version", "unknown TLS version 'SSL3'"),
    ("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n",
     "tls_server_config.min_version", "above max_version"),
    ("tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
     "tls_server_config.cipher_suites", "unknown or insecure"),
    ("tls_server_config:\n  cert_file: a\n  key_file: b\n  curve_preferences: [CurveP999]\n",
     "tls_server_config.curve_preferences", "unknown curve"),
    ("basic_auth_users:\n  alice: plaintext\n", "basic_auth_users.alice", "must be a bcrypt hash"),
    ("basic_auth_users: [alice]\n", "basic_auth_users", "must be a mapping"),
    ("http_server_config:\n  headers: {Server: nginx}\n", "http_server_config.headers.Server", "can not be configured"),
    ("http_server_config:\n  headers: {X-Frame-Options: allow}\n", "http_server_config.headers.X-Frame-Options",
     "must be one of deny, sameorigin"),
    ("rate_limit: {interval: soon, burst: 1}\n", "rate_limit.interval", "duration"),
    ("rate_limit: {interval: 1s}\n", "rate_limit.burst", "at least 1"),
])
def test_bad_web_configs_name_key_and_reason(tmp_path, text, key, reason):
    config_, problems = webconfig.load(write_config(tmp_path, text))
    assert config_ is None
    assert any(p.key == key and reason in p.reason for p in problems), problems


def test_tls_files_are_checked_when_the_config_is_loaded(tmp_path, pki):
    missing = write_config(tmp_path, "tls_server_config:\n  cert_file: nope.crt\n  key_file: nope.key\n")
    _, problems = webconfig.load(missing)
    assert problems == [Problem("tls_server_config.cert_file", f"cannot read {tmp_path / 'nope.crt'}: no such file")]
    other_key = tmp_path / "other.key"
    other_key.write_bytes(pki.client_key.read_bytes())
    mismatch = write_config(tmp_path, f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: other.key\n")
    _, problems = webconfig.load(mismatch)
    assert [(p.key, "does not match" in p.reason) for p in problems] == [("tls_server_config.key_file", True)]
    not_pem = tmp_path / "junk.crt"
    not_pem.write_text("junk\n")
    junk = write_config(tmp_path, f"tls_server_config:\n  cert_file: junk.crt\n  key_file: {pki.server_key}\n")
    assert webconfig.load(junk)[1][0].key == "tls_server_config.cert_file"
    bad_ca = write_config(tmp_path, f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: {pki.server_key}\n"
                                    "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: junk.crt\n")
    assert webconfig.load(bad_ca)[1][0].key == "tls_server_config.client_ca_file"


def test_an_exporter_toolkit_config_is_accepted(tmp_path, pki):
    """A web-config.yml as exporter-toolkit documents it, with the settings we map or note."""
    text = (f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: {pki.server_key}\n"
            f"  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: {pki.ca}\n"
            "  min_version: TLS12\n  max_version: TLS13\n  prefer_server_cipher_suites: true\n"
            "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n"
            "  curve_preferences: [X25519, CurveP256]\n"
            "http_server_config:\n  http2: true\n  headers:\n    Strict-Transport-Security: max-age=31536000\n"
            "basic_auth_users:\n  alice: $2y$10$mDwo.lAisC94iLAyP81MCesa29IzH37oigHC/42V2pdJlUprsJPze\n"
            "rate_limit:\n  interval: 1s\n  burst: 20\n")
    parsed, problems = webconfig.load(write_config(tmp_path, text))
    assert problems == []
    assert parsed.tls.ciphers == "ECDHE-ECDSA-AES128-GCM-SHA256"
    assert parsed.rate_limit == webconfig.RateLimit(1.0, 20)
    assert any("curve_preferences" in note for note in parsed.notes)
    assert webconfig.parse_duration("1m30s") == 90.0 and webconfig.parse_duration("250ms") == 0.25
    assert webconfig.parse_duration("1x") is None


# --- Plugin hooks ---------------------------------------------------------------------------------------


def test_the_exporter_type_is_enabled_by_default():
    (kind,) = plugin.vmwatch_exporter_types()
    assert kind.name == "prometheus" and kind.enabled_by_default
    assert kind.check({}) == []
    assert isinstance(kind.create({"listen": "127.0.0.1:0"}), plugin.PrometheusExporter)


def test_check_reports_every_problem(tmp_path):
    problems = plugin.check({"listen": "9236", "port": 1, "web_config_file": str(tmp_path / "missing.yml")})
    keys = {p.key: p.reason for p in problems}
    assert "unknown key" in keys["port"]
    assert "no port" in keys["listen"]
    assert keys["web_config_file"] == f"{tmp_path / 'missing.yml'}: (file): cannot read {tmp_path / 'missing.yml'}: no such file"
    bad = write_config(tmp_path, "basic_auth_users:\n  alice: secret\n")
    (problem,) = plugin.check({"web_config_file": str(bad)})
    assert problem.key == "web_config_file" and problem.reason.startswith(f"{bad}: basic_auth_users.alice: must be a bcrypt")
    assert plugin.check({"listen": "[::1]:9236", "web_config_file": str(write_config(tmp_path, ""))}) == []


def test_config_errors_name_file_key_and_reason(tmp_path):
    raw = {"exporter": {"prometheus": {"listen": "nowhere"}}}
    _, problems = config.validate(raw, {}, {"prometheus": plugin.vmwatch_exporter_types()[0]})
    assert [p.key for p in problems] == ["exporter.prometheus.listen"]


def test_command_line_flags_override_the_config():
    pm = pluggy.PluginManager("vmwatch")
    pm.add_hookspecs(hookspecs)
    pm.register(plugin)
    parser = argparse.ArgumentParser()
    pm.hook.vmwatch_serve_arguments(parser=parser)
    args = parser.parse_args(["--listen", "[::1]:9300", "--web-config", "/etc/vmwatch/web.yml"])
    raw: dict = {"exporter": {"prometheus": {"listen": "127.0.0.1:1"}}}
    pm.hook.vmwatch_apply_arguments(args=args, raw=raw)
    assert raw["exporter"]["prometheus"] == {"listen": "[::1]:9300", "web_config_file": "/etc/vmwatch/web.yml"}
    untouched: dict = {}
    pm.hook.vmwatch_apply_arguments(args=parser.parse_args([]), raw=untouched)
    assert untouched == {}


def test_the_exporter_serves_the_cache_and_warms_new_snapshots():
    cache = SnapshotCache()
    cache.publish(small_snapshot())
    exporter = plugin.create({"listen": "127.0.0.1:0"})
    exporter.start(cache)
    try:
        status, _, body = get(exporter.server.url)
        text = body.decode()
        assert status == 200 and "vmwatch_vm_oper_state{" in text and "process_cpu_seconds_total" in text
        newer = small_snapshot(taken_at=small_snapshot().taken_at + 15)
        cache.publish(newer)  # rendered and compressed on publish, before any scrape asks
        blocks = exporter.collector.prepare(newer)
        assert all("deflate" in block.memo for block in blocks.values())
    finally:
        exporter.stop()
    cache.publish(small_snapshot())  # a stopped exporter ignores later snapshots


def test_port_only_listens_on_every_interface(serve):
    server = serve(listen=":0")
    port = server.address[1]
    for host in ("127.0.0.1", "::1"):  # one dual-stack socket serves IPv4 and IPv6
        shown = f"[{host}]" if ":" in host else host
        assert get(f"http://{shown}:{port}")[0] == 200, host


def test_failed_handshakes_leak_no_descriptors(serve, pki, tmp_path):
    path = write_config(tmp_path, f"tls_server_config:\n  cert_file: {pki.server_cert}\n  key_file: {pki.server_key}\n")
    server = serve(web_config=path)
    host, port = server.address
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        with socket.create_connection((host, port), timeout=5) as raw:
            raw.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")  # not a TLS ClientHello
            try:
                raw.recv(100)  # the server hangs up (or resets) once the handshake fails
            except ConnectionResetError:
                pass
    assert get(server.url, context=client_context(pki.ca))[0] == 200
    deadline = time.monotonic() + 5
    while len(os.listdir("/proc/self/fd")) > before + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(os.listdir("/proc/self/fd")) <= before + 2


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=30), children, max_size=4),
    max_leaves=20,
)
known_keys = st.sampled_from(
    ["tls_server_config", "basic_auth_users", "http_server_config", "rate_limit", *webconfig.TLS_KEYS, "headers",
     "http2", "interval", "burst"]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(known_keys, st.dictionaries(known_keys, yaml_values, max_size=5) | yaml_values, max_size=4))
def test_any_yaml_gives_a_config_or_problems(data):
    parsed, problems = webconfig.parse(data, Path("/nonexistent"))
    assert (parsed is None) != (problems == [])
    assert all(isinstance(p, Problem) and p.key and p.reason for p in problems)
