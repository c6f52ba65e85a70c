"""Shared fixtures: real services in private temporary directories, stopped by PID."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from services import Libvirtd, Prometheus  # noqa: E402


@pytest.fixture
def libvirtd(tmp_path_factory):
    """A private libvirtd serving the test driver at `libvirtd.uri`."""
    daemon = Libvirtd(tmp_path_factory.mktemp("libvirtd")).start()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def prometheus_server(tmp_path_factory):
    """Factory: `prometheus_server(targets, **kwargs)` starts a Prometheus scraping `targets`."""
    started: list[Prometheus] = []

    def start(targets: list[str], **kwargs) -> Prometheus:
        server = Prometheus(tmp_path_factory.mktemp("prometheus"), targets, **kwargs).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
