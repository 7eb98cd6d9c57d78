"""The nftables proxier: the ``ip kube-proxy`` table kube-proxy programs with one ``nft -f`` transaction.

Notes
-----
Mirrors ``pkg/proxy/nftables/proxier.go`` (Kubernetes 1.36). Instead of one long
``KUBE-SERVICES`` list, nftables mode looks services up in *verdict maps*:
``service-ips`` (ClusterIP / external / load-balancer IP . protocol . port ->
``goto service-...``) and ``service-nodeports``; a service chain picks an endpoint with
one rule, ``numgen random mod <n> vmap { 0 : goto endpoint-A , 1 : goto endpoint-B }``
(one random number per connection, not a cascade of probabilities); ClientIP affinity
uses a dynamic set per endpoint with a timeout. Services without (local) endpoints go to
``no-endpoint-services`` / ``no-endpoint-nodeports`` (``goto reject-chain`` or ``drop``).

Chain names are ``<kind>-<base32(sha256(name))[:8]>-<ns>/<svc>/<proto>/<port>`` (endpoint
and affinity names add ``__<ip>/<port>``). :meth:`NftRules.transaction` is the input
kube-proxy writes (the layout of ``TestOverallNFTablesRules``); :meth:`NftRules.listing`
is what ``nft list table ip kube-proxy`` prints on the node. Used in:
06_services_and_kube_proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

from .iptables import ProxyContext
from .model import Endpoint, ServicePort, categorize_endpoints, nft_chain_name

__all__ = ["NftRules", "build_nftables", "TABLE"]

TABLE = "ip kube-proxy"
MARK_MASQ = "mark-for-masquerade"

_SETS = (
    ("set", "cluster-ips", "type ipv4_addr", "Active ClusterIPs"),
    ("set", "nodeport-ips", "type ipv4_addr", "IPs that accept NodePort traffic"),
)
_MAPS = (
    ("map", "firewall-ips", "type ipv4_addr . inet_proto . inet_service : verdict",
     "destinations that are subject to LoadBalancerSourceRanges"),
    ("map", "no-endpoint-nodeports", "type inet_proto . inet_service : verdict",
     "vmap to drop or reject packets to service nodeports with no endpoints"),
    ("map", "no-endpoint-services", "type ipv4_addr . inet_proto . inet_service : verdict",
     "vmap to drop or reject packets to services with no endpoints"),
    ("map", "service-ips", "type ipv4_addr . inet_proto . inet_service : verdict",
     "ClusterIP, ExternalIP and LoadBalancer IP traffic"),
    ("map", "service-nodeports", "type inet_proto . inet_service : verdict", "NodePort traffic"),
)  # fmt: skip
#: base chains: name -> (type, hook, priority)
BASE_CHAINS = {
    "filter-prerouting-pre-dnat": ("filter", "prerouting", -110),
    "filter-output-pre-dnat": ("filter", "output", -110),
    "filter-forward": ("filter", "forward", 0),
    "filter-input": ("filter", "input", 0),
    "filter-output": ("filter", "output", 0),
    "nat-output": ("nat", "output", -100),
    "nat-postrouting": ("nat", "postrouting", 100),
    "nat-prerouting": ("nat", "prerouting", -100),
}
_CHAIN_ORDER = (
    "cluster-ips-check", "filter-prerouting-pre-dnat", "filter-output-pre-dnat", "filter-forward", "filter-input",
    "filter-output", "firewall-check", "mark-for-masquerade", "masquerading", "nat-output", "nat-postrouting",
    "nat-prerouting", "nodeport-endpoints-check", "reject-chain", "services", "service-endpoints-check",
)  # fmt: skip
_REJECT_COMMENT = "helper for @no-endpoint-services / @no-endpoint-nodeports"


@dataclass
class NftRules:
    """The table's chains (rule texts in order), sets and verdict maps, plus the transaction lines."""

    chains: dict[str, list[str]] = field(default_factory=dict)
    cluster_ips: list[str] = field(default_factory=list)
    nodeport_ips: list[str] = field(default_factory=list)
    service_ips: dict[tuple[str, str, int], str] = field(default_factory=dict)
    service_nodeports: dict[tuple[str, int], str] = field(default_factory=dict)
    no_endpoint_services: dict[tuple[str, str, int], tuple[str, str]] = field(default_factory=dict)
    no_endpoint_nodeports: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)
    firewall_ips: dict[tuple[str, str, int], str] = field(default_factory=dict)
    affinity_sets: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def transaction(self) -> str:
        """What kube-proxy feeds to ``nft -f`` (TestOverallNFTablesRules layout)."""
        return "\n".join(self.lines) + "\n"

    def listing(self) -> str:
        """What ``nft list table ip kube-proxy`` prints on the node (one tab per level)."""
        return _listing(self)


def build_nftables(ports: Iterable[tuple[ServicePort, list[Endpoint]]], ctx: ProxyContext) -> NftRules:
    """Everything the nftables proxier programs on ``ctx.node_name`` for these service ports."""
    r = NftRules()
    r.nodeport_ips = [ctx.node_ip]
    _base(r, ctx)
    for sp, endpoints in sorted(ports, key=lambda item: (item[0].name_string, item[0].protocol)):
        block = _service(r, sp, endpoints, ctx)
        if block:
            r.lines.append("")
            r.lines.extend(block)
    return r


def _rule(r: NftRules, chain: str, text: str, out: list[str]) -> None:
    r.chains.setdefault(chain, []).append(text)
    out.append(f"add rule {TABLE} {chain} {text}")


def _base(r: NftRules, ctx: ProxyContext) -> None:
    out = r.lines
    out.append(f'add table {TABLE} {{ comment "rules for kube-proxy" ; }}')
    out.append("")
    for _, name, typ, comment in _SETS:
        out.append(f'add set {TABLE} {name} {{ {typ} ; comment "{comment}" ; }}')
    out.append("")
    for _, name, typ, comment in _MAPS:
        out.append(f'add map {TABLE} {name} {{ {typ} ; comment "{comment}" ; }}')
    out.append("")
    for name in _CHAIN_ORDER:
        r.chains[name] = []
        if name in BASE_CHAINS:
            typ, hook, prio = BASE_CHAINS[name]
            out.append(f"add chain {TABLE} {name} {{ type {typ} hook {hook} priority {prio} ; }}")
        elif name == "reject-chain":
            out.append(f'add chain {TABLE} {name} {{ comment "{_REJECT_COMMENT}" ; }}')
        else:
            out.append(f"add chain {TABLE} {name}")
    out.append("")
    r.chains[MARK_MASQ] = []
    rules = [
        ("cluster-ips-check", 'ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"'),
        (
            "cluster-ips-check",
            f'ip daddr {{ {ctx.service_cidr} }} drop comment "Drop traffic to unallocated ClusterIPs"',
        ),
        ("filter-prerouting-pre-dnat", "ct state new jump firewall-check"),
        ("filter-forward", "ct state new jump service-endpoints-check"),
        ("filter-forward", "ct state new jump cluster-ips-check"),
        ("filter-input", "ct state new jump nodeport-endpoints-check"),
        ("filter-input", "ct state new jump service-endpoints-check"),
        ("filter-output", "ct state new jump service-endpoints-check"),
        ("filter-output-pre-dnat", "ct state new jump firewall-check"),
        ("filter-output", "ct state new jump cluster-ips-check"),
        ("firewall-check", "ip daddr . meta l4proto . th dport vmap @firewall-ips"),
        (MARK_MASQ, "mark set mark or 0x4000"),
        ("masquerading", "mark and 0x4000 == 0 return"),
        ("masquerading", "mark set mark xor 0x4000"),
        ("masquerading", "masquerade fully-random"),
        ("nat-output", "jump services"),
        ("nat-postrouting", "jump masquerading"),
        ("nat-prerouting", "jump services"),
        ("nodeport-endpoints-check", "ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports"),
        ("reject-chain", "reject"),
        ("services", "ip daddr . meta l4proto . th dport vmap @service-ips"),
        ("services", "ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports"),
    ]
    for chain, text in rules:
        _rule(r, chain, text, out)
    out.append("")
    out.append(f"add element {TABLE} nodeport-ips {{ {', '.join(r.nodeport_ips)} }}")
    _rule(r, "service-endpoints-check", "ip daddr . meta l4proto . th dport vmap @no-endpoint-services", out)


def _service(r: NftRules, sp: ServicePort, endpoints: list[Endpoint], ctx: ProxyContext) -> list[str]:
    name = sp.name_string
    proto = sp.proto
    base = sp.nft_base
    cluster_eps, local_eps, reachable, has_endpoints = categorize_endpoints(endpoints, sp, ctx.node_name)
    cluster_chain = nft_chain_name("service", base)
    local_chain = nft_chain_name("local", base)
    ext_chain = nft_chain_name("external", base)
    fw_chain = nft_chain_name("firewall", base)
    uses_cluster_chain = bool(cluster_eps) and sp.uses_cluster_endpoints
    uses_local_chain = bool(local_eps) and sp.uses_local_endpoints
    internal_chain, has_internal = cluster_chain, has_endpoints
    if sp.internal_local:
        internal_chain, has_internal = local_chain, has_endpoints and bool(local_eps)
    external_policy_chain, has_external = cluster_chain, has_endpoints
    if sp.external_local:
        external_policy_chain, has_external = local_chain, has_endpoints and bool(local_eps)
    uses_ext_chain = has_endpoints and sp.externally_accessible
    uses_fw = has_external and bool(sp.lb_ips) and bool(sp.lb_source_ranges)
    internal_verdict = external_verdict = "goto reject-chain" if not has_endpoints else "drop"
    out: list[str] = []

    ep_names = {ep.address: f"{base}__{ep.ip}/{ep.port}" for ep in reachable}
    if sp.session_affinity:
        for ep in reachable:
            aff = nft_chain_name("affinity", ep_names[ep.address])
            r.affinity_sets[aff] = int(sp.affinity_timeout or 0)
            out.append(
                f"add set {TABLE} {aff} {{ type ipv4_addr ; flags dynamic,timeout ; timeout {sp.affinity_timeout}s ; }}"
            )
    masq_rule = f"ip daddr {sp.cluster_ip} ip saddr != {ctx.cluster_cidr} jump {MARK_MASQ}"
    if ctx.masquerade_all:
        masq_rule = f"ip daddr {sp.cluster_ip} jump {MARK_MASQ}"
    for chain, eps, used in (
        (cluster_chain, cluster_eps, uses_cluster_chain),
        (local_chain, local_eps, uses_local_chain),
    ):
        if not used:
            continue
        r.chains[chain] = []
        out.append(f"add chain {TABLE} {chain}")
        if has_internal and chain == internal_chain:
            _rule(r, chain, masq_rule, out)
        _to_endpoints(r, sp, chain, eps, ep_names, out)
    if uses_ext_chain:
        r.chains[ext_chain] = []
        out.append(f"add chain {TABLE} {ext_chain}")
        if not sp.external_local:
            _rule(r, ext_chain, f"jump {MARK_MASQ}", out)
        else:
            _rule(
                r,
                ext_chain,
                f'ip saddr {ctx.cluster_cidr} goto {cluster_chain} comment "short-circuit pod traffic"',
                out,
            )
            _rule(r, ext_chain, f'fib saddr type local jump {MARK_MASQ} comment "masquerade local traffic"', out)
            _rule(r, ext_chain, f'fib saddr type local goto {cluster_chain} comment "short-circuit local traffic"', out)
        if has_external:
            _rule(r, ext_chain, f"goto {external_policy_chain}", out)
    if reachable:
        out.append("")
    for chain, ep in sorted((nft_chain_name("endpoint", ep_names[ep.address]), ep) for ep in reachable):
        r.chains[chain] = []
        out.append(f"add chain {TABLE} {chain}")
        _rule(r, chain, f"ip saddr {ep.ip} jump {MARK_MASQ}", out)
        if sp.session_affinity:
            aff = nft_chain_name("affinity", ep_names[ep.address])
            _rule(r, chain, f"update @{aff} {{ ip saddr }}", out)
        _rule(r, chain, f"meta l4proto {proto} dnat to {ep.address}", out)
    if uses_fw:
        out.append("")
        r.chains[fw_chain] = []
        out.append(f"add chain {TABLE} {fw_chain}")
        _rule(r, fw_chain, f"ip saddr != {{ {', '.join(sp.lb_source_ranges)} }} drop", out)

    out.append("")
    r.cluster_ips.append(sp.cluster_ip)
    out.append(f"add element {TABLE} cluster-ips {{ {sp.cluster_ip} }}")
    no_endpoints: list[str] = []

    def element(map_name: str, key: str, verdict: str, comment: str = "") -> str:
        note = f' comment "{comment}"' if comment else ""
        return f"add element {TABLE} {map_name} {{ {key}{note} : {verdict} }}"

    port = sp.port
    if has_internal:
        r.service_ips[(sp.cluster_ip, proto, port)] = f"goto {internal_chain}"
        out.append(element("service-ips", f"{sp.cluster_ip} . {proto} . {port}", f"goto {internal_chain}"))
    else:
        r.no_endpoint_services[(sp.cluster_ip, proto, port)] = (name, internal_verdict)
        no_endpoints.append(
            element("no-endpoint-services", f"{sp.cluster_ip} . {proto} . {port}", internal_verdict, name)
        )
    for ip in sp.external_ips:
        if has_endpoints:
            r.service_ips[(ip, proto, port)] = f"goto {ext_chain}"
            out.append(element("service-ips", f"{ip} . {proto} . {port}", f"goto {ext_chain}"))
        if not has_external:
            r.no_endpoint_services[(ip, proto, port)] = (name, external_verdict)
            no_endpoints.append(element("no-endpoint-services", f"{ip} . {proto} . {port}", external_verdict, name))
    for ip in sp.lb_ips:
        if has_endpoints:
            r.service_ips[(ip, proto, port)] = f"goto {ext_chain}"
            out.append(element("service-ips", f"{ip} . {proto} . {port}", f"goto {ext_chain}"))
    if not has_external:
        for ip in sp.lb_ips:
            r.no_endpoint_services[(ip, proto, port)] = (name, external_verdict)
            no_endpoints.append(element("no-endpoint-services", f"{ip} . {proto} . {port}", external_verdict, name))
    if sp.node_port:
        if has_endpoints:
            r.service_nodeports[(proto, sp.node_port)] = f"goto {ext_chain}"
            out.append(element("service-nodeports", f"{proto} . {sp.node_port}", f"goto {ext_chain}"))
        if not has_external:
            r.no_endpoint_nodeports[(proto, sp.node_port)] = (name, external_verdict)
            no_endpoints.append(element("no-endpoint-nodeports", f"{proto} . {sp.node_port}", external_verdict, name))
    if uses_fw:
        for ip in sp.lb_ips:
            r.firewall_ips[(ip, proto, port)] = f"goto {fw_chain}"
            out.append(element("firewall-ips", f"{ip} . {proto} . {port}", f"goto {fw_chain}"))
    if no_endpoints:
        out.append("")
        out.extend(no_endpoints)
    return out


def _to_endpoints(
    r: NftRules, sp: ServicePort, chain: str, endpoints: list[Endpoint], names: dict[str, str], out: list[str]
) -> None:
    chains = [nft_chain_name("endpoint", names[ep.address]) for ep in endpoints]
    if sp.session_affinity:
        for ep, target in zip(endpoints, chains):
            _rule(r, chain, f"ip saddr @{nft_chain_name('affinity', names[ep.address])} goto {target}", out)
    elements = " , ".join(f"{i} : goto {target}" for i, target in enumerate(chains))
    _rule(r, chain, f"numgen random mod {len(chains)} vmap {{ {elements} }}", out)


# -- nft list table ip kube-proxy ----------------------------------------------------------------
_PRIORITY_NAMES = {
    ("nat", -100): "dstnat",
    ("nat", 100): "srcnat",
    ("filter", 0): "filter",
    ("filter", -110): "dstnat - 10",
}


def _list_rule(text: str) -> str:
    """A transaction rule as ``nft list`` prints it back."""
    text = text.replace("mark set mark or 0x4000", "meta mark set meta mark | 0x00004000")
    text = text.replace("mark set mark xor 0x4000", "meta mark set meta mark ^ 0x00004000")
    text = text.replace("mark and 0x4000 == 0 return", "meta mark & 0x00004000 == 0x00000000 return")
    text = text.replace(" , ", ", ")
    if "{ " in text and " }" in text and "vmap {" not in text and "update @" not in text:
        head, rest = text.split("{ ", 1)
        inner, tail = rest.split(" }", 1)
        if "," not in inner:
            text = f"{head}{inner}{tail}"
    return text


def _ip_key(value: str) -> tuple:
    first = value.split(" ")[0]
    try:
        return (0, int(ipaddress.ip_address(first)), value)
    except ValueError:
        return (1, 0, value)


def _elements(items: list[str], indent: str) -> list[str]:
    if not items:
        return []
    lines = []
    pad = indent + " " * len("elements = { ")
    for i, item in enumerate(items):
        head = f"{indent}elements = {{ " if i == 0 else pad
        tail = " }" if i == len(items) - 1 else ","
        lines.append(f"{head}{item}{tail}")
    return lines


def _listing(r: NftRules) -> str:
    t1, t2 = "\t", "\t\t"
    out = [f"table {TABLE} {{", f'{t1}comment "rules for kube-proxy"']
    sets = {
        "cluster-ips": sorted(set(r.cluster_ips), key=_ip_key),
        "nodeport-ips": sorted(r.nodeport_ips, key=_ip_key),
    }
    maps = {
        "firewall-ips": [f"{ip} . {p} . {port} : {v}" for (ip, p, port), v in sorted(r.firewall_ips.items(), key=lambda kv: _ip_key(kv[0][0]))],
        "no-endpoint-nodeports": [f'{p} . {port} comment "{c}" : {v}' for (p, port), (c, v) in sorted(r.no_endpoint_nodeports.items())],
        "no-endpoint-services": [f'{ip} . {p} . {port} comment "{c}" : {v}' for (ip, p, port), (c, v) in sorted(r.no_endpoint_services.items(), key=lambda kv: _ip_key(kv[0][0]))],
        "service-ips": [f"{ip} . {p} . {port} : {v}" for (ip, p, port), v in sorted(r.service_ips.items(), key=lambda kv: (_ip_key(kv[0][0]), kv[0][1:]))],
        "service-nodeports": [f"{p} . {port} : {v}" for (p, port), v in sorted(r.service_nodeports.items())],
    }  # fmt: skip
    for kind, name, typ, comment in (*_SETS, *_MAPS):
        items = sets.get(name) if kind == "set" else maps.get(name)
        out += ["", f"{t1}{kind} {name} {{", f"{t2}{typ}", f'{t2}comment "{comment}"', *_elements(items or [], t2)]
        out.append(f"{t1}}}")
    for name, timeout in r.affinity_sets.items():
        out += ["", f"{t1}set {name} {{", f"{t2}type ipv4_addr", f"{t2}size 65535", f"{t2}flags dynamic,timeout"]
        out += [f"{t2}timeout {timeout}s", f"{t1}}}"]
    for name, rules in r.chains.items():
        out += ["", f"{t1}chain {name} {{"]
        if name in BASE_CHAINS:
            typ, hook, prio = BASE_CHAINS[name]
            out.append(f"{t2}type {typ} hook {hook} priority {_PRIORITY_NAMES.get((typ, prio), prio)}; policy accept;")
        if name == "reject-chain":
            out.append(f'{t2}comment "{_REJECT_COMMENT}"')
        out.extend(f"{t2}{_list_rule(rule)}" for rule in rules)
        out.append(f"{t1}}}")
    out.append("}")
    return "\n".join(out) + "\n"
