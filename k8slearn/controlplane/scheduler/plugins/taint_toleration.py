"""TaintToleration (Filter, Score): taints repel pods that do not tolerate them.

``NoSchedule`` and ``NoExecute`` taints filter; ``PreferNoSchedule`` taints only lower
the score: the node with the fewest untolerated PreferNoSchedule taints scores 100.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/tainttoleration``. Since 1.35 the filter
reason no longer names the taint: ``node(s) had untolerated taint(s)``.
Used in: 02_scheduling, 05_self_healing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..framework import ActionType, ClusterEvent, CycleState, Plugin, Status, VectorFilter
from .helpers import default_normalize_score, default_normalize_vector, find_untolerated_taint, tolerates_taint

__all__ = [
    "TaintToleration",
    "NAME",
    "ERR_REASON_NOT_MATCH",
    "untolerated_hard_taint",
    "count_intolerable_prefer_no_schedule",
    "normalize",
]

NAME = "TaintToleration"
ERR_REASON_NOT_MATCH = "node(s) had untolerated taint(s)"
_FAIL = Status.unresolvable(ERR_REASON_NOT_MATCH)
_HARD = ("NoSchedule", "NoExecute")


def untolerated_hard_taint(taints: Sequence[Mapping], tolerations: Sequence[Mapping]) -> Mapping | None:
    """The first NoSchedule/NoExecute taint the pod does not tolerate (None: the pod may go)."""
    return find_untolerated_taint(taints, tolerations, _HARD)


def prefer_no_schedule_tolerations(tolerations: Sequence[Mapping]) -> list[Mapping]:
    """Tolerations that can tolerate PreferNoSchedule taints (effect empty or PreferNoSchedule)."""
    return [t for t in tolerations if (t.get("effect") or "") in ("", "PreferNoSchedule")]


def count_intolerable_prefer_no_schedule(taints: Sequence[Mapping], tolerations: Sequence[Mapping]) -> int:
    """Raw score: how many PreferNoSchedule taints the pod does not tolerate.

    Examples
    --------
    >>> count_intolerable_prefer_no_schedule([{"key": "a", "effect": "PreferNoSchedule"}], [])
    1
    """
    n = 0
    for taint in taints:
        if taint.get("effect") != "PreferNoSchedule":
            continue
        if not any(tolerates_taint(t, taint) for t in tolerations):
            n += 1
    return n


def normalize(scores: Sequence[int]) -> list[int]:
    """Reverse normalization: the node with the most untolerated taints gets 0, none gets 100.

    Examples
    --------
    >>> normalize([0, 1, 2])
    [100, 50, 0]
    """
    return default_normalize_score(scores, reverse=True)


def _tolerations(pod: Mapping) -> list[Mapping]:
    return list((pod.get("spec") or {}).get("tolerations") or ())


_PRESCORE_KEY = "PreScore" + NAME


class TaintToleration(Plugin):
    """Filter and Score plugin for node taints."""

    name = NAME
    has_normalize = True

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        if untolerated_hard_taint(node_info.taints, _tolerations(pod)) is None:
            return None
        return _FAIL

    def filter_vector(self, state: CycleState, pod: Mapping, order: np.ndarray) -> VectorFilter:
        cache = self.handle.snapshot
        table = cache.table
        if table.n_hard_taints == 0:
            return VectorFilter(None, _FAIL)
        fail = table.hard_taints[order].copy()
        if fail.any():
            tol = _tolerations(pod)
            names = table.names
            for i in np.flatnonzero(fail):
                ni = cache.nodes[names[order[i]]]
                fail[i] = untolerated_hard_taint(ni.taints, tol) is not None
        return VectorFilter(fail, _FAIL)

    def pre_score(self, state: CycleState, pod: Mapping, nodes) -> Status | None:
        state.write(_PRESCORE_KEY, prefer_no_schedule_tolerations(_tolerations(pod)))
        return None

    def _tol(self, state: CycleState, pod: Mapping) -> list[Mapping]:
        tol = state.read(_PRESCORE_KEY)
        return prefer_no_schedule_tolerations(_tolerations(pod)) if tol is None else tol

    def score(self, state: CycleState, pod: Mapping, node_info) -> int:
        return count_intolerable_prefer_no_schedule(node_info.taints, self._tol(state, pod))

    def score_vector(self, state: CycleState, pod: Mapping, slots: np.ndarray) -> np.ndarray:
        cache = self.handle.snapshot
        table = cache.table
        out = np.zeros(len(slots), dtype=np.int64)
        if table.n_soft_taints == 0:
            return out
        soft = table.soft_taints[slots]
        if soft.any():
            tol = self._tol(state, pod)
            for i in np.flatnonzero(soft):
                out[i] = count_intolerable_prefer_no_schedule(cache.nodes[table.names[slots[i]]].taints, tol)
        return out

    def normalize_score(self, state: CycleState, pod: Mapping, names: list[str], scores: np.ndarray) -> np.ndarray:
        return default_normalize_vector(scores, reverse=True)

    def events_to_register(self) -> list:
        def hint(pod: Mapping, old, new) -> bool:
            taints = ((new or {}).get("spec") or {}).get("taints") or ()
            return untolerated_hard_taint(taints, _tolerations(pod)) is None

        return [
            (ClusterEvent("Node", ActionType.ADD | ActionType.UPDATE_NODE_TAINT), hint),
            (ClusterEvent("UnscheduledPod", ActionType.UPDATE_POD_TOLERATION), None),
        ]
