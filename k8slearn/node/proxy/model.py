"""Service ports and endpoints as kube-proxy sees them, and the names it derives from them.

Notes
-----
Mirrors ``pkg/proxy``: ``ServicePortName`` (``ns/svc:port``), ``BaseServicePortInfo``
(``UsesClusterEndpoints``, ``UsesLocalEndpoints``, ``ExternallyAccessible``),
``BaseEndpointInfo`` (ready / serving / terminating, ``IsLocal``), the EndpointSlice
cache (endpoints merged from every slice of a Service and sorted by ``ip:port``) and
``CategorizeEndpoints`` (``pkg/proxy/topology.go``): *usable* endpoints are the Ready
ones, and only when a Service has none anywhere do serving-and-terminating ones take
over. Topology hints (``trafficDistribution``) are not modelled.

Chain names (``pkg/proxy/iptables/proxier.go`` ``portProtoHash``;
``pkg/proxy/nftables/proxier.go`` ``hashAndTruncate``) are hashes, so every node -
and this module - derives the same names from the same Service:

>>> service_chain_hash("ns1/svc1:p80", "tcp")
'XPGD46QRK7WJZT7O'
>>> nft_chain_name("service", "ns1/svc1/tcp/p80")
'service-ULMVA6XW-ns1/svc1/tcp/p80'
>>> compute_probability(3)
'0.3333333333'
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = [
    "ServicePort",
    "Endpoint",
    "service_ports",
    "endpoints_for",
    "categorize_endpoints",
    "service_chain_hash",
    "endpoint_chain_name",
    "nft_chain_name",
    "compute_probability",
    "SERVICE_NAME_LABEL",
    "DEFAULT_AFFINITY_TIMEOUT",
]

#: The label that ties an EndpointSlice to its Service.
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
#: ``v1.DefaultClientIPServiceAffinitySeconds``: 3 hours.
DEFAULT_AFFINITY_TIMEOUT = 10800


@lru_cache(maxsize=65536)
def _b32sha(text: str) -> str:
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()


def service_chain_hash(service_port_name: str, protocol: str) -> str:
    """``portProtoHash``: base32(sha256(servicePortName + protocol))[:16]."""
    return _b32sha(service_port_name + protocol)[:16]


def endpoint_chain_name(service_port_name: str, protocol: str, endpoint: str) -> str:
    """``servicePortEndpointChainName``: ``KUBE-SEP-`` + hash of name, protocol and ``ip:port``."""
    return "KUBE-SEP-" + _b32sha(service_port_name + protocol + endpoint)[:16]


def nft_chain_name(prefix: str, base: str) -> str:
    """nftables ``hashAndTruncate``: ``<prefix>-`` + base32(sha256(base))[:8] + ``-`` + base."""
    name = _b32sha(base)[:8] + "-" + base
    return f"{prefix}-{name[:256]}"


def compute_probability(n: int) -> str:
    """The ``--probability`` of the first of ``n`` remaining endpoints: 1/n with ten decimals."""
    return f"{1.0 / n:0.10f}"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One backend of a service port (``BaseEndpointInfo``)."""

    ip: str
    port: int
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    node_name: str = ""
    pod: str = ""
    namespace: str = ""
    zone: str = ""

    @property
    def address(self) -> str:
        """``ip:port`` - what the rules DNAT to and sort by."""
        return f"{self.ip}:{self.port}"

    def is_local(self, node_name: str) -> bool:
        return bool(node_name) and self.node_name == node_name


@dataclass(frozen=True)
class ServicePort:
    """One port of one Service, with everything the proxiers need from the Service."""

    namespace: str
    name: str
    port_name: str
    protocol: str
    port: int
    cluster_ip: str
    node_port: int = 0
    service_type: str = "ClusterIP"
    external_ips: tuple[str, ...] = ()
    lb_ips: tuple[str, ...] = ()
    lb_source_ranges: tuple[str, ...] = ()
    affinity_timeout: int | None = None
    external_local: bool = False
    internal_local: bool = False
    health_check_node_port: int = 0
    _name: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        base = f"{self.namespace}/{self.name}"
        object.__setattr__(self, "_name", f"{base}:{self.port_name}" if self.port_name else base)

    @property
    def name_string(self) -> str:
        """``ServicePortName.String()``: ``ns/svc:port`` (``ns/svc`` for an unnamed port)."""
        return self._name

    @property
    def proto(self) -> str:
        """Lower-case protocol as the rules spell it (``tcp``)."""
        return self.protocol.lower()

    @property
    def hash(self) -> str:
        return service_chain_hash(self._name, self.proto)

    @property
    def nft_base(self) -> str:
        """``ns/svc/tcp/port`` - the readable part of nftables chain names."""
        return f"{self.namespace}/{self.name}/{self.proto}/{self.port_name}"

    @property
    def session_affinity(self) -> bool:
        return self.affinity_timeout is not None

    @property
    def externally_accessible(self) -> bool:
        return bool(self.node_port or self.lb_ips or self.external_ips)

    @property
    def uses_cluster_endpoints(self) -> bool:
        # external traffic needs Cluster endpoints for short-circuiting even when policy is Local
        return not self.internal_local or self.externally_accessible

    @property
    def uses_local_endpoints(self) -> bool:
        return self.internal_local or (self.external_local and self.externally_accessible)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.namespace, self.name, self.port_name, self.protocol)


def service_ports(svc: Mapping) -> list[ServicePort]:
    """The proxied ports of a Service: none for headless, ExternalName or IP-less Services."""
    spec = svc.get("spec") or {}
    meta = svc.get("metadata") or {}
    cluster_ip = spec.get("clusterIP") or ""
    stype = spec.get("type") or "ClusterIP"
    if not cluster_ip or cluster_ip == "None" or stype == "ExternalName":
        return []
    external = stype in ("NodePort", "LoadBalancer") or bool(spec.get("externalIPs"))
    affinity = None
    if spec.get("sessionAffinity") == "ClientIP":
        cfg = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds")
        affinity = int(cfg) if cfg else DEFAULT_AFFINITY_TIMEOUT
    lb_ips: list[str] = []
    if stype == "LoadBalancer":
        for ing in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
            if ing.get("ip") and ing.get("ipMode", "VIP") == "VIP":
                lb_ips.append(ing["ip"])
    common = {
        "namespace": meta.get("namespace") or "default",
        "name": meta.get("name", ""),
        "cluster_ip": cluster_ip,
        "service_type": stype,
        "external_ips": tuple(spec.get("externalIPs") or ()),
        "lb_ips": tuple(lb_ips),
        "lb_source_ranges": tuple(r.strip() for r in spec.get("loadBalancerSourceRanges") or () if r.strip()),
        "affinity_timeout": affinity,
        "external_local": external and spec.get("externalTrafficPolicy") == "Local",
        "internal_local": spec.get("internalTrafficPolicy") == "Local",
        "health_check_node_port": int(spec.get("healthCheckNodePort") or 0),
    }
    out = []
    for p in spec.get("ports") or []:
        out.append(
            ServicePort(
                port_name=p.get("name") or "",
                protocol=p.get("protocol") or "TCP",
                port=int(p.get("port") or 0),
                node_port=int(p.get("nodePort") or 0) if stype in ("NodePort", "LoadBalancer") else 0,
                **common,
            )
        )
    return out


def endpoints_for(slices: Iterable[Mapping], port_name: str, protocol: str) -> list[Endpoint]:
    """Endpoints of one service port from all of its Service's EndpointSlices, sorted by ``ip:port``.

    A nil ``ready`` counts as ready and a nil ``serving`` follows ``ready``
    (discovery.k8s.io/v1 ``EndpointConditions``); the same ``ip:port`` in two slices is
    kept once, preferring the ready copy.
    """
    found: dict[str, Endpoint] = {}
    for sl in slices:
        if sl.get("addressType", "IPv4") != "IPv4":
            continue
        port = None
        for p in sl.get("ports") or ():
            if (p.get("name") or "") == port_name and (p.get("protocol") or "TCP") == protocol:
                port = p.get("port")
                break
        if not port:
            continue
        namespace = (sl.get("metadata") or {}).get("namespace") or ""
        for ep in sl.get("endpoints") or ():
            addresses = ep.get("addresses") or ()
            if not addresses:
                continue
            cond = ep.get("conditions") or {}
            ready = cond.get("ready") is not False
            serving = cond["serving"] is not False if cond.get("serving") is not None else ready
            ref = ep.get("targetRef") or {}
            e = Endpoint(
                ip=addresses[0],
                port=int(port),
                ready=ready,
                serving=serving,
                terminating=bool(cond.get("terminating")),
                node_name=ep.get("nodeName") or "",
                pod=ref.get("name", "") if ref.get("kind", "Pod") == "Pod" else "",
                namespace=ref.get("namespace") or namespace,
                zone=ep.get("zone") or "",
            )
            prev = found.get(e.address)
            if prev is None or (e.ready and not prev.ready):
                found[e.address] = e
    return [found[k] for k in sorted(found)]


def categorize_endpoints(
    endpoints: list[Endpoint], sp: ServicePort, node_name: str
) -> tuple[list[Endpoint], list[Endpoint], list[Endpoint], bool]:
    """``CategorizeEndpoints``: (cluster, local, all reachable from this node, any usable anywhere).

    Ready endpoints are used; when none is ready, serving-and-terminating ones are used
    instead, separately for the Cluster and the Local lists.
    """
    if not endpoints:
        return [], [], [], False
    cluster: list[Endpoint] = []
    local: list[Endpoint] = []
    has_any = False
    if sp.uses_cluster_endpoints:
        cluster = [e for e in endpoints if e.ready]
        if not cluster:
            cluster = [e for e in endpoints if e.serving and e.terminating]
        has_any = bool(cluster)
    if not sp.uses_local_endpoints:
        return cluster, [], cluster, has_any
    local_ready = local_st = False
    for e in endpoints:
        if e.ready:
            has_any = True
            local_ready = local_ready or e.is_local(node_name)
        elif e.serving and e.terminating:
            has_any = True
            local_st = local_st or e.is_local(node_name)
    if local_ready:
        local = [e for e in endpoints if e.is_local(node_name) and e.ready]
    elif local_st:
        local = [e for e in endpoints if e.is_local(node_name) and e.serving and e.terminating]
    if not sp.uses_cluster_endpoints:
        return cluster, local, local, has_any
    if not local_st or local_ready:
        return cluster, local, cluster, has_any
    merged = {e.address: e for e in cluster}
    merged.update((e.address, e) for e in local)
    return cluster, local, [merged[k] for k in sorted(merged)], has_any
