"""SchedulingGates (PreEnqueue): a pod with ``spec.schedulingGates`` waits outside the queue.

Notes
-----
Mirrors ``pkg/scheduler/framework/plugins/schedulinggates``. The API server reports such
a pod as ``PodScheduled=False`` with reason ``SchedulingGated``; removing the last gate
(a pod update) lets the scheduler try it.
Used in: 02_scheduling.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..framework import ActionType, ClusterEvent, Plugin, Status

__all__ = ["SchedulingGates", "NAME", "gates_of"]

NAME = "SchedulingGates"


def gates_of(pod: Mapping) -> list[str]:
    """Names of the pod's scheduling gates."""
    return [g.get("name", "") for g in (pod.get("spec") or {}).get("schedulingGates") or ()]


class SchedulingGates(Plugin):
    """PreEnqueue plugin: keeps gated pods out of the active queue."""

    name = NAME

    def pre_enqueue(self, pod: Mapping) -> Status | None:
        gates = gates_of(pod)
        if not gates:
            return None
        return Status.unresolvable(f"waiting for scheduling gates: [{' '.join(gates)}]")

    def events_to_register(self) -> list:
        return [(ClusterEvent("UnscheduledPod", ActionType.UPDATE_POD_SCHEDULING_GATES_ELIMINATED), None)]
