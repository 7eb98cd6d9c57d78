"""Cluster DNS: how ``web`` becomes ``10.96.47.12`` inside a pod.

Every pod's ``/etc/resolv.conf`` (written by the kubelet for ``dnsPolicy: ClusterFirst``)
points at the cluster DNS Service (``kube-dns``, the tenth address of the service range,
``10.96.0.10`` by default) and lists a search path, so short names work::

    search default.svc.cluster.local svc.cluster.local cluster.local
    nameserver 10.96.0.10
    options ndots:5

CoreDNS answers from Services and EndpointSlices it watches (the ``kubernetes`` plugin,
following the Kubernetes DNS-Based Service Discovery specification):

- ``<svc>.<ns>.svc.cluster.local`` - A record of the ClusterIP; for a headless Service
  (``clusterIP: None``) one A record per *ready* endpoint (all endpoints with
  ``publishNotReadyAddresses``); for ExternalName a CNAME to ``spec.externalName``;
- ``<hostname>.<svc>.<ns>.svc.cluster.local`` - a headless Service's endpoint whose pod
  sets ``hostname`` and ``subdomain: <svc>`` (others are named by their dashed IP);
- ``<a-b-c-d>.<ns>.pod.cluster.local`` - the pod IP ``a.b.c.d`` (``pods insecure``:
  answered without checking the pod exists, as kubeadm configures CoreDNS).

The resolver (glibc/musl) tries the search domains first when the name has fewer than
``ndots`` (5) dots, so ``web`` is asked as ``web.default.svc.cluster.local``; a name
ending with ``.`` is absolute. Names outside ``cluster.local`` would be forwarded to the
node's upstream servers, which the simulation does not have: they resolve to nothing.

Used in: 06_services_and_kube_proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .api.errors import ApiError

if TYPE_CHECKING:
    import pandas as pd

    from .cluster import Cluster

__all__ = [
    "CLUSTER_DOMAIN",
    "NDOTS",
    "COREDNS_IMAGE",
    "Answer",
    "dns_service_ip",
    "resolv_conf",
    "search_path",
    "lookup",
    "queries",
    "resolve",
    "install_cluster_dns",
]

CLUSTER_DOMAIN = "cluster.local"
NDOTS = 5
COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.12.1"
DNS_LABELS = {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"}


@dataclass(frozen=True)
class Answer:
    """A DNS answer: ``type`` A or CNAME, and its records (empty: NXDOMAIN)."""

    name: str
    type: str
    records: tuple[str, ...]

    @property
    def found(self) -> bool:
        return bool(self.records)


def dns_service_ip(cluster: Cluster) -> str:
    """The cluster DNS address the kubelet writes into resolv.conf: the 10th of the service range."""
    return str(cluster.service_cidr.network_address + 10)


def _pod(cluster: Cluster, from_pod: str | None, namespace: str) -> dict | None:
    if from_pod is None:
        return None
    ns, _, name = from_pod.rpartition("/")
    return cluster.api.get("Pod", name, ns or namespace)


def search_path(namespace: str, pod: Mapping | None = None) -> tuple[list[str], int]:
    """The resolver's search domains and ``ndots`` for a pod in ``namespace`` (dnsPolicy and dnsConfig)."""
    spec = (pod or {}).get("spec") or {}
    policy = spec.get("dnsPolicy", "ClusterFirst")
    if policy == "ClusterFirst" and spec.get("hostNetwork"):
        policy = "Default"  # ClusterFirst falls back to the node's resolv.conf with hostNetwork
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet"):
        searches = [f"{namespace}.svc.{CLUSTER_DOMAIN}", f"svc.{CLUSTER_DOMAIN}", CLUSTER_DOMAIN]
        ndots = NDOTS
    else:
        searches, ndots = [], 1
    cfg = spec.get("dnsConfig") or {}
    for s in cfg.get("searches") or ():
        if s not in searches:
            searches.append(s)
    for opt in cfg.get("options") or ():
        if opt.get("name") == "ndots" and opt.get("value") is not None:
            ndots = int(opt["value"])
    return searches, ndots


def resolv_conf(cluster: Cluster, from_pod: str | None = None, namespace: str = "default") -> str:
    """The ``/etc/resolv.conf`` the kubelet writes into a pod (``dnsPolicy: ClusterFirst`` by default)."""
    pod = _pod(cluster, from_pod, namespace)
    ns = (pod or {}).get("metadata", {}).get("namespace") or namespace
    spec = (pod or {}).get("spec") or {}
    searches, ndots = search_path(ns, pod)
    policy = spec.get("dnsPolicy", "ClusterFirst")
    nameservers = [dns_service_ip(cluster)]
    if policy == "Default" or (policy == "ClusterFirst" and spec.get("hostNetwork")):
        nameservers = ["192.168.0.1"]  # the node's own upstream resolver
    nameservers = list((spec.get("dnsConfig") or {}).get("nameservers") or ()) if policy == "None" else nameservers
    lines = []
    if searches:
        lines.append("search " + " ".join(searches))
    lines.extend(f"nameserver {ns_ip}" for ns_ip in nameservers)
    options = [f"ndots:{ndots}"] if ndots != 1 else []
    for opt in (spec.get("dnsConfig") or {}).get("options") or ():
        if opt.get("name") != "ndots":
            options.append(opt["name"] + (f":{opt['value']}" if opt.get("value") is not None else ""))
    if options:
        lines.append("options " + " ".join(options))
    return "\n".join(lines) + "\n"


def _ready_addresses(cluster: Cluster, svc: Mapping) -> list[tuple[str, str]]:
    """(ip, hostname) of a headless Service's endpoints that DNS publishes."""
    m = svc["metadata"]
    publish = bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))
    slices = cluster.api.list("EndpointSlice", m["namespace"], selector={"kubernetes.io/service-name": m["name"]})
    out: dict[str, str] = {}
    for sl in slices:
        for ep in sl.get("endpoints") or ():
            ready = (ep.get("conditions") or {}).get("ready") is not False
            if not (ready or publish):
                continue
            for ip in ep.get("addresses") or ():
                out.setdefault(ip, ep.get("hostname") or "")
    return sorted(out.items(), key=lambda item: _ip_key(item[0]))


def _ip_key(ip: str) -> tuple:
    try:
        return (0, int(ipaddress.ip_address(ip)))
    except ValueError:
        return (1, ip)


def lookup(cluster: Cluster, fqdn: str) -> Answer:
    """What CoreDNS answers for one fully qualified name (A records, a CNAME, or nothing)."""
    name = fqdn.rstrip(".").lower()
    suffix = "." + CLUSTER_DOMAIN
    if not name.endswith(suffix):
        return Answer(fqdn, "A", ())  # forwarded upstream: no internet in the simulation
    labels = name[: -len(suffix)].split(".")
    api = cluster.api
    if len(labels) == 3 and labels[2] == "pod":
        dashed, ns = labels[0], labels[1]
        ip = dashed.replace("-", ".")
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            return Answer(fqdn, "A", ())
        return Answer(fqdn, "A", (ip,)) if api.get_or_none("Namespace", ns) is not None else Answer(fqdn, "A", ())
    if len(labels) in (3, 4) and labels[-1] == "svc":
        svc_name, ns = labels[-3], labels[-2]
        svc = api.get_or_none("Service", svc_name, ns)
        if svc is None:
            return Answer(fqdn, "A", ())
        spec = svc.get("spec") or {}
        headless = spec.get("clusterIP") == "None"
        if len(labels) == 4:
            if not headless:
                return Answer(fqdn, "A", ())
            host = labels[0]
            for ip, hostname in _ready_addresses(cluster, svc):
                if host == (hostname or ip.replace(".", "-").replace(":", "-")):
                    return Answer(fqdn, "A", (ip,))
            return Answer(fqdn, "A", ())
        if spec.get("type") == "ExternalName":
            return Answer(fqdn, "CNAME", (str(spec.get("externalName", "")).rstrip(".") + ".",))
        if headless:
            return Answer(fqdn, "A", tuple(ip for ip, _ in _ready_addresses(cluster, svc)))
        ips = [ip for ip in spec.get("clusterIPs") or [spec.get("clusterIP")] if ip and ip != "None"]
        return Answer(fqdn, "A", tuple(ips))
    return Answer(fqdn, "A", ())


def _candidates(name: str, searches: list[str], ndots: int) -> list[str]:
    if name.endswith("."):
        return [name]
    expanded = [f"{name}.{s}." for s in searches]
    if name.count(".") >= ndots:
        return [f"{name}.", *expanded]
    return [*expanded, f"{name}."]


def queries(cluster: Cluster, name: str, from_pod: str | None = None, namespace: str = "default") -> pd.DataFrame:
    """The names the pod's resolver asks, in order, and each answer - until one is found.

    Shows why ``web`` costs one query but ``google.com`` (fewer than 5 dots) costs four.
    """
    import pandas as pd

    rows = []
    for fqdn, answer in _walk(cluster, name, from_pod, namespace):
        rows.append({"query": fqdn, "type": answer.type, "answer": ", ".join(answer.records) or "NXDOMAIN"})
        if answer.found:
            break
    return pd.DataFrame(rows, columns=["query", "type", "answer"])


def _walk(cluster: Cluster, name: str, from_pod: str | None, namespace: str) -> list[tuple[str, Answer]]:
    pod = _pod(cluster, from_pod, namespace)
    ns = ((pod or {}).get("metadata") or {}).get("namespace") or namespace
    searches, ndots = search_path(ns, pod)
    out = []
    for fqdn in _candidates(name.strip(), searches, ndots):
        answer = lookup(cluster, fqdn)
        out.append((fqdn, answer))
        if answer.found:
            break
    return out


def resolve(cluster: Cluster, name: str, from_pod: str | None = None, namespace: str = "default") -> list[str]:
    """The addresses ``name`` resolves to from a pod (``from_pod``) or a pod in ``namespace``.

    A records come back as IP strings (a ClusterIP, or a headless Service's ready pod
    IPs); an ExternalName Service comes back as its CNAME target (``db.example.com.``).
    An empty list means NXDOMAIN.

    Examples
    --------
    >>> import k8slearn as kl
    >>> c = kl.Cluster(seed=0)
    >>> c.resolve("kubernetes")
    ['10.96.0.1']
    >>> c.resolve("kubernetes.default.svc.cluster.local")
    ['10.96.0.1']
    """
    walked = _walk(cluster, name, from_pod, namespace)
    if walked and walked[-1][1].found:
        return list(walked[-1][1].records)
    return []


def install_cluster_dns(cluster: Cluster, replicas: int = 2) -> dict:
    """What kubeadm's CoreDNS addon installs: the ``kube-dns`` Service at the tenth address and CoreDNS.

    Creates (when missing) the ``kube-dns`` Service in ``kube-system`` (ports ``dns``
    53/UDP, ``dns-tcp`` 53/TCP, ``metrics`` 9153/TCP) and, with ``replicas`` > 0, the
    ``coredns`` ConfigMap and Deployment whose pods become its endpoints. Returns the
    Service. Idempotent.
    """
    api = cluster.api
    svc = api.get_or_none("Service", "kube-dns", "kube-system")
    if svc is None:
        svc = api.create(
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": "kube-dns",
                    "namespace": "kube-system",
                    "labels": dict(DNS_LABELS),
                    "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
                },
                "spec": {
                    "clusterIP": dns_service_ip(cluster),
                    "selector": {"k8s-app": "kube-dns"},
                    "ports": [
                        {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                        {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                        {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
                    ],
                },
            },
            user="kubeadm",
        )
    if replicas > 0 and api.get_or_none("Deployment", "coredns", "kube-system") is None:
        _ensure_image()
        if api.get_or_none("ConfigMap", "coredns", "kube-system") is None:
            api.create(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "coredns", "namespace": "kube-system"},
                    "data": {"Corefile": _COREFILE},
                },
                user="kubeadm",
            )
        api.create(_coredns_deployment(replicas), user="kubeadm")
    return svc


def _ensure_image() -> None:
    from .node.images import DEFAULT_REGISTRY, PullError, register_image

    try:
        DEFAULT_REGISTRY.lookup(COREDNS_IMAGE)
    except (PullError, KeyError, ApiError):
        register_image(COREDNS_IMAGE, 22_385_678, entrypoint=("/coredns",), ports=(53, 8080, 8181, 9153))


_COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
"""


def _coredns_deployment(replicas: int) -> dict[str, Any]:
    """The kubeadm CoreDNS Deployment (the parts the simulation uses)."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": {"k8s-app": "kube-dns"}},
                "spec": {
                    "priorityClassName": "system-cluster-critical",
                    "dnsPolicy": "Default",
                    "tolerations": [
                        {"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
                    ],
                    "containers": [
                        {
                            "name": "coredns",
                            "image": COREDNS_IMAGE,
                            "args": ["-conf", "/etc/coredns/Corefile"],
                            "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
                            "ports": [
                                {"containerPort": 53, "name": "dns", "protocol": "UDP"},
                                {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                                {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
                                {"containerPort": 8080, "name": "liveness-probe", "protocol": "TCP"},
                                {"containerPort": 8181, "name": "readiness-probe", "protocol": "TCP"},
                            ],
                            "livenessProbe": {
                                "httpGet": {"path": "/health", "port": "liveness-probe", "scheme": "HTTP"},
                                "initialDelaySeconds": 60,
                                "timeoutSeconds": 5,
                                "successThreshold": 1,
                                "failureThreshold": 5,
                            },
                            "readinessProbe": {
                                "httpGet": {"path": "/ready", "port": "readiness-probe", "scheme": "HTTP"}
                            },
                            "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns", "readOnly": True}],
                        }
                    ],
                    "volumes": [
                        {
                            "name": "config-volume",
                            "configMap": {"name": "coredns", "items": [{"key": "Corefile", "path": "Corefile"}]},
                        }
                    ],
                },
            },
        },
    }
