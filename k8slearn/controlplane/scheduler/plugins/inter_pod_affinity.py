"""InterPodAffinity (PreFilter, Filter, PreScore, Score): place pods near or away from others.

Filter, for the pod's required terms: affinity needs, in the node's topology domain, a
pod matching all its affinity terms (a first pod that matches its own terms may start
the group); anti-affinity needs no matching pod there; and existing pods' required
anti-affinity must not match the new pod in that domain.
Score: preferred terms add (affinity) or subtract (anti-affinity) their weight for
every matching pod in the domain, in both directions (the new pod's terms and existing
pods' terms, their required affinity counting ``hardPodAffinityWeight``); the totals are
scaled to 0..100 between the lowest and highest node.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/interpodaffinity`` (``filtering.go``,
``scoring.go``).
Used in: 02_scheduling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..framework import ActionType, ClusterEvent, CycleState, Plugin, PreFilterResult, Status

__all__ = [
    "InterPodAffinity",
    "NAME",
    "ERR_REASON_AFFINITY",
    "ERR_REASON_ANTI_AFFINITY",
    "ERR_REASON_EXISTING_ANTI_AFFINITY",
    "normalize",
]

NAME = "InterPodAffinity"
ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
_FAIL_AFFINITY = Status.unresolvable(ERR_REASON_AFFINITY)
_FAIL_ANTI = Status.unschedulable(ERR_REASON_ANTI_AFFINITY)
_FAIL_EXISTING = Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY)


def _update(counts: dict[tuple[str, str], int], labels: Mapping[str, str], key: str, value: int) -> None:
    tv = labels.get(key)
    if tv is None:
        return
    pair = (key, tv)
    n = counts.get(pair, 0) + value
    if n == 0:
        counts.pop(pair, None)
    else:
        counts[pair] = n


def matches_all_terms(terms: Sequence[Any], pod_info: Any) -> bool:
    """True when the pod matches every term (and there is at least one)."""
    if not terms:
        return False
    return all(t.matches(pod_info, None) for t in terms)


class _FilterState:
    __slots__ = ("pod_info", "ns_labels", "existing_anti", "affinity", "anti")

    def __init__(self, pod_info: Any, ns_labels: Mapping[str, str]) -> None:
        self.pod_info = pod_info
        self.ns_labels = ns_labels
        self.existing_anti: dict[tuple[str, str], int] = {}
        self.affinity: dict[tuple[str, str], int] = {}
        self.anti: dict[tuple[str, str], int] = {}

    def clone(self) -> _FilterState:
        out = _FilterState(self.pod_info, self.ns_labels)
        out.existing_anti = dict(self.existing_anti)
        out.affinity = dict(self.affinity)
        out.anti = dict(self.anti)
        return out

    def update_with_pod(self, other: Any, labels: Mapping[str, str], sign: int) -> None:
        for t in other.required_anti_affinity:
            if t.matches(self.pod_info, self.ns_labels):
                _update(self.existing_anti, labels, t.topology_key, sign)
        if matches_all_terms(self.pod_info.required_affinity, other):
            for t in self.pod_info.required_affinity:
                _update(self.affinity, labels, t.topology_key, sign)
        for t in self.pod_info.required_anti_affinity:
            if t.matches(other, None):
                _update(self.anti, labels, t.topology_key, sign)


def satisfies_pod_affinity(st: _FilterState, labels: Mapping[str, str]) -> bool:
    """The node's domains hold pods matching the required affinity (or the first-pod rule)."""
    pods_exist = True
    for t in st.pod_info.required_affinity:
        tv = labels.get(t.topology_key)
        if tv is None:
            return False
        if st.affinity.get((t.topology_key, tv), 0) <= 0:
            pods_exist = False
    if not pods_exist:
        # the first pod of a group that selects itself may go anywhere with the topologies
        return not st.affinity and matches_all_terms(st.pod_info.required_affinity, st.pod_info)
    return True


def satisfies_pod_anti_affinity(st: _FilterState, labels: Mapping[str, str]) -> bool:
    for t in st.pod_info.required_anti_affinity:
        tv = labels.get(t.topology_key)
        if tv is not None and st.anti.get((t.topology_key, tv), 0) > 0:
            return False
    return True


def satisfies_existing_anti_affinity(st: _FilterState, labels: Mapping[str, str]) -> bool:
    if not st.existing_anti:
        return True
    return all(st.existing_anti.get((k, v), 0) <= 0 for k, v in labels.items())


def normalize(scores: Sequence[int]) -> list[int]:
    """Scale to 0..100 between the lowest and highest raw score (float, truncated).

    Examples
    --------
    >>> normalize([-5, 0, 5])
    [0, 50, 100]
    """
    if not scores:
        return []
    lo, hi = min(scores), max(scores)
    diff = hi - lo
    return [int(100 * (float(s - lo) / float(diff))) if diff > 0 else 0 for s in scores]


def _has_pod_affinity(pod: Mapping, field: str) -> bool:
    aff = (pod.get("spec") or {}).get("affinity") or {}
    return bool(((aff.get("podAffinity") or {}).get(field)) or ((aff.get("podAntiAffinity") or {}).get(field)))


_FILTER_KEY = "PreFilter" + NAME
_SCORE_KEY = "PreScore" + NAME


class InterPodAffinity(Plugin):
    """Filter and Score plugin for pod affinity and anti-affinity."""

    name = NAME
    has_normalize = True

    def __init__(self, args: Any = None, handle: Any = None) -> None:
        super().__init__(args, handle)
        self.hard_pod_affinity_weight = int(getattr(args, "hard_pod_affinity_weight", 1))
        self.ignore_preferred_of_existing = bool(getattr(args, "ignore_preferred_terms_of_existing_pods", False))

    def _ns_labels(self, ns: str) -> Mapping[str, str]:
        api = getattr(self.handle, "api", None)
        obj = api.get_or_none("Namespace", ns) if api is not None else None
        return ((obj or {}).get("metadata") or {}).get("labels") or {}

    def _merge_namespaces(self, terms: Sequence[Any]) -> None:
        """Turn namespaceSelectors of the incoming pod's terms into explicit namespaces."""
        api = getattr(self.handle, "api", None)
        for t in terms:
            if t.namespace_selector is None:
                continue
            if api is not None:
                for ns in api.list("Namespace"):
                    meta = ns.get("metadata") or {}
                    if t.namespace_selector.matches(meta.get("labels") or {}):
                        t.namespaces = t.namespaces | {meta.get("name", "")}
            t.namespace_selector = None

    def _pod_info(self, state: CycleState, pod: Mapping) -> Any:
        from ..cache import PodInfo

        return PodInfo(pod)  # a fresh copy: its terms get namespaces merged in

    # -- filter --------------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: Mapping, nodes) -> tuple[PreFilterResult | None, Status | None]:
        cache = self.handle.snapshot
        if not _has_pod_affinity(pod, "requiredDuringSchedulingIgnoredDuringExecution") and not (
            cache.nodes_with_anti_affinity_pods
        ):
            return None, Status.skip()
        pi = self._pod_info(state, pod)
        if not pi.required_affinity and not pi.required_anti_affinity and not cache.nodes_with_anti_affinity_pods:
            return None, Status.skip()
        self._merge_namespaces(pi.required_affinity)
        self._merge_namespaces(pi.required_anti_affinity)
        st = _FilterState(pi, self._ns_labels(pi.namespace))
        for name in sorted(cache.nodes_with_anti_affinity_pods):
            ni = cache.nodes[name]
            for other in ni.pods_with_required_anti_affinity.values():
                for t in other.required_anti_affinity:
                    if t.matches(pi, st.ns_labels):
                        _update(st.existing_anti, ni.labels, t.topology_key, 1)
        if pi.required_affinity or pi.required_anti_affinity:
            for ni in nodes:
                for other in ni.pods.values():
                    if matches_all_terms(pi.required_affinity, other):
                        for t in pi.required_affinity:
                            _update(st.affinity, ni.labels, t.topology_key, 1)
                    for t in pi.required_anti_affinity:
                        if t.matches(other, None):
                            _update(st.anti, ni.labels, t.topology_key, 1)
        if not st.existing_anti and not pi.required_affinity and not pi.required_anti_affinity:
            return None, Status.skip()
        state.write(_FILTER_KEY, st)
        return None, None

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        st = state.read(_FILTER_KEY)
        if st is None:
            return None
        labels = node_info.labels
        if not satisfies_pod_affinity(st, labels):
            return _FAIL_AFFINITY
        if not satisfies_pod_anti_affinity(st, labels):
            return _FAIL_ANTI
        if not satisfies_existing_anti_affinity(st, labels):
            return _FAIL_EXISTING
        return None

    def add_pod(self, state: CycleState, pod: Mapping, pod_info: Any, node_info: Any) -> None:
        st = state.read(_FILTER_KEY)
        if st is not None and node_info.node is not None:
            st.update_with_pod(pod_info, node_info.labels, 1)

    def remove_pod(self, state: CycleState, pod: Mapping, pod_info: Any, node_info: Any) -> None:
        st = state.read(_FILTER_KEY)
        if st is not None and node_info.node is not None:
            st.update_with_pod(pod_info, node_info.labels, -1)

    # -- score ---------------------------------------------------------------------------------
    def pre_score(self, state: CycleState, pod: Mapping, nodes) -> Status | None:
        if not nodes:
            return Status.skip()
        cache = self.handle.snapshot
        preferred = _has_pod_affinity(pod, "preferredDuringSchedulingIgnoredDuringExecution")
        if not preferred and (self.ignore_preferred_of_existing or not cache.nodes_with_affinity_pods):
            return Status.skip()
        pi = self._pod_info(state, pod)
        has_constraints = bool(pi.preferred_affinity or pi.preferred_anti_affinity)
        if self.ignore_preferred_of_existing and not has_constraints:
            return Status.skip()
        if has_constraints:
            all_nodes = cache.node_list()
        else:
            all_nodes = [cache.nodes[n] for n in sorted(cache.nodes_with_affinity_pods)]
        self._merge_namespaces(pi.preferred_affinity)
        self._merge_namespaces(pi.preferred_anti_affinity)
        ns_labels = self._ns_labels(pi.namespace)
        topology: dict[str, dict[str, int]] = {}

        def add(term: Any, weight: int, target: Any, target_ns_labels: Any, labels: Mapping, sign: int) -> None:
            if term.matches(target, target_ns_labels):
                tv = labels.get(term.topology_key)
                if tv is not None:
                    by_value = topology.setdefault(term.topology_key, {})
                    by_value[tv] = by_value.get(tv, 0) + weight * sign

        for ni in all_nodes:
            labels = ni.labels
            if not labels:
                continue
            pods = ni.pods.values() if has_constraints else ni.pods_with_affinity.values()
            for other in pods:
                for t in pi.preferred_affinity:
                    add(t, t.weight, other, None, labels, 1)
                for t in pi.preferred_anti_affinity:
                    add(t, t.weight, other, None, labels, -1)
                if self.hard_pod_affinity_weight > 0:
                    for t in other.required_affinity:
                        add(t, self.hard_pod_affinity_weight, pi, ns_labels, labels, 1)
                if not self.ignore_preferred_of_existing:
                    for t in other.preferred_affinity:
                        add(t, t.weight, pi, ns_labels, labels, 1)
                    for t in other.preferred_anti_affinity:
                        add(t, t.weight, pi, ns_labels, labels, -1)
        topology = {k: v for k, v in topology.items() if v}
        if not topology:
            return Status.skip()
        state.write(_SCORE_KEY, topology)
        return None

    def score(self, state: CycleState, pod: Mapping, node_info) -> int:
        topology = state.read(_SCORE_KEY) or {}
        total = 0
        for key, by_value in topology.items():
            v = node_info.labels.get(key)
            if v is not None:
                total += by_value.get(v, 0)
        return total

    def score_vector(self, state: CycleState, pod: Mapping, slots: np.ndarray) -> np.ndarray:
        cache = self.handle.snapshot
        topology = state.read(_SCORE_KEY) or {}
        out = np.zeros(len(slots), dtype=np.int64)
        for key, by_value in topology.items():
            codes, values, _ = cache.label_codes(key)
            per_value = np.array([by_value.get(v, 0) for v in values] or [0], dtype=np.int64)
            node_codes = codes[slots]
            out += np.where(node_codes >= 0, per_value[np.maximum(node_codes, 0)], 0)
        return out

    def normalize_score(self, state: CycleState, pod: Mapping, names: list[str], scores: np.ndarray) -> np.ndarray:
        if not state.read(_SCORE_KEY) or len(scores) == 0:
            return scores
        lo, hi = int(scores.min()), int(scores.max())
        diff = hi - lo
        if diff <= 0:
            return np.zeros(len(scores), dtype=np.int64)
        return (100.0 * ((scores - lo).astype(np.float64) / float(diff))).astype(np.int64)

    def events_to_register(self) -> list:
        return [
            (ClusterEvent("Pod", ActionType.ADD | ActionType.UPDATE_POD_LABEL | ActionType.DELETE), None),
            (ClusterEvent("Node", ActionType.ADD | ActionType.UPDATE_NODE_LABEL), None),
        ]
