"""The HTTP(S) server: landing page at /, metrics at /metrics, 404 elsewhere.

A threaded stdlib server. TLS handshakes run in the connection's own thread (never in the accept
loop, where one slow client would stall every other). The web config file (exporter-toolkit
format, see webconfig.py) is re-read when it or a TLS file it names changes, so rotated
certificates and changed users apply without a restart, as with exporter-toolkit; a changed file
that is invalid is logged and the previous settings stay in force.

Basic auth checks are bcrypt (about 100 ms each at cost 10), so successful checks are cached, as
exporter-toolkit does: a scrape every 15 s then pays for bcrypt once, not on every request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import ipaddress
import logging
import os
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import bcrypt

from vmwatch import __version__
from vmwatch.backend import Problem
from vmwatch_prometheus import exposition, webconfig

log = logging.getLogger(__name__)

DEFAULT_PORT = 9236  # not 9177, which the libvirt exporters use
DEFAULT_LISTEN = f"127.0.0.1:{DEFAULT_PORT}"
HANDSHAKE_TIMEOUT = 10.0  # seconds a client has to finish the TLS handshake
IDLE_TIMEOUT = 120.0  # seconds a kept-alive connection may sit idle (longer than scrape intervals)


class WebConfigError(Exception):
    """The web config file is invalid; `problems` say where and why."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("; ".join(f"{path}: {p.key}: {p.reason}" for p in problems))


def parse_listen(text: str) -> tuple[str, int]:
    """'host:port', '[v6]:port' or ':port' (every interface) → (host, port). ValueError says why."""
    if not isinstance(text, str) or not text:
        raise ValueError("must be HOST:PORT, e.g. 127.0.0.1:9236 or [::1]:9236")
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise ValueError(f"{text!r}: an IPv6 address needs brackets and a port, e.g. [::1]:9236")
        port_text = rest[1:]
        try:
            ipaddress.IPv6Address(host.split("%")[0])
        except ValueError:
            raise ValueError(f"{text!r}: {host!r} is not an IPv6 address") from None
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep:
            raise ValueError(f"{text!r}: no port (write HOST:PORT, e.g. 127.0.0.1:9236)")
        if ":" in host:
            raise ValueError(f"{text!r}: put an IPv6 address in brackets, e.g. [::1]:9236")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"{text!r}: the port must be a number from 0 to 65535")
    return host, int(port_text)


# --- Authentication and rate limiting ---------------------------------------------------------------


class BasicAuth:
    """Checks `Authorization: Basic` headers against bcrypt hashes, caching successful checks."""

    # bcrypt of an unguessable password: unknown users cost as much as known ones (no user enumeration).
    _DUMMY_HASH = bcrypt.hashpw(os.urandom(16).hex().encode(), bcrypt.gensalt(10))
    CACHE_SIZE = 1024

    def __init__(self, users: dict[str, bytes]) -> None:
        self.users = users
        self._ok: set[bytes] = set()
        self._cache_lock = threading.Lock()
        self._bcrypt_lock = threading.Lock()  # one bcrypt at a time: it is the expensive part

    def check(self, header: str | None) -> str | None:
        """The authenticated user, or None."""
        credentials = _basic_credentials(header)
        if credentials is None:
            return None
        user, password = credentials
        known = user in self.users
        hashed = self.users.get(user, self._DUMMY_HASH)
        # A digest, not the password itself, is what stays in memory.
        key = hashlib.sha256(b"\0".join((user.encode(), hashed, password))).digest()
        with self._cache_lock:
            if key in self._ok:
                return user
        with self._bcrypt_lock:
            try:
                ok = bcrypt.checkpw(password, hashed)
            except ValueError:  # an invalid hash; webconfig rejects those, but never fail open
                ok = False
        if not (ok and known):
            return None
        with self._cache_lock:
            if len(self._ok) >= self.CACHE_SIZE:
                self._ok.clear()
            self._ok.add(key)
        return user


def _basic_credentials(header: str | None) -> tuple[str, bytes] | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True)
        user, sep, password = decoded.partition(b":")
        return (user.decode(), password) if sep else None
    except (binascii.Error, UnicodeDecodeError):
        return None


class RateLimiter:
    """Token bucket: `burst` requests at once, refilled at one per `interval` seconds."""

    def __init__(self, interval: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) / self.interval)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False


# --- Web config, reloaded when its files change -----------------------------------------------------


@dataclass(frozen=True)
class WebSettings:
    """What the server applies to each connection and request."""

    config: webconfig.WebConfig
    tls: ssl.SSLContext | None
    auth: BasicAuth | None
    limiter: RateLimiter | None


class WebState:
    """The current web settings; re-reads the web config file when it or its TLS files change."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple = ()
        self._reported: tuple = ()
        self.settings = self._build(webconfig.WebConfig(), None)
        if path is not None:
            config, problems = webconfig.load(path)
            if config is None:
                raise WebConfigError(path, problems)
            self.settings = self._build(config, None)
            self._stamp = self._stamp_of(config)
            for note in config.notes:
                log.warning("%s: %s", path, note)

    def _stamp_of(self, config: webconfig.WebConfig) -> tuple:
        files = [self.path, *(config.tls.files() if config.tls else ())]
        stamp = []
        for path in files:
            try:
                st = os.stat(path)
                stamp.append((str(path), st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                stamp.append((str(path), None))
        return tuple(stamp)

    @staticmethod
    def _build(config: webconfig.WebConfig, previous: WebSettings | None) -> WebSettings:
        tls = webconfig.ssl_context(config.tls) if config.tls else None
        auth = None
        if config.users:
            # Keep the cache of successful checks when the users did not change.
            same = previous is not None and previous.auth is not None and previous.auth.users == config.users
            auth = previous.auth if same else BasicAuth(dict(config.users))
        limiter = None
        if config.rate_limit:
            rl = config.rate_limit
            same = previous is not None and previous.limiter is not None and (
                previous.limiter.interval, previous.limiter.burst) == (rl.interval, rl.burst)
            limiter = previous.limiter if same else RateLimiter(rl.interval, rl.burst)
        return WebSettings(config, tls, auth, limiter)

    def current(self) -> WebSettings:
        """The settings to use now (a few stat calls when a web config file is used)."""
        if self.path is None:
            return self.settings
        stamp = self._stamp_of(self.settings.config)
        if stamp == self._stamp:
            return self.settings
        with self._lock:
            if stamp == self._stamp:
                return self.settings
            config, problems = webconfig.load(self.path)
            if config is not None:
                try:
                    self.settings = self._build(config, self.settings)
                except webconfig.TlsError as exc:  # the files changed again since load() checked them
                    problems = [Problem(f"tls_server_config.{exc.key}", exc.reason)]
                    config = None
            if config is None:
                if stamp != self._reported:  # say it once per change, not once per request
                    self._reported = stamp
                    for p in problems:
                        log.error("%s: %s: %s (keeping the previous web settings)", self.path, p.key, p.reason)
                return self.settings
            self._stamp = self._stamp_of(config)
            log.info("%s changed: web settings reloaded", self.path)
            return self.settings


# --- HTTP ----------------------------------------------------------------------------------------------


LANDING_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>vmwatch exporter</title></head>
<body>
<h1>vmwatch</h1>
<p>Virtual machines watched from the hypervisor side (RFC 7666 VM-MIB), for Prometheus.</p>
<p>Version {version}</p>
<ul><li><a href="{metrics}">Metrics</a></li></ul>
</body>
</html>
"""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: Prometheus reuses its connection (one TLS handshake)
    server_version = f"vmwatch/{__version__}"
    sys_version = ""
    timeout = IDLE_TIMEOUT

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        settings = self.server.app.web.current()
        extra = list(settings.config.headers)
        if settings.limiter is not None and not settings.limiter.allow():
            self._send(429, "text/plain; charset=utf-8", b"Too Many Requests\n", extra, head)
            return
        if settings.auth is not None and settings.auth.check(self.headers.get("Authorization")) is None:
            extra.append(("WWW-Authenticate", 'Basic realm="vmwatch", charset="UTF-8"'))
            self._send(401, "text/plain; charset=utf-8", b"Unauthorized\n", extra, head)
            return
        url = urlsplit(self.path)
        if url.path == "/":
            page = LANDING_PAGE.format(version=html.escape(__version__), metrics="metrics")
            self._send(200, "text/html; charset=utf-8", page.encode(), extra, head)
        elif url.path == "/metrics":
            try:
                body, headers = exposition.encode(
                    self.server.app.registry,
                    self.headers.get("Accept"),
                    self.headers.get("Accept-Encoding"),
                    parse_qs(url.query),
                )
            except Exception:  # a broken collector must cost one scrape, not the server
                log.exception("scrape failed")
                self._send(500, "text/plain; charset=utf-8",
                           b"Internal Server Error: collecting metrics failed; see vmwatch's log\n", extra, head)
                return
            self._send(200, None, body, extra + headers, head)
        else:
            self._send(404, "text/plain; charset=utf-8", b"Not Found: try /metrics\n", extra, head)

    def _send(self, status: int, content_type: str | None, body: bytes, headers: list, head: bool) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib's signature)
        log.debug("%s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    """Per-connection TLS, tracked connections (closed on stop), errors to the log."""

    daemon_threads = False  # server_close() joins the handler threads: stop() leaves nothing behind
    block_on_close = True

    def __init__(self, address: tuple, family: int, app: MetricsServer, dual_stack: bool = False) -> None:
        self.address_family = family
        self.dual_stack = dual_stack
        self.app = app
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.closing = False
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        if self.dual_stack:
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def _track(self, old: socket.socket | None, new: socket.socket | None) -> bool:
        """Swap a tracked connection; False when stopping (the connection must not be served)."""
        with self.connections_lock:
            if old is not None:
                self.connections.discard(old)
            if new is not None:
                if self.closing:
                    return False
                self.connections.add(new)
            return True

    def finish_request(self, request, client_address) -> None:
        # Runs in the connection's thread (ThreadingMixIn.process_request_thread).
        conn = request
        if not self._track(None, request):
            return
        try:
            settings = self.app.web.current()
            if settings.tls is not None:
                request.settimeout(HANDSHAKE_TIMEOUT)
                try:
                    conn = settings.tls.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError) as exc:
                    log.debug("TLS handshake with %s failed: %s", client_address[0], exc)
                    return
                if not self._track(request, conn):
                    return
                allowed = settings.config.tls.client_allowed_sans if settings.config.tls else ()
                if allowed and not _san_allowed(conn.getpeercert(), allowed):
                    log.info("client certificate of %s has none of client_allowed_sans", client_address[0])
                    return
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            self._track(conn, None)
            if conn is not request:
                try:
                    conn.close()
                except OSError:
                    pass

    def handle_error(self, request, client_address) -> None:
        # Clients that hang up mid-response are routine; anything else is a bug worth a traceback.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, ssl.SSLError)):
            log.debug("connection from %s: %s", client_address[0], exc)
        else:
            log.exception("error serving %s", client_address[0])

    def close_connections(self) -> None:
        """Shut down every open connection (their threads then finish) and refuse new ones."""
        with self.connections_lock:
            self.closing = True
            connections = list(self.connections)
        for conn in connections:
            try:
                # Through a duplicate of the descriptor: SSLSocket.shutdown() would also drop its
                # TLS state under the feet of the thread still reading from it.
                with socket.socket(fileno=os.dup(conn.fileno())) as dup:
                    dup.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked reading the connection
            except (OSError, ValueError):
                pass


def _san_allowed(cert: dict | None, allowed: tuple[str, ...]) -> bool:
    """True if a SAN of the verified client certificate is in `allowed` (exact match, like Go)."""

    def normal(value: str) -> str:
        try:
            return ipaddress.ip_address(value.strip()).compressed
        except ValueError:
            return value.strip()

    wanted = {normal(a) for a in allowed}
    for kind, value in (cert or {}).get("subjectAltName", ()):
        if kind in ("DNS", "IP Address", "email", "URI") and normal(value) in wanted:
            return True
    return False


class MetricsServer:
    """Serves `registry` on `listen` with the settings of an optional web config file.

    The constructor validates (raises ValueError for a bad address, WebConfigError for a bad web
    config); `start()` binds and returns once listening; `stop()` shuts down cleanly.
    """

    def __init__(self, registry, listen: str = DEFAULT_LISTEN, web_config_file: Path | None = None) -> None:
        self.registry = registry
        self.listen = listen
        self.host, self.port = parse_listen(listen)
        self.web = WebState(Path(web_config_file) if web_config_file else None)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def _address(self) -> tuple[tuple, int, bool]:
        if self.host == "":
            if socket.has_ipv6:
                return ("::", self.port), socket.AF_INET6, True
            return ("0.0.0.0", self.port), socket.AF_INET, False
        try:
            ipaddress.IPv6Address(self.host.split("%")[0])
            return (self.host, self.port), socket.AF_INET6, False
        except ValueError:
            pass
        infos = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
        family, _, _, _, sockaddr = infos[0]
        return sockaddr, family, False

    def start(self) -> None:
        """Bind and serve in a background thread; raise OSError if the address cannot be used."""
        try:
            address, family, dual = self._address()
            self._httpd = _Server(address, family, self, dual_stack=dual)
        except OSError as exc:
            raise OSError(exc.errno, f"cannot listen on {self.listen}: {exc.strerror or exc}") from exc
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="vmwatch-prometheus-http", daemon=True
        )
        self._thread.start()
        log.info("serving metrics on %s", self.url)

    @property
    def address(self) -> tuple[str, int]:
        """The bound host and port (the real port when listening on port 0)."""
        assert self._httpd is not None, "not started"
        host, port = self._httpd.server_address[:2]
        return host, port

    @property
    def url(self) -> str:
        host, port = self.address
        scheme = "https" if self.web.settings.tls is not None else "http"
        shown = f"[{host}]" if ":" in host else host
        return f"{scheme}://{shown}:{port}"

    def stop(self) -> None:
        """Stop accepting, end open connections, wait for handler threads; never raises."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        try:
            httpd.shutdown()
            httpd.close_connections()
            httpd.server_close()
        except Exception:
            log.exception("stopping the metrics server")
        if self._thread is not None:
            self._thread.join(timeout=5)
