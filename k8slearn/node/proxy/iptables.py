"""The iptables proxier: the ``filter`` and ``nat`` rules kube-proxy writes with ``iptables-restore``.

Notes
-----
Mirrors ``pkg/proxy/iptables/proxier.go`` ``syncProxyRules`` (Kubernetes 1.36), rule for
rule and argument for argument:

- ``KUBE-SERVICES`` (nat) matches each ClusterIP, external IP and load-balancer IP and
  jumps to the service's ``KUBE-SVC-<hash>`` (or ``KUBE-EXT-`` / ``KUBE-FW-``); its last
  rule sends traffic for the node's own addresses to ``KUBE-NODEPORTS``;
- ``KUBE-SVC-<hash>`` first marks off-cluster traffic for masquerade, then (with
  ClientIP affinity) one ``-m recent --rcheck`` rule per endpoint, then one rule per
  endpoint where endpoint ``i`` of ``n`` carries ``--probability 1/(n-i)`` and the last
  carries none - so each endpoint gets ``1/n`` of new connections;
- ``KUBE-SEP-<hash>`` marks hairpin traffic and DNATs to ``<podIP>:<port>``;
- ``KUBE-EXT-<hash>`` handles NodePort / external / load-balancer traffic (masquerade
  for ``externalTrafficPolicy: Cluster``; for ``Local`` it keeps the client IP and uses
  ``KUBE-SVL-<hash>`` with this node's endpoints only);
- services without endpoints get a ``REJECT`` rule in the *filter* table, and
  ``Local`` services without a local endpoint a ``DROP`` in ``KUBE-EXTERNAL-SERVICES``.

The text is the ``iptables-restore`` input with chains and rules in the canonical order
of kube-proxy's own unit tests (``TestOverallIPTablesRules``), so it matches that fixture
byte for byte. :func:`iptables_save` re-renders it the way ``iptables-save`` prints it
on a node. Used in: 06_services_and_kube_proxy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .model import Endpoint, ServicePort, categorize_endpoints, compute_probability, endpoint_chain_name

__all__ = ["ProxyContext", "IptablesRules", "build_iptables", "iptables_save", "MASQ_BIT"]

MASQ_BIT = "0x4000"
_MASQ_MARK = f"{MASQ_BIT}/{MASQ_BIT}"
KUBE_SERVICES = "KUBE-SERVICES"
KUBE_NODEPORTS = "KUBE-NODEPORTS"
KUBE_EXTERNAL_SERVICES = "KUBE-EXTERNAL-SERVICES"
KUBE_FIREWALL = "KUBE-FIREWALL"
KUBE_FORWARD = "KUBE-FORWARD"
KUBE_PROXY_FIREWALL = "KUBE-PROXY-FIREWALL"
KUBE_MARK_MASQ = "KUBE-MARK-MASQ"
KUBE_POSTROUTING = "KUBE-POSTROUTING"
_FILTER_CHAINS = (
    KUBE_NODEPORTS,
    KUBE_SERVICES,
    KUBE_EXTERNAL_SERVICES,
    KUBE_FIREWALL,
    KUBE_FORWARD,
    KUBE_PROXY_FIREWALL,
)
_NODEPORTS_LAST = '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"'


@dataclass(frozen=True)
class ProxyContext:
    """What a kube-proxy knows about its own node (flags and addresses).

    ``cluster_cidr`` is the ``--cluster-cidr`` the local-traffic detector uses
    (``! -s <cidr>`` marks off-cluster traffic); ``localhost_nodeports``
    (``--iptables-localhost-nodeports``, default true) and ``nfacct`` (kernel
    support for the ``nfacct`` counters) add the rules the upstream fixture shows;
    ``random_fully`` adds ``--random-fully`` to MASQUERADE where iptables supports it.
    """

    node_name: str
    node_ip: str
    cluster_cidr: str
    service_cidr: str = "10.96.0.0/12"
    localhost_nodeports: bool = True
    nfacct: bool = True
    random_fully: bool = False
    masquerade_all: bool = False


@dataclass
class IptablesRules:
    """The two tables as kube-proxy writes them: declared chains and ``-A`` rules in order."""

    filter: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    nat: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)

    def table(self, name: str) -> dict[str, list[tuple[str, ...]]]:
        return self.filter if name == "filter" else self.nat

    def chain(self, table: str, name: str) -> list[tuple[str, ...]]:
        return self.table(table).get(name, [])

    def restore_text(self) -> str:
        """The ``iptables-restore`` input (TestOverallIPTablesRules order)."""
        out: list[str] = []
        for name, chains in (("filter", self.filter), ("nat", self.nat)):
            out.append(f"*{name}")
            order = _chain_order(chains)
            out.extend(f":{c} - [0:0]" for c in order)
            for c in order:
                out.extend(" ".join(("-A", c, *args)) for args in chains[c])
            out.append("COMMIT")
        return "\n".join(out) + "\n"

    def lines(self) -> list[tuple[str, str, str]]:
        """``(table, chain, rule text)`` for every rule, in restore order."""
        rows = []
        for name, chains in (("filter", self.filter), ("nat", self.nat)):
            for c in _chain_order(chains):
                rows.extend((name, c, " ".join(("-A", c, *args))) for args in chains[c])
        return rows


def _chain_order(chains: dict[str, list]) -> list[str]:
    head = [c for c in (KUBE_NODEPORTS, KUBE_SERVICES) if c in chains]
    if KUBE_EXTERNAL_SERVICES in chains:  # filter table: kube-proxy's declaration order
        rest = [c for c in _FILTER_CHAINS[2:] if c in chains]
        rest += sorted(c for c in chains if c not in head and c not in rest)
    else:
        rest = sorted(c for c in chains if c not in head)
    return head + rest


def _q(text: str) -> str:
    return f'"{text}"'


def build_iptables(ports: Iterable[tuple[ServicePort, list[Endpoint]]], ctx: ProxyContext) -> IptablesRules:
    """Every rule the iptables proxier programs on ``ctx.node_name`` for these service ports.

    ``ports`` pairs each service port with all of its endpoints (ready or not), as the
    EndpointSlice cache holds them; the proxier picks the usable ones itself.
    """
    filt: dict[str, list[tuple[str, ...]]] = {c: [] for c in _FILTER_CHAINS}
    nat: dict[str, list[tuple[str, ...]]] = {
        KUBE_NODEPORTS: [],
        KUBE_SERVICES: [],
        KUBE_MARK_MASQ: [],
        KUBE_POSTROUTING: [],
    }
    for sp, endpoints in sorted(ports, key=lambda item: (item[0].name_string, item[0].protocol)):
        _service_rules(sp, endpoints, ctx, filt, nat)
    # static rules written on every sync
    if ctx.localhost_nodeports:
        filt[KUBE_FIREWALL].append(
            ("-m", "comment", "--comment", _q("block incoming localnet connections"), "-d", "127.0.0.0/8", "!", "-s",
             "127.0.0.0/8", "-m", "conntrack", "!", "--ctstate", "RELATED,ESTABLISHED,DNAT", "-j", "DROP")
        )  # fmt: skip
    invalid = ("-m", "conntrack", "--ctstate", "INVALID")
    if ctx.nfacct:
        invalid += ("-m", "nfacct", "--nfacct-name", "ct_state_invalid_dropped_pkts")
    filt[KUBE_FORWARD] += [
        (*invalid, "-j", "DROP"),
        ("-m", "comment", "--comment", _q("kubernetes forwarding rules"), "-m", "mark", "--mark", _MASQ_MARK, "-j", "ACCEPT"),
        ("-m", "comment", "--comment", _q("kubernetes forwarding conntrack rule"), "-m", "conntrack", "--ctstate",
         "RELATED,ESTABLISHED", "-j", "ACCEPT"),
    ]  # fmt: skip
    nodeports_dst = ("-m", "addrtype", "--dst-type", "LOCAL")
    if not ctx.localhost_nodeports:
        nodeports_dst += ("!", "-d", "127.0.0.0/8")
    nat[KUBE_SERVICES].append(("-m", "comment", "--comment", _NODEPORTS_LAST, *nodeports_dst, "-j", KUBE_NODEPORTS))
    nat[KUBE_MARK_MASQ].append(("-j", "MARK", "--or-mark", MASQ_BIT))
    masquerade = ("-j", "MASQUERADE", "--random-fully") if ctx.random_fully else ("-j", "MASQUERADE")
    nat[KUBE_POSTROUTING] += [
        ("-m", "mark", "!", "--mark", _MASQ_MARK, "-j", "RETURN"),
        ("-j", "MARK", "--xor-mark", MASQ_BIT),
        ("-m", "comment", "--comment", _q("kubernetes service traffic requiring SNAT"), *masquerade),
    ]
    return IptablesRules(filt, nat)


def _service_rules(
    sp: ServicePort,
    endpoints: list[Endpoint],
    ctx: ProxyContext,
    filt: dict[str, list[tuple[str, ...]]],
    nat: dict[str, list[tuple[str, ...]]],
) -> None:
    name = sp.name_string
    proto = sp.proto
    port = str(sp.port)
    cluster_eps, local_eps, reachable, has_endpoints = categorize_endpoints(endpoints, sp, ctx.node_name)
    h = sp.hash
    cluster_chain, local_chain = f"KUBE-SVC-{h}", f"KUBE-SVL-{h}"
    ext_chain, fw_chain = f"KUBE-EXT-{h}", f"KUBE-FW-{h}"
    uses_cluster_chain = bool(cluster_eps) and sp.uses_cluster_endpoints
    uses_local_chain = bool(local_eps) and sp.uses_local_endpoints
    internal_chain, has_internal = cluster_chain, has_endpoints
    if sp.internal_local:
        internal_chain = local_chain
        has_internal = has_internal and bool(local_eps)
    external_policy_chain, has_external = cluster_chain, has_endpoints
    if sp.external_local:
        external_policy_chain = local_chain
        has_external = has_external and bool(local_eps)
    uses_ext_chain = has_endpoints and sp.externally_accessible
    lb_chain = ext_chain
    uses_fw = has_external and bool(sp.lb_ips) and bool(sp.lb_source_ranges)
    if uses_fw:
        lb_chain = fw_chain
    if not has_endpoints:
        internal_target = external_target = "REJECT"
        internal_comment = external_comment = _q(f"{name} has no endpoints")
    else:
        internal_target = external_target = "DROP"
        internal_comment = external_comment = _q(f"{name} has no local endpoints")
    match = ("-m", proto, "-p", proto)

    # cluster IP
    if has_internal:
        nat[KUBE_SERVICES].append(
            ("-m", "comment", "--comment", _q(f"{name} cluster IP"), *match, "-d", sp.cluster_ip, "--dport", port,
             "-j", internal_chain)
        )  # fmt: skip
    else:
        filt[KUBE_SERVICES].append(
            ("-m", "comment", "--comment", internal_comment, *match, "-d", sp.cluster_ip, "--dport", port,
             "-j", internal_target)
        )  # fmt: skip
    # external IPs
    for ip in sp.external_ips:
        if has_endpoints:
            nat[KUBE_SERVICES].append(
                ("-m", "comment", "--comment", _q(f"{name} external IP"), *match, "-d", ip, "--dport", port,
                 "-j", ext_chain)
            )  # fmt: skip
        if not has_external:
            filt[KUBE_EXTERNAL_SERVICES].append(
                ("-m", "comment", "--comment", external_comment, *match, "-d", ip, "--dport", port,
                 "-j", external_target)
            )  # fmt: skip
    # load-balancer IPs
    for ip in sp.lb_ips:
        if has_endpoints:
            nat[KUBE_SERVICES].append(
                ("-m", "comment", "--comment", _q(f"{name} loadbalancer IP"), *match, "-d", ip, "--dport", port,
                 "-j", lb_chain)
            )  # fmt: skip
        if uses_fw:
            filt[KUBE_PROXY_FIREWALL].append(
                ("-m", "comment", "--comment", _q(f"{name} traffic not accepted by {fw_chain}"), *match, "-d", ip,
                 "--dport", port, "-j", "DROP")
            )  # fmt: skip
    if not has_external:
        for ip in sp.lb_ips:
            filt[KUBE_EXTERNAL_SERVICES].append(
                ("-m", "comment", "--comment", external_comment, *match, "-d", ip, "--dport", port,
                 "-j", external_target)
            )  # fmt: skip
    # node ports
    if sp.node_port:
        node_port = str(sp.node_port)
        if has_endpoints:
            if ctx.localhost_nodeports:
                counter = ("-m", "nfacct", "--nfacct-name", "localhost_nps_accepted_pkts") if ctx.nfacct else ()
                nat[KUBE_NODEPORTS].append(
                    ("-m", "comment", "--comment", name, *match, "-d", "127.0.0.0/8", "--dport", node_port, *counter,
                     "-j", ext_chain)
                )  # fmt: skip
            nat[KUBE_NODEPORTS].append(
                ("-m", "comment", "--comment", name, *match, "--dport", node_port, "-j", ext_chain)
            )
        if not has_external:
            filt[KUBE_EXTERNAL_SERVICES].append(
                ("-m", "comment", "--comment", external_comment, "-m", "addrtype", "--dst-type", "LOCAL", *match,
                 "--dport", node_port, "-j", external_target)
            )  # fmt: skip
    if sp.health_check_node_port:
        filt[KUBE_NODEPORTS].append(
            ("-m", "comment", "--comment", _q(f"{name} health check node port"), "-m", "tcp", "-p", "tcp",
             "--dport", str(sp.health_check_node_port), "-j", "ACCEPT")
        )  # fmt: skip

    # internal traffic: masquerade off-cluster sources
    if has_internal:
        args = ("-m", "comment", "--comment", _q(f"{name} cluster IP"), *match, "-d", sp.cluster_ip, "--dport", port)
        if ctx.masquerade_all:
            nat.setdefault(internal_chain, []).append((*args, "-j", KUBE_MARK_MASQ))
        else:
            nat.setdefault(internal_chain, []).append((*args, "!", "-s", ctx.cluster_cidr, "-j", KUBE_MARK_MASQ))
    # external traffic
    if uses_ext_chain:
        rules = nat.setdefault(ext_chain, [])
        if not sp.external_local:
            rules.append(("-m", "comment", "--comment", _q(f"masquerade traffic for {name} external destinations"),
                          "-j", KUBE_MARK_MASQ))  # fmt: skip
        else:
            rules.append(("-m", "comment", "--comment", _q(f"pod traffic for {name} external destinations"),
                          "-s", ctx.cluster_cidr, "-j", cluster_chain))  # fmt: skip
            rules.append(("-m", "comment", "--comment", _q(f"masquerade LOCAL traffic for {name} external destinations"),
                          "-m", "addrtype", "--src-type", "LOCAL", "-j", KUBE_MARK_MASQ))  # fmt: skip
            rules.append(("-m", "comment", "--comment", _q(f"route LOCAL traffic for {name} external destinations"),
                          "-m", "addrtype", "--src-type", "LOCAL", "-j", cluster_chain))  # fmt: skip
        if has_external:
            rules.append(("-j", external_policy_chain))
    # load-balancer source ranges
    if uses_fw:
        rules = nat.setdefault(fw_chain, [])
        head = ("-m", "comment", "--comment", _q(f"{name} loadbalancer IP"))
        allow_from_node = False
        for cidr in sp.lb_source_ranges:
            rules.append((*head, "-s", cidr, "-j", ext_chain))
            allow_from_node = allow_from_node or _contains(cidr, ctx.node_ip)
        if allow_from_node:
            rules.extend((*head, "-s", ip, "-j", ext_chain) for ip in sp.lb_ips)
        rules.append(
            ("-m", "comment", "--comment", _q(f"other traffic to {name} will be dropped by KUBE-PROXY-FIREWALL"))
        )
    # policy chains -> endpoint chains
    if uses_cluster_chain:
        nat.setdefault(cluster_chain, []).extend(_to_endpoints(sp, cluster_eps))
    if uses_local_chain:
        nat.setdefault(local_chain, []).extend(_to_endpoints(sp, local_eps))
    for ep in reachable:
        chain = endpoint_chain_name(name, proto, ep.address)
        rules = nat.setdefault(chain, [])
        rules.append(("-m", "comment", "--comment", name, "-s", ep.ip, "-j", KUBE_MARK_MASQ))
        affinity = ("-m", "recent", "--name", chain, "--set") if sp.session_affinity else ()
        rules.append(
            ("-m", "comment", "--comment", name, *affinity, *match, "-j", "DNAT", "--to-destination", ep.address)
        )


def _to_endpoints(sp: ServicePort, endpoints: list[Endpoint]) -> list[tuple[str, ...]]:
    """``writeServiceToEndpointRules``: affinity checks first, then the probability cascade."""
    name, proto = sp.name_string, sp.proto
    rules: list[tuple[str, ...]] = []
    chains = [endpoint_chain_name(name, proto, ep.address) for ep in endpoints]
    if sp.session_affinity:
        for ep, chain in zip(endpoints, chains):
            rules.append(
                ("-m", "comment", "--comment", _q(f"{name} -> {ep.address}"), "-m", "recent", "--name", chain,
                 "--rcheck", "--seconds", str(sp.affinity_timeout), "--reap", "-j", chain)
            )  # fmt: skip
    n = len(endpoints)
    for i, (ep, chain) in enumerate(zip(endpoints, chains)):
        comment = ("-m", "comment", "--comment", _q(f"{name} -> {ep.address}"))
        if i < n - 1:
            rules.append((*comment, "-m", "statistic", "--mode", "random", "--probability", compute_probability(n - i),
                          "-j", chain))  # fmt: skip
        else:
            rules.append((*comment, "-j", chain))
    return rules


def _contains(cidr: str, ip: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False


# -- iptables-save: what the node prints ---------------------------------------------------------
_HOOKS = {
    "filter": [
        ("INPUT", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kubernetes load balancer firewall", "-j", KUBE_PROXY_FIREWALL)),
        ("INPUT", ("-m", "comment", "--comment", "kubernetes health check service ports", "-j", KUBE_NODEPORTS)),
        ("INPUT", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kubernetes externally-visible service portals", "-j", KUBE_EXTERNAL_SERVICES)),
        ("INPUT", ("-j", KUBE_FIREWALL)),
        ("FORWARD", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kubernetes load balancer firewall", "-j", KUBE_PROXY_FIREWALL)),
        ("FORWARD", ("-m", "comment", "--comment", "kubernetes forwarding rules", "-j", KUBE_FORWARD)),
        ("FORWARD", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kubernetes service portals", "-j", KUBE_SERVICES)),
        ("FORWARD", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kubernetes externally-visible service portals", "-j", KUBE_EXTERNAL_SERVICES)),
        ("OUTPUT", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kubernetes load balancer firewall", "-j", KUBE_PROXY_FIREWALL)),
        ("OUTPUT", ("-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kubernetes service portals", "-j", KUBE_SERVICES)),
        ("OUTPUT", ("-j", KUBE_FIREWALL)),
    ],
    "nat": [
        ("PREROUTING", ("-m", "comment", "--comment", "kubernetes service portals", "-j", KUBE_SERVICES)),
        ("OUTPUT", ("-m", "comment", "--comment", "kubernetes service portals", "-j", KUBE_SERVICES)),
        ("POSTROUTING", ("-m", "comment", "--comment", "kubernetes postrouting rules", "-j", KUBE_POSTROUTING)),
    ],
}  # fmt: skip
BUILTIN_CHAINS = {"filter": ("INPUT", "FORWARD", "OUTPUT"), "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING")}


def hook_rules(table: str) -> list[tuple[str, tuple[str, ...]]]:
    """The jumps kube-proxy keeps in the built-in chains (``iptablesJumpChains``)."""
    return list(_HOOKS[table])


def iptables_save(rules: IptablesRules, header_time: str = "") -> str:
    """``iptables-save`` on the node: built-in chains, hooks, canonical match order, u32 probabilities.

    The kernel stores a ``statistic`` probability as ``round(p * 2**31)``, so
    ``0.3333333333`` comes back as ``0.33333333349``; ``--or-mark`` / ``--xor-mark``
    come back as ``--set-xmark``; addresses get ``/32``; comments are always quoted.
    """
    suffix = f" on {header_time}" if header_time else ""
    out = [f"# Generated by iptables-save v1.8.10 (nf_tables){suffix}"]
    for table in ("filter", "nat"):
        chains = rules.table(table)
        out.append(f"*{table}")
        out.extend(f":{c} ACCEPT [0:0]" for c in BUILTIN_CHAINS[table])
        out.extend(f":{c} - [0:0]" for c in sorted(chains))
        for chain, args in _HOOKS[table]:
            out.append(canonical_rule(chain, args))
        for c in sorted(chains):
            out.extend(canonical_rule(c, args) for args in chains[c])
        out.append("COMMIT")
        out.append(f"# Completed{suffix}")
    return "\n".join(out) + "\n"


def canonical_rule(chain: str, args: tuple[str, ...]) -> str:
    """One rule the way ``iptables-save`` prints it (addresses, protocol, then matches, then target)."""
    src = dst = proto = ""
    matches: list[list[str]] = []
    target: list[str] = []
    i, n = 0, len(args)
    neg = False
    while i < n:
        tok = args[i]
        if tok == "!":
            neg = True
            i += 1
            continue
        if tok in ("-s", "-d"):
            value = args[i + 1]
            value = value if "/" in value else value + "/32"
            text = ("! " if neg else "") + f"{tok} {value}"
            if tok == "-s":
                src = text
            else:
                dst = text
            i += 2
        elif tok == "-p":
            proto = ("! " if neg else "") + f"-p {args[i + 1]}"
            i += 2
        elif tok == "-m":
            matches.append(["-m", args[i + 1]])
            i += 2
        elif tok == "-j":
            target = list(args[i:])
            break
        else:
            opt = [tok]
            if neg:
                opt.insert(0, "!")
            i += 1
            while i < n and not args[i].startswith("-") and args[i] != "!":
                opt.append(args[i])
                i += 1
            matches[-1].extend(opt)
            neg = False
            continue
        neg = False
    parts = [p for p in (src, dst, proto) if p]
    for m in matches:
        parts.append(" ".join(_canonical_match(m)))
    if target:
        parts.append(" ".join(_canonical_target(target)))
    return f"-A {chain} " + " ".join(p for p in parts if p)


def _canonical_match(m: list[str]) -> list[str]:
    kind = m[1]
    opts = m[2:]
    if kind == "comment":
        text = opts[1].strip('"') if len(opts) > 1 else ""
        return ["-m", "comment", "--comment", f'"{text}"']
    if kind == "statistic":
        p = float(opts[opts.index("--probability") + 1])
        q = round(p * 0x80000000) / 0x80000000
        return ["-m", "statistic", "--mode", "random", "--probability", f"{q:.11f}"]
    if kind == "recent":
        name = opts[opts.index("--name") + 1]
        if "--rcheck" in opts:
            seconds = opts[opts.index("--seconds") + 1]
            return ["-m", "recent", "--rcheck", "--seconds", seconds, "--reap", "--name", name, "--mask",
                    "255.255.255.255", "--rsource"]  # fmt: skip
        return ["-m", "recent", "--set", "--name", name, "--mask", "255.255.255.255", "--rsource"]
    return ["-m", kind, *opts]


def _canonical_target(t: list[str]) -> list[str]:
    if t[1] == "MARK" and "--or-mark" in t:
        bits = t[t.index("--or-mark") + 1]
        return ["-j", "MARK", "--set-xmark", f"{bits}/{bits}"]
    if t[1] == "MARK" and "--xor-mark" in t:
        bits = t[t.index("--xor-mark") + 1]
        return ["-j", "MARK", "--set-xmark", f"{bits}/0x0"]
    if t[1] == "REJECT":
        return ["-j", "REJECT", "--reject-with", "icmp-port-unreachable"]
    return t
