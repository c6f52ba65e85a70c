"""The `prometheus` exporter type for vmwatch: options, command-line flags, start and stop.

Configured by `[exporter.prometheus]` (enabled by default):

    listen = "127.0.0.1:9236"                 # HOST:PORT, [IPv6]:PORT, or :PORT for every interface
    web_config_file = "/etc/vmwatch/web.yml"  # TLS and basic auth, exporter-toolkit's format

and by `vmwatch serve --listen ADDR --web-config FILE`.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, ProcessCollector

import vmwatch
from vmwatch.backend import ExporterType, Options, Problem
from vmwatch.config import secret_file_problem
from vmwatch_prometheus import exposition, webconfig
from vmwatch_prometheus.collector import VmwatchCollector
from vmwatch_prometheus.web import DEFAULT_LISTEN, MetricsServer, parse_listen

if TYPE_CHECKING:
    from vmwatch.model import Snapshot
    from vmwatch.poller import SnapshotCache

log = logging.getLogger(__name__)

OPTIONS = {
    "listen": f"address to serve /metrics on (default {DEFAULT_LISTEN})",
    "web_config_file": "exporter-toolkit web config file: TLS, basic auth",
}


def check(options: Options) -> list[Problem]:
    """Problems with `[exporter.prometheus]` options (keys relative to the table)."""
    problems = []
    for key in options:
        if key not in OPTIONS:
            problems.append(Problem(key, f"unknown key (expected one of {', '.join(OPTIONS)})"))
    listen = options.get("listen", DEFAULT_LISTEN)
    try:
        parse_listen(listen)
    except ValueError as exc:
        problems.append(Problem("listen", str(exc)))
    path = options.get("web_config_file")
    if path is not None:
        if not isinstance(path, str) or not path:
            problems.append(Problem("web_config_file", f"must be a file path, not {path!r}"))
        elif (unsafe := secret_file_problem(path, "web_config_file")) is not None and Path(path).exists():
            problems.append(unsafe)  # it holds the basic-auth hashes and names the TLS key
        else:
            _, found = webconfig.load(Path(path))
            problems.extend(Problem("web_config_file", f"{path}: {p.key}: {p.reason}") for p in found)
    return problems


class PrometheusExporter:
    """The exporter vmwatch starts: a registry over the snapshot cache, served over HTTP(S)."""

    def __init__(self, listen: str = DEFAULT_LISTEN, web_config_file: str | None = None) -> None:
        self.listen = listen
        self.web_config_file = Path(web_config_file) if web_config_file else None
        self.registry: CollectorRegistry | None = None
        self.collector: VmwatchCollector | None = None
        self.server: MetricsServer | None = None
        self.cache: SnapshotCache | None = None
        self._stopped = False

    def start(self, cache: SnapshotCache) -> None:
        registry = CollectorRegistry()
        self.collector = VmwatchCollector(cache)
        registry.register(self.collector)
        registry.register(ProcessCollector(registry=None))  # process_* of vmwatch itself
        self.registry = registry
        self.cache = cache
        self.server = MetricsServer(registry, self.listen, self.web_config_file)
        # Render and compress each snapshot as it is published, off the scrape path.
        cache.subscribe(self._prepare)
        for snapshot in cache.snapshots():
            self._prepare(snapshot)
        try:
            self.server.start()
        except Exception:
            self._stopped = True
            raise

    def _prepare(self, snapshot: Snapshot) -> None:
        """Called by the cache in the publishing (poller) thread, so scrapes find the work done."""
        if self._stopped or self.collector is None:
            return  # a publish already under way when stop() unsubscribed
        try:
            exposition.warm(self.collector.prepare(snapshot).values())
        except Exception:
            return  # the next scrape renders it again and logs why it fails (once)

    def use_exporters(self, exporters) -> None:
        """Serve the metrics of analysers and exporters that offer a `prometheus_collector()`."""
        for name, other in exporters:
            make = getattr(other, "prometheus_collector", None)
            if other is self or make is None or self.registry is None:
                continue
            try:
                self.registry.register(make())
            except Exception:
                log.exception("metrics of %s cannot be served", name)

    def stop(self) -> None:
        self._stopped = True
        if self.cache is not None:
            self.cache.unsubscribe(self._prepare)
        if self.server is not None:
            self.server.stop()
            self.server = None


def create(options: Options) -> PrometheusExporter:
    return PrometheusExporter(options.get("listen", DEFAULT_LISTEN), options.get("web_config_file"))


@vmwatch.hookimpl
def vmwatch_exporter_types() -> list[ExporterType]:
    return [
        ExporterType(
            name="prometheus",
            description=f"Prometheus /metrics over HTTP(S), on {DEFAULT_LISTEN} by default",
            check=check,
            create=create,
            enabled_by_default=True,
        )
    ]


@vmwatch.hookimpl
def vmwatch_serve_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Prometheus exporter")
    group.add_argument(
        "--listen", metavar="ADDR", help=f"serve /metrics on ADDR (HOST:PORT, [::1]:PORT); default {DEFAULT_LISTEN}"
    )
    group.add_argument(
        "--web-config", metavar="FILE", help="web config file for TLS and basic auth (exporter-toolkit format)"
    )


@vmwatch.hookimpl
def vmwatch_apply_arguments(args: argparse.Namespace, raw: dict[str, Any]) -> None:
    flags = {"listen": getattr(args, "listen", None), "web_config_file": getattr(args, "web_config", None)}
    flags = {key: value for key, value in flags.items() if value is not None}
    if not flags:
        return
    exporters = raw.setdefault("exporter", {})
    if not isinstance(exporters, dict):
        return  # reported by validation
    table = exporters.setdefault("prometheus", {})
    if isinstance(table, dict):
        table.update(flags)
