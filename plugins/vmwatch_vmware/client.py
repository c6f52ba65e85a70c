"""Thin I/O against vCenter or ESXi through pyvmomi: a session, bulk property reads, perf queries.

- `Session.open` logs in with SmartConnect: certificate verification on unless `insecure`, a CA
  file when given, plain http only when asked for.
- `Session.read_inventory` reads every host, VM and distributed port group in one
  RetrievePropertiesEx over a ContainerView (paged with ContinueRetrievePropertiesEx), never one
  call per VM or per property.
- `Session.query_perf` sends QueryPerf in batches of `PERF_BATCH` entities.

Every API failure leaves as a typed error (`api_errors`): the server unreachable, the session
gone (NotAuthenticated: expired, or vCenter restarted) → BackendUnavailable, so the poller closes
and reconnects with backoff; a refused login, a failed certificate check or an answer we cannot
read → BackendError saying what to do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import logging
import ssl
import xml.parsers.expat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pyVim.connect import SmartConnect
from pyVmomi import vim, vmodl

from vmwatch.backend import BackendError, BackendUnavailable
from vmwatch_vmware.mapping import HOST_PROPERTIES, PORTGROUP_PROPERTIES, VM_PROPERTIES, Inventory
from vmwatch_vmware.settings import Settings

log = logging.getLogger(__name__)

PAGE_SIZE = 500  # objects per RetrievePropertiesEx page
PERF_BATCH = 100  # entities per QueryPerf call
REALTIME = 20  # seconds: the realtime interval of hosts and VMs
MAX_SAMPLES = 180  # one hour of realtime samples: all vCenter keeps

PC = vmodl.query.PropertyCollector


@contextlib.contextmanager
def api_errors(what: str, where: str) -> Iterator[None]:
    """Turn whatever pyvmomi, http.client or ssl raise during `what` into our typed errors."""
    try:
        yield
    except BackendError:
        raise
    except vim.fault.NotAuthenticated as exc:
        raise BackendUnavailable(
            f"{where}: {what}: session no longer valid (expired, or vCenter restarted)"
        ) from exc
    except vim.fault.InvalidLogin as exc:
        raise BackendError(f"{where}: {what}: login refused: check user and password") from exc
    except ssl.SSLCertVerificationError as exc:
        raise BackendError(
            f"{where}: {what}: certificate verification failed ({exc.verify_message}): "
            "give the CA in ca_file, or set insecure = true"
        ) from exc
    except vmodl.MethodFault as exc:
        raise BackendError(f"{where}: {what}: {type(exc).__name__}: {exc.msg or exc}") from exc
    except (OSError, http.client.HTTPException) as exc:  # refused, reset, timeout, TLS, HTTP 503 ...
        raise BackendUnavailable(f"{where}: {what}: {exc or type(exc).__name__}") from exc
    except (xml.parsers.expat.ExpatError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise BackendError(f"{where}: {what}: malformed answer: {exc}") from exc


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """Verification on by default; `ca_file` trusts a private CA; `insecure` turns checks off."""
    if settings.protocol != "https":
        return None
    if settings.insecure:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=settings.ca_file)


def probe(settings: Settings) -> None:
    """GET /sdk/vimServiceVersions.xml within `timeout`, with the login's TLS settings.

    SmartConnect fetches this document first without any timeout, so a vCenter that accepts
    connections but never answers would hang the login forever; asking first, with a timeout,
    turns that into BackendUnavailable (and a bad certificate into a clear BackendError).
    """
    if settings.protocol == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            settings.host, settings.port, timeout=settings.timeout, context=ssl_context(settings)
        )
    else:
        conn = http.client.HTTPConnection(settings.host, settings.port, timeout=settings.timeout)
    try:
        conn.request("GET", "/sdk/vimServiceVersions.xml")
        conn.getresponse().read()
    finally:
        conn.close()


def property_sets(objects: Iterable[Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """ObjectContent list → {type name: {managed object id: {property path: value}}}.

    Properties the server could not read (missingSet) are simply absent.
    """
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for content in objects:
        obj = content.obj
        props = {prop.name: prop.val for prop in content.propSet or ()}
        out.setdefault(obj._wsdlName, {})[obj._moId] = props
    return out


@dataclass(frozen=True)
class PerfRequest:
    """Perf data wanted for one entity: counter key → instances; `since`: newest sample already had."""

    entity: Any  # a vim.VirtualMachine (managed object reference)
    metrics: Sequence[tuple[int, str]]  # (counter key, instance)
    since: float | None


class Session:
    """One logged-in connection and the objects it reuses (ContainerView, counter table)."""

    def __init__(self, si: Any, settings: Settings) -> None:
        self.si = si
        self.settings = settings
        self.where = f"{settings.host}:{settings.port}"
        with api_errors("reading the service content", self.where):
            self.content = si.RetrieveContent()
            self.view = self.content.viewManager.CreateContainerView(
                self.content.rootFolder,
                [vim.VirtualMachine, vim.HostSystem, vim.dvs.DistributedVirtualPortgroup],
                True,
            )
            self.is_vcenter = self.content.about.apiType == "VirtualCenter"

    @classmethod
    def open(cls, settings: Settings, password: str) -> Session:
        """Log in; BackendUnavailable when the server cannot be reached."""
        where = f"{settings.host}:{settings.port}"
        with api_errors("reaching the SDK", where):
            probe(settings)
        with api_errors("login", where):
            si = SmartConnect(
                protocol=settings.protocol,
                host=settings.host,
                port=settings.port,
                user=settings.user,
                pwd=password,
                sslContext=ssl_context(settings),
                httpConnectionTimeout=settings.timeout,
            )
        return cls(si, settings)

    def counter_keys(self) -> dict[str, int]:
        """Every perf counter the server offers: "group.name.rollup" → counter key."""
        with api_errors("reading perf counters", self.where):
            return {
                f"{ctr.groupInfo.key}.{ctr.nameInfo.key}.{ctr.rollupType}": ctr.key
                for ctr in self.content.perfManager.perfCounter or ()
            }

    def server_time(self) -> dt.datetime:
        with api_errors("CurrentTime", self.where):
            return self.si.CurrentTime()

    def read_inventory(self) -> Inventory:
        """Every host, VM and distributed port group with the properties the mapping needs."""
        with api_errors("RetrievePropertiesEx", self.where):
            now = self.si.CurrentTime()
            found = property_sets(self._retrieve({
                vim.VirtualMachine: VM_PROPERTIES,
                vim.HostSystem: HOST_PROPERTIES,
                vim.dvs.DistributedVirtualPortgroup: PORTGROUP_PROPERTIES,
            }))  # fmt: skip
        portgroups = {
            str(props["key"]): str(props.get("name", ""))
            for props in found.get("DistributedVirtualPortgroup", {}).values()
            if props.get("key")
        }
        return Inventory(
            hosts=found.get("HostSystem", {}),
            vms=found.get("VirtualMachine", {}),
            portgroups=portgroups,
            now=now,
        )

    def _retrieve(self, wanted: Mapping[type, Sequence[str]]) -> list[Any]:
        traversal = PC.TraversalSpec(name="view", path="view", skip=False, type=vim.view.ContainerView)
        spec = PC.FilterSpec(
            objectSet=[PC.ObjectSpec(obj=self.view, skip=True, selectSet=[traversal])],
            propSet=[PC.PropertySpec(type=kind, pathSet=list(paths)) for kind, paths in wanted.items()],
        )
        collector = self.content.propertyCollector
        result = collector.RetrievePropertiesEx([spec], PC.RetrieveOptions(maxObjects=PAGE_SIZE))
        objects: list[Any] = []
        while result is not None:
            objects.extend(result.objects or ())
            if not result.token:
                break
            result = collector.ContinueRetrievePropertiesEx(result.token)
        return objects

    def query_perf(self, requests: Sequence[PerfRequest]) -> list[Any]:
        """QueryPerf for every request, `PERF_BATCH` entities per call; the PerfEntityMetrics."""
        manager = self.content.perfManager
        answers: list[Any] = []
        for start in range(0, len(requests), PERF_BATCH):
            specs = [self._query_spec(r) for r in requests[start : start + PERF_BATCH] if r.metrics]
            if not specs:
                continue
            with api_errors("QueryPerf", self.where):
                answers.extend(manager.QueryPerf(specs) or ())
        return answers

    @staticmethod
    def _query_spec(request: PerfRequest) -> Any:
        metric_ids = [vim.PerformanceManager.MetricId(counterId=k, instance=i) for k, i in request.metrics]
        if request.since is None:
            return vim.PerformanceManager.QuerySpec(
                entity=request.entity, metricId=metric_ids, intervalId=REALTIME, maxSample=1
            )
        return vim.PerformanceManager.QuerySpec(
            entity=request.entity,
            metricId=metric_ids,
            intervalId=REALTIME,
            maxSample=MAX_SAMPLES,
            startTime=dt.datetime.fromtimestamp(request.since, dt.UTC),
        )

    def vm_ref(self, moid: str) -> Any:
        """A VirtualMachine reference for a managed object id, bound to this session."""
        return vim.VirtualMachine(moid, self.si._stub)

    def close(self) -> None:
        """Log out and drop the connections; never raises (the server may be gone)."""
        try:
            self.content.sessionManager.Logout()
        except Exception:  # the session or the server is already gone: nothing to log out of
            log.debug("logout from %s failed", self.where, exc_info=True)
        try:
            self.si._stub.DropConnections()
        except Exception:
            log.debug("dropping connections to %s failed", self.where, exc_info=True)
