"""The IPVS proxier: kernel virtual servers, plus the iptables and ipset rules IPVS mode still needs.

Notes
-----
Mirrors ``pkg/proxy/ipvs/proxier.go`` (deprecated since Kubernetes 1.35). For each port
of each Service kube-proxy creates a *virtual server* on the ClusterIP (bound to the
dummy interface ``kube-ipvs0``), on each external and load-balancer IP and on the node's
own address for a NodePort, and one *real server* per usable endpoint. The kernel, not
a rule list, then picks a real server with the scheduler (``rr``, round robin, by
default; ``persistent <timeout>`` implements ClientIP affinity). Masquerade and hairpin
decisions stay in a few iptables rules that match ipsets (``KUBE-CLUSTER-IP``,
``KUBE-NODE-PORT-TCP``, ``KUBE-LOOP-BACK`` ...).

:meth:`IpvsRules.ipvsadm` prints ``ipvsadm -Ln`` (virtual services sorted by
protocol, address and port, real servers by address; ``Masq`` forwarding, weight 1).
Used in: 06_services_and_kube_proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

from .iptables import ProxyContext
from .model import Endpoint, ServicePort, categorize_endpoints

__all__ = ["VirtualServer", "IpvsRules", "build_ipvs", "DEFAULT_SCHEDULER", "IPSET_COMMENTS"]

DEFAULT_SCHEDULER = "rr"
_PROTO_NUMBERS = {"TCP": 6, "UDP": 17, "SCTP": 132}
#: ipset names and the comments kube-proxy puts on the rules that match them
IPSET_COMMENTS = {
    "KUBE-LOOP-BACK": "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose",
    "KUBE-CLUSTER-IP": "Kubernetes service cluster ip + port for masquerade purpose",
    "KUBE-EXTERNAL-IP": "Kubernetes service external ip + port for masquerade and filter purpose",
    "KUBE-EXTERNAL-IP-LOCAL": "Kubernetes service external ip + port with externalTrafficPolicy=local",
    "KUBE-LOAD-BALANCER": "Kubernetes service lb portal",
    "KUBE-LOAD-BALANCER-LOCAL": "Kubernetes service load balancer ip + port with externalTrafficPolicy=local",
    "KUBE-NODE-PORT-TCP": "Kubernetes nodeport TCP port for masquerade purpose",
    "KUBE-NODE-PORT-LOCAL-TCP": "Kubernetes nodeport TCP port with externalTrafficPolicy=local",
    "KUBE-NODE-PORT-UDP": "Kubernetes nodeport UDP port for masquerade purpose",
    "KUBE-NODE-PORT-LOCAL-UDP": "Kubernetes nodeport UDP port with externalTrafficPolicy=local",
    "KUBE-HEALTH-CHECK-NODE-PORT": "Kubernetes health check node port",
}


@dataclass
class VirtualServer:
    """One IPVS virtual service and its real servers (endpoints)."""

    protocol: str
    address: str
    port: int
    kind: str  # "cluster-ip", "external-ip", "loadbalancer", "nodeport"
    service: str  # ServicePortName string
    scheduler: str = DEFAULT_SCHEDULER
    persistent: int | None = None
    real_servers: list[Endpoint] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.protocol, self.address, self.port)

    def sort_key(self) -> tuple:
        return (_PROTO_NUMBERS.get(self.protocol, 255), int(ipaddress.ip_address(self.address)), self.port)


@dataclass
class IpvsRules:
    """Virtual servers by ``(protocol, address, port)``, ipsets and the nat rules that use them."""

    servers: dict[tuple[str, str, int], VirtualServer] = field(default_factory=dict)
    ipsets: dict[str, list[str]] = field(default_factory=dict)
    nat: dict[str, list[str]] = field(default_factory=dict)

    def ipvsadm(self, counters: dict | None = None, services: set[str] | None = None) -> str:
        """``ipvsadm -Ln``; ``counters`` maps (vs key, rs address) -> (active, inactive) connections.

        ``services`` (ServicePortName strings) keeps only those virtual servers.
        """
        counters = counters or {}
        out = [
            "IP Virtual Server version 1.2.1 (size=4096)",
            "Prot LocalAddress:Port Scheduler Flags",
            "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
        ]
        for vs in sorted(self.servers.values(), key=VirtualServer.sort_key):
            if services is not None and vs.service not in services:
                continue
            flags = f" persistent {vs.persistent}" if vs.persistent else ""
            out.append(f"{vs.protocol}  {vs.address}:{vs.port} {vs.scheduler}{flags}")
            for rs in sorted(vs.real_servers, key=lambda e: (int(ipaddress.ip_address(e.ip)), e.port)):
                active, inactive = counters.get((vs.key, rs.address), (0, 0))
                out.append(f"  -> {rs.address:<28} {'Masq':<7} {1:<6} {active:<10} {inactive:<10}".rstrip())
        return "\n".join(out) + "\n"

    def ipset_text(self, services: set[str] | None = None) -> str:
        """The sets the rules below match on (``ipset list`` names and members, abridged)."""
        keep: set[str] | None = None
        if services is not None:
            keep = set()
            for vs in self.servers.values():
                if vs.service in services:
                    keep.add(f"{vs.address},{vs.protocol.lower()}:{vs.port}")
                    keep.add(str(vs.port))
                    keep.update(f"{rs.ip},{vs.protocol.lower()}:{rs.port},{rs.ip}" for rs in vs.real_servers)
        out = []
        for name, members in self.ipsets.items():
            shown = members if keep is None else [m for m in members if m in keep]
            out.append(f"Name: {name}")
            out.append(f"Members: {' '.join(shown) if shown else '(none)'}")
        return "\n".join(out) + "\n"

    def iptables_text(self) -> str:
        """The nat rules IPVS mode keeps, as ``iptables-save -t nat`` prints them."""
        out = []
        for chain, rules in self.nat.items():
            out.extend(f"-A {chain} {rule}" for rule in rules)
        return "\n".join(out) + "\n"

    def text(self, counters: dict | None = None, services: set[str] | None = None) -> str:
        """Everything IPVS mode programs: virtual servers, ipsets, and the iptables rules."""
        return (
            "# ipvsadm -Ln\n"
            + self.ipvsadm(counters, services)
            + "\n# ipset list (IPVS mode keeps these sets for the iptables rules below)\n"
            + self.ipset_text(services)
            + "\n# iptables-save -t nat (the rules IPVS mode still installs)\n"
            + self.iptables_text()
        )


def build_ipvs(
    ports: Iterable[tuple[ServicePort, list[Endpoint]]], ctx: ProxyContext, scheduler: str = DEFAULT_SCHEDULER
) -> IpvsRules:
    """The virtual servers, ipsets and nat rules the IPVS proxier programs on ``ctx.node_name``."""
    r = IpvsRules()
    sets: dict[str, list[str]] = {name: [] for name in IPSET_COMMENTS}
    for sp, endpoints in sorted(ports, key=lambda item: (item[0].name_string, item[0].protocol)):
        cluster_eps, local_eps, _, _ = categorize_endpoints(endpoints, sp, ctx.node_name)
        internal = local_eps if sp.internal_local else cluster_eps
        external = local_eps if sp.external_local else cluster_eps
        proto = sp.proto

        def add(address: str, port: int, kind: str, eps: list[Endpoint], sp: ServicePort = sp) -> None:
            vs = VirtualServer(
                sp.protocol, address, port, kind, sp.name_string, scheduler, sp.affinity_timeout, list(eps)
            )
            r.servers[vs.key] = vs

        add(sp.cluster_ip, sp.port, "cluster-ip", internal)
        sets["KUBE-CLUSTER-IP"].append(f"{sp.cluster_ip},{proto}:{sp.port}")
        for ip in sp.external_ips:
            add(ip, sp.port, "external-ip", external)
            sets["KUBE-EXTERNAL-IP"].append(f"{ip},{proto}:{sp.port}")
            if sp.external_local:
                sets["KUBE-EXTERNAL-IP-LOCAL"].append(f"{ip},{proto}:{sp.port}")
        for ip in sp.lb_ips:
            add(ip, sp.port, "loadbalancer", external)
            sets["KUBE-LOAD-BALANCER"].append(f"{ip},{proto}:{sp.port}")
            if sp.external_local:
                sets["KUBE-LOAD-BALANCER-LOCAL"].append(f"{ip},{proto}:{sp.port}")
        if sp.node_port:
            add(ctx.node_ip, sp.node_port, "nodeport", external)
            upper = sp.protocol.upper()
            if f"KUBE-NODE-PORT-{upper}" in sets:
                sets[f"KUBE-NODE-PORT-{upper}"].append(str(sp.node_port))
                if sp.external_local:
                    sets[f"KUBE-NODE-PORT-LOCAL-{upper}"].append(str(sp.node_port))
        if sp.health_check_node_port:
            sets["KUBE-HEALTH-CHECK-NODE-PORT"].append(str(sp.health_check_node_port))
        for ep in (*internal, *external):
            if ep.is_local(ctx.node_name):
                entry = f"{ep.ip},{proto}:{ep.port},{ep.ip}"
                if entry not in sets["KUBE-LOOP-BACK"]:
                    sets["KUBE-LOOP-BACK"].append(entry)
    r.ipsets = {name: members for name, members in sets.items() if members or name in _ALWAYS}
    r.nat = _nat_rules(r.ipsets, ctx)
    return r


_ALWAYS = ("KUBE-LOOP-BACK", "KUBE-CLUSTER-IP", "KUBE-NODE-PORT-TCP", "KUBE-NODE-PORT-LOCAL-TCP")


def _nat_rules(ipsets: dict[str, list[str]], ctx: ProxyContext) -> dict[str, list[str]]:
    """``writeIptablesRules`` of the IPVS proxier, in ``iptables-save`` form."""

    def c(name: str) -> str:
        return f'-m comment --comment "{IPSET_COMMENTS[name]}"'

    src = "" if ctx.masquerade_all else f"! -s {ctx.cluster_cidr} "
    services = [f"{src}{c('KUBE-CLUSTER-IP')} -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ"]
    nat: dict[str, list[str]] = {"KUBE-SERVICES": services}
    if ipsets.get("KUBE-EXTERNAL-IP"):
        services.append(
            f"{c('KUBE-EXTERNAL-IP')} -m set --match-set KUBE-EXTERNAL-IP dst,dst -j KUBE-EXTERNAL-SERVICES"
        )
        ext = nat.setdefault("KUBE-EXTERNAL-SERVICES", [])
        if ipsets.get("KUBE-EXTERNAL-IP-LOCAL"):
            ext.append(f"{c('KUBE-EXTERNAL-IP-LOCAL')} -m set --match-set KUBE-EXTERNAL-IP-LOCAL dst,dst -j RETURN")
        ext.append("-j KUBE-MARK-MASQ")
    if ipsets.get("KUBE-LOAD-BALANCER"):
        services.append(
            f"{c('KUBE-LOAD-BALANCER')} -m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER"
        )
        lb = nat.setdefault("KUBE-LOAD-BALANCER", [])
        if ipsets.get("KUBE-LOAD-BALANCER-LOCAL"):
            lb.append(f"{c('KUBE-LOAD-BALANCER-LOCAL')} -m set --match-set KUBE-LOAD-BALANCER-LOCAL dst,dst -j RETURN")
        lb.append("-j KUBE-MARK-MASQ")
    services.append("-m addrtype --dst-type LOCAL -j KUBE-NODE-PORT")
    services.append("-m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT")
    if ipsets.get("KUBE-LOAD-BALANCER"):
        services.append("-m set --match-set KUBE-LOAD-BALANCER dst,dst -j ACCEPT")
    node_port: list[str] = []
    for proto in ("TCP", "UDP"):
        local, plain = f"KUBE-NODE-PORT-LOCAL-{proto}", f"KUBE-NODE-PORT-{proto}"
        if ipsets.get(local):
            node_port.append(f"-p {proto.lower()} {c(local)} -m set --match-set {local} dst -j RETURN")
        if ipsets.get(plain) or proto == "TCP":
            node_port.append(f"-p {proto.lower()} {c(plain)} -m set --match-set {plain} dst -j KUBE-MARK-MASQ")
    nat["KUBE-NODE-PORT"] = node_port
    nat["KUBE-MARK-MASQ"] = ["-j MARK --set-xmark 0x4000/0x4000"]
    nat["KUBE-POSTROUTING"] = [
        f"{c('KUBE-LOOP-BACK')} -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE",
        "-m mark ! --mark 0x4000/0x4000 -j RETURN",
        "-j MARK --set-xmark 0x4000/0x0",
        '-m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
    ]
    return nat
