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

__all__ = ["Strategy", "strategy_for", "pod_qos_class", "ServiceIPAllocator"]


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

    Mirrors the apiserver's bitmap allocators: a random free address (from the
    cluster's seeded generator); the first address of the range belongs to the
    ``kubernetes`` Service.
    """

    def __init__(self, cidr: str = "10.96.0.0/12", node_ports: tuple[int, int] = (30000, 32767)) -> None:
        self.network = ipaddress.ip_network(cidr)
        self.used_ips: set[str] = set()
        self.node_port_range = node_ports
        self.used_ports: set[tuple[int, str]] = set()

    def allocate_ip(self, api: APIServer, requested: str | None, path: str) -> str:
        if requested:
            try:
                addr = ipaddress.ip_address(requested)
            except ValueError:
                raise _invalid_service(path, requested, "must be a valid IP address") from None
            if addr not in self.network:
                raise _invalid_service(
                    path, requested, f"provided IP is not in the valid range. The range of valid IPs is {self.network}"
                )
            if requested in self.used_ips:
                raise _invalid_service(path, requested, "provided IP is already allocated")
            self.used_ips.add(requested)
            return requested
        size = self.network.num_addresses - 2
        base = int(self.network.network_address)
        start = api.rng.randrange(1, size)
        for i in range(size):
            offset = (start + i - 1) % size + 1
            ip = str(ipaddress.ip_address(base + offset))
            if ip not in self.used_ips:
                self.used_ips.add(ip)
                return ip
        raise ApiError(500, "InternalError", "range is full")

    def allocate_port(self, api: APIServer, requested: int | None, protocol: str, path: str) -> int:
        lo, hi = self.node_port_range
        if requested:
            if not lo <= requested <= hi:
                raise _invalid_service(
                    path, requested, f"provided port is not in the valid range. The range of valid ports is {lo}-{hi}"
                )
            if (requested, protocol) in self.used_ports:
                raise _invalid_service(path, requested, "provided port is already allocated")
            self.used_ports.add((requested, protocol))
            return requested
        size = hi - lo + 1
        start = api.rng.randrange(size)
        for i in range(size):
            port = lo + (start + i) % size
            if (port, protocol) not in self.used_ports:
                self.used_ports.add((port, protocol))
                return port
        raise ApiError(500, "InternalError", "range is full")

    def release(self, svc: dict) -> None:
        spec = svc.get("spec") or {}
        self.used_ips.discard(spec.get("clusterIP"))
        for p in spec.get("ports") or []:
            if p.get("nodePort"):
                self.used_ports.discard((p["nodePort"], p.get("protocol", "TCP")))


class _ServiceInvalid(ApiError):
    pass


def _invalid_service(path: str, value: Any, detail: str) -> ApiError:
    return _ServiceInvalid(422, "Invalid", detail, causes=[invalid(path, value, detail)])


class ServiceStrategy(Strategy):
    def prepare_for_create(self, api: APIServer, obj: dict) -> None:
        super().prepare_for_create(api, obj)
        obj["status"] = {"loadBalancer": {}}
        spec = obj.setdefault("spec", {})
        alloc = api.service_ips
        allocated_ip = None
        allocated_ports: list[tuple[int, str]] = []
        try:
            if spec.get("type") != "ExternalName" and spec.get("clusterIP") != "None":
                allocated_ip = alloc.allocate_ip(api, spec.get("clusterIP") or None, "spec.clusterIPs")
                spec["clusterIP"] = allocated_ip
                spec["clusterIPs"] = [allocated_ip]
            elif spec.get("clusterIP") == "None":
                spec["clusterIPs"] = ["None"]
            if spec.get("type") in ("NodePort", "LoadBalancer"):
                ports = []
                for i, p in enumerate(spec.get("ports") or []):
                    p = dict(p)
                    proto = p.get("protocol", "TCP")
                    p["nodePort"] = alloc.allocate_port(api, p.get("nodePort"), proto, f"spec.ports[{i}].nodePort")
                    allocated_ports.append((p["nodePort"], proto))
                    ports.append(p)
                spec["ports"] = ports
        except _ServiceInvalid as err:
            alloc.used_ips.discard(allocated_ip)
            for key in allocated_ports:
                alloc.used_ports.discard(key)
            raise ApiError.invalid("Service", obj["metadata"].get("name", ""), err.causes) from None

    def prepare_for_update(self, api: APIServer, obj: dict, old: dict) -> None:
        spec = obj.setdefault("spec", {})
        old_spec = old.get("spec") or {}
        if not spec.get("clusterIP") and old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
            spec["clusterIPs"] = old_spec.get("clusterIPs", [old_spec["clusterIP"]])
        # keep allocated node ports the client did not repeat
        old_ports = {(p.get("port"), p.get("protocol", "TCP")): p for p in old_spec.get("ports") or []}
        if spec.get("type") in ("NodePort", "LoadBalancer"):
            ports = []
            for i, p in enumerate(spec.get("ports") or []):
                p = dict(p)
                proto = p.get("protocol", "TCP")
                prev = old_ports.get((p.get("port"), proto))
                if not p.get("nodePort") and prev and prev.get("nodePort"):
                    p["nodePort"] = prev["nodePort"]
                elif p.get("nodePort") != (prev or {}).get("nodePort") or not p.get("nodePort"):
                    try:
                        p["nodePort"] = api.service_ips.allocate_port(
                            api, p.get("nodePort"), proto, f"spec.ports[{i}].nodePort"
                        )
                    except _ServiceInvalid as err:
                        raise ApiError.invalid("Service", obj["metadata"].get("name", ""), err.causes) from None
                ports.append(p)
            spec["ports"] = ports
        obj["status"] = old.get("status", {"loadBalancer": {}})

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
