"""The scheduler's cache: what every node has and what is already placed on it.

kube-scheduler does not ask the API server "what runs on node-3?" for every pod. It
keeps a :class:`NodeInfo` per node (allocatable, requested, the "non-zero" requested
used by scoring, pods, used host ports, images), updated from its watches on Nodes and
Pods, and it *assumes* a pod onto its node the moment it decides, before the binding is
written, so the next pod already sees the space taken.

Notes
-----
Mirrors ``pkg/scheduler/backend/cache`` (``cacheImpl``: AssumePod, FinishBinding,
ForgetPod, AddPod, UpdatePod, RemovePod, AddNode ...), ``framework.NodeInfo`` and
``PodInfo`` in ``types.go``, and the node tree that interleaves zones in the node list.
Besides the per-node objects, the cache keeps a numpy :class:`NodeTable` (one row per
node) updated incrementally, which the plugins' vectorised fast paths read; it holds
the same numbers as the NodeInfos.
Used in: 02_scheduling, 03_bin_packing.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ...api.labels import Selector, selector_from_label_selector
from .plugins.helpers import (
    REGION_LABEL,
    ZONE_LABEL,
    is_scalar_resource,
    namespaces_for_term,
    pod_priority,
    pod_requests,
    quantity_value,
)

__all__ = ["PodInfo", "AffinityTerm", "NodeInfo", "NodeTable", "NodeList", "SchedulerCache", "ImageState", "zone_key"]


class AffinityTerm:
    """A parsed pod (anti-)affinity term: selector, namespaces, topology key, weight."""

    __slots__ = ("selector", "namespaces", "namespace_selector", "topology_key", "weight")

    def __init__(self, term: Mapping, pod_namespace: str, weight: int = 0) -> None:
        self.selector: Selector = selector_from_label_selector(term.get("labelSelector"))
        names, ns_sel = namespaces_for_term(term, pod_namespace)
        self.namespaces = names
        self.namespace_selector: Selector | None = selector_from_label_selector(ns_sel) if ns_sel is not None else None
        self.topology_key: str = term.get("topologyKey") or ""
        self.weight = weight

    def matches(self, pod: PodInfo, ns_labels: Mapping[str, str] | None) -> bool:
        """Whether ``pod`` is in the term's namespaces and its labels match the selector."""
        if pod.namespace not in self.namespaces and not (
            self.namespace_selector is not None and ns_labels is not None and self.namespace_selector.matches(ns_labels)
        ):
            return False
        return self.selector.matches(pod.labels)


def _parse_terms(terms: Any, ns: str, weighted: bool) -> tuple[AffinityTerm, ...]:
    out = []
    for t in terms or ():
        try:
            if weighted:
                out.append(AffinityTerm(t.get("podAffinityTerm") or {}, ns, int(t.get("weight") or 0)))
            else:
                out.append(AffinityTerm(t, ns))
        except ValueError:
            continue  # upstream ignores terms the API server let through but cannot parse
    return tuple(out)


class PodInfo:
    """A pod plus what the scheduler computes once from it (requests, ports, terms)."""

    __slots__ = (
        "pod",
        "key",
        "uid",
        "namespace",
        "name",
        "labels",
        "node_name",
        "priority",
        "cpu",
        "memory",
        "ephemeral",
        "scalars",
        "non0_cpu",
        "non0_mem",
        "host_ports",
        "required_affinity",
        "required_anti_affinity",
        "preferred_affinity",
        "preferred_anti_affinity",
        "terminating",
        "start_time",
    )

    def __init__(self, pod: Mapping) -> None:
        meta = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        self.pod = pod
        self.namespace: str = meta.get("namespace") or ""
        self.name: str = meta.get("name", "")
        self.key = (self.namespace, self.name)
        self.uid: str = meta.get("uid", "")
        self.labels: Mapping[str, str] = meta.get("labels") or {}
        self.node_name: str = spec.get("nodeName") or ""
        self.priority = pod_priority(pod)
        reqs = pod_requests(pod)
        self.cpu = reqs.pop("cpu", 0)
        self.memory = reqs.pop("memory", 0)
        self.ephemeral = reqs.pop("ephemeral-storage", 0)
        reqs.pop("pods", None)
        self.scalars = {k: v for k, v in reqs.items() if is_scalar_resource(k)}
        non0 = pod_requests(pod, non_zero=True)
        self.non0_cpu = non0.get("cpu", 0)
        self.non0_mem = non0.get("memory", 0)
        ports = []
        for c in spec.get("containers") or ():
            for p in c.get("ports") or ():
                hp = p.get("hostPort") or 0
                if hp > 0:
                    ports.append((p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", int(hp)))
        self.host_ports = tuple(ports)
        aff = spec.get("affinity") or {}
        pa = aff.get("podAffinity") or {}
        paa = aff.get("podAntiAffinity") or {}
        ns = self.namespace
        self.required_affinity = _parse_terms(pa.get("requiredDuringSchedulingIgnoredDuringExecution"), ns, False)
        self.required_anti_affinity = _parse_terms(paa.get("requiredDuringSchedulingIgnoredDuringExecution"), ns, False)
        self.preferred_affinity = _parse_terms(pa.get("preferredDuringSchedulingIgnoredDuringExecution"), ns, True)
        self.preferred_anti_affinity = _parse_terms(
            paa.get("preferredDuringSchedulingIgnoredDuringExecution"), ns, True
        )
        self.terminating = bool(meta.get("deletionTimestamp"))
        self.start_time = (pod.get("status") or {}).get("startTime") or ""

    @property
    def has_affinity(self) -> bool:
        """Has any pod affinity or anti-affinity (``podWithAffinity``)."""
        aff = (self.pod.get("spec") or {}).get("affinity") or {}
        return bool(aff.get("podAffinity") or aff.get("podAntiAffinity"))

    def with_node(self, node_name: str) -> PodInfo:
        """A copy bound to ``node_name`` (what the cache assumes)."""
        pod = dict(self.pod)
        pod["spec"] = dict(self.pod.get("spec") or {}, nodeName=node_name)
        out = PodInfo.__new__(PodInfo)
        for attr in PodInfo.__slots__:
            setattr(out, attr, getattr(self, attr))
        out.pod = pod
        out.node_name = node_name
        return out

    def request(self, resource: str, non_zero: bool) -> int:
        """The pod's request of one resource (with the 100m/200Mi defaults if ``non_zero``)."""
        if resource == "cpu":
            return self.non0_cpu if non_zero else self.cpu
        if resource == "memory":
            return self.non0_mem if non_zero else self.memory
        if resource == "ephemeral-storage":
            return self.ephemeral
        return self.scalars.get(resource, 0)

    def __repr__(self) -> str:
        return f"<PodInfo {self.namespace}/{self.name} node={self.node_name or '-'}>"


class ImageState:
    """An image seen on nodes: its size and the nodes that have it."""

    __slots__ = ("size", "nodes", "_slots", "_index")

    def __init__(self, size: int) -> None:
        self.size = size
        self.nodes: set[str] = set()
        self._slots: dict[str, int] = {}
        self._index: np.ndarray | None = None

    def add(self, name: str, slot: int) -> None:
        self.nodes.add(name)
        self._slots[name] = slot
        self._index = None

    def discard(self, name: str) -> None:
        self.nodes.discard(name)
        self._slots.pop(name, None)
        self._index = None

    def slot_index(self) -> np.ndarray:
        """Table rows of the nodes that have the image."""
        if self._index is None:
            self._index = np.fromiter(self._slots.values(), dtype=np.int64, count=len(self._slots))
        return self._index


class NodeInfo:
    """One node as the scheduler sees it.

    Attributes
    ----------
    requested
        Sum of the pods' real requests (``{"cpu": m, "memory": bytes, ...}``).
    non0_cpu, non0_mem
        Requests with the 100m / 200Mi defaults for containers that set none (scoring).
    allocatable
        ``status.allocatable`` (cpu in millicores, others in units), plus ``pods``.
    """

    __slots__ = (
        "node",
        "name",
        "pods",
        "pods_with_affinity",
        "pods_with_required_anti_affinity",
        "req_cpu",
        "req_mem",
        "req_eph",
        "req_scalars",
        "non0_cpu",
        "non0_mem",
        "alloc_cpu",
        "alloc_mem",
        "alloc_eph",
        "alloc_pods",
        "alloc_scalars",
        "used_ports",
        "images",
        "generation",
        "slot",
        "labels",
        "taints",
    )

    def __init__(self, node: Mapping | None = None) -> None:
        self.node: Mapping | None = None
        self.name = ""
        self.pods: dict[tuple[str, str], PodInfo] = {}
        self.pods_with_affinity: dict[tuple[str, str], PodInfo] = {}
        self.pods_with_required_anti_affinity: dict[tuple[str, str], PodInfo] = {}
        self.req_cpu = self.req_mem = self.req_eph = 0
        self.req_scalars: dict[str, int] = {}
        self.non0_cpu = self.non0_mem = 0
        self.alloc_cpu = self.alloc_mem = self.alloc_eph = self.alloc_pods = 0
        self.alloc_scalars: dict[str, int] = {}
        self.used_ports: dict[tuple[str, int], dict[str, int]] = {}
        self.images: dict[str, int] = {}
        self.generation = 0
        self.slot = -1
        self.labels: Mapping[str, str] = {}
        self.taints: tuple[Mapping, ...] = ()
        if node is not None:
            self.set_node(node)

    # -- node ----------------------------------------------------------------------------
    def set_node(self, node: Mapping) -> None:
        meta = node.get("metadata") or {}
        status = node.get("status") or {}
        self.node = node
        self.name = meta.get("name", "")
        self.labels = meta.get("labels") or {}
        self.taints = tuple((node.get("spec") or {}).get("taints") or ())
        alloc = status.get("allocatable") or status.get("capacity") or {}
        self.alloc_cpu = quantity_value("cpu", str(alloc.get("cpu", "0")))
        self.alloc_mem = quantity_value("memory", str(alloc.get("memory", "0")))
        self.alloc_eph = quantity_value("ephemeral-storage", str(alloc.get("ephemeral-storage", "0")))
        self.alloc_pods = quantity_value("pods", str(alloc.get("pods", "0")))
        self.alloc_scalars = {k: quantity_value(k, str(v)) for k, v in alloc.items() if is_scalar_resource(k)}
        images: dict[str, int] = {}
        for img in status.get("images") or ():
            for name in img.get("names") or ():
                images[name] = int(img.get("sizeBytes") or 0)
        self.images = images
        self.generation += 1

    @property
    def unschedulable(self) -> bool:
        return bool(((self.node or {}).get("spec") or {}).get("unschedulable"))

    # -- pods ----------------------------------------------------------------------------
    def add_pod_info(self, pi: PodInfo) -> None:
        self.pods[pi.key] = pi
        if (
            pi.required_affinity
            or pi.required_anti_affinity
            or pi.preferred_affinity
            or pi.preferred_anti_affinity
            or pi.has_affinity
        ):
            self.pods_with_affinity[pi.key] = pi
        if pi.required_anti_affinity:
            self.pods_with_required_anti_affinity[pi.key] = pi
        self._update(pi, 1)

    def remove_pod_info(self, pi: PodInfo) -> PodInfo | None:
        old = self.pods.pop(pi.key, None)
        if old is None:
            return None
        self.pods_with_affinity.pop(pi.key, None)
        self.pods_with_required_anti_affinity.pop(pi.key, None)
        self._update(old, -1)
        return old

    def _update(self, pi: PodInfo, sign: int) -> None:
        self.req_cpu += sign * pi.cpu
        self.req_mem += sign * pi.memory
        self.req_eph += sign * pi.ephemeral
        for k, v in pi.scalars.items():
            self.req_scalars[k] = self.req_scalars.get(k, 0) + sign * v
        self.non0_cpu += sign * pi.non0_cpu
        self.non0_mem += sign * pi.non0_mem
        for ip, proto, port in pi.host_ports:
            users = self.used_ports.setdefault((proto, port), {})
            users[ip] = users.get(ip, 0) + sign
            if users[ip] <= 0:
                del users[ip]
                if not users:
                    del self.used_ports[(proto, port)]
        self.generation += 1

    def clone(self) -> NodeInfo:
        """A copy whose pods can be added and removed (preemption dry runs)."""
        out = NodeInfo.__new__(NodeInfo)
        for attr in NodeInfo.__slots__:
            setattr(out, attr, getattr(self, attr))
        out.pods = dict(self.pods)
        out.pods_with_affinity = dict(self.pods_with_affinity)
        out.pods_with_required_anti_affinity = dict(self.pods_with_required_anti_affinity)
        out.req_scalars = dict(self.req_scalars)
        out.used_ports = {k: dict(v) for k, v in self.used_ports.items()}
        out.slot = -1
        return out

    def __repr__(self) -> str:
        return (
            f"<NodeInfo {self.name} pods={len(self.pods)} cpu={self.req_cpu}/{self.alloc_cpu}m "
            f"memory={self.req_mem}/{self.alloc_mem}>"
        )


def _same_placement(placed: PodInfo, pod: Mapping) -> bool:
    """The new pod object counts exactly as the placed one (same node, spec, labels, uid)."""
    old = placed.pod
    meta, old_meta = pod.get("metadata") or {}, old.get("metadata") or {}
    if meta.get("uid") != old_meta.get("uid") or bool(meta.get("deletionTimestamp")) != placed.terminating:
        return False
    if meta.get("labels") != old_meta.get("labels"):
        return False
    spec, old_spec = pod.get("spec") or {}, old.get("spec") or {}
    if spec is old_spec:
        return True
    if spec.get("nodeName") != placed.node_name:
        return False
    if spec.get("containers") is not old_spec.get("containers"):
        return spec == dict(old_spec, nodeName=spec.get("nodeName"))
    return (
        spec.get("initContainers") is old_spec.get("initContainers")
        and spec.get("overhead") == old_spec.get("overhead")
        and spec.get("affinity") is old_spec.get("affinity")
    )


def zone_key(labels: Mapping[str, str]) -> str:
    """``region:\\x00:zone`` (empty when the node has neither label), as ``utilnode.GetZoneKey``."""
    region = labels.get(REGION_LABEL, "")
    zone = labels.get(ZONE_LABEL, "")
    if not region and not zone:
        return ""
    return f"{region}:\x00:{zone}"


_INT_COLS = ("alloc_cpu", "alloc_mem", "alloc_eph", "alloc_pods", "req_cpu", "req_mem", "req_eph", "non0_cpu",
             "non0_mem", "npods", "free_cpu", "free_mem", "free_eph", "free_pods")  # fmt: skip
_BOOL_COLS = ("unschedulable", "hard_taints", "soft_taints", "valid")


class NodeTable:
    """Numbers of every node as numpy columns, one row (slot) per node.

    The rows hold exactly what the NodeInfos hold; the vectorised Filter/Score fast
    paths read them. Scalar (extended) resources get columns on first use.
    """

    def __init__(self, capacity: int = 64) -> None:
        self.capacity = capacity
        for col in _INT_COLS:
            setattr(self, col, np.zeros(capacity, dtype=np.int64))
        for col in _BOOL_COLS:
            setattr(self, col, np.zeros(capacity, dtype=bool))
        self.alloc_scalar: dict[str, np.ndarray] = {}
        self.req_scalar: dict[str, np.ndarray] = {}
        self.names: list[str] = [""] * capacity
        self.infos: list[NodeInfo | None] = [None] * capacity
        self.free: list[int] = []
        self.size = 0
        #: how many nodes are cordoned / have NoSchedule-NoExecute / PreferNoSchedule taints
        self.n_unschedulable = 0
        self.n_hard_taints = 0
        self.n_soft_taints = 0
        self._name_rank: np.ndarray | None = None

    def _grow(self) -> None:
        new = self.capacity * 2
        for col in (*_INT_COLS, *_BOOL_COLS):
            old = getattr(self, col)
            arr = np.zeros(new, dtype=old.dtype)
            arr[: self.capacity] = old
            setattr(self, col, arr)
        for d in (self.alloc_scalar, self.req_scalar):
            for k, old in d.items():
                arr = np.zeros(new, dtype=np.int64)
                arr[: self.capacity] = old
                d[k] = arr
        self.names.extend([""] * (new - self.capacity))
        self.infos.extend([None] * (new - self.capacity))
        self.capacity = new

    def allocate(self, name: str, info: NodeInfo | None = None) -> int:
        self._name_rank = None
        if self.free:
            slot = self.free.pop()
        else:
            if self.size == self.capacity:
                self._grow()
            slot = self.size
            self.size += 1
        self.names[slot] = name
        self.infos[slot] = info
        self.valid[slot] = True
        return slot

    def release(self, slot: int) -> None:
        self._name_rank = None
        self.n_unschedulable -= int(self.unschedulable[slot])
        self.n_hard_taints -= int(self.hard_taints[slot])
        self.n_soft_taints -= int(self.soft_taints[slot])
        self.infos[slot] = None
        for col in _INT_COLS:
            getattr(self, col)[slot] = 0
        for col in _BOOL_COLS:
            getattr(self, col)[slot] = False
        for d in (self.alloc_scalar, self.req_scalar):
            for arr in d.values():
                arr[slot] = 0
        self.names[slot] = ""
        self.free.append(slot)

    def gather(self, state: Any, column: str, slots: np.ndarray) -> np.ndarray:
        """``column[slots]``, computed once per scheduling cycle and shared by the plugins."""
        cache = state.read("k8slearn/gather")
        if cache is None or cache[0] is not slots:
            cache = (slots, {})
            state.write("k8slearn/gather", cache)
        values = cache[1].get(column)
        if values is None:
            values = cache[1][column] = getattr(self, column)[slots]
        return values

    def name_rank(self) -> np.ndarray:
        """Per slot, the rank of the node's name in name order (ties are broken in name order)."""
        if self._name_rank is None:
            rank = np.zeros(self.capacity, dtype=np.int64)
            used = [(self.names[s], s) for s in range(self.size) if self.valid[s]]
            for r, (_, s) in enumerate(sorted(used)):
                rank[s] = r
            self._name_rank = rank
        return self._name_rank

    def scalar_columns(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in self.alloc_scalar:
            self.alloc_scalar[name] = np.zeros(self.capacity, dtype=np.int64)
            self.req_scalar[name] = np.zeros(self.capacity, dtype=np.int64)
        return self.alloc_scalar[name], self.req_scalar[name]

    def sync(self, ni: NodeInfo) -> None:
        """Copy one NodeInfo's numbers into its row."""
        s = ni.slot
        self.alloc_cpu[s] = ni.alloc_cpu
        self.alloc_mem[s] = ni.alloc_mem
        self.alloc_eph[s] = ni.alloc_eph
        self.alloc_pods[s] = ni.alloc_pods
        effects = [t.get("effect") for t in ni.taints]
        for col, counter, value in (
            ("unschedulable", "n_unschedulable", ni.unschedulable),
            ("hard_taints", "n_hard_taints", "NoSchedule" in effects or "NoExecute" in effects),
            ("soft_taints", "n_soft_taints", "PreferNoSchedule" in effects),
        ):
            arr = getattr(self, col)
            if bool(arr[s]) != value:
                setattr(self, counter, getattr(self, counter) + (1 if value else -1))
                arr[s] = value
        for name in set(self.alloc_scalar) | set(ni.alloc_scalars) | set(ni.req_scalars):
            alloc, req = self.scalar_columns(name)
            alloc[s] = ni.alloc_scalars.get(name, 0)
            req[s] = ni.req_scalars.get(name, 0)
        self._sync_requested(ni)

    def _sync_requested(self, ni: NodeInfo) -> None:
        s = ni.slot
        self.req_cpu[s] = ni.req_cpu
        self.req_mem[s] = ni.req_mem
        self.req_eph[s] = ni.req_eph
        self.non0_cpu[s] = ni.non0_cpu
        self.non0_mem[s] = ni.non0_mem
        self.npods[s] = len(ni.pods)
        # what is left, kept ready for the Fit filter
        self.free_cpu[s] = ni.alloc_cpu - ni.req_cpu
        self.free_mem[s] = ni.alloc_mem - ni.req_mem
        self.free_eph[s] = ni.alloc_eph - ni.req_eph
        self.free_pods[s] = ni.alloc_pods - len(ni.pods)

    def sync_pods(self, ni: NodeInfo, pi: PodInfo) -> None:
        """Cheaper row update after a pod was added to or removed from ``ni``."""
        self._sync_requested(ni)
        for name in pi.scalars:
            _, req = self.scalar_columns(name)
            req[ni.slot] = ni.req_scalars.get(name, 0)


class NodeList(Sequence):
    """NodeInfos of table rows (``slots``), materialized only when read."""

    __slots__ = ("table", "slots", "_items")

    def __init__(self, table: NodeTable, slots: np.ndarray) -> None:
        self.table = table
        self.slots = slots
        self._items: list[NodeInfo] | None = None

    def _list(self) -> list[NodeInfo]:
        if self._items is None:
            infos = self.table.infos
            self._items = [infos[s] for s in self.slots.tolist()]  # type: ignore[misc]
        return self._items

    def __len__(self) -> int:
        return len(self.slots)

    def __getitem__(self, i: Any) -> Any:
        return self._list()[i]

    def __iter__(self) -> Iterator[NodeInfo]:
        return iter(self._list())


class _SelectorCounts:
    __slots__ = ("namespace", "selector", "counts")

    def __init__(self, namespace: str, selector: Selector, counts: np.ndarray) -> None:
        self.namespace = namespace
        self.selector = selector
        self.counts = counts


class SchedulerCache:
    """Nodes and placed pods (bound or assumed), kept from watch events.

    ``node_list()`` is the snapshot order the scheduler searches in: nodes of different
    zones interleaved (zone A's first node, zone B's first node, zone A's second ...),
    as upstream's node tree lists them.
    """

    def __init__(self, max_selector_indexes: int = 256) -> None:
        self.nodes: dict[str, NodeInfo] = {}
        self._ghosts: dict[str, NodeInfo] = {}
        self.table = NodeTable()
        self.pod_nodes: dict[tuple[str, str], str] = {}
        self.assumed: set[tuple[str, str]] = set()
        self.images: dict[str, ImageState] = {}
        self._zones: dict[str, list[str]] = {}
        self._node_list: list[NodeInfo] | None = None
        self._order: np.ndarray | None = None
        self.labels_generation = 0
        self.nodes_with_affinity_pods: set[str] = set()
        self.nodes_with_anti_affinity_pods: set[str] = set()
        self._selector_counts: OrderedDict[tuple[str, Selector], _SelectorCounts] = OrderedDict()
        self._max_selector_indexes = max_selector_indexes
        self._label_values: OrderedDict[Any, tuple[int, np.ndarray]] = OrderedDict()
        self.generation = 0

    # -- snapshot ----------------------------------------------------------------------------
    def node_list(self) -> list[NodeInfo]:
        """All nodes in search order (zones interleaved)."""
        if self._node_list is None:
            zones = [names for names in self._zones.values() if names]
            out: list[NodeInfo] = []
            i = 0
            while True:
                added = False
                for names in zones:
                    if i < len(names):
                        out.append(self.nodes[names[i]])
                        added = True
                if not added:
                    break
                i += 1
            self._node_list = out
            self._order = np.fromiter((ni.slot for ni in out), dtype=np.int64, count=len(out))
        return self._node_list

    def order(self) -> np.ndarray:
        """Table slots of :meth:`node_list`, in the same order."""
        if self._order is None:
            self.node_list()
        return self._order

    def num_nodes(self) -> int:
        return len(self.nodes)

    def get(self, name: str) -> NodeInfo | None:
        return self.nodes.get(name)

    def __iter__(self) -> Iterator[NodeInfo]:
        return iter(self.node_list())

    def __len__(self) -> int:
        return len(self.nodes)

    # -- nodes ----------------------------------------------------------------------------------
    def add_node(self, node: Mapping) -> NodeInfo:
        name = (node.get("metadata") or {}).get("name", "")
        if name in self.nodes:
            return self.update_node(self.nodes[name].node, node)
        ni = self._ghosts.pop(name, None) or NodeInfo()
        ni.set_node(node)
        ni.slot = self.table.allocate(name, ni)
        self.nodes[name] = ni
        self._zones.setdefault(zone_key(ni.labels), []).append(name)
        self._invalidate_order()
        self._add_images(ni)
        self.table.sync(ni)
        for pi in ni.pods.values():
            self._index_pod(ni, pi, 1)
        self._track_affinity(ni)
        self.labels_generation += 1
        self.generation += 1
        return ni

    def update_node(self, old: Mapping | None, node: Mapping) -> NodeInfo:
        name = (node.get("metadata") or {}).get("name", "")
        ni = self.nodes.get(name)
        if ni is None:
            return self.add_node(node)
        old_zone = zone_key(ni.labels)
        old_labels = ni.labels
        old_images = ni.images
        ni.set_node(node)
        if ni.images != old_images:
            new_images = ni.images
            ni.images = old_images
            self._remove_images(ni)
            ni.images = new_images
            self._add_images(ni)
        new_zone = zone_key(ni.labels)
        if new_zone != old_zone:
            self._zones[old_zone].remove(name)
            self._zones.setdefault(new_zone, []).append(name)
            self._invalidate_order()
        if old_labels != ni.labels:
            self.labels_generation += 1
        self.table.sync(ni)
        self.generation += 1
        return ni

    def remove_node(self, node: Mapping) -> None:
        name = (node.get("metadata") or {}).get("name", "")
        ni = self.nodes.pop(name, None)
        if ni is None:
            return
        self._remove_images(ni)
        self._zones[zone_key(ni.labels)].remove(name)
        for pi in ni.pods.values():
            self._index_pod(ni, pi, -1)
        self.table.release(ni.slot)
        ni.slot = -1
        self.nodes_with_affinity_pods.discard(name)
        self.nodes_with_anti_affinity_pods.discard(name)
        if ni.pods:
            ni.node = None
            self._ghosts[name] = ni  # pods still point at it; their deletion events follow
        self._invalidate_order()
        self.labels_generation += 1
        self.generation += 1

    def _invalidate_order(self) -> None:
        self._node_list = None
        self._order = None

    def _add_images(self, ni: NodeInfo) -> None:
        for name, size in ni.images.items():
            st = self.images.get(name)
            if st is None:
                st = self.images[name] = ImageState(size)
            st.size = size
            st.add(ni.name, ni.slot)

    def _remove_images(self, ni: NodeInfo) -> None:
        for name in ni.images:
            st = self.images.get(name)
            if st is not None:
                st.discard(ni.name)
                if not st.nodes:
                    del self.images[name]

    # -- pods -----------------------------------------------------------------------------------
    def _node_for(self, node_name: str) -> NodeInfo:
        ni = self.nodes.get(node_name)
        if ni is None:
            ni = self._ghosts.get(node_name)
            if ni is None:
                ni = self._ghosts[node_name] = NodeInfo()
                ni.name = node_name
        return ni

    def _place(self, pi: PodInfo) -> None:
        ni = self._node_for(pi.node_name)
        ni.add_pod_info(pi)
        self.pod_nodes[pi.key] = pi.node_name
        if ni.slot >= 0:
            self.table.sync_pods(ni, pi)
            self._index_pod(ni, pi, 1)
            self._track_affinity(ni)
        self.generation += 1

    def _unplace(self, key: tuple[str, str]) -> PodInfo | None:
        node_name = self.pod_nodes.pop(key, None)
        if node_name is None:
            return None
        ni = self.nodes.get(node_name) or self._ghosts.get(node_name)
        if ni is None:
            return None
        old = ni.pods.get(key)
        if old is None:
            return None
        ni.remove_pod_info(old)
        if ni.slot >= 0:
            self.table.sync_pods(ni, old)
            self._index_pod(ni, old, -1)
            self._track_affinity(ni)
        elif not ni.pods and ni.node is None:
            self._ghosts.pop(node_name, None)
        self.generation += 1
        return old

    def _track_affinity(self, ni: NodeInfo) -> None:
        for attr, bucket in (
            ("pods_with_affinity", self.nodes_with_affinity_pods),
            ("pods_with_required_anti_affinity", self.nodes_with_anti_affinity_pods),
        ):
            if getattr(ni, attr):
                bucket.add(ni.name)
            else:
                bucket.discard(ni.name)

    def add_pod(self, pod: Mapping) -> PodInfo:
        """A pod bound to a node (from the watch); replaces an assumed copy."""
        meta = pod.get("metadata") or {}
        key = (meta.get("namespace") or "", meta.get("name", ""))
        placed = self.pod_info(key)
        if placed is not None and _same_placement(placed, pod):
            # only the status (or the binding of an assumed pod) changed: keep the numbers
            placed.pod = pod
            placed.start_time = (pod.get("status") or {}).get("startTime") or ""
            self.assumed.discard(key)
            return placed
        pi = PodInfo(pod)
        if pi.key in self.pod_nodes:
            self._unplace(pi.key)
        self.assumed.discard(pi.key)
        self._place(pi)
        return pi

    def update_pod(self, pod: Mapping) -> PodInfo:
        return self.add_pod(pod)

    def remove_pod(self, pod: Mapping) -> PodInfo | None:
        meta = pod.get("metadata") or {}
        key = (meta.get("namespace") or "", meta.get("name", ""))
        self.assumed.discard(key)
        return self._unplace(key)

    def assume_pod(self, pi: PodInfo, node_name: str) -> PodInfo:
        """Count the pod on ``node_name`` now, before the binding is written (Reserve)."""
        assumed = pi.with_node(node_name)
        if assumed.key in self.pod_nodes:
            self._unplace(assumed.key)
        self._place(assumed)
        self.assumed.add(assumed.key)
        return assumed

    def forget_pod(self, key: tuple[str, str]) -> None:
        """Undo :meth:`assume_pod` (binding failed)."""
        if key in self.assumed:
            self.assumed.discard(key)
            self._unplace(key)

    def is_assumed(self, key: tuple[str, str]) -> bool:
        return key in self.assumed

    def pod_info(self, key: tuple[str, str]) -> PodInfo | None:
        node = self.pod_nodes.get(key)
        if node is None:
            return None
        ni = self.nodes.get(node) or self._ghosts.get(node)
        return ni.pods.get(key) if ni else None

    # -- per-node values that depend only on the node object (labels, name) ------------------------
    def node_values(self, key: Any, fn: Any, dtype: Any = bool) -> np.ndarray:
        """``fn(node_info)`` for every node, per table slot, cached until node labels change.

        ``key`` identifies ``fn`` (e.g. the pod's node selector as JSON). The values are
        the readable per-node function's own results, so fast paths built on them give
        exactly the same answers.
        """
        hit = self._label_values.get(key)
        if hit is not None and hit[0] == self.labels_generation:
            self._label_values.move_to_end(key)
            return hit[1]
        values = np.zeros(self.table.capacity, dtype=dtype)
        for ni in self.nodes.values():
            values[ni.slot] = fn(ni)
        self._label_values[key] = (self.labels_generation, values)
        if len(self._label_values) > self._max_selector_indexes:
            self._label_values.popitem(last=False)
        return values

    def label_codes(self, key: str) -> tuple[np.ndarray, list[str], dict[str, int]]:
        """Per table slot, an integer code of the node's value of label ``key`` (-1: no label).

        Returns ``(codes, values, index)`` with ``values[code]`` the label value.
        """
        cache_key = ("label-codes", key)
        hit = self._label_values.get(cache_key)
        if hit is not None and hit[0] == self.labels_generation:
            return hit[1]
        codes = np.full(self.table.capacity, -1, dtype=np.int64)
        index: dict[str, int] = {}
        values: list[str] = []
        for ni in self.node_list():
            v = ni.labels.get(key)
            if v is None:
                continue
            code = index.get(v)
            if code is None:
                code = index[v] = len(values)
                values.append(v)
            codes[ni.slot] = code
        result = (codes, values, index)
        self._label_values[cache_key] = (self.labels_generation, result)  # type: ignore[assignment]
        return result

    # -- counts of pods matching a selector, per node (PodTopologySpread) ---------------------------
    def selector_counts(self, namespace: str, selector: Selector) -> np.ndarray:
        """Per table slot: non-terminating pods of ``namespace`` whose labels match ``selector``.

        Built once by a scan, then kept current on every pod change (bounded LRU).
        """
        key = (namespace, selector)
        entry = self._selector_counts.get(key)
        if entry is not None:
            self._selector_counts.move_to_end(key)
            if len(entry.counts) < self.table.capacity:
                grown = np.zeros(self.table.capacity, dtype=np.int64)
                grown[: len(entry.counts)] = entry.counts
                entry.counts = grown
            return entry.counts
        counts = np.zeros(self.table.capacity, dtype=np.int64)
        for ni in self.nodes.values():
            n = 0
            for pi in ni.pods.values():
                if pi.namespace == namespace and not pi.terminating and selector.matches(pi.labels):
                    n += 1
            counts[ni.slot] = n
        self._selector_counts[key] = _SelectorCounts(namespace, selector, counts)
        if len(self._selector_counts) > self._max_selector_indexes:
            self._selector_counts.popitem(last=False)
        return counts

    def _index_pod(self, ni: NodeInfo, pi: PodInfo, sign: int) -> None:
        if pi.terminating or not self._selector_counts:
            return
        for entry in self._selector_counts.values():
            if entry.namespace == pi.namespace and entry.selector.matches(pi.labels):
                if ni.slot >= len(entry.counts):
                    grown = np.zeros(self.table.capacity, dtype=np.int64)
                    grown[: len(entry.counts)] = entry.counts
                    entry.counts = grown
                entry.counts[ni.slot] += sign

    def __repr__(self) -> str:
        return f"<SchedulerCache nodes={len(self.nodes)} pods={len(self.pod_nodes)} assumed={len(self.assumed)}>"
