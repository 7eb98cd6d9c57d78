"""NodeUnschedulable (Filter): a cordoned node (``spec.unschedulable``) takes no new pods.

A pod that tolerates the ``node.kubernetes.io/unschedulable:NoSchedule`` taint may
still go there (DaemonSet pods do).

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/nodeunschedulable``.
Used in: 02_scheduling, 05_self_healing.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..framework import ActionType, ClusterEvent, CycleState, Plugin, Status, VectorFilter
from .helpers import tolerates_taint

__all__ = ["NodeUnschedulable", "NAME", "ERR_REASON_UNSCHEDULABLE", "tolerates_unschedulable"]

NAME = "NodeUnschedulable"
ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
_UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
_FAIL = Status.unresolvable(ERR_REASON_UNSCHEDULABLE)


def tolerates_unschedulable(pod: Mapping) -> bool:
    """Whether the pod tolerates the unschedulable taint (and so a cordoned node)."""
    return any(tolerates_taint(t, _UNSCHEDULABLE_TAINT) for t in (pod.get("spec") or {}).get("tolerations") or ())


class NodeUnschedulable(Plugin):
    """Filter plugin: rejects cordoned nodes."""

    name = NAME

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        if not node_info.unschedulable or tolerates_unschedulable(pod):
            return None
        return _FAIL

    def filter_vector(self, state: CycleState, pod: Mapping, order: np.ndarray) -> VectorFilter:
        table = self.handle.snapshot.table
        if table.n_unschedulable == 0 or tolerates_unschedulable(pod):
            return VectorFilter(None, _FAIL)
        return VectorFilter(table.unschedulable[order], _FAIL)

    def events_to_register(self) -> list:
        def hint(pod: Mapping, old, new) -> bool:
            return not bool(((new or {}).get("spec") or {}).get("unschedulable"))

        return [
            (ClusterEvent("Node", ActionType.ADD | ActionType.UPDATE_NODE_TAINT), hint),
            (ClusterEvent("UnscheduledPod", ActionType.UPDATE_POD_TOLERATION), None),
        ]
