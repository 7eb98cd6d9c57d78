"""NodeAffinity (PreFilter, Filter, Score): ``nodeSelector`` and node affinity rules.

The filter requires ``spec.nodeSelector`` (every label equal) and, if set, one of the
``requiredDuringSchedulingIgnoredDuringExecution`` terms (expressions with In, NotIn,
Exists, DoesNotExist, Gt, Lt). The score adds the weights of the matching
``preferredDuringSchedulingIgnoredDuringExecution`` terms, normalized so the best node
gets 100.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/nodeaffinity`` and
``component-helpers/scheduling/corev1/nodeaffinity``. ``args.addedAffinity`` (from the
scheduler configuration) applies to every pod of the profile.
Used in: 02_scheduling.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..framework import ActionType, ClusterEvent, CycleState, Plugin, PreFilterResult, Status, VectorFilter
from .helpers import (
    default_normalize_score,
    default_normalize_vector,
    match_node_selector_term,
    match_node_selector_terms,
    required_node_affinity_matches,
)

__all__ = [
    "NodeAffinity",
    "NAME",
    "ERR_REASON_POD",
    "ERR_REASON_ENFORCED",
    "ERR_REASON_CONFLICT",
    "node_names_from_terms",
    "preferred_score",
    "normalize",
]

NAME = "NodeAffinity"
ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"
ERR_REASON_CONFLICT = "pod affinity terms conflict"
_FAIL = Status.unresolvable(ERR_REASON_POD)
_FAIL_ENFORCED = Status.unresolvable(ERR_REASON_ENFORCED)


def node_names_from_terms(terms: list[Mapping]) -> frozenset[str] | None:
    """Nodes named by ``matchFields: metadata.name In [...]`` in every term (None: any node).

    Each term's named nodes are intersected (requirements are ANDed), the terms'
    sets united (terms are ORed); a term without such a field allows every node.
    """
    names: set[str] | None = None
    for t in terms:
        term_names: set[str] | None = None
        for r in t.get("matchFields") or ():
            if r.get("key") == "metadata.name" and r.get("operator") == "In":
                s = set(r.get("values") or ())
                term_names = s if term_names is None else term_names & s
        if term_names is None:
            return None
        names = term_names if names is None else names | term_names
    return None if names is None else frozenset(names)


def preferred_score(terms: list[Mapping], labels: Mapping[str, str], node_name: str) -> int:
    """Sum of the weights of the preferred terms the node matches (raw score).

    Examples
    --------
    >>> terms = [
    ...     {"weight": 2, "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}}
    ... ]
    >>> preferred_score(terms, {"disk": "ssd"}, "n1"), preferred_score(terms, {}, "n1")
    (2, 0)
    """
    total = 0
    for t in terms:
        weight = int(t.get("weight") or 0)
        if weight and match_node_selector_term(t.get("preference") or {}, labels, node_name):
            total += weight
    return total


def normalize(scores: list[int]) -> list[int]:
    """Forward normalization: ``100 * raw / max_raw`` (all 0 when every node scored 0)."""
    return default_normalize_score(scores, reverse=False)


def _required(pod: Mapping) -> Mapping | None:
    na = ((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {}
    return na.get("requiredDuringSchedulingIgnoredDuringExecution")


def _preferred(pod: Mapping) -> list[Mapping]:
    na = ((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {}
    return list(na.get("preferredDuringSchedulingIgnoredDuringExecution") or ())


_PREFILTER_KEY = "PreFilter" + NAME


class NodeAffinity(Plugin):
    """PreFilter, Filter and Score plugin for node selectors and node affinity."""

    name = NAME
    has_normalize = True

    def __init__(self, args: Any = None, handle: Any = None) -> None:
        super().__init__(args, handle)
        added = getattr(args, "added_affinity", None) or {}
        self.added_required = added.get("requiredDuringSchedulingIgnoredDuringExecution")
        self.added_preferred = list(added.get("preferredDuringSchedulingIgnoredDuringExecution") or ())

    def _added_match(self, node_info) -> bool:
        if self.added_required is None:
            return True
        return match_node_selector_terms(self.added_required.get("nodeSelectorTerms") or (), node_info.labels,
                                         node_info.name)  # fmt: skip

    def pre_filter(self, state: CycleState, pod: Mapping, nodes) -> tuple[PreFilterResult | None, Status | None]:
        required = _required(pod)
        if required is None and self.added_required is None and not (pod.get("spec") or {}).get("nodeSelector"):
            return None, Status.skip()
        state.write(_PREFILTER_KEY, True)
        terms = list((required or {}).get("nodeSelectorTerms") or ())
        if not terms:
            return None, None
        names = node_names_from_terms(terms)
        if names is None:
            return None, None
        if not names:
            return None, Status.unresolvable(ERR_REASON_CONFLICT)
        return PreFilterResult(names), None

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        if not self._added_match(node_info):
            return _FAIL_ENFORCED
        if not required_node_affinity_matches(pod, node_info.node or {}):
            return _FAIL
        return None

    def filter_vector(self, state: CycleState, pod: Mapping, order: np.ndarray) -> VectorFilter:
        cache = self.handle.snapshot
        spec = pod.get("spec") or {}
        key = ("NodeAffinity/required", json.dumps([spec.get("nodeSelector"), _required(pod)], sort_keys=True))
        ok = cache.node_values(key, lambda ni: required_node_affinity_matches(pod, ni.node or {}))[order]
        if self.added_required is None:
            return VectorFilter(~ok, _FAIL)
        added = cache.node_values(("NodeAffinity/added", id(self)), self._added_match)[order]
        codes = np.where(~added, 0, 1)
        return VectorFilter(~(ok & added), codes=codes, statuses=(_FAIL_ENFORCED, _FAIL))

    def pre_score(self, state: CycleState, pod: Mapping, nodes) -> Status | None:
        if not _preferred(pod) and not self.added_preferred:
            return Status.skip()
        return None

    def score(self, state: CycleState, pod: Mapping, node_info) -> int:
        return preferred_score(self.added_preferred, node_info.labels, node_info.name) + preferred_score(
            _preferred(pod), node_info.labels, node_info.name
        )

    def score_vector(self, state: CycleState, pod: Mapping, slots: np.ndarray) -> np.ndarray:
        cache = self.handle.snapshot
        key = ("NodeAffinity/preferred", id(self), json.dumps(_preferred(pod), sort_keys=True))
        return cache.node_values(key, lambda ni: self.score(state, pod, ni), dtype=np.int64)[slots]

    def normalize_score(self, state: CycleState, pod: Mapping, names: list[str], scores: np.ndarray) -> np.ndarray:
        return default_normalize_vector(scores, reverse=False)

    def events_to_register(self) -> list:
        def hint(pod: Mapping, old, new) -> bool:
            return new is not None and required_node_affinity_matches(pod, new)

        return [(ClusterEvent("Node", ActionType.ADD | ActionType.UPDATE_NODE_LABEL), hint)]
