"""Real services for tests and benchmarks: started in a private directory, on loopback, stopped by PID.

Every starter fails (never skips) when its program is missing: in CI a missing service must fail
the run. Each service keeps its log; `Service.describe()` puts the log tail into failure messages.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path


class ServiceError(Exception):
    """A service could not be started or died."""


def require_program(name: str) -> str:
    """Path of an installed program; raise (so the test fails) when it is missing."""
    path = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None)
    if path is None:
        raise ServiceError(f"{name} is not installed (run .ci/run or see README: system packages)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check: Callable[[], bool], timeout: float, what: str, service: Service | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service is not None and not service.alive():
            raise ServiceError(f"{service.name} died while waiting for {what}\n{service.describe()}")
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.05)
    detail = service.describe() if service is not None else ""
    raise ServiceError(f"timed out after {timeout:.0f} s waiting for {what}\n{detail}")


class Service:
    """A process started in the background with its output in a log file."""

    def __init__(self, name: str, argv: list[str], log_path: Path, env: dict[str, str] | None = None, cwd=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.env = env
        self.cwd = cwd
        self.proc: subprocess.Popen | None = None

    def start(self) -> Service:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(self.env or {})},
            cwd=self.cwd,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM by PID, then SIGKILL if it does not exit in time."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def describe(self) -> str:
        state = "running" if self.alive() else f"exited {self.proc.returncode if self.proc else '?'}"
        return f"--- {self.name} ({state}), log {self.log_path}:\n{self.log_tail()}"


class Libvirtd(Service):
    """A private libvirtd with only the test driver (and a few harmless ones) loaded.

    `uri` connects to the shared `test:///default` host; its state lives as long as one client
    stays connected, so tests that change domains hold `keeper`, an open read-write connection.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        # The test driver is built into libvirt itself: an empty driver directory keeps out the
        # QEMU driver (fails as root here) and the interface/storage/secret drivers, whose pid
        # files under /run/libvirt would stop two private daemons from running at once.
        drivers = directory / "drivers" / "connection-driver"
        drivers.mkdir(parents=True, exist_ok=True)
        self.socket = directory / "libvirt-sock"
        conf = directory / "libvirtd.conf"
        conf.write_text(
            f'unix_sock_dir = "{directory}"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\n'
            f'listen_tls = 0\nlisten_tcp = 0\nlog_outputs = "3:file:{directory}/libvirtd-internal.log"\n'
        )
        self.uri = f"test+unix:///default?socket={self.socket}"
        super().__init__(
            "libvirtd",
            [require_program("libvirtd"), "-f", str(conf), "-p", str(directory / "libvirtd.pid")],
            directory / "libvirtd.log",
            env={"LIBVIRT_DRIVER_DIR": str(drivers)},
        )
        self.keeper = None

    def start(self) -> Libvirtd:
        self.socket.unlink(missing_ok=True)
        super().start()
        wait_for(lambda: self.socket.exists() and self._connect() is not None, 30, "libvirtd socket", self)
        return self

    def _connect(self):
        import libvirt

        self.keeper = libvirt.open(self.uri)
        return self.keeper

    def stop(self, timeout: float = 10.0) -> None:
        if self.keeper is not None:
            try:
                self.keeper.close()
            except Exception:
                pass
            self.keeper = None
        super().stop(timeout)

    def virsh(self, *args: str) -> str:
        """Run virsh against this libvirtd; raise with virsh's message on failure."""
        done = subprocess.run(
            [require_program("virsh"), "-c", self.uri, *args], capture_output=True, text=True, timeout=30
        )
        if done.returncode != 0:
            raise ServiceError(f"virsh {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout


class Prometheus(Service):
    """A Prometheus server scraping the given targets every `interval` seconds."""

    def __init__(
        self,
        directory: Path,
        targets: list[str],
        interval: str = "1s",
        scheme: str = "http",
        extra_job: str = "",
        rule_files: list[Path] | None = None,
        alertmanager: str | None = None,
        flags: tuple[str, ...] = (),
    ):
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = directory / "prometheus.yml"
        lines = [
            "global:",
            f"  scrape_interval: {interval}",
            f"  evaluation_interval: {interval}",
        ]
        if rule_files:
            lines += ["rule_files:"] + [f"  - {p}" for p in rule_files]
        if alertmanager:
            lines += ["alerting:", "  alertmanagers:", "    - static_configs:", f"        - targets: ['{alertmanager}']"]
        lines += [
            "scrape_configs:",
            "  - job_name: vmwatch",
            f"    scheme: {scheme}",
            "    static_configs:",
            f"      - targets: {json.dumps(targets)}",
        ]
        if extra_job:
            lines.append(extra_job)
        config.write_text("\n".join(lines) + "\n")
        super().__init__(
            "prometheus",
            [
                require_program("prometheus"),
                f"--config.file={config}",
                f"--storage.tsdb.path={directory / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                *flags,
            ],
            directory / "prometheus.log",
        )

    def start(self) -> Prometheus:
        super().start()
        wait_for(lambda: urllib.request.urlopen(f"{self.url}/-/ready", timeout=2).status == 200, 60, "Prometheus ready", self)
        return self

    def api(self, path: str, **params: str) -> dict:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}{path}?{query}", timeout=10) as response:
            body = json.load(response)
        if body.get("status") != "success":
            raise ServiceError(f"Prometheus API {path}: {body}")
        return body["data"]

    def query(self, expr: str) -> list[dict]:
        """Instant query; the result vector."""
        return self.api("/api/v1/query", query=expr)["result"]

    def wait_for_query(self, expr: str, timeout: float = 30.0) -> list[dict]:
        """Poll until the query returns a non-empty result."""
        found: list[dict] = []

        def check() -> bool:
            found[:] = self.query(expr)
            return bool(found)

        wait_for(check, timeout, f"PromQL {expr!r} to return data", self)
        return found


class Alertmanager(Service):
    """An Alertmanager (Debian's `prometheus-alertmanager`), no cluster; by default with one
    do-nothing receiver, else with the given configuration (YAML text)."""

    def __init__(self, directory: Path, config_text: str | None = None):
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.address = f"127.0.0.1:{self.port}"
        config = directory / "alertmanager.yml"
        default = "route:\n  receiver: keep\n  group_wait: 1s\nreceivers:\n  - name: keep\n"
        config.write_text(config_text or default)
        super().__init__(
            "alertmanager",
            [
                require_program("prometheus-alertmanager"),
                f"--config.file={config}",
                f"--storage.path={directory / 'data'}",
                f"--web.listen-address={self.address}",
                "--cluster.listen-address=",
            ],
            directory / "alertmanager.log",
        )

    def start(self) -> Alertmanager:
        super().start()
        wait_for(
            lambda: urllib.request.urlopen(f"{self.url}/-/ready", timeout=2).status == 200,
            60,
            "Alertmanager ready",
            self,
        )
        return self

    def alerts(self, **labels: str) -> list[dict]:
        """Active alerts whose labels include `labels` (API v2)."""
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=10) as response:
            found = json.load(response)
        return [a for a in found if all(a["labels"].get(k) == v for k, v in labels.items())]
