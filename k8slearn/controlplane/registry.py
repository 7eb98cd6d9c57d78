"""Per-kind storage strategies: what the API server does around create, update and delete.

Notes
-----
Mirrors the ``rest.RESTCreateStrategy`` / ``RESTUpdateStrategy`` /
``RESTGracefulDeleteStrategy`` of each registry in ``pkg/registry/...``: resetting status
on create, bumping ``metadata.generation`` when the spec changes, the pod's graceful
deletion period, and allocations (a Service's ClusterIP and NodePorts).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ..api.errors import ApiError, invalid

if TYPE_CHECKING:
    from .apiserver import APIServer

__all__ = ["Strategy", "strategy_for", "pod_qos_class", "ServiceIPAllocator", "ServiceStrategy", "service_node_ports"]


class Strategy:
    """Default behaviour: keep everything the client sent."""

    #: kinds whose metadata.generation counts spec changes
    tracks_generation = False
    #: status is reset on create (set by controllers/kubelets, not by users)
    reset_status_on_create = True

    def prepare_for_create(self, api: APIServer, obj: dict) -> None:
        if self.tracks_generation:
            obj["metadata"]["generation"] = 1

    def prepare_for_update(self, api: APIServer, obj: dict, old: dict) -> None:
        if self.tracks_generation:
            gen = old["metadata"].get("generation", 1)
            if obj.get("spec") != old.get("spec"):
                gen += 1
            obj["metadata"]["generation"] = gen

    def after_create(self, api: APIServer, obj: dict) -> None:
        """Called after the object is stored (e.g. to commit an allocation)."""

    def after_delete(self, api: APIServer, obj: dict) -> None:
        """Called after the object left storage (e.g. to release an allocation)."""

    def grace_period(self, obj: dict, requested: int | None) -> int:
        """Seconds a delete waits for the owner of the object to clean up (0: at once)."""
        return 0


class WorkloadStrategy(Strategy):
    tracks_generation = True


class NodeStrategy(Strategy):
    # "Nodes allow *all* fields, including status, to be set on create."
    reset_status_on_create = False


class NamespaceStrategy(Strategy):
    def prepare_for_create(self, api: APIServer, obj: dict) -> None:
        obj["status"] = {"phase": "Active"}
        spec = obj.setdefault("spec", {})
        spec.setdefault("finalizers", ["kubernetes"])


class PodStrategy(Strategy):
    def prepare_for_create(self, api: APIServer, obj: dict) -> None:
        obj["status"] = {"phase": "Pending", "qosClass": pod_qos_class(obj)}
        obj["metadata"]["generation"] = 1

    def prepare_for_update(self, api: APIServer, obj: dict, old: dict) -> None:
        gen = old["metadata"].get("generation", 1)
        if obj.get("spec") != old.get("spec"):
            gen += 1
        obj["metadata"]["generation"] = gen

    def grace_period(self, obj: dict, requested: int | None) -> int:
        # CheckGracefulDelete: unscheduled and terminal pods go at once.
        spec = obj.get("spec") or {}
        if not spec.get("nodeName"):
            return 0
        if (obj.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
            return 0
        if requested is not None:
            return max(0, int(requested))
        return int(spec.get("terminationGracePeriodSeconds", 30))


class ServiceIPAllocator:
    """ClusterIPs from the service CIDR and NodePorts from 30000-32767.

    Notes
    -----
    Mirrors kube-apiserver's allocators (``pkg/registry/core/service/ipallocator``
    and ``portallocator``, wired in ``service/storage/alloc.go``):

    - a requested ClusterIP must lie in the service CIDR (``the provided network does
      not match the current range``), must not be its network or broadcast address
      (``provided IP 10.96.0.0 is not in the valid range``) and must be free
      (``provided IP is already allocated``); the error is reported on
      ``spec.clusterIPs`` as ``failed to allocate IP <ip>: <reason>``;
    - dynamic ClusterIPs are drawn at random from the *upper* part of the range first
      (KEP-3070: the lowest ``min(max(16, size/16), 256)`` addresses are kept for
      static choices such as ``10.96.0.10`` for cluster DNS), then from the lower part;
    - NodePorts are numbers shared by all protocols; requested ones must be in range
      (``provided port is not in the valid range. The range of valid ports is
      30000-32767``) and free (``provided port is already allocated``); dynamic ones
      come from the upper band first (KEP-3668: the lowest ``min(max(16, size/32),
      128)`` ports, 30000-30085 by default, are kept for static choices);
    - random choices use the cluster's seeded generator (upstream: an unseeded one).
    """

    def __init__(self, cidr: str = "10.96.0.0/12", node_ports: tuple[int, int] = (30000, 32767)) -> None:
        self.network = ipaddress.ip_network(cidr)
        self.used_ips: set[str] = set()
        self.node_port_range = node_ports
        self.used_ports: set[int] = set()
        base = int(self.network.network_address)
        last = int(self.network.broadcast_address)
        if self.network.version == 4:
            last -= 1  # IPv4 keeps the broadcast address out
        self._first = base + 1
        self._last = last
        size = max(0, last - base)
        self._ip_offset = _range_offset(self.network.num_addresses, 16, 256, 16)
        self._ip_size = size
        lo, hi = node_ports
        self._port_offset = _range_offset(hi - lo + 1, 16, 128, 32)

    # -- ClusterIPs -----------------------------------------------------------------------
    def ip_error(self, requested: str) -> str | None:
        """Why ``requested`` cannot be allocated (upstream wording), or None."""
        try:
            addr = ipaddress.ip_address(requested)
        except ValueError:
            return f"failed to parse service IP {requested!r}"
        if addr.version != self.network.version or addr not in self.network:
            return "the provided network does not match the current range"
        if not self._first <= int(addr) <= self._last:
            return f"provided IP {requested} is not in the valid range"
        if str(addr) in self.used_ips:
            return "provided IP is already allocated"
        return None

    def allocate_ip(self, api: APIServer, requested: str | None, cluster_ips: Any = None) -> str:
        """Reserve ``requested`` or a free random address; raises Invalid / InternalError."""
        if requested:
            problem = self.ip_error(requested)
            if problem is not None:
                value = list(cluster_ips) if cluster_ips else [requested]
                raise _ServiceInvalid(
                    422,
                    "Invalid",
                    problem,
                    causes=[invalid("spec.clusterIPs", value, f"failed to allocate IP {requested}: {problem}")],
                )
            ip = str(ipaddress.ip_address(requested))
            self.used_ips.add(ip)
            return ip
        offset = self._ip_offset
        upper = (self._first + offset, self._last)
        lower = (self._first, self._first + offset - 1)
        for first, last in (upper, lower):
            if last < first:
                continue
            ip = self._scan_ips(api, first, last)
            if ip is not None:
                self.used_ips.add(ip)
                return ip
        raise ApiError(500, "InternalError", "Internal error occurred: failed to allocate a serviceIP: range is full")

    def _scan_ips(self, api: APIServer, first: int, last: int) -> str | None:
        size = last - first + 1
        start = api.rng.randrange(size)
        used = self.used_ips
        for i in range(size):
            ip = str(ipaddress.ip_address(first + (start + i) % size))
            if ip not in used:
                return ip
        return None

    def release_ip(self, ip: str | None) -> None:
        if ip:
            self.used_ips.discard(ip)

    # -- NodePorts ------------------------------------------------------------------------
    def port_error(self, port: int) -> str | None:
        lo, hi = self.node_port_range
        if not lo <= port <= hi:
            return f"provided port is not in the valid range. The range of valid ports is {lo}-{hi}"
        if port in self.used_ports:
            return "provided port is already allocated"
        return None

    def allocate_port(self, api: APIServer, requested: int | None, path: str) -> int:
        """Reserve ``requested`` (Invalid on ``path`` if impossible) or a free port."""
        if requested:
            problem = self.port_error(requested)
            if problem is not None:
                raise _ServiceInvalid(422, "Invalid", problem, causes=[invalid(path, requested, problem)])
            self.used_ports.add(requested)
            return requested
        port = self.next_port(api)
        if port is None:
            raise ApiError(
                500, "InternalError", "Internal error occurred: failed to allocate a nodePort: range is full"
            )
        self.used_ports.add(port)
        return port

    def next_port(self, api: APIServer) -> int | None:
        lo, hi = self.node_port_range
        offset = self._port_offset
        for first, last in ((lo + offset, hi), (lo, lo + offset - 1)):
            if last < first:
                continue
            size = last - first + 1
            start = api.rng.randrange(size)
            for i in range(size):
                port = first + (start + i) % size
                if port not in self.used_ports:
                    return port
        return None

    def release_port(self, port: int | None) -> None:
        if port:
            self.used_ports.discard(port)

    def release(self, svc: dict) -> None:
        """Give back everything a deleted Service held."""
        spec = svc.get("spec") or {}
        for ip in spec.get("clusterIPs") or [spec.get("clusterIP")]:
            if ip and ip != "None":
                self.release_ip(ip)
        for port in service_node_ports(spec):
            self.release_port(port)


def _range_offset(size: int, low: int, high: int, step: int) -> int:
    """KEP-3070/3668 static band: ``min(max(low, size/step), high)``, 0 for tiny ranges."""
    if size <= low:
        return 0
    return min(max(low, size // step), high)


def service_node_ports(spec: dict) -> list[int]:
    """NodePorts (and the health-check node port) a Service spec holds."""
    ports = [p["nodePort"] for p in spec.get("ports") or [] if isinstance(p, dict) and p.get("nodePort")]
    if spec.get("healthCheckNodePort"):
        ports.append(spec["healthCheckNodePort"])
    return ports


def _needs_health_check(spec: dict) -> bool:
    """``apiservice.NeedsHealthCheck``: LoadBalancer with externalTrafficPolicy Local."""
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def _should_allocate_node_ports(spec: dict) -> bool:
    if spec.get("type") == "NodePort":
        return True
    return spec.get("type") == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts", True) is not False


class _ServiceInvalid(ApiError):
    pass


class ServiceStrategy(Strategy):
    """ClusterIP and NodePort allocation around a Service's create, update and delete.

    Notes
    -----
    Mirrors ``pkg/registry/core/service/storage`` (``beginCreate`` / ``beginUpdate``
    with the allocators' transactions, ``dropTypeDependentFields``): allocations are
    made only for a request that validates, and given back when the Service leaves
    storage or its type no longer needs them. Used in: 06_services_and_kube_proxy.
    """

    def prepare_for_create(self, api: APIServer, obj: dict) -> None:
        super().prepare_for_create(api, obj)
        obj["status"] = {"loadBalancer": {}}
        spec = obj["spec"] = dict(obj.get("spec") or {})
        name = obj["metadata"].get("name", "")
        alloc = api.service_ips
        done_ips: list[str] = []
        done_ports: list[int] = []
        try:
            if spec.get("type") != "ExternalName" and spec.get("clusterIP") != "None":
                ip = alloc.allocate_ip(api, spec.get("clusterIP") or None, spec.get("clusterIPs"))
                done_ips.append(ip)
                spec["clusterIP"] = ip
                spec["clusterIPs"] = [ip]
            elif spec.get("clusterIP") == "None":
                spec["clusterIPs"] = ["None"]
            if spec.get("type") in ("NodePort", "LoadBalancer"):
                spec["ports"] = self._init_node_ports(api, spec, set(), done_ports)
            if _needs_health_check(spec):
                spec["healthCheckNodePort"] = self._health_check_port(api, spec.get("healthCheckNodePort"), done_ports)
        except _ServiceInvalid as err:
            self._undo(alloc, done_ips, done_ports)
            raise ApiError.invalid("Service", name, err.causes) from None
        except ApiError:
            self._undo(alloc, done_ips, done_ports)
            raise

    @staticmethod
    def _undo(alloc: ServiceIPAllocator, ips: list[str], ports: list[int]) -> None:
        for ip in ips:
            alloc.release_ip(ip)
        for port in ports:
            alloc.release_port(port)

    @staticmethod
    def _init_node_ports(api: APIServer, spec: dict, keep: set[int], done: list[int]) -> list:
        """Fill every port's ``nodePort`` (``initNodePorts``): one number per service port value.

        ``keep`` holds node ports the Service already owns (an update keeps them).
        """
        alloc = api.service_ips
        ports = [dict(p) if isinstance(p, dict) else p for p in spec.get("ports") or []]
        by_port: dict[Any, int] = {}
        allocate_new = _should_allocate_node_ports(spec)

        def take(port: int | None, path: str) -> int:
            if port and (port in keep or port in done):
                return port
            got = alloc.allocate_port(api, port, path)
            done.append(got)
            return got

        for i, p in enumerate(ports):
            if not isinstance(p, dict) or (not p.get("nodePort") and not allocate_new):
                continue
            path = f"spec.ports[{i}].nodePort"
            shared = by_port.get(p.get("port"))
            if shared is None:
                # findRequestedNodePort: a user-chosen number for this port value wins
                requested = p.get("nodePort") or next(
                    (
                        q.get("nodePort")
                        for q in ports[i:]
                        if isinstance(q, dict) and q.get("port") == p.get("port") and q.get("nodePort")
                    ),
                    None,
                )
                p["nodePort"] = by_port[p.get("port")] = take(requested, path)
            elif p.get("nodePort") != shared:
                p["nodePort"] = take(p.get("nodePort"), path) if p.get("nodePort") else shared
        return ports

    @staticmethod
    def _health_check_port(api: APIServer, requested: int | None, done: list[int]) -> int:
        alloc = api.service_ips
        if requested:
            problem = alloc.port_error(requested)
            if problem is not None and "already allocated" in problem:
                raise ApiError(
                    500,
                    "InternalError",
                    "Internal error occurred: failed to allocate requested HealthCheck NodePort "
                    f"{requested}: {problem}",
                )
            alloc.used_ports.add(requested)
            done.append(requested)
            return requested
        port = alloc.next_port(api)
        if port is None:
            raise ApiError(
                500,
                "InternalError",
                "Internal error occurred: failed to allocate a HealthCheck NodePort 0: range is full",
            )
        alloc.used_ports.add(port)
        done.append(port)
        return port

    def prepare_for_update(self, api: APIServer, obj: dict, old: dict) -> None:
        from ..api import validation

        spec = obj["spec"] = dict(obj.get("spec") or {})
        old_spec = old.get("spec") or {}
        obj["status"] = old.get("status", {"loadBalancer": {}})
        stype, old_type = spec.get("type"), old_spec.get("type")
        # PrepareForUpdate / patchAllocatedValues: keep what the server allocated
        if "ExternalName" not in (stype, old_type) and not spec.get("clusterIP") and old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
            spec["clusterIPs"] = list(old_spec.get("clusterIPs") or [old_spec["clusterIP"]])
        old_node_ports = {
            (p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
            for p in old_spec.get("ports") or []
            if isinstance(p, dict) and p.get("nodePort")
        }
        external = ("NodePort", "LoadBalancer")
        if stype in external and old_type in external:
            ports = []
            for p in spec.get("ports") or []:
                if isinstance(p, dict) and not p.get("nodePort"):
                    prev = old_node_ports.get((p.get("port"), p.get("protocol", "TCP")))
                    if prev:
                        p = dict(p, nodePort=prev)
                ports.append(p)
            spec["ports"] = ports
        if _needs_health_check(spec) and _needs_health_check(old_spec) and not spec.get("healthCheckNodePort"):
            spec["healthCheckNodePort"] = old_spec.get("healthCheckNodePort")
        # dropTypeDependentFields: fields the old type needed and the new one forbids
        if stype not in external and old_type in external:
            spec["ports"] = [
                {k: v for k, v in p.items() if k != "nodePort"}
                if isinstance(p, dict)
                and p.get("nodePort") == old_node_ports.get((p.get("port"), p.get("protocol", "TCP")))
                else p
                for p in spec.get("ports") or []
            ]
        same_etp = spec.get("externalTrafficPolicy") == old_spec.get("externalTrafficPolicy")
        if stype not in external and same_etp:
            spec.pop("externalTrafficPolicy", None)
        if stype == "ExternalName" and spec.get("internalTrafficPolicy") == old_spec.get("internalTrafficPolicy"):
            spec.pop("internalTrafficPolicy", None)
        if not _needs_health_check(spec) and spec.get("healthCheckNodePort") == old_spec.get("healthCheckNodePort"):
            spec.pop("healthCheckNodePort", None)
        if stype == "ExternalName" and old_type != "ExternalName":
            for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
                if spec.get(key) == old_spec.get(key):
                    spec.pop(key, None)
        same_alloc = spec.get("allocateLoadBalancerNodePorts") == old_spec.get("allocateLoadBalancerNodePorts")
        if stype != "LoadBalancer" and old_type == "LoadBalancer" and same_alloc:
            spec.pop("allocateLoadBalancerNodePorts", None)
        if validation.validate("Service", obj, old):
            return  # the API server reports the errors; allocate nothing for a bad request
        self._update_allocations(api, obj, spec, old_spec)

    def _update_allocations(self, api: APIServer, obj: dict, spec: dict, old_spec: dict) -> None:
        alloc = api.service_ips
        name = obj["metadata"].get("name", "")
        done_ips: list[str] = []
        done_ports: list[int] = []
        stype, old_type = spec.get("type"), old_spec.get("type")
        try:
            if old_type == "ExternalName" and stype != "ExternalName" and spec.get("clusterIP") != "None":
                ip = alloc.allocate_ip(api, spec.get("clusterIP") or None, spec.get("clusterIPs"))
                done_ips.append(ip)
                spec["clusterIP"] = ip
                spec["clusterIPs"] = [ip]
            held = set(service_node_ports(old_spec))
            if stype in ("NodePort", "LoadBalancer"):
                spec["ports"] = self._init_node_ports(api, spec, held, done_ports)
            if _needs_health_check(spec) and not _needs_health_check(old_spec):
                spec["healthCheckNodePort"] = self._health_check_port(api, spec.get("healthCheckNodePort"), done_ports)
        except _ServiceInvalid as err:
            self._undo(alloc, done_ips, done_ports)
            raise ApiError.invalid("Service", name, err.causes) from None
        except ApiError:
            self._undo(alloc, done_ips, done_ports)
            raise
        # release what the new spec no longer holds
        still = set(service_node_ports(spec))
        for port in service_node_ports(old_spec):
            if port not in still:
                alloc.release_port(port)
        if stype == "ExternalName" and old_type != "ExternalName":
            for ip in old_spec.get("clusterIPs") or [old_spec.get("clusterIP")]:
                if ip and ip != "None":
                    alloc.release_ip(ip)

    def after_delete(self, api: APIServer, obj: dict) -> None:
        api.service_ips.release(obj)


class EventStrategy(Strategy):
    reset_status_on_create = False


_STRATEGIES: dict[str, Strategy] = {
    "Pod": PodStrategy(),
    "Node": NodeStrategy(),
    "Namespace": NamespaceStrategy(),
    "Service": ServiceStrategy(),
    "Event": EventStrategy(),
    "Lease": Strategy(),
    "Deployment": WorkloadStrategy(),
    "ReplicaSet": WorkloadStrategy(),
    "DaemonSet": WorkloadStrategy(),
    "Job": WorkloadStrategy(),
    "HorizontalPodAutoscaler": WorkloadStrategy(),
    "PersistentVolume": Strategy(),
    "PersistentVolumeClaim": Strategy(),
}
_DEFAULT = Strategy()


def strategy_for(kind: str) -> Strategy:
    return _STRATEGIES.get(kind, _DEFAULT)


def pod_qos_class(pod: dict) -> str:
    """Guaranteed, Burstable or BestEffort (pkg/apis/core/helper/qos GetPodQOS)."""
    from ..api.quantity import Quantity

    containers = list((pod.get("spec") or {}).get("containers") or []) + list(
        (pod.get("spec") or {}).get("initContainers") or []
    )
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    any_set = False
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        req = res.get("requests") or {}
        lim = res.get("limits") or {}
        for name in ("cpu", "memory"):
            try:
                r = Quantity.parse(req[name]) if name in req else None
                lq = Quantity.parse(lim[name]) if name in lim else None
            except (ValueError, TypeError):
                continue
            if (r is not None and r.milli_value() != 0) or (lq is not None and lq.milli_value() != 0):
                any_set = True
            if lq is None or (r is not None and r != lq):
                guaranteed = False
            if r is not None:
                requests[name] = r
            if lq is not None:
                limits[name] = lq
        if set(("cpu", "memory")) - set(lim):
            guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"
