"""NodeResourcesFit (PreFilter, Filter, Score): does the pod fit, and how full is the node?

Filter: the node needs room for one more pod (``Too many pods``) and, for every
resource the pod requests, ``requested + pod <= allocatable`` (``Insufficient cpu`` ...;
every failing resource is reported). The filter uses the pods' real requests.

Score, by strategy, over the "non-zero" requests (a container without a cpu request
counts 100m, without a memory request 200Mi):

- ``LeastAllocated`` (default): ``(allocatable - requested) * 100 / allocatable`` per
  resource, weighted average: spread pods out.
- ``MostAllocated``: ``requested * 100 / allocatable``: pack pods (bin packing).
- ``RequestedToCapacityRatio``: a piecewise-linear ``shape`` of utilization -> score.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/noderesources`` (``fit.go``,
``least_allocated.go``, ``most_allocated.go``, ``requested_to_capacity_ratio.go``,
``resource_allocation.go``). Resources whose allocatable is 0 are left out; an extended
resource the pod does not request is not scored.
Used in: 02_scheduling, 03_bin_packing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..framework import ActionType, ClusterEvent, CycleState, Plugin, PreFilterResult, Status, VectorFilter
from .helpers import MAX_NODE_SCORE, broken_linear_function, go_round, is_scalar_resource, pod_requests

__all__ = [
    "NodeResourcesFit",
    "NAME",
    "LEAST_ALLOCATED",
    "MOST_ALLOCATED",
    "REQUESTED_TO_CAPACITY_RATIO",
    "insufficient_resources",
    "least_requested_score",
    "most_requested_score",
    "least_allocated_scorer",
    "most_allocated_scorer",
    "requested_to_capacity_ratio_scorer",
    "pod_score_requests",
    "node_allocatable_requested",
]

NAME = "NodeResourcesFit"
LEAST_ALLOCATED = "LeastAllocated"
MOST_ALLOCATED = "MostAllocated"
REQUESTED_TO_CAPACITY_RATIO = "RequestedToCapacityRatio"
#: config.MaxCustomPriorityScore: shape scores go 0..10 and are scaled by 10.
MAX_CUSTOM_PRIORITY_SCORE = 10
MAX_UTILIZATION = 100


# -- filter -----------------------------------------------------------------------------------


def _ignored(name: str, ignored: frozenset[str], groups: frozenset[str]) -> bool:
    if "/" not in name or name.startswith(("kubernetes.io/", "requests.")):
        return False  # only extended resources can be ignored
    return name in ignored or name.split("/", 1)[0] in groups


def insufficient_resources(
    pod_info: Any,
    node_info: Any,
    ignored: frozenset[str] = frozenset(),
    ignored_groups: frozenset[str] = frozenset(),
) -> list[str]:
    """The reasons the pod does not fit the node, in upstream order (empty: it fits).

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> pod = NS(cpu=3000, memory=0, ephemeral=0, scalars={})
    >>> node = NS(
    ...     pods={},
    ...     alloc_pods=110,
    ...     alloc_cpu=2000,
    ...     req_cpu=0,
    ...     alloc_mem=0,
    ...     req_mem=0,
    ...     alloc_eph=0,
    ...     req_eph=0,
    ...     alloc_scalars={},
    ...     req_scalars={},
    ... )
    >>> insufficient_resources(pod, node)
    ['Insufficient cpu']

    Notes
    -----
    Mirrors ``fitsRequest``: ``Too many pods`` first, then cpu, memory,
    ephemeral-storage and extended resources (sorted by name here; Go's map order is
    random).
    """
    out = []
    if len(node_info.pods) + 1 > node_info.alloc_pods:
        out.append("Too many pods")
    if pod_info.cpu == 0 and pod_info.memory == 0 and pod_info.ephemeral == 0 and not pod_info.scalars:
        return out
    if pod_info.cpu > 0 and pod_info.cpu > node_info.alloc_cpu - node_info.req_cpu:
        out.append("Insufficient cpu")
    if pod_info.memory > 0 and pod_info.memory > node_info.alloc_mem - node_info.req_mem:
        out.append("Insufficient memory")
    if pod_info.ephemeral > 0 and pod_info.ephemeral > node_info.alloc_eph - node_info.req_eph:
        out.append("Insufficient ephemeral-storage")
    for name in sorted(pod_info.scalars):
        want = pod_info.scalars[name]
        if want == 0 or _ignored(name, ignored, ignored_groups):
            continue
        if want > node_info.alloc_scalars.get(name, 0) - node_info.req_scalars.get(name, 0):
            out.append(f"Insufficient {name}")
    return out


# -- scoring rules -------------------------------------------------------------------------------


def least_requested_score(requested: int, capacity: int) -> int:
    """``(capacity - requested) * 100 / capacity``; 0 when over capacity.

    Examples
    --------
    >>> least_requested_score(3000, 4000), least_requested_score(5000, 4000)
    (25, 0)
    """
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested_score(requested: int, capacity: int) -> int:
    """``min(requested, capacity) * 100 / capacity``.

    Examples
    --------
    >>> most_requested_score(3000, 4000), most_requested_score(5000, 4000)
    (75, 100)
    """
    if capacity == 0:
        return 0
    return min(requested, capacity) * MAX_NODE_SCORE // capacity


def _weighted(per_resource: Sequence[int | None], weights: Sequence[int]) -> int:
    node_score = weight_sum = 0
    for score, w in zip(per_resource, weights):
        if score is None:
            continue
        node_score += score * w
        weight_sum += w
    return 0 if weight_sum == 0 else node_score // weight_sum


def least_allocated_scorer(requested: Sequence[int], allocatable: Sequence[int], weights: Sequence[int]) -> int:
    """LeastAllocated node score: weighted average of per-resource free share (integer)."""
    return _weighted([None if a == 0 else least_requested_score(r, a) for r, a in zip(requested, allocatable)], weights)


def most_allocated_scorer(requested: Sequence[int], allocatable: Sequence[int], weights: Sequence[int]) -> int:
    """MostAllocated node score: weighted average of per-resource used share (integer)."""
    return _weighted([None if a == 0 else most_requested_score(r, a) for r, a in zip(requested, allocatable)], weights)


def scaled_shape(shape: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Shape points with scores scaled from 0..10 to 0..100."""
    return [(int(u), int(s) * (MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE)) for u, s in shape]


def requested_to_capacity_ratio_scorer(
    requested: Sequence[int], allocatable: Sequence[int], weights: Sequence[int], shape: Sequence[tuple[int, int]]
) -> int:
    """RequestedToCapacityRatio node score.

    Utilization ``requested * 100 / allocatable`` (100 when over) goes through the
    piecewise-linear ``shape`` (already scaled to 0..100); resources scoring 0 are left
    out of the weighted average, which is rounded (not floored).

    Examples
    --------
    >>> shape = scaled_shape([(0, 0), (100, 10)])
    >>> requested_to_capacity_ratio_scorer([3000, 0], [4000, 8], [1, 1], shape)
    75
    """
    node_score = weight_sum = 0
    for r, a, w in zip(requested, allocatable, weights):
        if a == 0:
            continue
        util = MAX_UTILIZATION if r > a else r * MAX_UTILIZATION // a
        score = broken_linear_function(shape, util)
        if score > 0:
            node_score += score * w
            weight_sum += w
    return 0 if weight_sum == 0 else go_round(node_score / weight_sum)


def pod_score_requests(pod: Mapping, resources: Sequence[str], use_requested: bool, pod_info: Any = None) -> list[int]:
    """The pod's request per scored resource (non-zero defaults unless ``use_requested``)."""
    if pod_info is not None:
        return [pod_info.request(r, not use_requested) for r in resources]
    reqs = pod_requests(pod, non_zero=not use_requested)
    return [reqs.get(r, 0) for r in resources]


def node_allocatable_requested(node_info: Any, resource: str, pod_request: int, use_requested: bool) -> tuple[int, int]:
    """``(allocatable, requested + pod)`` of one resource on a node; ``(0, 0)`` to skip it.

    cpu and memory count the non-zero requests unless ``use_requested``; an extended
    resource the pod does not request is skipped.
    """
    if pod_request == 0 and is_scalar_resource(resource):
        return 0, 0
    if resource == "cpu":
        return node_info.alloc_cpu, (node_info.req_cpu if use_requested else node_info.non0_cpu) + pod_request
    if resource == "memory":
        return node_info.alloc_mem, (node_info.req_mem if use_requested else node_info.non0_mem) + pod_request
    if resource == "ephemeral-storage":
        return node_info.alloc_eph, node_info.req_eph + pod_request
    if resource in node_info.alloc_scalars:
        return node_info.alloc_scalars[resource], node_info.req_scalars.get(resource, 0) + pod_request
    return 0, 0


def table_allocatable_requested(
    table: Any, slots: np.ndarray, resource: str, pod_request: int, use_requested: bool, state: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """numpy twin of :func:`node_allocatable_requested` over table rows ``slots``."""
    n = len(slots)
    if pod_request == 0 and is_scalar_resource(resource):
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)

    def col(name: str) -> np.ndarray:
        return table.gather(state, name, slots) if state is not None else getattr(table, name)[slots]

    if resource == "cpu":
        return col("alloc_cpu"), col("req_cpu" if use_requested else "non0_cpu") + pod_request
    if resource == "memory":
        return col("alloc_mem"), col("req_mem" if use_requested else "non0_mem") + pod_request
    if resource == "ephemeral-storage":
        return col("alloc_eph"), col("req_eph") + pod_request
    if resource in table.alloc_scalar:
        alloc, req = table.alloc_scalar[resource], table.req_scalar[resource]
        return alloc[slots], req[slots] + pod_request
    return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)


def _vector_trunc_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    q = np.abs(a) // np.abs(b)
    return np.where((a >= 0) == (b > 0), q, -q)


def vector_scores(
    strategy: str,
    requested: list[np.ndarray],
    allocatable: list[np.ndarray],
    weights: Sequence[int],
    shape: Sequence[tuple[int, int]] = (),
) -> np.ndarray:
    """numpy twin of the three scorers (same integer arithmetic, same results)."""
    n = len(requested[0]) if requested else 0
    if n and strategy in (LEAST_ALLOCATED, MOST_ALLOCATED) and all(a.min() > 0 for a in allocatable):
        # every resource is present on every node: fewer operations, same integers
        total = np.zeros(n, dtype=np.int64)
        for r, a, w in zip(requested, allocatable, weights):
            if strategy == LEAST_ALLOCATED:
                part = a - r
                np.maximum(part, 0, out=part)  # over capacity scores 0
            else:
                part = np.minimum(r, a)
            part *= MAX_NODE_SCORE
            part //= a
            if w != 1:
                part *= w
            total += part
        total //= sum(weights)
        return total
    node_score = np.zeros(n, dtype=np.int64)
    weight_sum = np.zeros(n, dtype=np.int64)
    for r, a, w in zip(requested, allocatable, weights):
        present = a != 0
        safe = np.where(present, a, 1)
        if strategy == LEAST_ALLOCATED:
            s = np.where(r > a, 0, ((a - r) * MAX_NODE_SCORE) // safe)
            use = present
        elif strategy == MOST_ALLOCATED:
            s = (np.minimum(r, a) * MAX_NODE_SCORE) // safe
            use = present
        else:
            util = np.where(r > a, MAX_UTILIZATION, (r * MAX_UTILIZATION) // safe)
            s = _vector_broken_linear(shape, util)
            use = present & (s > 0)
        node_score += np.where(use, s * w, 0)
        weight_sum += np.where(use, w, 0)
    safe_sum = np.where(weight_sum == 0, 1, weight_sum)
    if strategy in (LEAST_ALLOCATED, MOST_ALLOCATED):
        return np.where(weight_sum == 0, 0, node_score // safe_sum)
    x = node_score / safe_sum
    t = np.trunc(x)
    t = t + np.where(np.abs(x - t) >= 0.5, np.sign(x), 0)
    return np.where(weight_sum == 0, 0, t.astype(np.int64))


def _vector_broken_linear(shape: Sequence[tuple[int, int]], p: np.ndarray) -> np.ndarray:
    out = np.full(len(p), shape[-1][1], dtype=np.int64)
    done = np.zeros(len(p), dtype=bool)
    for i, (x, y) in enumerate(shape):
        hit = (p <= x) & ~done
        if i == 0:
            val = np.full(len(p), shape[0][1], dtype=np.int64)
        else:
            x0, y0 = shape[i - 1]
            val = y0 + _vector_trunc_div((y - y0) * (p - x0), np.full(len(p), x - x0, dtype=np.int64))
        out = np.where(hit, val, out)
        done |= hit
    return out


# -- the plugin ------------------------------------------------------------------------------------

_PREFILTER_KEY = "PreFilter" + NAME
_PRESCORE_KEY = "PreScore" + NAME
_TOO_MANY = "Too many pods"


class NodeResourcesFit(Plugin):
    """PreFilter, Filter and Score plugin for cpu, memory, storage, pods and extended resources."""

    name = NAME

    def __init__(self, args: Any = None, handle: Any = None) -> None:
        super().__init__(args, handle)
        strategy = getattr(args, "scoring_strategy", None)
        self.strategy = getattr(strategy, "type", LEAST_ALLOCATED)
        resources = list(getattr(strategy, "resources", None) or [("cpu", 1), ("memory", 1)])
        self.resources = [r for r, _ in resources]
        self.weights = [int(w) for _, w in resources]
        self.shape = scaled_shape(getattr(strategy, "shape", None) or [])
        self.ignored = frozenset(getattr(args, "ignored_resources", None) or ())
        self.ignored_groups = frozenset(getattr(args, "ignored_resource_groups", None) or ())
        self._status_cache: dict[tuple[str, ...], Status] = {}

    # -- filter ------------------------------------------------------------------------------
    def _pod_info(self, state: CycleState, pod: Mapping) -> Any:
        pi = state.read("PodInfo")
        if pi is None:
            from ..cache import PodInfo

            pi = PodInfo(pod)
        return pi

    def pre_filter(self, state: CycleState, pod: Mapping, nodes) -> tuple[PreFilterResult | None, Status | None]:
        state.write(_PREFILTER_KEY, self._pod_info(state, pod))
        return None, None

    def _status(self, reasons: tuple[str, ...]) -> Status:
        s = self._status_cache.get(reasons)
        if s is None:
            s = self._status_cache[reasons] = Status.unschedulable(*reasons)
        return s

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        pi = state.read(_PREFILTER_KEY) or self._pod_info(state, pod)
        reasons = insufficient_resources(pi, node_info, self.ignored, self.ignored_groups)
        return self._status(tuple(reasons)) if reasons else None

    def filter_vector(self, state: CycleState, pod: Mapping, order: np.ndarray) -> VectorFilter:
        pi = state.read(_PREFILTER_KEY) or self._pod_info(state, pod)
        t = self.handle.snapshot.table
        # the table keeps allocatable - requested ("free") per node: one lookup per resource
        checks: list[tuple[str, np.ndarray]] = [(_TOO_MANY, t.free_pods[order] < 1)]
        if pi.cpu or pi.memory or pi.ephemeral or pi.scalars:
            if pi.cpu > 0:
                checks.append(("Insufficient cpu", t.free_cpu[order] < pi.cpu))
            if pi.memory > 0:
                checks.append(("Insufficient memory", t.free_mem[order] < pi.memory))
            if pi.ephemeral > 0:
                checks.append(("Insufficient ephemeral-storage", t.free_eph[order] < pi.ephemeral))
            for name in sorted(pi.scalars):
                want = pi.scalars[name]
                if want == 0 or _ignored(name, self.ignored, self.ignored_groups):
                    continue
                alloc, req = t.scalar_columns(name)
                checks.append((f"Insufficient {name}", alloc[order] - req[order] < want))
        fail = checks[0][1]
        for _, mask in checks[1:]:
            fail = fail | mask
        if not fail.any():
            return VectorFilter(None, Status())
        codes = np.zeros(len(order), dtype=np.int64)
        for bit, (_, mask) in enumerate(checks):
            codes |= mask.astype(np.int64) << bit
        statuses: list[Status] = []
        uniq, inverse = np.unique(codes, return_inverse=True)
        for code in uniq:
            reasons = tuple(r for bit, (r, _) in enumerate(checks) if int(code) >> bit & 1)
            statuses.append(self._status(reasons) if reasons else Status())
        return VectorFilter(fail, codes=inverse.reshape(-1), statuses=statuses)

    # -- score ---------------------------------------------------------------------------------
    def pre_score(self, state: CycleState, pod: Mapping, nodes) -> Status | None:
        reqs = pod_score_requests(pod, self.resources, use_requested=False, pod_info=state.read("PodInfo"))
        state.write(_PRESCORE_KEY, reqs)
        return None

    def _pod_requests(self, state: CycleState, pod: Mapping) -> list[int]:
        reqs = state.read(_PRESCORE_KEY)
        return pod_score_requests(pod, self.resources, False) if reqs is None else reqs

    def score(self, state: CycleState, pod: Mapping, node_info) -> int:
        reqs = self._pod_requests(state, pod)
        requested, allocatable = [], []
        for r, p in zip(self.resources, reqs):
            a, q = node_allocatable_requested(node_info, r, p, use_requested=False)
            allocatable.append(a)
            requested.append(q if a else 0)
        if self.strategy == MOST_ALLOCATED:
            return most_allocated_scorer(requested, allocatable, self.weights)
        if self.strategy == REQUESTED_TO_CAPACITY_RATIO:
            return requested_to_capacity_ratio_scorer(requested, allocatable, self.weights, self.shape)
        return least_allocated_scorer(requested, allocatable, self.weights)

    def score_vector(self, state: CycleState, pod: Mapping, slots: np.ndarray) -> np.ndarray:
        reqs = self._pod_requests(state, pod)
        table = self.handle.snapshot.table
        requested, allocatable = [], []
        for r, p in zip(self.resources, reqs):
            a, q = table_allocatable_requested(table, slots, r, p, use_requested=False, state=state)
            allocatable.append(a)
            requested.append(np.where(a != 0, q, 0))
        return vector_scores(self.strategy, requested, allocatable, self.weights, self.shape)

    def events_to_register(self) -> list:
        def pod_deleted(pod: Mapping, old, new) -> bool:
            return bool(((old or {}).get("spec") or {}).get("nodeName"))

        def node_changed(pod: Mapping, old, new) -> bool:
            from ..cache import NodeInfo, PodInfo

            if new is None:
                return False
            empty = NodeInfo(new)
            pi = PodInfo(pod)
            if insufficient_resources(pi, empty, self.ignored, self.ignored_groups):
                return False
            if old is None:
                return True
            before = NodeInfo(old)
            return (
                empty.alloc_pods > before.alloc_pods
                or (pi.cpu > 0 and empty.alloc_cpu > before.alloc_cpu)
                or (pi.memory > 0 and empty.alloc_mem > before.alloc_mem)
                or (pi.ephemeral > 0 and empty.alloc_eph > before.alloc_eph)
                or any(
                    v > 0 and empty.alloc_scalars.get(k, 0) > before.alloc_scalars.get(k, 0)
                    for k, v in pi.scalars.items()
                )  # fmt: skip
            )

        return [
            (ClusterEvent("Pod", ActionType.DELETE | ActionType.UPDATE_POD_SCALE_DOWN), pod_deleted),
            (ClusterEvent("Node", ActionType.ADD | ActionType.UPDATE_NODE_ALLOCATABLE), node_changed),
        ]
