"""Sending requests to a Service through the rules kube-proxy programmed on the source node.

A request enters one node - from a client pod on it (``ClusterIP``), from outside on
the node's address (``NodePort``), or from a cloud load balancer (``LoadBalancer``) -
and that node's rules decide where it goes: they are walked rule by rule
(:mod:`k8slearn.node.proxy.netfilter`), random choices come from the cluster's seeded
generator, ClientIP affinity is remembered per client IP in the node's kernel state
with its timeout in virtual time, ``externalTrafficPolicy: Local`` drops traffic on
nodes without a local endpoint and keeps the client's source IP, and a Service
without endpoints is rejected with ICMP port unreachable, exactly as the ``REJECT``
rule says. Not-ready pods are not in the rules and receive nothing.

Notes
-----
Entry points (``port=``): ``None`` or a service port number / name - the ClusterIP;
a NodePort number or ``"nodeport[:<port>]"`` - the node's address; ``"loadbalancer[:<port>]"``
- the load-balancer IP. The simulated cloud load balancer sends each request to a node
picked at random among the nodes that pass its health check (all nodes for
``externalTrafficPolicy: Cluster``; for ``Local`` the nodes whose
``healthCheckNodePort`` reports a local endpoint - or all nodes when none does, as
cloud load balancers fail open). Default clients: a client pod on the source node
(``<pod CIDR>.250``) for a ClusterIP, ``203.0.113.10`` (TEST-NET-3) from outside.

Used in: 06_services_and_kube_proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .proxy.model import Endpoint, ServicePort, endpoints_for, service_ports
from .proxy.netfilter import (
    NodeView,
    Outcome,
    Packet,
    evaluate,
    outcome_shares,
    walk_iptables,
    walk_ipvs,
    walk_nftables,
)

if TYPE_CHECKING:
    import pandas as pd

    from ..cluster import Cluster
    from .kubeproxy import KubeProxy

__all__ = ["send_traffic", "trace_request", "node_shares", "service_shares", "Entry", "EXTERNAL_CLIENT"]

#: Default outside client (TEST-NET-3, RFC 5737).
EXTERNAL_CLIENT = "203.0.113.10"


@dataclass(frozen=True)
class Entry:
    """Where requests enter: ``kind`` is ``cluster-ip``, ``nodeport`` or ``loadbalancer``."""

    kind: str
    service_port: ServicePort
    dst: str
    dport: int


def _service(cluster: Cluster, name: str, namespace: str) -> dict:
    svc = cluster.api.get("Service", name, namespace)
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName":
        raise ValueError(
            f'Service "{name}" is of type ExternalName: it has no ClusterIP and no rules; '
            f"cluster DNS answers it with a CNAME to {spec.get('externalName')}"
        )
    if spec.get("clusterIP") in (None, "", "None"):
        raise ValueError(
            f'Service "{name}" is headless (clusterIP: None): kube-proxy programs no rules for it; '
            "clients connect to the pod IPs that DNS returns"
        )
    return svc


def _pick_port(ports: list[ServicePort], which: str | int | None, name: str) -> ServicePort:
    if which in (None, ""):
        return ports[0]
    for sp in ports:
        if str(which) in (str(sp.port), sp.port_name):
            return sp
    raise ValueError(f'Service "{name}" has no port {which!r} (ports: {", ".join(str(p.port) for p in ports)})')


def resolve_entry(cluster: Cluster, service: str, port: int | str | None, namespace: str = "default") -> Entry:
    """Turn the ``port=`` argument into an entry point (see the module notes)."""
    svc = _service(cluster, service, namespace)
    ports = service_ports(svc)
    if not ports:
        raise ValueError(f'Service "{service}" has no ports')
    if isinstance(port, str) and port.split(":", 1)[0] in ("nodeport", "loadbalancer", "lb", "clusterip", "cluster-ip"):
        kind, _, which = port.partition(":")
        sp = _pick_port(ports, which or None, service)
        if kind == "nodeport":
            if not sp.node_port:
                raise ValueError(f'Service "{service}" is of type {sp.service_type}: it has no NodePort')
            return Entry("nodeport", sp, "", sp.node_port)
        if kind in ("loadbalancer", "lb"):
            if sp.service_type != "LoadBalancer":
                raise ValueError(f'Service "{service}" is of type {sp.service_type}, not LoadBalancer')
            if not sp.lb_ips:
                raise ValueError(f'Service "{service}" has no load-balancer IP yet: EXTERNAL-IP is <pending>')
            return Entry("loadbalancer", sp, sp.lb_ips[0], sp.port)
        return Entry("cluster-ip", sp, sp.cluster_ip, sp.port)
    if isinstance(port, int):
        for sp in ports:
            if sp.port == port:
                return Entry("cluster-ip", sp, sp.cluster_ip, sp.port)
        for sp in ports:
            if sp.node_port == port:
                return Entry("nodeport", sp, "", sp.node_port)
        raise ValueError(f'Service "{service}" has no port or nodePort {port}')
    sp = _pick_port(ports, port, service)
    return Entry("cluster-ip", sp, sp.cluster_ip, sp.port)


def _client_for(cluster: Cluster, entry: Entry, node: str, client_ip: str | None) -> tuple[str, str]:
    """(client IP, origin) - origin ``pod``, ``host`` or ``external`` as seen by ``node``."""
    host = cluster.node_host(node)
    if client_ip is None:
        if entry.kind == "cluster-ip":
            client_ip = str(ipaddress.ip_network(host.spec.pod_cidr).network_address + 250)
        else:
            client_ip = EXTERNAL_CLIENT
    if client_ip == host.spec.address or client_ip.startswith("127."):
        return client_ip, "host"
    try:
        inside = ipaddress.ip_address(client_ip) in cluster.cluster_cidr
    except ValueError:
        raise ValueError(f"client_ip {client_ip!r} is not an IP address") from None
    return client_ip, "pod" if inside else "external"


def _nodes(cluster: Cluster) -> list[str]:
    if not cluster.hosts:
        raise ValueError("the cluster has no nodes: add one with cluster.add_node(...)")
    return list(cluster.hosts)


def _plan(cluster: Cluster, proxy: KubeProxy, entry: Entry, client: str, origin: str, record: bool) -> Any:
    """The decision tree of one connection through ``proxy``'s programmed rules (cached per sync).

    Clients that no rule can tell apart (same origin, not an endpoint of the Service, same
    side of every load-balancer source range) share one tree; an outcome's empty
    ``source_seen`` then stands for "the client's own address".
    """
    proxy._ensure_mode()
    sp = entry.service_port
    dst = entry.dst or proxy.host.spec.address
    mode = proxy.mode or cluster.proxy_mode
    pairs = proxy.service_port_pairs(sp.name, sp.namespace)
    endpoints = {ep.address: ep for _, eps in pairs for ep in eps}
    hairpin = client if any(ep.ip == client for ep in endpoints.values()) else ""
    ranges = tuple(_inside(client, r) for p, _ in pairs for r in p.lb_source_ranges)
    signature = client if record else (origin, hairpin, ranges)
    key = (mode, signature, dst, entry.dport, sp.proto, origin, record)
    plan = proxy._plans.get(key)
    if plan is not None:
        return plan
    rules = proxy.programmed(mode)
    view = NodeView(proxy.node_name, proxy.host.spec.address)
    walk = {"iptables": walk_iptables, "nftables": walk_nftables, "ipvs": walk_ipvs}[mode]
    plan = walk(rules, view, endpoints, Packet(client, dst, entry.dport, sp.proto, origin), record)
    if len(proxy._plans) > 4096:
        proxy._plans.clear()
    proxy._plans[key] = plan
    return plan


def _inside(ip: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


def _lb_nodes(cluster: Cluster, entry: Entry) -> list[str]:
    """Nodes the cloud load balancer sends to: those its health check finds healthy.

    With ``externalTrafficPolicy: Local`` kube-proxy answers the health check on
    ``healthCheckNodePort`` with 200 only where its own view has a local ready endpoint;
    when no node passes, the load balancer fails open and uses them all.
    """
    nodes = _nodes(cluster)
    sp = entry.service_port
    if not sp.external_local:
        return nodes
    healthy = []
    for node in nodes:
        proxy = cluster.node_host(node).kube_proxy
        eps = [ep for p, eps in proxy.service_port_pairs(sp.name, sp.namespace) if p.key == sp.key for ep in eps]
        if any(ep.ready and ep.node_name == node for ep in eps):
            healthy.append(node)
    return healthy or nodes


def _endpoint_rows(cluster: Cluster, entry: Entry) -> list[Endpoint]:
    sp = entry.service_port
    slices = cluster.api.list("EndpointSlice", sp.namespace, selector={"kubernetes.io/service-name": sp.name})
    return endpoints_for(slices, sp.port_name, sp.protocol)


def send_traffic(
    cluster: Cluster,
    service: str,
    requests: int = 1000,
    from_node: str | None = None,
    client_ip: str | Sequence[str] | None = None,
    port: int | str | None = None,
    namespace: str = "default",
) -> pd.DataFrame:
    """Send ``requests`` new connections to a Service; hits per endpoint pod.

    Returns a DataFrame with columns ``pod``, ``node``, ``requests`` - one row per
    endpoint pod of the Service, zero hits included. ``df.attrs`` tells the rest:
    ``sent``, ``delivered``, ``rejected``, ``dropped``, ``refused``, ``source_seen``
    (source IP the pods saw -> count), ``entry``, ``mode`` and the source nodes.
    ``client_ip`` may be a list: requests then cycle through those clients.

    Examples
    --------
    >>> import k8slearn as kl
    >>> c = kl.Cluster.demo(nodes=1)
    >>> list(c.send_traffic("kubernetes", 10).columns)
    ['pod', 'node', 'requests']
    """
    import pandas as pd

    if requests < 0:
        raise ValueError("requests must be >= 0")
    entry = resolve_entry(cluster, service, port, namespace)
    nodes = _nodes(cluster)
    if from_node is not None:
        cluster.node_host(from_node)
    clients = [client_ip] if client_ip is None or isinstance(client_ip, str) else list(client_ip)
    rng = cluster.rng
    now = cluster.clock.now
    counts: dict[tuple[int, str], int] = {}
    outcomes: dict[int, Outcome] = {}
    lb_nodes = _lb_nodes(cluster, entry) if entry.kind == "loadbalancer" and from_node is None else None
    fixed = from_node or nodes[0]
    plans: dict[tuple[str, str | None], tuple[Any, Any, str]] = {}
    for i in range(requests):
        node = lb_nodes[rng.randrange(len(lb_nodes))] if lb_nodes is not None else fixed
        wanted = clients[i % len(clients)]
        got = plans.get((node, wanted))
        if got is None:
            proxy = cluster.node_host(node).kube_proxy
            client, origin = _client_for(cluster, entry, node, wanted)
            got = (_plan(cluster, proxy, entry, client, origin, False), proxy.kernel, client)
            plans[(node, wanted)] = got
        out = evaluate(got[0], rng, got[1], now, got[2])
        ck = (id(out), got[2])
        n = counts.get(ck)
        if n is None:
            outcomes[id(out)] = out
            counts[ck] = 1
        else:
            counts[ck] = n + 1
    hits: dict[str, int] = {}
    seen: dict[str, int] = {}
    totals = {"delivered": 0, "rejected": 0, "dropped": 0, "refused": 0}
    reasons: dict[str, int] = {}
    for (oid, client), n in counts.items():
        out = outcomes[oid]
        totals[out.result] += n
        if out.result == "delivered":
            key = out.endpoint.pod if out.endpoint is not None and out.endpoint.pod else out.destination
            hits[key] = hits.get(key, 0) + n
            who = out.source_seen or client
            seen[who] = seen.get(who, 0) + n
        else:
            reasons[out.reason] = reasons.get(out.reason, 0) + n
    rows = {}
    for ep in _endpoint_rows(cluster, entry):
        name = ep.pod or ep.address
        rows.setdefault(name, ep.node_name)
    for out in outcomes.values():
        if out.result == "delivered" and out.endpoint is not None:
            rows.setdefault(out.endpoint.pod or out.destination, out.endpoint.node_name)
    frame = pd.DataFrame(
        [{"pod": pod, "node": node, "requests": hits.get(pod, 0)} for pod, node in sorted(rows.items())],
        columns=["pod", "node", "requests"],
    )
    # what the rules promise a fresh client: every source node and client equally likely
    expected: dict[str, float] = dict.fromkeys(rows, 0.0)
    sources = lb_nodes if lb_nodes is not None else [fixed]
    distinct = list(dict.fromkeys(clients))
    for node in sources:
        for wanted in distinct:
            got = plans.get((node, wanted))
            if got is None:
                proxy = cluster.node_host(node).kube_proxy
                client, origin = _client_for(cluster, entry, node, wanted)
                got = (_plan(cluster, proxy, entry, client, origin, False), proxy.kernel, client)
            for out, p in outcome_shares(got[0]).items():
                if out.result == "delivered" and out.endpoint is not None:
                    key = out.endpoint.pod or out.destination
                    expected[key] = expected.get(key, 0.0) + p / (len(sources) * len(distinct))
    frame.attrs.update(
        {
            "service": f"{namespace}/{service}",
            "entry": entry.kind,
            "destination": f"{entry.dst or '<node IP>'}:{entry.dport}/{entry.service_port.protocol}",
            "mode": cluster.proxy_mode,
            "sent": requests,
            **totals,
            "reasons": reasons,
            "source_seen": dict(sorted(seen.items())),
            "from_nodes": sorted({k[0] for k in plans}),
            "expected": expected,
        }
    )
    return frame


def trace_request(
    cluster: Cluster,
    service: str,
    from_node: str | None = None,
    client_ip: str | None = None,
    port: int | str | None = None,
    namespace: str = "default",
) -> pd.DataFrame:
    """The hop-by-hop path of one new connection: client, node, chains, DNAT, pod.

    Returns a DataFrame with columns ``step``, ``where``, ``rule`` and ``action``; the
    outcome is in ``df.attrs`` (``result``, ``pod``, ``node``, ``source_seen``, ``reason``).
    The request is real: it draws random numbers and refreshes session affinity like any
    other request.
    """
    import pandas as pd

    entry = resolve_entry(cluster, service, port, namespace)
    nodes = _nodes(cluster)
    rows: list[dict] = []
    if entry.kind == "loadbalancer" and from_node is None:
        choices = _lb_nodes(cluster, entry)
        node = choices[cluster.rng.randrange(len(choices))]
        rows.append({"where": "cloud load balancer", "rule": "",
                     "action": f"{entry.dst}:{entry.dport} -> node {node} (one of {len(choices)} healthy nodes)"})  # fmt: skip
    else:
        node = from_node or nodes[0]
    proxy = cluster.node_host(node).kube_proxy
    client, origin = _client_for(cluster, entry, node, client_ip)
    dst = entry.dst or proxy.host.spec.address
    sp = entry.service_port
    rows.insert(
        0,
        {"where": "client", "rule": "", "action": f"{client} opens a {sp.protocol} connection to {dst}:{entry.dport}"},
    )
    how = {
        "pod": "from a pod's network interface",
        "host": "from a process on the node",
        "external": "from the network",
    }
    hook = "nat/OUTPUT" if origin == "host" else "nat/PREROUTING"
    rows.append(
        {
            "where": node,
            "rule": "",
            "action": f"enters {node} {how[origin]} -> {hook} ({proxy.mode or cluster.proxy_mode} mode)",
        }
    )
    plan = _plan(cluster, proxy, entry, client, origin, True)
    out = evaluate(plan, cluster.rng, proxy.kernel, cluster.clock.now, client)
    for hop in out.hops:
        where = f"{hop.table}/{hop.chain}" if hop.table else (
            f"pod {out.endpoint.pod}" if out.result == "delivered" and out.endpoint and out.endpoint.pod else "result"
        )  # fmt: skip
        rows.append({"where": where, "rule": hop.rule, "action": hop.action})
    if out.result in ("rejected", "dropped"):
        what = (
            "ICMP port unreachable: the client's connect() fails at once (connection refused)"
            if out.result == "rejected"
            else "nothing comes back: the client's connect() times out"
        )
        rows.append({"where": "result", "rule": "", "action": f"{out.result}: {what}"})
    frame = pd.DataFrame(rows, columns=["where", "rule", "action"])
    frame.insert(0, "step", range(len(frame)))
    ep = out.endpoint
    frame.attrs.update(
        {
            "service": f"{namespace}/{service}",
            "entry": entry.kind,
            "mode": proxy.mode or cluster.proxy_mode,
            "node": node,
            "client": client,
            "result": out.result,
            "pod": ep.pod if ep else None,
            "pod_node": ep.node_name if ep else None,
            "destination": out.destination,
            "source_seen": (out.source_seen or client) if out.result == "delivered" else None,
            "reason": out.reason,
        }
    )
    return frame


def node_shares(
    cluster: Cluster, proxy: KubeProxy, service: str, namespace: str = "default", entry: str = "cluster-ip"
) -> dict[str, float]:
    """Exact share of new connections per endpoint pod through one node's rules (fresh client)."""
    port = None if entry == "cluster-ip" else entry
    e = resolve_entry(cluster, service, port, namespace)
    client, origin = _client_for(cluster, e, proxy.node_name, None)
    plan = _plan(cluster, proxy, e, client, origin, False)
    shares = {(ep.pod or ep.address): 0.0 for ep in _endpoint_rows(cluster, e)}
    for out, p in outcome_shares(plan).items():
        if out.result == "delivered" and out.endpoint is not None:
            key = out.endpoint.pod or out.destination
            shares[key] = shares.get(key, 0.0) + p
    return dict(sorted(shares.items()))


def service_shares(
    cluster: Cluster, service: str, namespace: str = "default", entry: str = "cluster-ip"
) -> dict[str, float]:
    """Share of new connections per endpoint pod, averaged over clients on every node.

    This is the weight a ``routes-to`` edge should carry: ``1/n`` over ready endpoints
    for a plain ClusterIP, but different with ``internalTrafficPolicy: Local`` (each
    node only reaches its own pods) or, for ``nodeport`` / ``loadbalancer`` entries,
    ``externalTrafficPolicy: Local``. Shares sum to less than 1 when some nodes drop.
    """
    total: dict[str, float] = {}
    nodes = _nodes(cluster)
    if entry == "loadbalancer":
        e = resolve_entry(cluster, service, "loadbalancer", namespace)
        nodes = _lb_nodes(cluster, e)
    for node in nodes:
        for pod, share in node_shares(cluster, cluster.node_host(node).kube_proxy, service, namespace, entry).items():
            total[pod] = total.get(pod, 0.0) + share / len(nodes)
    return total
