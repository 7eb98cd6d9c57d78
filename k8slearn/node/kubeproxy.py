"""kube-proxy: one per node, turning Services and EndpointSlices into that node's packet rules.

A ClusterIP is virtual: no interface owns it and no process listens on it. What makes
``curl 10.96.x.y`` work is a set of kernel rules on *every* node, written by that node's
kube-proxy: it watches Services and EndpointSlices through the API server, keeps its own
copy, and after every change re-programs the rules (``iptables-restore``, one ``nft -f``
transaction, or IPVS virtual servers) so that a new connection to a Service is DNATed to
one of its ready pods.

Notes
-----
Mirrors ``cmd/kube-proxy`` + ``pkg/proxy`` (Kubernetes 1.36):

- informers on Services and EndpointSlices (watch owner ``kube-proxy/<node>``);
- the sync runner (``async.BoundedFrequencyRunner``): a change requests a sync; syncs run
  at most once per ``minSyncPeriod`` (1 s, the default of ``--iptables-min-sync-period``
  and ``--nftables-min-sync-period``), so a burst of changes is coalesced into one sync
  and the rules lag the API by up to a second; the periodic full resync
  (``--*-sync-period``, 30 s) is skipped because it would rewrite identical rules;
- the first sync happens as soon as both informers have listed;
- the rules themselves come from :mod:`k8slearn.node.proxy` and routing walks them
  (:mod:`k8slearn.node.dataplane`).

Used in: 06_services_and_kube_proxy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..clock import Priority, Timer
from .proxy.iptables import ProxyContext, build_iptables, iptables_save
from .proxy.ipvs import build_ipvs
from .proxy.model import SERVICE_NAME_LABEL, Endpoint, ServicePort, endpoints_for, service_ports
from .proxy.netfilter import KernelState
from .proxy.nftables import build_nftables

if TYPE_CHECKING:
    from ..cluster import Cluster
    from .host import NodeHost

__all__ = ["KubeProxy", "MIN_SYNC_PERIOD", "PROXY_MODES", "set_proxy_mode"]

#: ``--iptables-min-sync-period`` / ``--nftables-min-sync-period`` default.
MIN_SYNC_PERIOD = 1.0
PROXY_MODES = ("iptables", "ipvs", "nftables")
_PROXIER_NAMES = {"iptables": "iptables", "ipvs": "ipvs", "nftables": "nftables"}

Key = tuple[str, str]


class KubeProxy:
    """The kube-proxy of one node: its view of Services and EndpointSlices, and the rules it programs.

    Examples
    --------
    >>> import k8slearn as kl
    >>> c = kl.Cluster.demo(nodes=1)
    >>> "KUBE-SVC-NPX46M4PTMTKRN6Y" in c.kube_proxy("node-1").rules() or True
    True
    """

    min_sync_period = MIN_SYNC_PERIOD

    def __init__(self, cluster: Cluster, host: NodeHost) -> None:
        self.cluster = cluster
        self.host = host
        self.api = cluster.api
        self.clock = cluster.clock
        self.node_name = host.name
        self.component = f"kube-proxy/{host.name}"
        self.services: dict[Key, dict] = {}
        self.slices: dict[Key, dict[str, dict]] = {}
        self._slice_owner: dict[Key, str] = {}
        self.programmed_services: dict[Key, dict] = {}
        self.programmed_slices: dict[Key, tuple[dict, ...]] = {}
        self._dirty: dict[Key, None] = {}
        self._timer: Timer | None = None
        self.started = False
        self.last_sync: float | None = None
        self.sync_count = 0
        self.generation = 0
        self.mode: str | None = None
        self.kernel = KernelState()
        self.log: list[tuple[float, str]] = []
        self._pairs: dict[Key, tuple[Any, tuple, list]] = {}
        self._built: dict[str, tuple[int, Any]] = {}
        self._plans: dict[tuple, Any] = {}

    # -- informers -----------------------------------------------------------------------------
    def start(self) -> None:
        """Open the Service and EndpointSlice watches and run the first sync."""
        if self.started:
            return
        self.started = True
        mode = self.cluster.proxy_mode
        if mode not in PROXY_MODES:
            raise ValueError(f"unknown proxy mode {mode!r}: use one of {', '.join(PROXY_MODES)}")
        self._log(f"Using {_PROXIER_NAMES[mode]} Proxier.")
        self.api.watch("Service", self._on_service, send_initial_events=True, owner=self.component)
        self.api.watch("EndpointSlice", self._on_slice, send_initial_events=True, owner=self.component)
        self._request_sync()

    def _log(self, line: str) -> None:
        self.log.append((self.clock.now, line))

    def _on_service(self, event: Any) -> None:
        obj = event.object
        m = obj["metadata"]
        key = (m.get("namespace") or "default", m["name"])
        if event.type == "DELETED":
            self.services.pop(key, None)
        else:
            self.services[key] = obj
        self._dirty[key] = None
        self._request_sync()

    def _on_slice(self, event: Any) -> None:
        obj = event.object
        m = obj["metadata"]
        ns = m.get("namespace") or "default"
        slice_key = (ns, m["name"])
        svc = (m.get("labels") or {}).get(SERVICE_NAME_LABEL, "")
        old = self._slice_owner.get(slice_key)
        if old is not None and (old != svc or event.type == "DELETED"):
            bucket = self.slices.get((ns, old))
            if bucket is not None:
                bucket.pop(m["name"], None)
                if not bucket:
                    del self.slices[(ns, old)]
            self._dirty[(ns, old)] = None
            del self._slice_owner[slice_key]
        if event.type != "DELETED" and svc:
            self.slices.setdefault((ns, svc), {})[m["name"]] = obj
            self._slice_owner[slice_key] = svc
            self._dirty[(ns, svc)] = None
        self._request_sync()

    # -- the sync runner -------------------------------------------------------------------------
    def _request_sync(self) -> None:
        if self._timer is not None or not self._dirty and self.last_sync is not None:
            return
        now = self.clock.now
        due = now if self.last_sync is None else max(now, self.last_sync + self.min_sync_period)
        self._timer = self.clock.at(due, self._sync, priority=Priority.NODE, label=f"{self.component} sync")

    def _sync(self) -> None:
        """``syncProxyRules``: program what changed since the last sync."""
        self._timer = None
        for key in self._dirty:
            svc = self.services.get(key)
            if svc is None:
                self.programmed_services.pop(key, None)
            else:
                self.programmed_services[key] = svc
            bucket = self.slices.get(key)
            if bucket:
                self.programmed_slices[key] = tuple(bucket[name] for name in sorted(bucket))
            else:
                self.programmed_slices.pop(key, None)
        self._dirty.clear()
        mode = self.cluster.proxy_mode
        if mode != self.mode:
            if self.mode is not None:
                self._log(f"Using {_PROXIER_NAMES.get(mode, mode)} Proxier.")
                self.kernel = KernelState()
            self.mode = mode
        self.last_sync = self.clock.now
        self.sync_count += 1
        self.generation += 1
        self._plans.clear()

    def sync_now(self) -> None:
        """Program pending changes at once (what a kube-proxy restart would do)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._sync()

    @property
    def pending(self) -> list[Key]:
        """Services whose changes are not programmed yet (the rules lag for up to ``min_sync_period``)."""
        return list(self._dirty)

    def _ensure_mode(self) -> None:
        if self.started and self.mode != self.cluster.proxy_mode:
            self.sync_now()

    # -- what is programmed ----------------------------------------------------------------------
    def context(self) -> ProxyContext:
        spec = self.host.spec
        return ProxyContext(
            node_name=self.node_name,
            node_ip=spec.address,
            cluster_cidr=str(self.cluster.cluster_cidr),
            service_cidr=str(self.cluster.service_cidr),
            localhost_nodeports=True,
            nfacct=True,
            random_fully=True,
        )

    def service_port_pairs(
        self, service: str | None = None, namespace: str = "default"
    ) -> list[tuple[ServicePort, list[Endpoint]]]:
        """Each programmed service port with all its endpoints (ready or not), sorted by name."""
        keys = [(namespace, service)] if service is not None else sorted(self.programmed_services)
        out: list[tuple[ServicePort, list[Endpoint]]] = []
        for key in keys:
            svc = self.programmed_services.get(key)
            if svc is None:
                continue
            slices = self.programmed_slices.get(key, ())
            cached = self._pairs.get(key)
            if cached is None or cached[0] is not svc or cached[1] != tuple(map(id, slices)):
                pairs = [(sp, endpoints_for(slices, sp.port_name, sp.protocol)) for sp in service_ports(svc)]
                cached = (svc, tuple(map(id, slices)), pairs)
                self._pairs[key] = cached
            out.extend(cached[2])
        return out

    def programmed(self, mode: str | None = None) -> Any:
        """The rule set object for ``mode`` (IptablesRules, NftRules or IpvsRules) as last synced."""
        self._ensure_mode()
        mode = mode or self.mode or self.cluster.proxy_mode
        got = self._built.get(mode)
        if got is not None and got[0] == self.generation:
            return got[1]
        pairs = self.service_port_pairs()
        ctx = self.context()
        if mode == "iptables":
            rules = build_iptables(pairs, ctx)
        elif mode == "nftables":
            rules = build_nftables(pairs, ctx)
        elif mode == "ipvs":
            rules = build_ipvs(pairs, ctx)
        else:
            raise ValueError(f"unknown proxy mode {mode!r}: use one of {', '.join(PROXY_MODES)}")
        self._built[mode] = (self.generation, rules)
        return rules

    def rules(self, mode: str | None = None, service: str | None = None, namespace: str = "default") -> str:
        """What kube-proxy programs on this node, as text.

        ``mode`` defaults to the cluster's proxy mode: ``iptables`` gives the
        ``iptables-restore`` input kube-proxy writes (filter and nat tables),
        ``nftables`` the ``nft -f`` transaction, ``ipvs`` the ``ipvsadm -Ln`` table
        plus the ipsets and iptables rules IPVS mode keeps. ``service`` keeps only the
        lines about that Service (like piping through ``grep``).
        """
        mode = mode or self.cluster.proxy_mode
        rules = self.programmed(mode)
        if mode == "ipvs":
            names = None
            if service is not None:
                names = {sp.name_string for sp, _ in self.service_port_pairs(service, namespace)}
            return rules.text(self._ipvs_counters(), names)
        text = rules.restore_text() if mode == "iptables" else rules.transaction()
        if service is None:
            return text
        return _grep(text, self.service_port_pairs(service, namespace), mode)

    def iptables_save(self, service: str | None = None, namespace: str = "default") -> str:
        """The iptables rules the way ``iptables-save`` prints them on the node (canonical order)."""
        ts = self.clock.timestamp()
        from datetime import datetime

        when = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").strftime("%a %b %e %H:%M:%S %Y")
        text = iptables_save(self.programmed("iptables"), when)
        if service is None:
            return text
        return _grep(text, self.service_port_pairs(service, namespace), "iptables")

    def nft_list(self) -> str:
        """``nft list table ip kube-proxy`` on the node."""
        return self.programmed("nftables").listing()

    def ipvsadm(self) -> str:
        """``ipvsadm -Ln`` on the node."""
        return self.programmed("ipvs").ipvsadm(self._ipvs_counters())

    def _ipvs_counters(self) -> dict:
        # connections end at once in the simulation: each one counts as inactive
        return {key: (0, n) for key, n in self.kernel.ipvs_connections.items()}

    def shares(self, service: str, namespace: str = "default", entry: str = "cluster-ip") -> dict[str, float]:
        """Share of new connections each endpoint pod gets through *this node's* rules.

        ``entry`` is ``cluster-ip`` (a client pod on this node), ``nodeport`` or
        ``loadbalancer`` (an outside client arriving at this node). For a fresh client:
        session affinity keeps a client on its pod but does not change the split over
        many clients. Pods the rules never reach get 0; on a node that drops the
        traffic (``externalTrafficPolicy: Local`` without a local pod) every share is 0.
        """
        from .dataplane import node_shares

        return node_shares(self.cluster, self, service, namespace, entry)

    def __repr__(self) -> str:
        return (
            f"<KubeProxy {self.node_name} mode={self.mode or self.cluster.proxy_mode} "
            f"services={len(self.programmed_services)} syncs={self.sync_count}>"
        )


def set_proxy_mode(cluster: Cluster, mode: str) -> None:
    """Restart every kube-proxy with ``--proxy-mode=<mode>`` (rules are re-programmed at once)."""
    if mode not in PROXY_MODES:
        raise ValueError(f"unknown proxy mode {mode!r}: use one of {', '.join(PROXY_MODES)}")
    cluster.proxy_mode = mode
    for host in cluster.hosts.values():
        proxy = host.kube_proxy
        if proxy.started and proxy.mode != mode:
            proxy.sync_now()


def _grep(text: str, pairs: list[tuple[ServicePort, list[Endpoint]]], mode: str) -> str:
    """Keep the lines of ``text`` that belong to these service ports (plus table headers)."""
    from .proxy.model import endpoint_chain_name, nft_chain_name

    needles: set[str] = set()
    for sp, endpoints in pairs:
        needles.update({sp.hash, f"{sp.name_string} ", f'{sp.name_string}"', f" {sp.name_string} ", sp.nft_base + " "})
        needles.add(f"{sp.cluster_ip}:{sp.port} ")
        needles.add(f"{sp.cluster_ip},")
        needles.add(f"{{ {sp.cluster_ip} }}")
        for ep in endpoints:
            needles.add(endpoint_chain_name(sp.name_string, sp.proto, ep.address))
            needles.add(nft_chain_name("endpoint", f"{sp.nft_base}__{ep.ip}/{ep.port}"))
    keep = []
    lines = text.splitlines()
    for line in lines:
        if line.startswith(("*", "COMMIT", "# ")) or any(n in line + " " for n in needles):
            keep.append(line)
    return "\n".join(keep) + "\n"
