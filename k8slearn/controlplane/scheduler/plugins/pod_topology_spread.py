"""PodTopologySpread (PreFilter, Filter, PreScore, Score): spread matching pods over domains.

A constraint names a topology key (``kubernetes.io/hostname``, a zone label ...), a
selector of the pods to count and ``maxSkew``. With ``whenUnsatisfiable:
DoNotSchedule`` it filters: placing the pod on a node must not make that node's domain
exceed the least-loaded domain by more than ``maxSkew``. With ``ScheduleAnyway`` it
scores: fewer matching pods in the node's domains is better.

Pods without constraints of their own get the cluster's default constraints (system
defaulting: ``hostname`` maxSkew 3 and ``zone`` maxSkew 5, both ScheduleAnyway), whose
selector is built from the Services, ReplicaSet or StatefulSet that select the pod. A
bare pod (no owner, no Service) is not spread.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/podtopologyspread`` (``filtering.go``,
``scoring.go``, ``common.go``) and ``helper.DefaultSelector``. Node inclusion policies:
``nodeAffinityPolicy: Honor`` and ``nodeTaintsPolicy: Ignore`` by default.
Used in: 02_scheduling.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ....api.labels import EQUALS, Requirement, Selector, selector_from_label_selector, selector_from_set
from ..framework import ActionType, ClusterEvent, CycleState, Plugin, PreFilterResult, Status, VectorFilter
from .helpers import HOSTNAME_LABEL, ZONE_LABEL, find_untolerated_taint, go_round, required_node_affinity_matches

__all__ = [
    "PodTopologySpread",
    "NAME",
    "ERR_REASON_CONSTRAINTS_NOT_MATCH",
    "ERR_REASON_NODE_LABEL_NOT_MATCH",
    "SYSTEM_DEFAULT_CONSTRAINTS",
    "Constraint",
    "score_for_count",
    "topology_normalizing_weight",
    "normalize",
]

NAME = "PodTopologySpread"
ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
_FAIL_SKEW = Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH)
_FAIL_LABEL = Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH)

#: The constraints every pod without its own gets (``defaultingType: System``).
SYSTEM_DEFAULT_CONSTRAINTS = (
    {"maxSkew": 3, "topologyKey": HOSTNAME_LABEL, "whenUnsatisfiable": "ScheduleAnyway"},
    {"maxSkew": 5, "topologyKey": ZONE_LABEL, "whenUnsatisfiable": "ScheduleAnyway"},
)
_MAX_INT32 = 2**31 - 1


class Constraint:
    """One spread constraint with its selector resolved."""

    __slots__ = ("max_skew", "topology_key", "selector", "min_domains", "node_affinity_policy", "node_taints_policy")

    def __init__(self, c: Mapping, selector: Selector) -> None:
        self.max_skew = int(c.get("maxSkew") or 1)
        self.topology_key: str = c.get("topologyKey") or ""
        self.selector = selector
        self.min_domains = int(c.get("minDomains") or 1)
        self.node_affinity_policy = c.get("nodeAffinityPolicy") or "Honor"
        self.node_taints_policy = c.get("nodeTaintsPolicy") or "Ignore"

    def includes(self, pod: Mapping, node_info: Any, affinity_ok: bool) -> bool:
        """Node inclusion policies: does this node's domain count for the constraint?"""
        if self.node_affinity_policy == "Honor" and not affinity_ok:
            return False
        if self.node_taints_policy == "Honor":
            tolerations = (pod.get("spec") or {}).get("tolerations") or ()
            if find_untolerated_taint(node_info.taints, tolerations, ("NoSchedule", "NoExecute")) is not None:
                return False
        return True


def _merge_match_label_keys(selector: Selector, keys: Sequence[str], pod_labels: Mapping[str, str]) -> Selector:
    reqs = [Requirement(k, EQUALS, (pod_labels[k],)) for k in keys if k in pod_labels]
    return selector.add(*reqs) if reqs else selector


def constraints_from(
    spec_constraints: Sequence[Mapping], pod_labels: Mapping[str, str], action: str
) -> list[Constraint]:
    """The pod's own constraints with ``whenUnsatisfiable == action``."""
    out = []
    for c in spec_constraints:
        if c.get("whenUnsatisfiable") != action:
            continue
        try:
            sel = selector_from_label_selector(c.get("labelSelector"))
        except ValueError:
            continue
        sel = _merge_match_label_keys(sel, c.get("matchLabelKeys") or (), pod_labels)
        out.append(Constraint(c, sel))
    return out


def default_selector(pod: Mapping, services: Sequence[Mapping], owner: Mapping | None) -> Selector:
    """What identifies the pod's siblings: its Services' selectors plus its controller's.

    Notes
    -----
    Mirrors ``helper.DefaultSelector``: Service selectors (those selecting the pod) are
    merged into one label set; a ReplicaSet's or StatefulSet's selector (or a
    ReplicationController's) is added.
    """
    labels = (pod.get("metadata") or {}).get("labels") or {}
    merged: dict[str, str] = {}
    for svc in services:
        sel = (svc.get("spec") or {}).get("selector")
        if sel and all(labels.get(k) == v for k, v in sel.items()):
            merged.update(sel)
    selector = selector_from_set(merged)
    if owner is None:
        return selector
    kind = owner.get("kind")
    spec = owner.get("spec") or {}
    if kind == "ReplicationController":
        merged.update(spec.get("selector") or {})
        return selector_from_set(merged)
    if kind in ("ReplicaSet", "StatefulSet"):
        try:
            other = selector_from_label_selector(spec.get("selector"))
        except ValueError:
            return selector
        return selector.add(*other.requirements)
    return selector


def count_pods_match(pods: Any, selector: Selector, namespace: str) -> int:
    """Pods of ``namespace``, not terminating, whose labels match ``selector``."""
    n = 0
    for pi in pods:
        if pi.namespace == namespace and not pi.terminating and selector.matches(pi.labels):
            n += 1
    return n


def score_for_count(count: int, max_skew: int, weight: float) -> float:
    """``count * weight + (maxSkew - 1)``: maxSkew softens differences between domains."""
    return float(count) * weight + float(max_skew - 1)


def topology_normalizing_weight(size: int) -> float:
    """``log(size + 2)``: keys with more domains weigh more."""
    return math.log(float(size + 2))


def normalize(scores: Sequence[int], ignored: Sequence[bool]) -> list[int]:
    """Fewest matching pods -> 100: ``100 * (max + min - s) / max`` (ignored nodes get 0).

    Examples
    --------
    >>> normalize([2, 4, 6], [False, False, False])
    [100, 66, 33]
    """
    min_score, max_score = 2**63 - 1, 0
    for s, ign in zip(scores, ignored):
        if ign:
            continue
        min_score = min(min_score, s)
        max_score = max(max_score, s)
    out = []
    for s, ign in zip(scores, ignored):
        if ign:
            out.append(0)
        elif max_score == 0:
            out.append(100)
        else:
            out.append(100 * (max_score + min_score - s) // max_score)
    return out


class _FilterState:
    """PreFilter result: matching pods per (key, value) over the eligible nodes."""

    __slots__ = ("constraints", "pair_counts", "_mins")

    def __init__(self, constraints: list[Constraint], pair_counts: dict[tuple[str, str], int]) -> None:
        self.constraints = constraints
        self.pair_counts = pair_counts
        self._mins: dict[str, tuple[int, int]] | None = None

    def clone(self) -> _FilterState:
        return _FilterState(self.constraints, dict(self.pair_counts))

    def domains_and_min(self, key: str) -> tuple[int, int]:
        if self._mins is None:
            mins: dict[str, tuple[int, int]] = {}
            for (k, _), n in self.pair_counts.items():
                d, m = mins.get(k, (0, _MAX_INT32))
                mins[k] = (d + 1, min(m, n))
            self._mins = mins
        return self._mins.get(key, (0, _MAX_INT32))

    def min_match(self, c: Constraint) -> int:
        domains, minimum = self.domains_and_min(c.topology_key)
        return 0 if domains < c.min_domains else minimum

    def update(self, pair: tuple[str, str], delta: int) -> None:
        if pair in self.pair_counts:
            self.pair_counts[pair] += delta
            self._mins = None


class _ScoreState:
    __slots__ = ("constraints", "ignored", "pair_counts", "weights")

    def __init__(self, constraints: list[Constraint]) -> None:
        self.constraints = constraints
        self.ignored: set[str] = set()
        self.pair_counts: dict[tuple[str, str], int] = {}
        self.weights: list[float] = []


def _has_keys(labels: Mapping[str, str], constraints: Sequence[Constraint]) -> bool:
    return all(c.topology_key in labels for c in constraints)


def filter_state_readable(pod: Mapping, nodes: Sequence[Any], constraints: list[Constraint]) -> _FilterState:
    """PreFilter counting, node by node (the readable rule; the plugin uses numpy)."""
    ns = (pod.get("metadata") or {}).get("namespace") or ""
    counts: dict[tuple[str, str], int] = {}
    for ni in nodes:
        if not _has_keys(ni.labels, constraints):
            continue
        aff = required_node_affinity_matches(pod, ni.node or {})
        for c in constraints:
            if not c.includes(pod, ni, aff):
                continue
            pair = (c.topology_key, ni.labels[c.topology_key])
            counts[pair] = counts.get(pair, 0) + count_pods_match(ni.pods.values(), c.selector, ns)
    return _FilterState(constraints, counts)


def filter_node(state: _FilterState, pod: Mapping, node_info: Any) -> Status | None:
    """Skew check of every DoNotSchedule constraint on one node."""
    labels = (pod.get("metadata") or {}).get("labels") or {}
    for c in state.constraints:
        value = node_info.labels.get(c.topology_key)
        if value is None:
            return _FAIL_LABEL
        self_match = 1 if c.selector.matches(labels) else 0
        match_num = state.pair_counts.get((c.topology_key, value), 0)
        if match_num + self_match - state.min_match(c) > c.max_skew:
            return _FAIL_SKEW
    return None


_FILTER_KEY = "PreFilter" + NAME
_SCORE_KEY = "PreScore" + NAME


class PodTopologySpread(Plugin):
    """Filter and Score plugin for topology spread constraints."""

    name = NAME
    has_normalize = True

    def __init__(self, args: Any = None, handle: Any = None) -> None:
        super().__init__(args, handle)
        self.defaulting_type = getattr(args, "defaulting_type", "System")
        if self.defaulting_type == "System":
            self.default_constraints = list(SYSTEM_DEFAULT_CONSTRAINTS)
        else:
            self.default_constraints = list(getattr(args, "default_constraints", None) or ())
        self.system_defaulted = self.defaulting_type == "System"

    # -- constraints ---------------------------------------------------------------------------
    def _owner(self, pod: Mapping) -> Mapping | None:
        meta = pod.get("metadata") or {}
        for ref in meta.get("ownerReferences") or ():
            if ref.get("controller") and ref.get("kind") in ("ReplicaSet", "StatefulSet", "ReplicationController"):
                api = getattr(self.handle, "api", None)
                if api is None:
                    return None
                return api.get_or_none(ref["kind"], ref.get("name", ""), meta.get("namespace"))
        return None

    def _services(self, namespace: str) -> list[Mapping]:
        finder = getattr(self.handle, "services_in", None)
        return finder(namespace) if finder is not None else []

    def constraints(self, pod: Mapping, action: str) -> list[Constraint]:
        """The pod's constraints of one kind, or the defaults when it has none at all."""
        spec = pod.get("spec") or {}
        own = spec.get("topologySpreadConstraints") or ()
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if own:
            return constraints_from(own, labels, action)
        defaults = [c for c in self.default_constraints if c.get("whenUnsatisfiable") == action]
        if not defaults:
            return []
        ns = (pod.get("metadata") or {}).get("namespace") or ""
        services = self._services(ns)
        if not services and not (pod.get("metadata") or {}).get("ownerReferences"):
            return []  # nothing selects a bare pod: no default spreading
        selector = default_selector(pod, services, self._owner(pod))
        if selector.empty():
            return []
        return [Constraint(c, selector) for c in defaults]

    # -- filter --------------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: Mapping, nodes) -> tuple[PreFilterResult | None, Status | None]:
        constraints = self.constraints(pod, "DoNotSchedule")
        if not constraints:
            return None, Status.skip()
        cache = self.handle.snapshot
        if cache is not None and nodes and all(ni.slot >= 0 for ni in nodes[:1]):
            fs = self._filter_state_vector(pod, constraints)
        else:
            fs = filter_state_readable(pod, nodes, constraints)
        state.write(_FILTER_KEY, fs)
        return None, None

    def _eligible(self, pod: Mapping, c: Constraint, order: np.ndarray) -> np.ndarray:
        cache = self.handle.snapshot
        ok = np.ones(len(order), dtype=bool)
        if c.node_affinity_policy == "Honor":
            import json

            spec = pod.get("spec") or {}
            aff = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
                "requiredDuringSchedulingIgnoredDuringExecution"
            )
            if spec.get("nodeSelector") or aff is not None:
                key = ("NodeAffinity/required", json.dumps([spec.get("nodeSelector"), aff], sort_keys=True))
                ok &= cache.node_values(key, lambda ni: required_node_affinity_matches(pod, ni.node or {}))[order]
        if c.node_taints_policy == "Honor":
            nodes = cache.node_list()
            ok &= np.fromiter((c.includes(pod, ni, True) for ni in nodes), dtype=bool, count=len(nodes))
        return ok

    def _filter_state_vector(self, pod: Mapping, constraints: list[Constraint]) -> _FilterState:
        cache = self.handle.snapshot
        order = cache.order()
        ns = (pod.get("metadata") or {}).get("namespace") or ""
        has_all = np.ones(len(order), dtype=bool)
        codes_by_key = {}
        for c in constraints:
            codes, values, _ = cache.label_codes(c.topology_key)
            codes_by_key[c.topology_key] = (codes[order], values)
            has_all &= codes[order] >= 0
        counts: dict[tuple[str, str], int] = {}
        for c in constraints:
            codes, values = codes_by_key[c.topology_key]
            use = has_all & self._eligible(pod, c, order)
            if not use.any():
                continue
            per_node = cache.selector_counts(ns, c.selector)[order]
            sums = np.bincount(codes[use], weights=per_node[use], minlength=len(values))
            present = np.bincount(codes[use], minlength=len(values)) > 0
            for code in np.flatnonzero(present):
                pair = (c.topology_key, values[code])
                counts[pair] = counts.get(pair, 0) + int(sums[code])
        return _FilterState(constraints, counts)

    def _fstate(self, state: CycleState, pod: Mapping) -> _FilterState:
        fs = state.read(_FILTER_KEY)
        if fs is None:
            fs = filter_state_readable(pod, self.handle.snapshot.node_list(), self.constraints(pod, "DoNotSchedule"))
        return fs

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        return filter_node(self._fstate(state, pod), pod, node_info)

    def filter_vector(self, state: CycleState, pod: Mapping, order: np.ndarray) -> VectorFilter:
        fs = self._fstate(state, pod)
        cache = self.handle.snapshot
        labels = (pod.get("metadata") or {}).get("labels") or {}
        codes_out = np.zeros(len(order), dtype=np.int64)  # 0 ok, 1 missing label, 2 skew
        for c in fs.constraints:
            codes, values, _ = cache.label_codes(c.topology_key)
            node_codes = codes[order]
            per_value = np.array([fs.pair_counts.get((c.topology_key, v), 0) for v in values] or [0], dtype=np.int64)
            match_num = np.where(node_codes >= 0, per_value[np.maximum(node_codes, 0)], 0)
            self_match = 1 if c.selector.matches(labels) else 0
            skew_fail = (node_codes >= 0) & (match_num + self_match - fs.min_match(c) > c.max_skew)
            undecided = codes_out == 0
            codes_out = np.where(undecided & (node_codes < 0), 1, codes_out)
            codes_out = np.where((codes_out == 0) & skew_fail, 2, codes_out)
        return VectorFilter(codes_out != 0, codes=codes_out, statuses=(Status(), _FAIL_LABEL, _FAIL_SKEW))

    def add_pod(self, state: CycleState, pod: Mapping, pod_info: Any, node_info: Any) -> None:
        self._update(state, pod, pod_info, node_info, 1)

    def remove_pod(self, state: CycleState, pod: Mapping, pod_info: Any, node_info: Any) -> None:
        self._update(state, pod, pod_info, node_info, -1)

    def _update(self, state: CycleState, pod: Mapping, pod_info: Any, node_info: Any, delta: int) -> None:
        fs = state.read(_FILTER_KEY)
        if fs is None or not _has_keys(node_info.labels, fs.constraints):
            return
        ns = (pod.get("metadata") or {}).get("namespace") or ""
        aff = required_node_affinity_matches(pod, node_info.node or {})
        for c in fs.constraints:
            if not c.includes(pod, node_info, aff):
                continue
            if pod_info.namespace == ns and not pod_info.terminating and c.selector.matches(pod_info.labels):
                fs.update((c.topology_key, node_info.labels[c.topology_key]), delta)

    # -- score ---------------------------------------------------------------------------------
    def pre_score(self, state: CycleState, pod: Mapping, nodes) -> Status | None:
        constraints = self.constraints(pod, "ScheduleAnyway")
        if not constraints:
            return Status.skip()
        spec = pod.get("spec") or {}
        require_all = bool(spec.get("topologySpreadConstraints")) or not self.system_defaulted
        st = _ScoreState(constraints)
        sizes = [0] * len(constraints)
        for ni in nodes:
            if require_all and not _has_keys(ni.labels, constraints):
                st.ignored.add(ni.name)
                continue
            for i, c in enumerate(constraints):
                if c.topology_key == HOSTNAME_LABEL:
                    continue
                pair = (c.topology_key, ni.labels.get(c.topology_key, ""))
                if pair not in st.pair_counts:
                    st.pair_counts[pair] = 0
                    sizes[i] += 1
        for i, c in enumerate(constraints):
            size = len(nodes) - len(st.ignored) if c.topology_key == HOSTNAME_LABEL else sizes[i]
            st.weights.append(topology_normalizing_weight(size))
        if any(c.topology_key != HOSTNAME_LABEL for c in constraints):
            self._count_all_nodes(pod, st, require_all)
        state.write(_SCORE_KEY, st)
        return None

    def _count_all_nodes(self, pod: Mapping, st: _ScoreState, require_all: bool) -> None:
        """Add every node's matching pods to the domain counts the feasible nodes use."""
        cache = self.handle.snapshot
        ns = (pod.get("metadata") or {}).get("namespace") or ""
        order = cache.order()
        nodes = cache.node_list()
        for c in st.constraints:
            if c.topology_key == HOSTNAME_LABEL:
                continue
            wanted = {v for (k, v) in st.pair_counts if k == c.topology_key}
            if not wanted:
                continue
            codes, values, index = cache.label_codes(c.topology_key)
            node_codes = codes[order]
            use = self._eligible(pod, c, order)
            if require_all:
                for other in st.constraints:
                    oc, _, _ = cache.label_codes(other.topology_key)
                    use &= oc[order] >= 0
            per_node = cache.selector_counts(ns, c.selector)[order]
            for v in wanted:
                if v == "":
                    # nodes without the label count into the "" domain (upstream keys the
                    # pair by the missing label's zero value)
                    mask = use & ((node_codes < 0) | (node_codes == index.get("", -2)))
                else:
                    code = index.get(v)
                    if code is None:
                        continue
                    mask = use & (node_codes == code)
                st.pair_counts[(c.topology_key, v)] += int(per_node[mask].sum())
        del nodes

    def _sstate(self, state: CycleState, pod: Mapping) -> _ScoreState:
        st = state.read(_SCORE_KEY)
        if st is None:
            raise RuntimeError("PodTopologySpread: Score called without PreScore")
        return st

    def score(self, state: CycleState, pod: Mapping, node_info) -> int:
        st = self._sstate(state, pod)
        if node_info.name in st.ignored:
            return 0
        ns = (pod.get("metadata") or {}).get("namespace") or ""
        score = 0.0
        for i, c in enumerate(st.constraints):
            value = node_info.labels.get(c.topology_key)
            if value is None:
                continue
            if c.topology_key == HOSTNAME_LABEL:
                cnt = count_pods_match(node_info.pods.values(), c.selector, ns)
            else:
                cnt = st.pair_counts[(c.topology_key, value)]
            score += score_for_count(cnt, c.max_skew, st.weights[i])
        return go_round(score)

    def score_vector(self, state: CycleState, pod: Mapping, slots: np.ndarray) -> np.ndarray:
        st = self._sstate(state, pod)
        cache = self.handle.snapshot
        ns = (pod.get("metadata") or {}).get("namespace") or ""
        score = np.zeros(len(slots), dtype=np.float64)
        for i, c in enumerate(st.constraints):
            codes, values, _ = cache.label_codes(c.topology_key)
            node_codes = codes[slots]
            has = node_codes >= 0
            if c.topology_key == HOSTNAME_LABEL:
                cnt = cache.selector_counts(ns, c.selector)[slots]
            else:
                per_value = np.array(
                    [st.pair_counts.get((c.topology_key, v), 0) for v in values] or [0], dtype=np.int64
                )
                cnt = per_value[np.maximum(node_codes, 0)]
            part = cnt.astype(np.float64) * st.weights[i] + float(c.max_skew - 1)
            score = np.where(has, score + part, score)
        t = np.trunc(score)
        t = t + np.where(np.abs(score - t) >= 0.5, np.sign(score), 0.0)
        out = t.astype(np.int64)
        if st.ignored:
            names = cache.table.names
            ignored = np.fromiter((names[s] in st.ignored for s in slots), dtype=bool, count=len(slots))
            out = np.where(ignored, 0, out)
        return out

    def normalize_score(self, state: CycleState, pod: Mapping, names: list[str], scores: np.ndarray) -> np.ndarray:
        st = self._sstate(state, pod)
        ignored = np.fromiter((n in st.ignored for n in names), dtype=bool, count=len(names))
        considered = scores[~ignored]
        if len(considered) == 0:
            return np.zeros(len(scores), dtype=np.int64)
        min_score, max_score = int(considered.min()), max(int(considered.max()), 0)
        if max_score == 0:
            out = np.full(len(scores), 100, dtype=np.int64)
        else:
            out = (100 * (max_score + min_score - scores)) // max_score
        return np.where(ignored, 0, out)

    def events_to_register(self) -> list:
        return [
            (ClusterEvent("Pod", ActionType.ADD | ActionType.UPDATE_POD_LABEL | ActionType.DELETE), None),
            (
                ClusterEvent(
                    "Node",
                    ActionType.ADD | ActionType.DELETE | ActionType.UPDATE_NODE_LABEL | ActionType.UPDATE_NODE_TAINT,
                ),
                None,
            ),
        ]
