"""NodeName (Filter): a pod that names a node (``spec.nodeName``) fits only that node.

Pods created with ``spec.nodeName`` are already bound and never reach the scheduler;
this filter matters for tools that simulate scheduling such a pod.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/nodename``.
Used in: 02_scheduling.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..framework import ActionType, ClusterEvent, CycleState, Plugin, Status, VectorFilter

__all__ = ["NodeName", "NAME", "ERR_REASON", "fits"]

NAME = "NodeName"
ERR_REASON = "node(s) didn't match the requested node name"
_FAIL = Status.unresolvable(ERR_REASON)


def fits(pod: Mapping, node_name: str) -> bool:
    """True when the pod names no node or names this one."""
    wanted = (pod.get("spec") or {}).get("nodeName") or ""
    return not wanted or wanted == node_name


class NodeName(Plugin):
    """Filter plugin: honours ``spec.nodeName``."""

    name = NAME

    def filter(self, state: CycleState, pod: Mapping, node_info) -> Status | None:
        return None if fits(pod, node_info.name) else _FAIL

    def filter_vector(self, state: CycleState, pod: Mapping, order: np.ndarray) -> VectorFilter:
        wanted = (pod.get("spec") or {}).get("nodeName") or ""
        if not wanted:
            return VectorFilter(None, _FAIL)
        names = self.handle.snapshot.table.names
        return VectorFilter(np.fromiter((names[s] != wanted for s in order), dtype=bool, count=len(order)), _FAIL)

    def events_to_register(self) -> list:
        return [(ClusterEvent("Node", ActionType.ADD), None)]
