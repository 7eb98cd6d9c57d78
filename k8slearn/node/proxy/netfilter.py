"""A small packet walker that executes the rules the proxiers program.

A new connection enters a node (from a local pod, from outside, or from the node
itself) and goes through the kernel's hooks in order: nat ``PREROUTING`` (or
``OUTPUT``), the routing decision, filter ``INPUT`` / ``FORWARD`` / ``OUTPUT``, nat
``POSTROUTING``. In each hook the walker runs kube-proxy's chains rule by rule - it
parses the very rule text :mod:`.iptables` renders - and follows jumps, marks, DNAT,
MASQUERADE, REJECT and DROP. nftables (verdict maps, ``numgen``) and IPVS (virtual
servers and their scheduler) have their own small interpreters.

Rules that depend on chance or on remembered state - ``-m statistic --probability``,
``-m recent --rcheck``, ``numgen random``, affinity sets, the IPVS scheduler - do not
decide during the walk: they become branches of a *decision tree* whose leaves are the
outcomes. :func:`evaluate` then walks the tree for one connection, drawing random
numbers from the cluster's generator in exactly the order the rules would, so sending
many requests only repeats the cheap tree walk while giving the result a rule-by-rule
walk would give.

Notes
-----
Semantics follow the kernel: ``-m statistic --mode random`` draws per evaluation;
``-m recent --rcheck --seconds S`` matches when the source was ``--set`` at most ``S``
seconds ago (state per node, per list name); ``DNAT`` ends the nat chain traversal of a
hook; the ``MASQUERADE`` source is the node's address. Connection tracking is reduced to
"every request is a new connection". Used in: 06_services_and_kube_proxy.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from .model import Endpoint

__all__ = [
    "Packet",
    "NodeView",
    "Hop",
    "Outcome",
    "Leaf",
    "Chance",
    "Cascade",
    "Recent",
    "Pick",
    "InSet",
    "Schedule",
    "KernelState",
    "evaluate",
    "outcome_shares",
    "walk_iptables",
    "walk_nftables",
    "walk_ipvs",
]


@dataclass(frozen=True)
class Packet:
    """The first packet of a connection: ``origin`` is ``pod``, ``external`` or ``host``."""

    src: str
    dst: str
    dport: int
    proto: str = "tcp"
    origin: str = "pod"


@dataclass(frozen=True)
class NodeView:
    """What the walker needs to know about the node: its name, address and local addresses."""

    name: str
    ip: str
    local_ips: frozenset[str] = frozenset()

    def is_local(self, ip: str) -> bool:
        return ip == self.ip or ip.startswith("127.") or ip in self.local_ips


@dataclass(frozen=True)
class Hop:
    """One step of a packet's path: where it was, the rule that decided, and what happened."""

    table: str
    chain: str
    rule: str
    action: str


@dataclass(frozen=True)
class Outcome:
    """Where a connection ended: ``delivered`` (to ``endpoint``), ``rejected``, ``dropped`` or ``refused``."""

    result: str
    endpoint: Endpoint | None
    source_seen: str  # "" when the client's own address arrives unchanged
    destination: str
    reason: str
    hops: tuple[Hop, ...] = ()
    effects: tuple = ()


@dataclass(frozen=True)
class Leaf:
    outcome: Outcome


@dataclass(frozen=True)
class Chance:
    """``-m statistic --mode random --probability p``: one draw, ``yes`` if it is below ``p``."""

    p: float
    yes: Any
    no: Any


@dataclass(frozen=True)
class Cascade:
    """Consecutive ``--probability`` rules: draw for each in turn until one matches, else ``last``.

    Exactly a chain of :class:`Chance` nodes (same draws, same order), walked in one loop.
    """

    probs: tuple[float, ...]
    branches: tuple
    last: Any


@dataclass(frozen=True)
class Recent:
    """``-m recent --name N --rcheck --seconds S``: was this client ``--set`` in N at most S seconds ago?"""

    name: str
    seconds: float
    yes: Any
    no: Any


@dataclass(frozen=True)
class Pick:
    """``numgen random mod n vmap {...}``: one draw picks branch ``k``."""

    branches: tuple


@dataclass(frozen=True)
class InSet:
    """nftables ``ip saddr @set``: is the client in a dynamic set whose entries time out?"""

    name: str
    yes: Any
    no: Any


@dataclass(frozen=True)
class Schedule:
    """IPVS: the virtual server's scheduler (``rr``) and persistence pick a real server."""

    key: tuple
    scheduler: str
    persistent: int | None
    addresses: tuple[str, ...]
    branches: tuple


@dataclass
class KernelState:
    """Per-node kernel state the rules read and write: recent lists, nft sets, IPVS tables."""

    recent: dict[str, dict[str, float]] = field(default_factory=dict)
    nft_sets: dict[str, dict[str, float]] = field(default_factory=dict)
    ipvs_next: dict[tuple, int] = field(default_factory=dict)
    ipvs_persist: dict[tuple, dict[str, tuple[str, float]]] = field(default_factory=dict)
    ipvs_connections: dict[tuple, int] = field(default_factory=dict)


def evaluate(node: Any, rng: Any, state: KernelState, now: float, client: str) -> Outcome:
    """Walk a decision tree for one new connection from ``client`` at virtual time ``now``."""
    while True:
        t = type(node)
        if t is Leaf:
            out = node.outcome
            for effect in out.effects:
                _apply(effect, state, now, client)
            return out
        if t is Cascade:
            draw = rng.random
            for p, branch in zip(node.probs, node.branches):
                if draw() < p:
                    node = branch
                    break
            else:
                node = node.last
        elif t is Chance:
            node = node.yes if rng.random() < node.p else node.no
        elif t is Recent:
            seen = state.recent.get(node.name, {}).get(client)
            node = node.yes if seen is not None and now - seen <= node.seconds else node.no
        elif t is Pick:
            node = node.branches[rng.randrange(len(node.branches))]
        elif t is InSet:
            expires = state.nft_sets.get(node.name, {}).get(client)
            node = node.yes if expires is not None and now < expires else node.no
        elif t is Schedule:
            node = node.branches[_schedule(node, state, now, client)]
        else:  # pragma: no cover - a bug in the walker
            raise TypeError(f"not a decision node: {node!r}")


def _apply(effect: tuple, state: KernelState, now: float, client: str) -> None:
    kind = effect[0]
    if kind == "recent-set":
        state.recent.setdefault(effect[1], {})[client] = now
    elif kind == "nft-update":
        state.nft_sets.setdefault(effect[1], {})[client] = now + effect[2]
    elif kind == "ipvs-conn":
        state.ipvs_connections[effect[1]] = state.ipvs_connections.get(effect[1], 0) + 1


def _schedule(node: Schedule, state: KernelState, now: float, client: str) -> int:
    if node.persistent:
        table = state.ipvs_persist.setdefault(node.key, {})
        hit = table.get(client)
        if hit is not None and now < hit[1] and hit[0] in node.addresses:
            table[client] = (hit[0], now + node.persistent)
            return node.addresses.index(hit[0])
    i = state.ipvs_next.get(node.key, 0) % len(node.addresses)
    state.ipvs_next[node.key] = i + 1
    if node.persistent:
        state.ipvs_persist.setdefault(node.key, {})[client] = (node.addresses[i], now + node.persistent)
    return i


def outcome_shares(node: Any) -> dict[Outcome, float]:
    """Probability of each outcome for a fresh client (no affinity state, scheduler at its start)."""
    out: dict[Outcome, float] = {}

    def visit(n: Any, p: float) -> None:
        t = type(n)
        if t is Leaf:
            out[n.outcome] = out.get(n.outcome, 0.0) + p
        elif t is Chance:
            visit(n.yes, p * n.p)
            visit(n.no, p * (1 - n.p))
        elif t is Cascade:
            for q, branch in zip(n.probs, n.branches):
                visit(branch, p * q)
                p *= 1 - q
            visit(n.last, p)
        elif t in (Recent, InSet):
            visit(n.no, p)
        elif t in (Pick, Schedule):
            k = len(n.branches)
            for b in n.branches:
                visit(b, p / k)

    visit(node, 1.0)
    return out


# -- addresses -----------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _net(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr, strict=False)


def _in(ip: str, cidr: str) -> bool:
    if "/" not in cidr:
        return ip == cidr
    try:
        return ipaddress.ip_address(ip) in _net(cidr)
    except ValueError:
        return False


# -- the walk state --------------------------------------------------------------------------------
@dataclass
class _St:
    src: str
    dst: str
    dport: int
    proto: str
    origin: str
    mark: int = 0
    dnat: bool = False
    effects: tuple = ()
    hops: tuple = ()


class _Walker:
    """Shared machinery: stages (hooks) with a stack of chain frames, branching on choices."""

    record: bool
    node: NodeView
    endpoints: dict[str, Endpoint]

    def hop(self, st: _St, table: str, chain: str, rule: str, action: str) -> None:
        if self.record:
            st.hops = (*st.hops, Hop(table, chain, rule, action))

    client: str = ""

    def leaf(self, st: _St, result: str, reason: str) -> Leaf:
        ep = self.endpoints.get(f"{st.dst}:{st.dport}") if result == "delivered" else None
        seen = "" if st.src == self.client else st.src
        return Leaf(Outcome(result, ep, seen, f"{st.dst}:{st.dport}", reason, st.hops, st.effects))

    def finish(self, st: _St) -> Leaf:
        """After POSTROUTING: deliver, or explain why nothing answered."""
        if st.dnat:
            ep = self.endpoints.get(f"{st.dst}:{st.dport}")
            who = f"pod {ep.pod}" if ep is not None and ep.pod else st.dst
            node = f" on {ep.node_name}" if ep is not None and ep.node_name else ""
            self.hop(st, "", "", "", f"delivered to {who}{node} ({st.dst}:{st.dport}), source seen: {st.src}")
            return self.leaf(st, "delivered", f"DNAT to {st.dst}:{st.dport}")
        if self.node.is_local(st.dst):
            self.hop(st, "", "", "", f"nothing listens on {st.dst}:{st.dport}: TCP reset")
            return self.leaf(st, "refused", f"no rule matched and nothing listens on {st.dst}:{st.dport}")
        self.hop(st, "", "", "", f"no rule matched: {st.dst} is a virtual IP nobody answers for; the client times out")
        return self.leaf(st, "dropped", f"no rule matched {st.dst}:{st.dport}")


# -- iptables --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Rule:
    text: str
    conds: tuple  # (kind, negated, value...)
    chance: float | None
    recent_check: tuple | None  # (name, seconds)
    recent_set: str | None
    target: str
    target_args: tuple


def _compile(chain: str, args: tuple[str, ...]) -> _Rule:
    conds: list[tuple] = []
    chance = None
    recent_check = None
    recent_set = None
    target, target_args = "", ()
    neg = False
    i, n = 0, len(args)
    module = ""
    while i < n:
        tok = args[i]
        if tok == "!":
            neg = True
            i += 1
            continue
        val = args[i + 1] if i + 1 < n else ""
        if tok == "-m":
            module = val
            i += 2
            continue
        if tok == "-j":
            target, target_args = val, tuple(args[i + 2 :])
            break
        step = 2
        if tok == "-p":
            conds.append(("proto", neg, val))
        elif tok == "-s":
            conds.append(("src", neg, val))
        elif tok == "-d":
            conds.append(("dst", neg, val))
        elif tok == "--dport":
            conds.append(("dport", neg, int(val)))
        elif tok == "--dst-type":
            conds.append(("dst-type", neg, val))
        elif tok == "--src-type":
            conds.append(("src-type", neg, val))
        elif tok == "--mark":
            value, _, mask = val.partition("/")
            conds.append(("mark", neg, int(value, 16), int(mask or value, 16)))
        elif tok == "--ctstate":
            conds.append(("ctstate", neg, frozenset(val.split(","))))
        elif tok == "--match-set":
            conds.append(("set", neg, val, args[i + 2]))
            step = 3
        elif tok == "--probability":
            chance = float(val)
        elif tok in ("--rcheck", "--reap", "--rsource") or (tok == "--set" and module == "recent"):
            step = 1
        elif tok == "--name" and module == "recent":
            name = val
            if "--rcheck" in args:
                seconds = float(args[args.index("--seconds") + 1])
                recent_check = (name, seconds)
            else:
                recent_set = name
        # --comment, --mode, --seconds, --nfacct-name, --mask: no effect on the walk
        i += step
        neg = False
    text = " ".join(("-A", chain, *args))
    return _Rule(text, tuple(conds), chance, recent_check, recent_set, target, target_args)


def _static_match(rule: _Rule, st: _St, node: NodeView, ipsets: dict[str, frozenset]) -> bool:
    for cond in rule.conds:
        kind, neg = cond[0], cond[1]
        if kind == "proto":
            ok = st.proto == cond[2]
        elif kind == "src":
            ok = _in(st.src, cond[2])
        elif kind == "dst":
            ok = _in(st.dst, cond[2])
        elif kind == "dport":
            ok = st.dport == cond[2]
        elif kind == "dst-type":
            ok = node.is_local(st.dst)
        elif kind == "src-type":
            ok = st.origin == "host" or st.src.startswith("127.")
        elif kind == "mark":
            ok = st.mark & cond[3] == cond[2]
        elif kind == "ctstate":
            states = {"NEW", "DNAT"} if st.dnat else {"NEW"}
            ok = bool(states & cond[2])
        elif kind == "set":
            ok = _set_key(cond[3], st) in ipsets.get(cond[2], frozenset())
        else:  # pragma: no cover
            ok = True
        if ok == neg:
            return False
    return True


def _set_key(flags: str, st: _St) -> str:
    if flags == "dst":
        return str(st.dport)
    if flags == "dst,dst":
        return f"{st.dst},{st.proto}:{st.dport}"
    if flags == "dst,dst,src":
        return f"{st.dst},{st.proto}:{st.dport},{st.src}"
    return st.dst


_BUILTIN = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}


class _Iptables(_Walker):
    def __init__(
        self,
        tables: dict[str, dict[str, list[tuple[str, ...]]]],
        node: NodeView,
        endpoints: dict[str, Endpoint],
        record: bool,
        ipsets: dict[str, frozenset] | None = None,
        ipvs: Callable[[_Iptables, _St], Any] | None = None,
    ) -> None:
        self.tables = tables
        self.node = node
        self.endpoints = endpoints
        self.record = record
        self.ipsets = ipsets or {}
        self.ipvs = ipvs
        self._compiled: dict[tuple[str, str], list[_Rule]] = {}

    def rules(self, table: str, chain: str) -> list[_Rule]:
        key = (table, chain)
        got = self._compiled.get(key)
        if got is None:
            got = [_compile(chain, args) for args in self.tables.get(table, {}).get(chain, ())]
            self._compiled[key] = got
        return got

    def stages(self, st: _St) -> list[tuple[str, str]]:
        if st.origin == "host":
            return [("nat", "OUTPUT"), ("route", ""), ("filter", "OUTPUT"), ("nat", "POSTROUTING")]
        return [("nat", "PREROUTING"), ("route", ""), ("filter", "?"), ("nat", "POSTROUTING")]

    def start(self, pkt: Packet) -> Any:
        self.client = pkt.src
        st = _St(pkt.src, pkt.dst, pkt.dport, pkt.proto, pkt.origin)
        return self.run(self.stages(st), 0, [], st)

    def run(self, stages: list, si: int, frames: list, st: _St) -> Any:
        while True:
            if not frames:
                if si >= len(stages):
                    return self.finish(st)
                table, chain = stages[si]
                si += 1
                if table == "route":
                    if self.ipvs is not None and st.origin != "host" and not st.dnat:
                        got = self.ipvs(self, st)
                        if got is not None:
                            kind, value = got
                            if kind == "leaf":
                                return value
                            # a decision over real servers: each branch continues the walk
                            sched, targets = value
                            branches = []
                            for address in targets:
                                b = replace(st)
                                ip, _, port = address.rpartition(":")
                                b.dst, b.dport, b.dnat = ip, int(port), True
                                b.effects = (*b.effects, ("ipvs-conn", (sched.key, address)))
                                self.hop(
                                    b,
                                    "ipvs",
                                    f"{st.proto.upper()} {st.dst}:{st.dport}",
                                    "",
                                    f"{sched.scheduler} -> real server {address} (Masq)",
                                )
                                branches.append(self.run(stages, si, [], b))
                            return replace(sched, branches=tuple(branches))
                    continue
                if chain == "?":
                    chain = "INPUT" if self.node.is_local(st.dst) else "FORWARD"
                frames = [[table, chain, 0]]
                continue
            frame = frames[-1]
            table, chain, idx = frame
            rules = self.rules(table, chain) if chain not in _BUILTIN else self.builtin(table, chain)
            if idx >= len(rules):
                frames.pop()
                if table == "nat" and chain not in _BUILTIN and chain != "KUBE-MARK-MASQ" and self.record:
                    back = f"back to {frames[-1][1]}" if frames else "the packet goes on unchanged"
                    self.hop(st, table, chain, "", f"no rule matched: {back}")
                continue
            frame[2] = idx + 1
            rule = rules[idx]
            if not _static_match(rule, st, self.node, self.ipsets):
                continue
            if rule.recent_check is not None:
                name, seconds = rule.recent_check
                yes = self._branch(stages, si, frames, st, rule, f"recent: client in {name} (last {seconds:g} s)")
                no = self._continue(stages, si, frames, st, rule, f"recent: client not in {name}")
                return Recent(name, seconds, yes, no)
            if rule.chance is not None:
                yes = self._branch(stages, si, frames, st, rule, f"random draw < {rule.chance:.10f}: match")
                no = self._continue(stages, si, frames, st, rule, f"random draw >= {rule.chance:.10f}: no match")
                if type(no) is Chance:
                    return Cascade((rule.chance, no.p), (yes, no.yes), no.no)
                if type(no) is Cascade:
                    return Cascade((rule.chance, *no.probs), (yes, *no.branches), no.last)
                return Chance(rule.chance, yes, no)
            result = self.execute(rule, table, chain, frames, st)
            if result is not None:
                return result

    def _branch(self, stages: list, si: int, frames: list, st: _St, rule: _Rule, note: str) -> Any:
        b = replace(st)
        fr = [list(f) for f in frames]
        table, chain = fr[-1][0], fr[-1][1]
        done = self.execute(rule, table, chain, fr, b, note)
        return done if done is not None else self.run(stages, si, fr, b)

    def _continue(self, stages: list, si: int, frames: list, st: _St, rule: _Rule, note: str) -> Any:
        b = replace(st)
        self.hop(b, frames[-1][0], frames[-1][1], rule.text, note)
        return self.run(stages, si, [list(f) for f in frames], b)

    def execute(self, rule: _Rule, table: str, chain: str, frames: list, st: _St, note: str = "") -> Any:
        """Apply a matched rule; returns a tree node when the walk ends here."""
        t = rule.target
        prefix = f"{note}; " if note else ""
        if rule.recent_set:
            st.effects = (*st.effects, ("recent-set", rule.recent_set))
        if t == "":
            self.hop(st, table, chain, rule.text, prefix + "no target: continue")
            return None
        if t == "DNAT":
            to = rule.target_args[rule.target_args.index("--to-destination") + 1]
            ip, _, port = to.rpartition(":")
            self.hop(st, table, chain, rule.text, prefix + f"DNAT {st.dst}:{st.dport} -> {to}")
            st.dst, st.dport, st.dnat = ip, int(port), True
            frames.clear()
            return None
        if t == "MARK":
            args = rule.target_args
            before = st.mark
            if "--or-mark" in args:
                st.mark |= int(args[args.index("--or-mark") + 1], 16)
            elif "--xor-mark" in args:
                st.mark ^= int(args[args.index("--xor-mark") + 1], 16)
            elif "--set-xmark" in args:
                value, _, mask = args[args.index("--set-xmark") + 1].partition("/")
                v, m = int(value, 16), int(mask or value, 16)
                st.mark = (st.mark & ~m) ^ v
            what = "set the masquerade mark" if st.mark > before else "clear the mark before SNAT"
            self.hop(st, table, chain, rule.text, prefix + f"{what} (mark 0x{st.mark:x})")
            return None
        if t == "MASQUERADE":
            self.hop(st, table, chain, rule.text, prefix + f"MASQUERADE: source {st.src} -> {self.node.ip}")
            st.src = self.node.ip
            frames.clear()
            return None
        if t == "RETURN":
            why = ": no masquerade mark, the source stays" if "! --mark" in rule.text else ""
            self.hop(st, table, chain, rule.text, prefix + "RETURN" + why)
            frames.pop()
            return None
        if t == "ACCEPT":
            self.hop(st, table, chain, rule.text, prefix + "ACCEPT")
            frames.clear()
            return None
        if t == "DROP":
            self.hop(st, table, chain, rule.text, prefix + "DROP: the packet is discarded, the client times out")
            return self.leaf(st, "dropped", f"DROP in {table}/{chain}: {_comment(rule.text)}")
        if t == "REJECT":
            self.hop(st, table, chain, rule.text, prefix + "REJECT: ICMP port unreachable back to the client")
            return self.leaf(
                st, "rejected", f"REJECT (icmp-port-unreachable) in {table}/{chain}: {_comment(rule.text)}"
            )
        # a user chain
        self.hop(st, table, chain, rule.text, prefix + f"jump {t}")
        frames.append([table, t, 0])
        return None

    def builtin(self, table: str, chain: str) -> list[_Rule]:
        key = (table, chain)
        got = self._compiled.get(key)
        if got is None:
            from .iptables import hook_rules

            hooks = self.tables.get("hooks", {}).get(table)
            if hooks is None:
                hooks = hook_rules(table)
            got = [_compile(c, args) for c, args in hooks if c == chain]
            self._compiled[key] = got
        return got


def _comment(text: str) -> str:
    m = re.search(r'--comment ("[^"]*"|\S+)', text)
    return m.group(1).strip('"') if m else text


def walk_iptables(rules: Any, node: NodeView, endpoints: dict[str, Endpoint], pkt: Packet, record: bool = False) -> Any:
    """The decision tree of ``pkt`` through iptables-mode rules (:class:`~.iptables.IptablesRules`)."""
    tables = {"filter": rules.filter, "nat": rules.nat}
    return _Iptables(tables, node, endpoints, record).start(pkt)


# -- IPVS -------------------------------------------------------------------------------------------
def walk_ipvs(rules: Any, node: NodeView, endpoints: dict[str, Endpoint], pkt: Packet, record: bool = False) -> Any:
    """The decision tree of ``pkt`` in IPVS mode (:class:`~.ipvs.IpvsRules`)."""
    nat: dict[str, list[tuple[str, ...]]] = {
        chain: [tuple(shlex.split(r)) for r in rs] for chain, rs in rules.nat.items()
    }
    ipsets = {name: frozenset(members) for name, members in rules.ipsets.items()}
    hooks = {
        "nat": [
            ("PREROUTING", ("-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES")),
            ("OUTPUT", ("-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES")),
            ("POSTROUTING", ("-m", "comment", "--comment", "kubernetes postrouting rules", "-j", "KUBE-POSTROUTING")),
        ],
        "filter": [],
    }
    local = frozenset(vs.address for vs in rules.servers.values() if vs.kind != "nodeport")
    view = NodeView(node.name, node.ip, node.local_ips | local)

    def ipvs_stage(w: _Iptables, st: _St) -> Any:
        vs = rules.servers.get((st.proto.upper(), st.dst, st.dport))
        if vs is None:
            return None
        where = f"{vs.protocol} {vs.address}:{vs.port}"
        if not vs.real_servers:
            w.hop(st, "ipvs", where, "", "virtual server has no real servers: the packet is dropped")
            return ("leaf", w.leaf(st, "dropped", f"IPVS virtual server {where} has no real servers"))
        addresses = tuple(
            rs.address for rs in sorted(vs.real_servers, key=lambda e: (int(ipaddress.ip_address(e.ip)), e.port))
        )
        sched = Schedule(vs.key, vs.scheduler, vs.persistent, addresses, ())
        return ("schedule", (sched, addresses))

    w = _Iptables({"nat": nat, "filter": {}, "hooks": hooks}, view, endpoints, record, ipsets, ipvs_stage)
    return w.start(pkt)


# -- nftables ---------------------------------------------------------------------------------------
_NFT_PRE = ("filter-prerouting-pre-dnat", "nat-prerouting")
_NFT_OUT = ("filter-output-pre-dnat", "nat-output")


class _Nft(_Walker):
    def __init__(self, rules: Any, node: NodeView, endpoints: dict[str, Endpoint], record: bool) -> None:
        self.r = rules
        self.node = node
        self.endpoints = endpoints
        self.record = record
        self.cluster_ips = frozenset(rules.cluster_ips)
        self.nodeport_ips = frozenset(rules.nodeport_ips)

    def start(self, pkt: Packet) -> Any:
        self.client = pkt.src
        st = _St(pkt.src, pkt.dst, pkt.dport, pkt.proto, pkt.origin)
        if pkt.origin == "host":
            stages = [*_NFT_OUT, "route", "filter-output", "nat-postrouting"]
        else:
            stages = [*_NFT_PRE, "route", "filter-?", "nat-postrouting"]
        return self.run(stages, 0, [], st)

    def run(self, stages: list, si: int, frames: list, st: _St) -> Any:
        while True:
            if not frames:
                if si >= len(stages):
                    return self.finish(st)
                chain = stages[si]
                si += 1
                if chain == "route":
                    continue
                if chain == "filter-?":
                    chain = "filter-input" if self.node.is_local(st.dst) else "filter-forward"
                frames = [[chain, 0, True]]  # chain, index, base chain
                continue
            frame = frames[-1]
            chain, idx = frame[0], frame[1]
            rules = self.r.chains.get(chain, ())
            if idx >= len(rules):
                frames.pop()
                continue
            frame[1] = idx + 1
            text = rules[idx]
            result = self.step(stages, si, frames, st, chain, text)
            if result is not None:
                return result

    def verdict(self, frames: list, st: _St, chain: str, text: str, verdict: str, note: str) -> Any:
        """Apply ``goto X`` / ``jump X`` / ``drop`` / ``reject`` / ``accept`` / ``return``."""
        kind, _, target = verdict.partition(" ")
        if kind == "jump":
            self.hop(st, "nft", chain, text, f"{note}jump {target}")
            frames.append([target, 0, False])
        elif kind == "goto":
            self.hop(st, "nft", chain, text, f"{note}goto {target}")
            frames[-1] = [target, 0, frames[-1][2]]
        elif kind == "drop":
            self.hop(st, "nft", chain, text, f"{note}drop: the packet is discarded, the client times out")
            return self.leaf(st, "dropped", f"drop in nftables {chain}: {_nft_comment(text)}")
        elif kind == "reject":
            self.hop(st, "nft", chain, text, f"{note}reject: ICMP port unreachable back to the client")
            return self.leaf(
                st, "rejected", f"reject (icmp port-unreachable) in nftables {chain}: {_nft_comment(text)}"
            )
        elif kind == "return":
            self.hop(st, "nft", chain, text, f"{note}return")
            frames.pop()
        elif kind == "accept":
            frames.clear()
        return None

    def step(self, stages: list, si: int, frames: list, st: _St, chain: str, text: str) -> Any:
        r = self.r
        if text.startswith("ct state new "):
            return self.verdict(frames, st, chain, text, text[len("ct state new ") :], "")
        if text.startswith(("jump ", "goto ")):
            return self.verdict(frames, st, chain, text, text, "")
        if "vmap @" in text:
            name = text.rsplit("@", 1)[1]
            table = {"service-ips": r.service_ips, "service-nodeports": r.service_nodeports,
                     "no-endpoint-services": r.no_endpoint_services, "no-endpoint-nodeports": r.no_endpoint_nodeports,
                     "firewall-ips": r.firewall_ips}[name]  # fmt: skip
            if text.startswith("ip daddr @nodeport-ips"):
                if st.dst not in self.nodeport_ips:
                    return None
                key: tuple = (st.proto, st.dport)
            else:
                key = (st.dst, st.proto, st.dport)
            hit = table.get(key)
            if hit is None:
                return None
            verdict = hit[1] if isinstance(hit, tuple) else hit
            return self.verdict(frames, st, chain, text, verdict, f"@{name} has {' . '.join(map(str, key))}: ")
        if text.startswith("ip daddr @cluster-ips reject"):
            if st.dst in self.cluster_ips:
                return self.verdict(frames, st, chain, text, "reject", "")
            return None
        m = re.match(r"ip daddr \{ (\S+) \} drop", text)
        if m:
            return self.verdict(frames, st, chain, text, "drop", "") if _in(st.dst, m.group(1)) else None
        m = re.match(r"ip daddr (\S+)(?: ip saddr != (\S+))? jump (\S+)$", text)
        if m:
            if st.dst == m.group(1) and (m.group(2) is None or not _in(st.src, m.group(2))):
                return self.verdict(frames, st, chain, text, f"jump {m.group(3)}", "")
            return None
        m = re.match(r"ip saddr @(\S+) goto (\S+)$", text)
        if m:
            name = m.group(1)
            yes_st, no_st = replace(st), replace(st)
            yes_fr, no_fr = [list(f) for f in frames], [list(f) for f in frames]
            done = self.verdict(yes_fr, yes_st, chain, text, f"goto {m.group(2)}", f"client in @{name}: ")
            yes = done if done is not None else self.run(stages, si, yes_fr, yes_st)
            self.hop(no_st, "nft", chain, text, f"client not in @{name}")
            no = self.run(stages, si, no_fr, no_st)
            return InSet(name, yes, no)
        m = re.match(r"numgen random mod (\d+) vmap \{ (.*) \}$", text)
        if m:
            targets = [part.split(" : ")[1] for part in m.group(2).split(" , ")]
            branches = []
            for k, verdict in enumerate(targets):
                b, fr = replace(st), [list(f) for f in frames]
                done = self.verdict(fr, b, chain, text, verdict, f"numgen random mod {m.group(1)} = {k}: ")
                branches.append(done if done is not None else self.run(stages, si, fr, b))
            return Pick(tuple(branches))
        m = re.match(r"ip saddr (\S+) (goto|jump) (\S+)", text)
        if m:
            return (
                self.verdict(frames, st, chain, text, f"{m.group(2)} {m.group(3)}", "")
                if _in(st.src, m.group(1))
                else None
            )
        m = re.match(r"ip saddr != \{ (.*) \} drop", text)
        if m:
            ranges = [x.strip() for x in m.group(1).split(",")]
            return None if any(_in(st.src, c) for c in ranges) else self.verdict(frames, st, chain, text, "drop", "")
        m = re.match(r"fib saddr type local (goto|jump) (\S+)", text)
        if m:
            local = st.origin == "host" or st.src.startswith("127.")
            return self.verdict(frames, st, chain, text, f"{m.group(1)} {m.group(2)}", "") if local else None
        m = re.match(r"update @(\S+) \{ ip saddr \}", text)
        if m:
            st.effects = (*st.effects, ("nft-update", m.group(1), float(r.affinity_sets.get(m.group(1), 0))))
            self.hop(st, "nft", chain, text, f"remember the client in @{m.group(1)}")
            return None
        m = re.match(r"meta l4proto (\S+) dnat to (\S+)", text)
        if m:
            to = m.group(2)
            self.hop(st, "nft", chain, text, f"DNAT {st.dst}:{st.dport} -> {to}")
            ip, _, port = to.rpartition(":")
            st.dst, st.dport, st.dnat = ip, int(port), True
            frames.clear()
            return None
        if text == "mark set mark or 0x4000":
            st.mark |= 0x4000
            self.hop(st, "nft", chain, text, f"set the masquerade mark (mark 0x{st.mark:x})")
            return None
        if text == "mark and 0x4000 == 0 return":
            if st.mark & 0x4000:
                return None
            return self.verdict(frames, st, chain, text, "return", "no masquerade mark, the source stays: ")
        if text == "mark set mark xor 0x4000":
            st.mark ^= 0x4000
            return None
        if text.startswith("masquerade"):
            self.hop(st, "nft", chain, text, f"masquerade: source {st.src} -> {self.node.ip}")
            st.src = self.node.ip
            frames.clear()
            return None
        if text == "reject":
            return self.verdict(frames, st, chain, text, "reject", "")
        return None  # pragma: no cover - a rule shape the walker does not know


def _nft_comment(text: str) -> str:
    m = re.search(r'comment "([^"]*)"', text)
    return m.group(1) if m else text


def walk_nftables(rules: Any, node: NodeView, endpoints: dict[str, Endpoint], pkt: Packet, record: bool = False) -> Any:
    """The decision tree of ``pkt`` through nftables-mode rules (:class:`~.nftables.NftRules`)."""
    return _Nft(rules, node, endpoints, record).start(pkt)
