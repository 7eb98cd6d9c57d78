"""The pod garbage collector: removes pods nobody else will clean up.

Notes
-----
Mirrors kube-controller-manager's ``pod-garbage-collector-controller``
(``pkg/controller/podgc/gc_controller.go``), which runs every 20 s:

- **terminated pods** beyond ``--terminated-pod-gc-threshold`` (12500) are deleted,
  oldest first;
- **orphaned pods**, bound to a Node that no longer exists (checked again after a 40 s
  quarantine), are marked ``Failed`` with the condition ``DisruptionTarget``
  (``DeletionByPodGC``, ``PodGC: node no longer exists``) and force-deleted - this is how
  the ``Terminating`` pods of a dead node finally go once you delete its Node object;
- **terminating pods on out-of-service nodes** (not Ready and tainted
  ``node.kubernetes.io/out-of-service``) are force-deleted;
- **unscheduled terminating pods** are force-deleted.

It keeps its own indexes from the watches (terminated pods, pods per node), so a pass does
not list all pods.

Used in: 05_self_healing.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ...api.errors import ApiError
from ...api.objects import get_condition
from ...clock import Priority, parse_timestamp
from ..apiserver import WatchEvent
from .base import Controller

__all__ = ["PodGCController", "GC_CHECK_PERIOD", "QUARANTINE_TIME", "OUT_OF_SERVICE_TAINT"]

GC_CHECK_PERIOD = 20.0
QUARANTINE_TIME = 40.0
OUT_OF_SERVICE_TAINT = "node.kubernetes.io/out-of-service"


class PodGCController(Controller):
    """Deletes terminated pods over the threshold and pods of vanished nodes.

    Notes
    -----
    Mirrors ``pkg/controller/podgc``. Used in: 05_self_healing.
    """

    name = "pod-garbage-collector-controller"
    watches = ("Pod", "Node")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.terminated: dict[str, tuple[float, str, str]] = {}  # uid -> (created, ns, name)
        self.unscheduled_terminating: dict[str, tuple[str, str]] = {}
        self.pods_per_node: dict[str, int] = {}
        self.node_of: dict[str, str] = {}  # pod uid -> node name
        self.nodes: dict[str, dict] = {}
        self.quarantine: dict[str, float] = {}  # node name -> when it is checked

    def start(self) -> None:
        if self.started:
            return
        super().start()
        self.clock.schedule(GC_CHECK_PERIOD, self._tick, priority=Priority.CONTROLLER, label=f"{self.name} gc")

    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        obj = event.object
        m = obj["metadata"]
        if kind == "Node":
            if event.type == "DELETED":
                self.nodes.pop(m["name"], None)
            else:
                self.nodes[m["name"]] = obj
                self.quarantine.pop(m["name"], None)
            return
        uid = m["uid"]
        node = self.node_of.pop(uid, None)
        if node is not None:
            self.pods_per_node[node] -= 1
            if not self.pods_per_node[node]:
                del self.pods_per_node[node]
        if event.type == "DELETED":
            self.terminated.pop(uid, None)
            self.unscheduled_terminating.pop(uid, None)
            return
        node = (obj.get("spec") or {}).get("nodeName")
        if node:
            self.node_of[uid] = node
            self.pods_per_node[node] = self.pods_per_node.get(node, 0) + 1
        if (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            created = parse_timestamp(m["creationTimestamp"]) if m.get("creationTimestamp") else 0.0
            self.terminated[uid] = (created, m.get("namespace", ""), m["name"])
        else:
            self.terminated.pop(uid, None)
        if m.get("deletionTimestamp") and not node:
            self.unscheduled_terminating[uid] = (m.get("namespace", ""), m["name"])
        else:
            self.unscheduled_terminating.pop(uid, None)

    def reconcile(self, key: Any) -> float | None:
        return None

    def _tick(self) -> None:
        self.gc()
        self.clock.schedule(GC_CHECK_PERIOD, self._tick, priority=Priority.CONTROLLER, label=f"{self.name} gc")

    def gc(self) -> None:
        """One pass: terminated over threshold, terminating on out-of-service nodes, orphans, unscheduled."""
        threshold = int(self.cluster.flags.terminated_pod_gc_threshold)
        if threshold > 0 and len(self.terminated) > threshold:
            excess = len(self.terminated) - threshold
            for _, ns, name in sorted(self.terminated.values())[:excess]:
                self._force_delete(ns, name, None)
        for node_name in sorted(self.nodes):
            node = self.nodes[node_name]
            if not any(t.get("key") == OUT_OF_SERVICE_TAINT for t in (node.get("spec") or {}).get("taints") or []):
                continue
            ready = get_condition(node.get("status") or {}, "Ready")
            if ready is not None and ready.get("status") == "True":
                continue
            for pod in self.api.pods_on_node(node_name):
                if pod["metadata"].get("deletionTimestamp"):
                    self._force_delete(pod["metadata"].get("namespace", ""), pod["metadata"]["name"], None)
        now = self.clock.now
        for node_name in sorted(self.pods_per_node):
            if node_name not in self.nodes and node_name not in self.quarantine:
                self.quarantine[node_name] = now + QUARANTINE_TIME
        for node_name in sorted(self.quarantine):
            if self.quarantine[node_name] > now:
                continue
            del self.quarantine[node_name]
            if self.api.get_or_none("Node", node_name) is not None:
                continue
            condition = {
                "type": "DisruptionTarget",
                "status": "True",
                "reason": "DeletionByPodGC",
                "message": "PodGC: node no longer exists",
            }
            for pod in sorted(self.api.pods_on_node(node_name), key=lambda p: p["metadata"]["name"]):
                self._force_delete(pod["metadata"].get("namespace", ""), pod["metadata"]["name"], condition)
        for ns, name in sorted(self.unscheduled_terminating.values()):
            self._force_delete(ns, name, None)

    def _force_delete(self, ns: str, name: str, condition: dict | None) -> None:
        """``markFailedAndDeletePodWithCondition``: phase Failed (plus the condition), then grace 0."""
        pod = self.api.get_or_none("Pod", name, ns)
        if pod is None:
            return
        status = pod.get("status") or {}
        if status.get("phase") not in ("Succeeded", "Failed"):
            new_status = dict(status, phase="Failed")
            if condition is not None:
                cond = dict(condition, lastProbeTime=None, lastTransitionTime=self.clock.timestamp())
                kept = [c for c in status.get("conditions") or [] if c.get("type") != cond["type"]]
                new_status["conditions"] = [*kept, cond]
            with contextlib.suppress(ApiError):
                self.api.replace_status("Pod", name, ns, new_status, user=self.component)
        with contextlib.suppress(ApiError):
            self.api.delete("Pod", name, ns, grace_period_seconds=0, user=self.component)
