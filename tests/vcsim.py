"""vcsim for tests and benchmarks: the project's own Go main (vcsim/main.go) built from Debian packages.

`build_vcsim(directory)` compiles vcsim/main.go against golang-github-vmware-govmomi-dev in GOPATH
mode, offline (about 30 s cold, a few seconds with Go's build cache warm); callers keep the
binary for the whole test session. `Vcsim` runs it as a `Service` on loopback: one vCenter
with a cluster of `hosts` ESXi hosts and `standalone` more, `vms` VMs in the cluster and on each
standalone host, http or https (with its self-signed certificate written for `ca_file`).
A missing Go toolchain or govmomi source raises ServiceError: the test fails, never skips.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from services import Service, ServiceError, free_port, require_program, wait_for

ROOT = Path(__file__).resolve().parent.parent
MAIN_GO = ROOT / "vcsim" / "main.go"
GOCODE = Path("/usr/share/gocode")
GOVMOMI = GOCODE / "src" / "github.com" / "vmware" / "govmomi" / "simulator"
USER, PASSWORD = "vmwatch", "s3cret-for-tests"


def build_vcsim(directory: Path) -> Path:
    """Compile vcsim/main.go into `directory`/vcsim; ServiceError with the compiler's output on failure."""
    go = require_program("go")
    if not GOVMOMI.is_dir():
        raise ServiceError(
            f"{GOVMOMI} is missing: install golang-github-vmware-govmomi-dev (scripts/setup --test)"
        )
    gopath = directory / "gopath"
    source = gopath / "src" / "vcsim"
    source.mkdir(parents=True, exist_ok=True)
    shutil.copy(MAIN_GO, source / "main.go")
    binary = directory / "vcsim"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": f"{gopath}:{GOCODE}",
        "GOPROXY": "off",
        "GOFLAGS": "",
    }
    env.setdefault("GOCACHE", str(Path.home() / ".cache" / "go-build"))
    done = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        check=False,
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0 or not binary.exists():
        raise ServiceError(f"building vcsim failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return binary


class Vcsim(Service):
    """A simulated vCenter on 127.0.0.1; `url`, `port`, `hosts` and `vms` are known once started."""

    def __init__(
        self,
        binary: Path,
        directory: Path,
        hosts: int = 3,
        standalone: int = 1,
        vms: int = 2,
        tls: bool = False,
        port: int | None = None,
    ):
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.port = port or free_port()
        self.tls = tls
        self.cert = directory / "vcsim-cert.pem"
        argv = [
            str(binary), "-listen", f"127.0.0.1:{self.port}", "-hosts", str(hosts), "-standalone", str(standalone),
            "-vms", str(vms), "-user", USER, "-password", PASSWORD,
        ]  # fmt: skip
        if tls:
            argv += ["-tls", "-cert-out", str(self.cert)]
        super().__init__("vcsim", argv, directory / f"vcsim-{self.port}.log")
        self.info: dict = {}

    def start(self) -> Vcsim:
        self.log_path.write_text("")
        super().start()
        wait_for(self._announced, 60, "vcsim to listen", self)
        return self

    def _announced(self) -> bool:
        for line in self.log_path.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                self.info = json.loads(line)
                return True
        return False

    @property
    def url(self) -> str:
        return self.info["url"]

    @property
    def protocol(self) -> str:
        return "https" if self.tls else "http"

    def options(self, **more) -> dict:
        """`[[backend]]` options of type vmware for this simulator (password from the environment)."""
        options = {"host": "127.0.0.1", "port": self.port, "user": USER, "protocol": self.protocol}
        if self.tls:
            options["ca_file"] = str(self.cert)
        options.update(more)
        return options

    def connect(self):
        """A pyvmomi ServiceInstance of our own, to change the simulated world (power operations)."""
        from pyVim.connect import SmartConnect

        return SmartConnect(
            protocol=self.protocol, host="127.0.0.1", port=self.port, user=USER, pwd=PASSWORD,
            disableSslCertValidation=True,
        )  # fmt: skip
