"""A seeded generator of realistic multi-host syslog over weeks, with incidents and ground truth.

The fleet: `hypervisors` KVM hosts spread over `sites` and a few network boxes (DNS/DHCP/NAT64).
Background, every day:
- cron (hourly run-parts, daily anacron, each with pam_unix session open/close), systemd sessions;
- periodic daemons: ntpd (≈ every 17 min), snmpd polls (every 5 min), dhclient renewals
  (hypervisors, every 30 min), dhcpd leases (network boxes);
- named query noise (network boxes, Poisson) and resolver errors;
- sshd: admin logins; a daily hosts.allow hostname warning; scans in short bursts from
  random addresses against several hosts;
- libvirt/qemu/kernel: VMs started and stopped, bridge ports, kvm msr noise, rare kernel notices.
Incidents (ground truth written as JSON: kind, start, end, site, hosts, description):
- `power_loss`: one site loses power: UPS on battery and PSU failures, links down on the
  network boxes, hypervisors shutting their VMs down and halting; later they boot again;
- `storage_path_failure`: a SAN path fails on several hypervisors of a site: multipath marks the
  path failed, SCSI errors, VM block I/O errors, path reinstated at the end;
- `ssh_brute_force`: one address hammers a host's sshd with password guesses for an hour or two.

Everything comes from one `random.Random(seed)`: the same config gives byte-identical output.
Lines are generated a day at a time and sorted, so memory stays bounded whatever the length.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import sys
import uuid
from collections.abc import Iterator
from typing import Any, NamedTuple

from vmwatch_loganomaly.errors import ConfigError

DAY = 86400.0
USERS = ("root", "admin", "oracle", "test", "guest", "ubuntu", "postgres", "git", "ftp", "user", "pi", "deploy")
DOMAINS = ("example.com", "example.org", "cdn.example.net", "mail.example.jp", "ntp.example.org", "ads.example.biz")
RTYPES = ("A", "AAAA", "MX", "PTR", "TXT", "ANY")


@dataclasses.dataclass(frozen=True)
class SimConfig:
    """What to generate. `start` is a date (UTC midnight); lines are RFC 3164 in UTC."""

    seed: int = 1
    start: str = "2015-09-26"
    days: int = 21
    hypervisors: int = 29
    network_boxes: int = 3
    sites: tuple[str, ...] = ("nezu", "dojima", "naist", "fujisawa")
    vms_per_hypervisor: int = 8
    dns_rate: float = 1 / 30  # named query noise per network box, lines per second
    incidents: bool = True
    max_lines: int | None = None

    def __post_init__(self) -> None:
        if self.days < 1 or self.hypervisors < 1 or self.network_boxes < 0:
            raise ConfigError("days and hypervisors must be at least 1, network boxes at least 0")
        if not self.sites:
            raise ConfigError("at least one site is needed")
        try:
            dt.date.fromisoformat(self.start)
        except ValueError:
            raise ConfigError(f"start must be a date YYYY-MM-DD, not {self.start!r}") from None

    @property
    def t0(self) -> float:
        return dt.datetime.fromisoformat(self.start).replace(tzinfo=dt.UTC).timestamp()


class Event(NamedTuple):
    ts: float
    host: str
    program: str
    pid: int | None
    message: str


@dataclasses.dataclass(frozen=True)
class Incident:
    """One injected incident: the ground truth for detectors."""

    kind: str
    start: float
    end: float
    site: str
    hosts: tuple[str, ...]
    description: str

    def to_json(self) -> dict[str, Any]:
        iso = lambda t: dt.datetime.fromtimestamp(t, dt.UTC).isoformat()
        return {
            "kind": self.kind,
            "start": iso(self.start),
            "end": iso(self.end),
            "site": self.site,
            "hosts": list(self.hosts),
            "description": self.description,
        }


@dataclasses.dataclass
class Host:
    name: str
    site: str
    role: str  # "hypervisor" or "network"
    boot: float
    pids: dict[str, int]
    vms: list[tuple[str, str, int]]  # (instance name, uuid, vnet number)
    down: list[tuple[float, float]] = dataclasses.field(default_factory=list)

    def is_down(self, ts: float) -> bool:
        return any(a <= ts < b for a, b in self.down)


def format_rfc3164(ev: Event) -> str:
    """`Mmm dd hh:mm:ss host prog[pid]: msg` in UTC."""
    t = dt.datetime.fromtimestamp(ev.ts, dt.UTC)
    tag = f"{ev.program}[{ev.pid}]" if ev.pid is not None else ev.program
    return f"{t:%b} {t.day:>2} {t:%H:%M:%S} {ev.host} {tag}: {ev.message}"


class Simulator:
    """Builds the fleet and the incident schedule from the seed; `lines()` yields the log."""

    def __init__(self, config: SimConfig = SimConfig()):
        self.config = config
        self.rng = random.Random(config.seed)
        self.t0 = config.t0
        self.hosts = self._fleet()
        self._by_name = {h.name: h for h in self.hosts}
        self.incidents: list[Incident] = self._schedule() if config.incidents else []

    # --- fleet and schedule -------------------------------------------------------------------

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _fleet(self) -> list[Host]:
        cfg, rng = self.config, self.rng
        hosts = []
        for i in range(cfg.hypervisors):
            site = cfg.sites[i % len(cfg.sites)]
            vms = [(f"instance-{rng.randrange(16**8):08x}", self._uuid(), j) for j in range(cfg.vms_per_hypervisor)]
            pids = {p: rng.randrange(300, 4000) for p in ("ntpd", "snmpd", "libvirtd", "dhclient", "rsyslogd")}
            hosts.append(Host(f"vm{i // len(cfg.sites) + 1}.{site}.cloud.example", site, "hypervisor", self.t0, pids, vms))
        for i in range(cfg.network_boxes):
            site = cfg.sites[i % len(cfg.sites)]
            pids = {p: rng.randrange(300, 4000) for p in ("ntpd", "snmpd", "named", "dhcpd", "rsyslogd")}
            hosts.append(Host(f"cloud-net{i + 1}.{site}.example", site, "network", self.t0, pids, []))
        return hosts

    def _schedule(self) -> list[Incident]:
        cfg, rng = self.config, self.rng
        span = cfg.days * DAY
        out = []
        site = rng.choice(cfg.sites)
        start = self.t0 + min(span * 0.05 + rng.uniform(0, DAY), span - 6 * 3600)
        hosts = tuple(h.name for h in self.hosts if h.site == site)
        out.append(Incident("power_loss", start, start + rng.uniform(2, 4) * 3600, site, hosts,
                            f"unplanned power outage at site {site}: UPS on battery, links down, hypervisors halted"))
        site2 = rng.choice([s for s in cfg.sites if s != site] or list(cfg.sites))
        candidates = [h.name for h in self.hosts if h.site == site2 and h.role == "hypervisor"]
        chosen = tuple(sorted(rng.sample(candidates, min(len(candidates), 3))))
        start = self.t0 + span * 0.45 + rng.uniform(0, DAY)
        out.append(Incident("storage_path_failure", start, start + rng.uniform(0.5, 1.5) * 3600, site2, chosen,
                            "SAN path failure: multipath lost a path, SCSI and VM block I/O errors"))
        target = rng.choice([h for h in self.hosts if h.role == "hypervisor"])
        start = self.t0 + span * 0.75 + rng.uniform(0, DAY)
        out.append(Incident("ssh_brute_force", start, start + rng.uniform(1, 2) * 3600, target.site, (target.name,),
                            f"ssh password brute force on {target.name}"))
        return sorted(out, key=lambda i: i.start)

    # --- generation ---------------------------------------------------------------------------

    def lines(self) -> Iterator[str]:
        """Every line, in time order, day after day."""
        emitted = 0
        limit = self.config.max_lines
        for day in range(self.config.days):
            events = self._day(self.t0 + day * DAY)
            events.sort()
            for ev in events:
                if limit is not None and emitted >= limit:
                    return
                yield format_rfc3164(ev)
                emitted += 1

    def ground_truth(self) -> dict[str, Any]:
        """The incidents and the fleet, for `--truth FILE`."""
        return {
            "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in dataclasses.asdict(self.config).items()},
            "hosts": [{"name": h.name, "site": h.site, "role": h.role} for h in self.hosts],
            "incidents": [i.to_json() for i in self.incidents],
        }

    def _day(self, day0: float) -> list[Event]:
        out: list[Event] = []
        day_end = day0 + DAY
        for inc in self.incidents:
            if day0 <= inc.start < day_end:
                getattr(self, f"_{inc.kind}")(inc, out)
        for host in self.hosts:
            self._background(host, day0, out)
        self._scans(day0, out)
        down = {h.name: h for h in self.hosts if h.down}
        return [ev for ev in out if ev.host not in down or not down[ev.host].is_down(ev.ts)]

    def _host(self, name: str) -> Host:
        return self._by_name[name]

    def _pid(self) -> int:
        return self.rng.randrange(1000, 32768)

    def _poisson_times(self, start: float, end: float, rate: float) -> Iterator[float]:
        t = start
        while True:
            t += self.rng.expovariate(rate)
            if t >= end:
                return
            yield t

    def _kernel_time(self, host: Host, ts: float) -> str:
        return f"[{max(ts - host.boot, 0.0):12.6f}]"

    def _background(self, h: Host, day0: float, out: list[Event]) -> None:
        rng = self.rng
        add = out.append
        # cron: hourly and daily, each with a pam session
        for hour in range(24):
            ts = day0 + hour * 3600 + 17 * 60 + rng.uniform(0, 2)
            pid = self._pid()
            add(Event(ts, h.name, "CRON", pid, "pam_unix(cron:session): session opened for user root by (uid=0)"))
            add(Event(ts + 0.01, h.name, "CRON", pid + 1, "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)"))
            add(Event(ts + rng.uniform(0.1, 1.5), h.name, "CRON", pid, "pam_unix(cron:session): session closed for user root"))
        ts = day0 + 6 * 3600 + 25 * 60 + rng.uniform(0, 3)
        pid = self._pid()
        add(Event(ts, h.name, "CRON", pid + 1,
                  "(root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily ))"))
        add(Event(ts + rng.uniform(20, 200), h.name, "rsyslogd", h.pids["rsyslogd"],
                  '[origin software="rsyslogd" swVersion="8.4.2" x-pid="%d" x-info="http://www.rsyslog.com"] '
                  "rsyslogd was HUPed" % h.pids["rsyslogd"]))
        # ntpd, snmpd, dhcp
        t = day0 + rng.uniform(0, 1024)
        while t < day0 + DAY:
            add(Event(t, h.name, "ntpd", h.pids["ntpd"], f"adjusting local clock by {rng.gauss(0, 0.02):.6f}s"))
            t += 1024 + rng.uniform(-5, 5)
        poller = "10.0.0.5"
        for k in range(288):
            ts = day0 + k * 300 + rng.uniform(0, 3)
            add(Event(ts, h.name, "snmpd", h.pids["snmpd"],
                      f"Connection from UDP: [{poller}]:{rng.randrange(32768, 61000)}->[10.0.{h.pids['snmpd'] % 250}.{k % 200 + 2}]:161"))
        if h.role == "hypervisor":
            for k in range(48):
                ts = day0 + k * 1800 + rng.uniform(0, 20)
                pid = h.pids["dhclient"]
                add(Event(ts, h.name, "dhclient", pid, "DHCPREQUEST on eth0 to 10.0.0.1 port 67"))
                add(Event(ts + 0.02, h.name, "dhclient", pid, "DHCPACK from 10.0.0.1"))
                add(Event(ts + 0.03, h.name, "dhclient", pid,
                          f"bound to 10.0.{h.pids['snmpd'] % 250}.{h.pids['ntpd'] % 250} -- renewal in {rng.randrange(1500, 1900)} seconds."))
            self._hypervisor_day(h, day0, out)
        else:
            self._network_day(h, day0, out)
        # sshd: admin logins and the daily hostname warning
        for _ in range(rng.randrange(0, 4)):
            ts = day0 + rng.uniform(8, 20) * 3600
            pid = self._pid()
            src = f"10.0.9.{rng.randrange(2, 40)}"
            add(Event(ts, h.name, "sshd", pid, f"Accepted publickey for admin from {src} port {rng.randrange(40000, 65000)} ssh2"))
            add(Event(ts + 0.05, h.name, "sshd", pid, "pam_unix(sshd:session): session opened for user admin by (uid=0)"))
            session = rng.randrange(100, 9999)
            add(Event(ts + 0.1, h.name, "systemd", 1, f"Started Session {session} of user admin."))
            end = ts + rng.uniform(60, 3600)
            add(Event(end, h.name, "sshd", pid, "pam_unix(sshd:session): session closed for user admin"))
        ts = day0 + 4 * 3600 + rng.uniform(0, 600)
        add(Event(ts, h.name, "sshd", self._pid(),
                  f"warning: /etc/hosts.allow, line 12: can't verify hostname: getaddrinfo(mon{rng.randrange(1, 4)}.example, AF_INET) failed"))

    def _hypervisor_day(self, h: Host, day0: float, out: list[Event]) -> None:
        rng = self.rng
        add = out.append
        for ts in self._poisson_times(day0, day0 + DAY, 1 / 2400):
            vcpu = rng.randrange(0, 4)
            add(Event(ts, h.name, "kernel", None,
                      f"{self._kernel_time(h, ts)} kvm [{rng.randrange(1000, 30000)}]: vcpu{vcpu} unhandled rdmsr: 0x{rng.choice((0x140, 0x1a0, 0x606, 0x611)):x}"))
        for _ in range(rng.randrange(0, 4)):  # VM churn
            ts = day0 + rng.uniform(0, DAY)
            name, vm_uuid, vnet = rng.choice(h.vms)
            stop = rng.random() < 0.5
            if stop:
                add(Event(ts, h.name, "libvirtd", h.pids["libvirtd"], f"Domain id={rng.randrange(1, 200)} name='{name}' uuid={vm_uuid} is tainted: high-privileges"))
                add(Event(ts + 1, h.name, "qemu-system-x86_64", None, f"terminating on signal 15 from pid {h.pids['libvirtd']}"))
                add(Event(ts + 1.2, h.name, "kernel", None, f"{self._kernel_time(h, ts + 1.2)} br0: port {vnet + 2}(vnet{vnet}) entered disabled state"))
                add(Event(ts + 1.3, h.name, "kernel", None, f"{self._kernel_time(h, ts + 1.3)} device vnet{vnet} left promiscuous mode"))
            else:
                add(Event(ts, h.name, "kernel", None, f"{self._kernel_time(h, ts)} device vnet{vnet} entered promiscuous mode"))
                add(Event(ts + 0.1, h.name, "kernel", None, f"{self._kernel_time(h, ts + 0.1)} br0: port {vnet + 2}(vnet{vnet}) entered forwarding state"))
                add(Event(ts + 0.5, h.name, "libvirtd", h.pids["libvirtd"], f"Starting domain {name} ({vm_uuid})"))
        if rng.random() < 0.3:
            ts = day0 + rng.uniform(0, DAY)
            add(Event(ts, h.name, "kernel", None,
                      f"{self._kernel_time(h, ts)} perf: interrupt took too long ({rng.randrange(2501, 6000)} > 2500), lowering kernel.perf_event_max_sample_rate to {rng.randrange(30000, 79000)}"))
        if rng.random() < 0.2:
            ts = day0 + rng.uniform(0, DAY)
            add(Event(ts, h.name, "libvirtd", h.pids["libvirtd"], "internal error: End of file while reading data: Input/output error"))

    def _network_day(self, h: Host, day0: float, out: list[Event]) -> None:
        rng = self.rng
        add = out.append
        pid = h.pids["named"]
        for ts in self._poisson_times(day0, day0 + DAY, self.config.dns_rate):
            r = rng.random()
            client = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            if r < 0.8:
                view = "world" if rng.random() < 0.9 else "widecloud-normalvm"
                add(Event(ts, h.name, "named", pid,
                          f"client {client}#{rng.randrange(1024, 65535)}: view {view}: query (cache) '{rng.choice(DOMAINS)}/{rng.choice(RTYPES)}/IN' denied"))
            elif r < 0.95:
                rev = f"{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}.in-addr.arpa"
                add(Event(ts, h.name, "named", pid,
                          f"error (unexpected RCODE SERVFAIL) resolving '{rev}/PTR/IN': {client}#53"))
            else:
                add(Event(ts, h.name, "named", pid,
                          f"client fe80::216:3eff:feba:{rng.randrange(16**4):x}#{rng.randrange(1024, 65535)}: view world: query (cache) '{rng.choice(DOMAINS)}/A/IN' denied"))
        for ts in self._poisson_times(day0, day0 + DAY, 1 / 600):
            mac = ":".join(f"{rng.randrange(256):02x}" for _ in range(6))
            ip = f"10.1.{rng.randrange(256)}.{rng.randrange(2, 255)}"
            add(Event(ts, h.name, "dhcpd", h.pids["dhcpd"], f"DHCPREQUEST for {ip} from {mac} via eth1"))
            add(Event(ts + 0.001, h.name, "dhcpd", h.pids["dhcpd"], f"DHCPACK on {ip} to {mac} via eth1"))

    def _scans(self, day0: float, out: list[Event]) -> None:
        """Background ssh scans: a few short bursts a day against several hosts."""
        rng = self.rng
        for _ in range(rng.randrange(0, 3)):
            start = day0 + rng.uniform(0, DAY - 3600)
            src = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            targets = rng.sample(self.hosts, min(len(self.hosts), rng.randrange(2, 8)))
            for h in targets:
                ts = start + rng.uniform(0, 600)
                for _ in range(rng.randrange(3, 30)):
                    ts += rng.expovariate(1 / 3)
                    pid = self._pid()
                    user = rng.choice(USERS)
                    r = rng.random()
                    if r < 0.4:
                        out.append(Event(ts, h.name, "sshd", pid, f"Invalid user {user} from {src}"))
                        out.append(Event(ts + 0.01, h.name, "sshd", pid, f"input_userauth_request: invalid user {user} [preauth]"))
                    elif r < 0.7:
                        out.append(Event(ts, h.name, "sshd", pid, f"refused connect from {src} ({src})"))
                    else:
                        out.append(Event(ts, h.name, "sshd", pid, f"Received disconnect from {src}: 11: Bye Bye [preauth]"))

    # --- incidents ----------------------------------------------------------------------------

    def _power_loss(self, inc: Incident, out: list[Event]) -> None:
        rng = self.rng
        add = out.append
        t = inc.start
        halted = inc.start + 0.35 * (inc.end - inc.start)
        for h in (self._host(n) for n in inc.hosts):
            ups = self._pid()
            add(Event(t + rng.uniform(0, 5), h.name, "apcupsd", ups, "Power failure."))
            add(Event(t + rng.uniform(6, 10), h.name, "apcupsd", ups, "Running on UPS batteries."))
            add(Event(t + rng.uniform(10, 30), h.name, "ipmievd", self._pid(),
                      f"Power Supply sensor PS{rng.randrange(1, 3)} Status - Power Supply AC lost - Asserted"))
            if h.role == "network":
                for k, ifname in enumerate(("eth0", "eth1", "eth2")):
                    ts = t + 60 + k * rng.uniform(1, 20)
                    add(Event(ts, h.name, "kernel", None, f"{self._kernel_time(h, ts)} {ifname}: Link is Down"))
                add(Event(t + 120, h.name, "named", h.pids["named"], "network unreachable resolving './NS/IN': 2001:500:2f::f#53"))
            else:
                ts = t + rng.uniform(300, 900)
                add(Event(ts, h.name, "apcupsd", ups, "Battery charge below low limit."))
                add(Event(ts + 1, h.name, "apcupsd", ups, "Initiating system shutdown!"))
                add(Event(ts + 2, h.name, "shutdown", self._pid(), "shutting down for system halt"))
                add(Event(ts + 3, h.name, "libvirt-guests.sh", self._pid(), "Shutting down guests on qemu:///system URI..."))
                for k, (name, vm_uuid, vnet) in enumerate(h.vms):
                    vt = ts + 4 + k * rng.uniform(1, 4)
                    add(Event(vt, h.name, "libvirt-guests.sh", self._pid(), f"Shutting down {name}: ..."))
                    add(Event(vt + 0.5, h.name, "qemu-system-x86_64", None, f"terminating on signal 15 from pid {h.pids['libvirtd']}"))
                    add(Event(vt + 0.6, h.name, "kernel", None, f"{self._kernel_time(h, vt + 0.6)} br0: port {vnet + 2}(vnet{vnet}) entered disabled state"))
                    add(Event(vt + 0.7, h.name, "libvirtd", h.pids["libvirtd"], f"internal error: guest {name} ({vm_uuid}) stopped unexpectedly"))
                end = ts + 5 + len(h.vms) * 4
                add(Event(end, h.name, "systemd", 1, "Stopped target Multi-User System."))
                add(Event(end + 1, h.name, "systemd-shutdown", 1, "Sending SIGTERM to remaining processes..."))
                add(Event(end + 2, h.name, "kernel", None, f"{self._kernel_time(h, end + 2)} reboot: Power down"))
                back = inc.end + rng.uniform(60, 900)
                h.down.append((end + 3, back))
                h.boot = back
                add(Event(back, h.name, "kernel", None, "[    0.000000] Linux version 3.16.0-4-amd64 (debian-kernel@lists.debian.org) #1 SMP Debian 3.16.7"))
                add(Event(back + 12, h.name, "rsyslogd", h.pids["rsyslogd"],
                          '[origin software="rsyslogd" swVersion="8.4.2" x-pid="%d" x-info="http://www.rsyslog.com"] start' % h.pids["rsyslogd"]))
                add(Event(back + 20, h.name, "libvirtd", h.pids["libvirtd"], "libvirt version: 1.2.9, package: 3+deb8u1"))
                for k, (name, vm_uuid, _) in enumerate(h.vms):
                    add(Event(back + 30 + k, h.name, "libvirtd", h.pids["libvirtd"], f"Starting domain {name} ({vm_uuid})"))
            add(Event(max(inc.end, halted), h.name, "apcupsd", ups, "Power is back. UPS running on mains."))

    def _storage_path_failure(self, inc: Incident, out: list[Event]) -> None:
        rng = self.rng
        add = out.append
        for h in (self._host(n) for n in inc.hosts):
            mp = self._pid()
            t = inc.start + rng.uniform(0, 30)
            dev = rng.choice(("sdc", "sdd"))
            major_minor = "8:32" if dev == "sdc" else "8:48"
            add(Event(t, h.name, "kernel", None, f"{self._kernel_time(h, t)} sd 3:0:0:1: [{dev}] FAILED Result: hostbyte=DID_TRANSPORT_FAILFAST driverbyte=DRIVER_OK"))
            add(Event(t + 0.1, h.name, "kernel", None, f"{self._kernel_time(h, t + 0.1)} device-mapper: multipath: Failing path {major_minor}."))
            add(Event(t + 0.2, h.name, "multipathd", mp, f"{dev}: mark as failed"))
            add(Event(t + 0.3, h.name, "multipathd", mp, "mpatha: remaining active paths: 1"))
            for ts in self._poisson_times(t + 1, inc.end, 1 / 20):
                r = rng.random()
                if r < 0.5:
                    add(Event(ts, h.name, "kernel", None, f"{self._kernel_time(h, ts)} sd 3:0:0:1: rejecting I/O to offline device"))
                elif r < 0.8:
                    name = rng.choice(h.vms)[0]
                    add(Event(ts, h.name, "libvirtd", h.pids["libvirtd"], f"{name}: block I/O error in device 'drive-virtio-disk0': Input/output error (5)"))
                else:
                    add(Event(ts, h.name, "multipathd", mp, f"{major_minor}: tur checker reports path is down"))
            add(Event(inc.end, h.name, "multipathd", mp, f"{major_minor}: reinstated"))
            add(Event(inc.end + 0.1, h.name, "multipathd", mp, "mpatha: remaining active paths: 2"))

    def _ssh_brute_force(self, inc: Incident, out: list[Event]) -> None:
        rng = self.rng
        h = self._host(inc.hosts[0])
        src = f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        for ts in self._poisson_times(inc.start, inc.end, 1 / 2):
            pid = self._pid()
            port = rng.randrange(30000, 65000)
            if rng.random() < 0.6:
                out.append(Event(ts, h.name, "sshd", pid, f"Failed password for root from {src} port {port} ssh2"))
            else:
                user = rng.choice(USERS)
                out.append(Event(ts, h.name, "sshd", pid, f"Failed password for invalid user {user} from {src} port {port} ssh2"))
            if rng.random() < 0.2:
                out.append(Event(ts + 0.01, h.name, "sshd", pid,
                                 f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={src}  user=root"))
            if rng.random() < 0.1:
                out.append(Event(ts + 0.02, h.name, "sshd", pid, "Disconnecting: Too many authentication failures for root [preauth]"))


def write(config: SimConfig, log_path: str, truth_path: str | None = None) -> int:
    """Write the log (`-`: stdout) and the ground truth JSON; returns the number of lines."""
    sim = Simulator(config)
    n = 0
    out = sys.stdout if log_path == "-" else open(log_path, "w", encoding="utf-8")
    try:
        for line in sim.lines():
            out.write(line)
            out.write("\n")
            n += 1
    finally:
        if out is not sys.stdout:
            out.close()
    if truth_path:
        with open(truth_path, "w", encoding="utf-8") as fh:
            json.dump(sim.ground_truth(), fh, indent=1)
            fh.write("\n")
    return n
