#!/usr/bin/env python3
"""Side-by-side benchmark: vmwatch against pryorda's vmware_exporter on one simulated vCenter.

One vcsim (vcsim/main.go, built from Debian's govmomi as the tests build it) serves a vCenter with
a cluster of `--hosts` ESXi hosts and `--vms` VMs over https on 127.0.0.N:443 (the peer can only
talk to port 443). Both exporters run as their own processes against it: vmwatch (`vmwatch serve`,
VMware backend, Prometheus exporter) and vmware_exporter 0.18.4 with twisted 22.10.0 in its own
virtual environment under /tmp (created on first use; never in the project's environment). They
are scraped alternately after a warm-up; per scrape the harness records the wall time of the full
GET (body read) and the CPU that the exporter and vcsim used meanwhile. It also records vmwatch's
refresh times (its own `vmwatch_backend_read_duration_seconds`, one value per background read),
RSS, series, and which VMs each exposes with their UUID (checked against vcsim's own answer).
Results go to a JSON file and to docs/benchmarks-vmware.md between the `results` markers.

    python benchmarks/scrape_vmware.py --vms 1000 --scrapes 10

Needs: golang-go and golang-github-vmware-govmomi-dev (Debian), python3-venv, PyPI for the peer's
virtual environment, and vmwatch installed with the vmware extra. Not a test: run it by hand.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scrape_libvirt import cpu_seconds, memory_kib, scrape, summarize  # shared helpers
from services import Service, ServiceError, free_port, wait_for

from vcsim import PASSWORD, USER, build_vcsim

PEER_VENV = Path("/tmp/vmwatch-bench-vmware-exporter")
PEER_PACKAGES = ("vmware_exporter==0.18.4", "twisted==22.10.0", "requests")  # it imports requests undeclared
RESULTS_BEGIN = "<!-- results:begin (written by benchmarks/scrape_vmware.py) -->"
RESULTS_END = "<!-- results:end -->"
DOC = ROOT / "docs" / "benchmarks-vmware.md"
GOAL_RATIO = 0.25  # vmwatch's scrape at most a quarter of the peer's
_SAMPLE = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s(\S+)")
_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


# --- pure parts ---------------------------------------------------------------------------------


def samples(text: str):
    """(name, labels, value) of every sample line of a text exposition."""
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match is not None and not line.startswith("#"):
            yield match.group(1), dict(_LABEL.findall(match.group(2) or "")), match.group(3)


def vmwatch_vms(text: str) -> dict[str, str]:
    """vm_name → vm_uuid from vmwatch_vm_info."""
    return {lab["vm_name"]: lab["vm_uuid"] for name, lab, _ in samples(text) if name == "vmwatch_vm_info"}


def peer_vms(text: str) -> tuple[set[str], bool]:
    """VM names the peer reports (vmware_vm_power_state) and whether any of its labels is a UUID."""
    names, has_uuid = set(), False
    for name, labels, _ in samples(text):
        if name == "vmware_vm_power_state":
            names.add(labels.get("vm_name", ""))
            has_uuid = has_uuid or any(_is_uuid(v) for v in labels.values())
    return names, has_uuid


def _is_uuid(value: str) -> bool:
    try:
        uuidlib.UUID(value)
    except ValueError:
        return False
    return True


def read_durations(text: str) -> tuple[float | None, float | None]:
    """(reads so far, duration of the last read) from vmwatch's health metrics."""
    reads = duration = None
    for name, _, value in samples(text):
        if name == "vmwatch_backend_reads_total":
            reads = float(value)
        elif name == "vmwatch_backend_read_duration_seconds":
            duration = float(value)
    return reads, duration


def replace_results(document: str, section: str) -> str:
    block = f"{RESULTS_BEGIN}\n{section}{RESULTS_END}"
    if RESULTS_BEGIN in document and RESULTS_END in document:
        head, rest = document.split(RESULTS_BEGIN, 1)
        return head + block + rest.split(RESULTS_END, 1)[1]
    return document.rstrip("\n") + "\n\n## Results\n\n" + block + "\n"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def render(result: dict) -> str:
    v, p = result["vmwatch"], result["peer"]
    ratio = v["latency"]["median"] / p["latency"]["median"]
    refresh = result["vmwatch_refresh"]
    alone = result["vmwatch_refresh_alone"]
    lines = [
        (
            f"Run {result['when']} on {result['machine']['nproc']} cores ({result['machine']['cpu_model']}), "
            f"load {result['machine']['loadavg_at_start']:.2f} at start; commit {result['machine']['commit']}; "
            f"vcsim with {result['hosts']} ESXi hosts and {result['vms']} VMs over https; "
            f"{result['scrapes']} measured scrapes each, alternating, after {result['warmup']} warm-up scrapes; "
            f"vmwatch refresh_interval {result['refresh_interval']} s."
        ),
        "",
        "| | vmwatch | vmware_exporter 0.18.4 |",
        "|---|---|---|",
        (
            f"| scrape latency, median (p95) | {_ms(v['latency']['median'])} ({_ms(v['latency']['p95'])}) "
            f"| {_ms(p['latency']['median'])} ({_ms(p['latency']['p95'])}) |"
        ),
        f"| exporter CPU per scrape, mean | {_ms(v['cpu']['mean'])} | {_ms(p['cpu']['mean'])} |",
        f"| vcsim CPU per scrape, mean | {_ms(v['vcsim_cpu']['mean'])} | {_ms(p['vcsim_cpu']['mean'])} |",
        (
            f"| refresh while both are scraped, median (max) | {_ms(refresh['median'])} ({_ms(refresh['max'])}), "
            f"{refresh['count']} background reads | inside every scrape |"
        ),
        (
            f"| refresh before the peer starts, median (max) | {_ms(alone['median'])} ({_ms(alone['max'])}), "
            f"{alone['count']} background reads | |"
        ),
        f"| RSS after the run | {v['rss_mib']:.0f} MiB | {p['rss_mib']:.0f} MiB |",
        f"| series | {v['series']} | {p['series']} |",
        (
            f"| VMs exposed | {v['vms']} of {result['vms']}, each with its UUID: "
            f"{'yes' if v['all_uuids'] else 'NO'} | {p['vms']} of {result['vms']}, UUID: "
            f"{'yes' if p['has_uuid'] else 'no'} |"
        ),
        "",
        (
            f"vmwatch / peer scrape latency: **{ratio:.3f}** (goal: at most {GOAL_RATIO}) "
            f"→ {'met' if ratio <= GOAL_RATIO and v['all_uuids'] else 'NOT met'}."
        ),
        "",
    ]
    for n, part in enumerate(result.get("refresh_breakdown", []), 1):
        lines.append(
            f"Steady read {n} in the benchmark process, before the exporters start: PropertyCollector {_ms(part['inventory'])}, "
            f"QueryPerf {_ms(part['perf'])}, mapping {_ms(part['mapping'])}, total {_ms(part['total'])}."
        )
    if result.get("refresh_breakdown"):
        lines.append("")
    return "\n".join(lines)


# --- the run ------------------------------------------------------------------------------------


def loopback_with_free_443() -> str:
    """A 127.0.0.N address whose port 443 is free (the peer always connects to port 443)."""
    for n in range(2, 64):
        address = f"127.0.0.{n}"
        with socket.socket() as s:
            try:
                s.bind((address, 443))
            except OSError:
                continue
            return address
    raise ServiceError("no loopback address with port 443 free (and binding 443 needs root)")


def ensure_peer_venv(log) -> Path:
    """The peer's own virtual environment under /tmp, created once."""
    exe = PEER_VENV / "bin" / "vmware_exporter"
    if not exe.exists():
        log(f"creating {PEER_VENV} with {' '.join(PEER_PACKAGES)}")
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", *PEER_PACKAGES], check=True)
    return exe


def expected_uuids(address: str) -> dict[str, str]:
    """vm name → config.instanceUuid, as vcsim itself answers (our own pyVmomi session)."""
    from pyVim.connect import Disconnect, SmartConnect
    from pyVmomi import vim

    si = SmartConnect(host=address, port=443, user=USER, pwd=PASSWORD, disableSslCertValidation=True)
    try:
        view = si.content.viewManager.CreateContainerView(si.content.rootFolder, [vim.VirtualMachine], True)
        return {vm.name: vm.config.instanceUuid for vm in view.view}
    finally:
        Disconnect(si)


def refresh_breakdown(address: str, cert: Path, rounds: int, log) -> list[dict[str, float]]:
    """In this process, without exporters: the three parts of a steady-state read (after a first
    read, 20.5 s apart so that every VM has a new realtime sample to fetch)."""
    from vmwatch_vmware.backend import VMwareBackend
    from vmwatch_vmware.mapping import map_inventory
    from vmwatch_vmware.settings import PASSWORD_ENV, parse

    os.environ.setdefault(PASSWORD_ENV, PASSWORD)
    settings, problems = parse({"host": address, "user": USER, "ca_file": str(cert)})
    if settings is None:
        raise ServiceError(f"benchmark settings: {problems}")
    backend = VMwareBackend("bench", settings, events=False)
    backend.connect()
    out = []
    try:
        t0 = time.perf_counter()
        backend.read()
        log(f"first read (connect excluded): {time.perf_counter() - t0:.2f} s")
        session = backend._session
        for _ in range(rounds):
            time.sleep(20.5)
            t0 = time.perf_counter()
            inventory = session.read_inventory()
            t1 = time.perf_counter()
            backend._update_counters(session, inventory)
            t2 = time.perf_counter()
            map_inventory(inventory, backend.accumulator.total)
            t3 = time.perf_counter()
            out.append({"inventory": t1 - t0, "perf": t2 - t1, "mapping": t3 - t2, "total": t3 - t0})
            log(f"steady read: {out[-1]}")
    finally:
        backend.close()
    return out


def collect_reads(url: str, seconds: float, every: float) -> dict[float, float]:
    """vmwatch's read durations (by read count) seen over `seconds`."""
    reads: dict[float, float] = {}
    deadline = time.monotonic() + seconds
    while True:
        count, duration = read_durations(scrape(url, False).decode())
        if count is not None and duration is not None:
            reads[count] = duration
        if time.monotonic() >= deadline:
            return reads
        time.sleep(every)


def timed_scrape(url: str, pid: int, vcsim_pid: int) -> tuple[float, float, float, str]:
    cpu0, sim0, t0 = cpu_seconds(pid), cpu_seconds(vcsim_pid), time.perf_counter()
    body = scrape(url, False)
    t1 = time.perf_counter()
    return t1 - t0, cpu_seconds(pid) - cpu0, cpu_seconds(vcsim_pid) - sim0, body.decode()


def machine_info() -> dict:
    with open("/proc/cpuinfo") as cpuinfo:
        cpu_model = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?"
        )
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "python": platform.python_version(),
        "commit": commit or "unknown",
        "loadavg_at_start": os.getloadavg()[0],
    }


def run(args, directory: Path, log) -> dict:
    log("building vcsim")
    binary = build_vcsim(directory / "build")
    address = loopback_with_free_443()
    cert = directory / "vcsim-cert.pem"
    vcsim = Service(
        "vcsim",
        [str(binary), "-listen", f"{address}:443", "-tls", "-cert-out", str(cert), "-hosts", str(args.hosts),
         "-standalone", "0", "-vms", str(args.vms), "-user", USER, "-password", PASSWORD],
        directory / "vcsim.log",
    ).start()  # fmt: skip
    services = [vcsim]
    try:
        wait_for(lambda: vcsim.log_path.read_text().startswith("{"), 300, "vcsim to listen", vcsim)
        expected = expected_uuids(address)
        log(f"vcsim on {address}:443 with {len(expected)} VMs")

        breakdown = (
            refresh_breakdown(address, cert, args.breakdown_rounds, log) if args.breakdown_rounds else []
        )
        port = free_port()
        secret = directory / "password"
        secret.write_text(PASSWORD + "\n")
        secret.chmod(0o600)  # vmwatch refuses world-readable secret files
        config = directory / "vmwatch.toml"
        config.write_text(
            f'[vmwatch]\nstate_dir = "{directory / "state"}"\nrefresh_interval = {args.refresh_interval}\n'
            'log_level = "warning"\n'
            f'[[backend]]\nname = "vcsim"\ntype = "vmware"\nhost = "{address}"\nuser = "{USER}"\n'
            f'password_file = "{secret}"\nca_file = "{cert}"\n'
            f'[exporter.prometheus]\nlisten = "127.0.0.1:{port}"\n'
        )
        vmwatch = Service(
            "vmwatch",
            [sys.executable, "-m", "vmwatch", "serve", "--config", str(config)],
            directory / "vmwatch.log",
        ).start()
        services.append(vmwatch)
        url = f"http://127.0.0.1:{port}/metrics"
        wait_for(
            lambda: len(vmwatch_vms(scrape(url, False).decode())) >= len(expected), 180, "vmwatch", vmwatch
        )
        log(f"vmwatch exposes every VM; {args.alone_window:.0f} s of background reads alone")
        alone = collect_reads(url, args.alone_window, args.refresh_interval / 2)

        peer_exe = ensure_peer_venv(log)
        peer_port = free_port()
        peer = Service(
            "vmware_exporter",
            [str(peer_exe), "-a", "127.0.0.1", "-p", str(peer_port)],
            directory / "peer.log",
            env={"VSPHERE_HOST": address, "VSPHERE_USER": USER, "VSPHERE_PASSWORD": PASSWORD,
                 "VSPHERE_IGNORE_SSL": "True"},
        ).start()  # fmt: skip
        services.append(peer)
        peer_url = f"http://127.0.0.1:{peer_port}/metrics"
        wait_for(
            lambda: len(peer_vms(scrape(peer_url, False).decode())[0]) >= len(expected), 120, "peer", peer
        )

        log("both exporters expose every VM; scraping")
        exporters = {"vmwatch": (url, vmwatch), "peer": (peer_url, peer)}
        for _ in range(args.warmup):
            for target, service in exporters.values():
                timed_scrape(target, service.pid, vcsim.pid)
        measured: dict[str, dict[str, list]] = {
            k: {"latency": [], "cpu": [], "vcsim_cpu": []} for k in exporters
        }
        bodies: dict[str, str] = {}
        reads: dict[float, float] = {}
        for i in range(args.scrapes):
            for key, (target, service) in exporters.items():
                wall, cpu, sim, body = timed_scrape(target, service.pid, vcsim.pid)
                measured[key]["latency"].append(wall)
                measured[key]["cpu"].append(cpu)
                measured[key]["vcsim_cpu"].append(sim)
                bodies[key] = body
                if key == "vmwatch":
                    count, duration = read_durations(body)
                    if count is not None and duration is not None:
                        reads[count] = duration
            log(f"scrape {i + 1}/{args.scrapes}: vmwatch {measured['vmwatch']['latency'][-1] * 1000:.1f} ms, "
                f"peer {measured['peer']['latency'][-1] * 1000:.0f} ms")  # fmt: skip
            time.sleep(args.pause)
        # let vmwatch's background refresh run a few more times without scrapes in the way
        reads.update(collect_reads(url, args.refresh_window, args.refresh_interval / 2))

        exposed = vmwatch_vms(bodies["vmwatch"])
        peer_names, peer_uuid = peer_vms(bodies["peer"])
        result = {
            "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine_info(),
            "hosts": args.hosts,
            "vms": len(expected),
            "scrapes": args.scrapes,
            "warmup": args.warmup,
            "refresh_interval": args.refresh_interval,
            "vmwatch_refresh": {
                **summarize(list(reads.values())),
                "count": len(reads),
                "all": sorted(reads.values()),
            },
            "vmwatch_refresh_alone": {
                **summarize(list(alone.values())),
                "count": len(alone),
                "all": sorted(alone.values()),
            },
            "refresh_breakdown": breakdown,
        }
        for key, (_, service) in exporters.items():
            body = bodies[key]
            rss, _ = memory_kib(service.pid)
            result[key] = {
                **{name: summarize(values) for name, values in measured[key].items()},
                "raw": measured[key],
                "rss_mib": (rss or 0) / 1024,
                "series": sum(1 for _ in samples(body)),
            }
        result["vmwatch"]["vms"] = len(exposed)
        result["vmwatch"]["all_uuids"] = all(
            exposed.get(name, "").lower() == str(uuidlib.UUID(u)) for name, u in expected.items()
        )
        result["peer"]["vms"] = len(peer_names & set(expected))
        result["peer"]["has_uuid"] = peer_uuid
        if args.keep:
            for key, body in bodies.items():
                (directory / f"{key}.prom").write_text(body)
        return result
    finally:
        for service in reversed(services):
            service.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=4, help="ESXi hosts in the simulated cluster")
    parser.add_argument("--scrapes", type=int, default=10, help="measured scrapes per exporter")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between two rounds of scrapes")
    parser.add_argument("--refresh-interval", type=float, default=20.0, help="vmwatch's refresh_interval")
    parser.add_argument(
        "--refresh-window", type=float, default=60.0, help="extra seconds to collect refresh times"
    )
    parser.add_argument(
        "--alone-window", type=float, default=70.0, help="seconds of vmwatch reads before the peer"
    )
    parser.add_argument("--breakdown-rounds", type=int, default=2, help="in-process steady reads (0: none)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--no-docs", action="store_true", help=f"do not rewrite {DOC.relative_to(ROOT)}")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, bodies)")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    directory = Path(tempfile.mkdtemp(prefix="vmwatch-bench-vmware-"))
    try:
        result = run(args, directory, log)
    finally:
        if args.keep:
            log(f"kept {directory}")
        else:
            subprocess.run(["rm", "-rf", str(directory)], check=False)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    (args.out / f"scrape_vmware-{stamp}.json").write_text(json.dumps(result, indent=1))
    section = render(result)
    print(section)
    if not args.no_docs:
        DOC.write_text(replace_results(DOC.read_text() if DOC.exists() else "# VMware benchmark\n", section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
