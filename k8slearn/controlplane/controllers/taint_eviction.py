"""The taint eviction controller: deletes pods from nodes with NoExecute taints they do not tolerate.

Notes
-----
Mirrors kube-controller-manager's ``taint-eviction-controller``
(``pkg/controller/tainteviction/taint_eviction.go``, split out of the node lifecycle
controller in 1.29):

- a pod that does not tolerate one of its node's ``NoExecute`` taints is deleted at once;
- a pod that tolerates all of them, some for ``tolerationSeconds``, is deleted after the
  smallest of those (counted from when the controller saw the taint); tolerating without
  ``tolerationSeconds`` means staying forever. Every pod gets ``not-ready`` and
  ``unreachable`` tolerations for 300 s from admission, hence the 5 minutes before
  pods leave an unreachable node;
- before deleting it adds the pod condition ``DisruptionTarget`` (reason
  ``DeletionByTaintManager``) and records ``TaintManagerEviction``
  ``Marking for deletion Pod <ns>/<name>``; a taint that goes away in time cancels the
  eviction (``Cancelling deletion of Pod <ns>/<name>``).

The deletion is graceful: on an unreachable node nobody confirms it, so the pod stays
``Terminating`` while its ReplicaSet already counts it as gone.

Used in: 05_self_healing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ...api.componenthelpers import tolerates_taint
from ...api.errors import ApiError
from ...clock import Priority, Timer
from ..apiserver import WatchEvent
from .base import Controller, WorkQueue

__all__ = [
    "TaintEvictionController",
    "tolerates",
    "untolerated_taint",
    "matching_tolerations",
    "min_toleration_seconds",
]


#: ``Toleration.ToleratesTaint``: the rule every component shares (k8slearn.api.componenthelpers).
tolerates = tolerates_taint


def untolerated_taint(
    taints: Iterable[dict], tolerations: Iterable[dict], only: Callable[[dict], bool] | None = None
) -> dict | None:
    """The first taint (passing ``only``) that no toleration tolerates (``FindMatchingUntoleratedTaint``)."""
    tolerations = list(tolerations or ())
    for taint in taints or ():
        if only is not None and not only(taint):
            continue
        if not any(tolerates(t, taint) for t in tolerations):
            return taint
    return None


def matching_tolerations(taints: list[dict], tolerations: list[dict]) -> tuple[bool, list[dict]]:
    """``(all tolerated, the toleration used for each taint)`` (``GetMatchingTolerations``)."""
    used = []
    for taint in taints:
        match = next((t for t in tolerations or () if tolerates(t, taint)), None)
        if match is None:
            return False, []
        used.append(match)
    return True, used


def min_toleration_seconds(used: list[dict]) -> float:
    """Smallest ``tolerationSeconds`` (0 for none used or a non-positive value; -1 for forever)."""
    if not used:
        return 0
    best = None
    for tol in used:
        seconds = tol.get("tolerationSeconds")
        if seconds is None:
            continue
        if int(seconds) <= 0:
            return 0
        best = int(seconds) if best is None else min(best, int(seconds))
    return -1 if best is None else best


def _no_execute(taints: Iterable[dict]) -> list[dict]:
    return [t for t in taints or () if t.get("effect") == "NoExecute"]


@dataclass
class _Work:
    uid: str
    created_at: float
    fire_at: float
    timer: Timer | None  # None once done: the key stays to block re-adding


class TaintEvictionController(Controller):
    """Evicts pods from nodes with NoExecute taints, at once or after tolerationSeconds.

    Notes
    -----
    Mirrors ``pkg/controller/tainteviction``. Used in: 05_self_healing.
    """

    name = "taint-eviction-controller"
    watches = ("Node", "Pod")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.tainted: dict[str, list[dict]] = {}
        self.work: dict[tuple[str, str], _Work] = {}
        self.pod_queue = WorkQueue(self.clock, self._handle_pod_update, label=f"{self.name} pods")

    # -- watch handlers -----------------------------------------------------------------------
    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        obj = event.object
        old = event.old_object
        if kind == "Node":
            unchanged = _no_execute((old or {}).get("spec", {}).get("taints")) == _no_execute(
                (obj.get("spec") or {}).get("taints")
            )
            if event.type == "MODIFIED" and old is not None and unchanged:
                return
            self.queue.add(obj["metadata"]["name"])
            return
        spec = obj.get("spec") or {}
        if event.type == "MODIFIED" and old is not None:
            old_spec = old.get("spec") or {}
            if old_spec.get("tolerations") == spec.get("tolerations") and old_spec.get("nodeName") == spec.get(
                "nodeName"
            ):
                return
        m = obj["metadata"]
        self.pod_queue.add((m.get("namespace", ""), m["name"], spec.get("nodeName") or ""))

    # -- node and pod updates -----------------------------------------------------------------
    def reconcile(self, node_name: str) -> float | None:
        """``handleNodeUpdate``: refresh the node's NoExecute taints and judge all its pods."""
        node = self.api.get_or_none("Node", node_name)
        if node is None:
            self.tainted.pop(node_name, None)
            return None
        taints = _no_execute((node.get("spec") or {}).get("taints"))
        if taints:
            self.tainted[node_name] = taints
        else:
            self.tainted.pop(node_name, None)
        pods = sorted(self.api.pods_on_node(node_name), key=lambda p: (p["metadata"].get("namespace", ""),
                                                                        p["metadata"]["name"]))  # fmt: skip
        if not taints:
            for pod in pods:
                self._cancel(_key(pod), event=True)
            return None
        now = self.clock.now
        for pod in pods:
            self._process_pod(pod, taints, now)
        return None

    def _handle_pod_update(self, item: tuple[str, str, str]) -> float | None:
        ns, name, node_name = item
        pod = self.api.get_or_none("Pod", name, ns)
        if pod is None:
            self._cancel((ns, name), event=True)
            return None
        current_node = (pod.get("spec") or {}).get("nodeName") or ""
        if current_node != node_name:
            return None
        if not current_node or current_node not in self.tainted:
            self._cancel((ns, name), event=True)
            return None
        self._process_pod(pod, self.tainted[current_node], self.clock.now)
        return None

    def _process_pod(self, pod: dict, taints: list[dict], now: float) -> None:
        key = _key(pod)
        uid = pod["metadata"]["uid"]
        all_tolerated, used = matching_tolerations(taints, (pod.get("spec") or {}).get("tolerations") or [])
        seconds = min_toleration_seconds(used) if all_tolerated else 0
        if all_tolerated and seconds < 0:
            self._cancel(key, event=True)
            return
        existing = self.work.get(key)
        if existing is not None and existing.uid != uid:  # an older pod of the same name
            self._cancel(key, event=True)
            existing = None
        if existing is not None and existing.timer is None:
            return  # this pod was already marked for deletion
        if seconds == 0:
            if existing is not None:
                if existing.fire_at <= now:
                    return
                self._cancel(key, event=True)
            self._add(key, uid, now, now)
            return
        if existing is not None:
            # the first deadline stands: created_at + seconds is never after now + seconds
            return
        self._add(key, uid, now, now + seconds)

    # -- the timed work queue ------------------------------------------------------------------
    def _add(self, key: tuple[str, str], uid: str, created_at: float, fire_at: float) -> None:
        if key in self.work:
            return
        timer = self.clock.at(fire_at, lambda: self._fire(key), priority=Priority.CONTROLLER,
                              label=f"{self.name} evict {key[0]}/{key[1]}")  # fmt: skip
        self.work[key] = _Work(uid, created_at, fire_at, timer)

    def _cancel(self, key: tuple[str, str], event: bool) -> None:
        work = self.work.pop(key, None)
        if work is None or work.timer is None:
            return
        work.timer.cancel()
        if event:
            self.recorder.normal(_pod_ref(key), "TaintManagerEviction", f"Cancelling deletion of Pod {key[0]}/{key[1]}")

    def _fire(self, key: tuple[str, str]) -> None:
        work = self.work.get(key)
        if work is None:
            return
        work.timer = None
        self.recorder.normal(_pod_ref(key), "TaintManagerEviction", f"Marking for deletion Pod {key[0]}/{key[1]}")
        self._add_condition_and_delete(key, work.uid)

    def _add_condition_and_delete(self, key: tuple[str, str], uid: str) -> None:
        ns, name = key
        pod = self.api.get_or_none("Pod", name, ns)
        if pod is None or pod["metadata"]["uid"] != uid or pod["metadata"].get("deletionTimestamp"):
            return
        status = dict(pod.get("status") or {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "DisruptionTarget"]
        conditions.append(
            {
                "type": "DisruptionTarget",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": self.clock.timestamp(),
                "reason": "DeletionByTaintManager",
                "message": "Taint manager: deleting due to NoExecute taint",
            }
        )
        status["conditions"] = conditions
        try:
            self.api.replace_status("Pod", name, ns, status, user=self.component)
            self.api.delete("Pod", name, ns, preconditions_uid=uid, user=self.component)
        except ApiError:
            return


def _key(pod: dict) -> tuple[str, str]:
    return (pod["metadata"].get("namespace", ""), pod["metadata"]["name"])


def _pod_ref(key: tuple[str, str]) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": key[1], "namespace": key[0]}}
