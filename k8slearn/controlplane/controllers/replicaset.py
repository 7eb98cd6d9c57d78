"""The ReplicaSet controller: keeps ``spec.replicas`` pods of a ReplicaSet alive.

Notes
-----
Mirrors kube-controller-manager's ``replicaset-controller`` (``syncReplicaSet`` ->
``claimPods`` -> ``manageReplicas`` -> ``calculateStatus``):

- it counts the *active* pods it controls (not Succeeded/Failed, not being deleted), so a
  pod evicted from a dead node stops counting the moment it gets a deletionTimestamp and
  its replacement is created at once;
- missing pods are created in slow-start batches (1, 2, 4, ...; at most 500 per sync),
  named ``<rs>-<5 random chars>`` by the API server from ``generateName``;
- surplus pods are deleted in the upstream ranking order (see
  :func:`~k8slearn.controlplane.controllers.podcontrol.rank_pods_for_deletion`);
- expectations make it wait until it has seen its own creations and deletions;
- orphan pods that match the selector are adopted, owned pods whose labels stop
  matching are released (ownerReferences);
- events ``SuccessfulCreate`` ``Created pod: <name>`` and ``SuccessfulDelete``
  ``Deleted pod: <name>``; status ``replicas``, ``fullyLabeledReplicas``,
  ``readyReplicas``, ``availableReplicas``, ``observedGeneration``.

Per pod event the work is O(1): counts are kept per ReplicaSet from the pod watch, and a
sync only touches the pods it creates, deletes or re-checks.

Used in: 05_self_healing, 07_rolling_updates.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ...api.errors import ApiError
from ...api.objects import controller_ref, make_owner_reference, owner_references, pod_is_ready
from ..apiserver import WatchEvent
from .base import Controller
from .podcontrol import (
    BURST_REPLICAS,
    Expectations,
    OwnerIndex,
    create_pods,
    delete_pods,
    is_pod_active,
    is_pod_available,
    next_available_time,
    pods_to_delete,
    selector_of,
)

__all__ = ["ReplicaSetController", "replica_set_status"]

Key = tuple[str, str]


def _template_labels(rs: dict) -> dict:
    return (((rs.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}


def _fully_labeled(pod: dict, labels: dict) -> bool:
    have = (pod.get("metadata") or {}).get("labels") or {}
    return all(have.get(k) == v for k, v in labels.items())


def replica_set_status(
    rs: dict,
    replicas: int,
    fully_labeled: int,
    ready: int,
    available: int,
    error: ApiError | None,
    now_ts: str,
) -> dict:
    """The status a sync writes (``calculateStatus``); zero counts are omitted like ``omitempty``."""
    old = rs.get("status") or {}
    status: dict[str, Any] = {"replicas": replicas}
    if fully_labeled:
        status["fullyLabeledReplicas"] = fully_labeled
    if ready:
        status["readyReplicas"] = ready
    if available:
        status["availableReplicas"] = available
    status["observedGeneration"] = rs["metadata"].get("generation", 1)
    conditions = [dict(c) for c in old.get("conditions") or []]
    failure = next((c for c in conditions if c.get("type") == "ReplicaFailure"), None)
    if error is not None and failure is None:
        desired = int((rs.get("spec") or {}).get("replicas", 1))
        reason = "FailedCreate" if replicas < desired else "FailedDelete" if replicas > desired else ""
        conditions.append(
            {
                "type": "ReplicaFailure",
                "status": "True",
                "lastTransitionTime": now_ts,
                "reason": reason,
                "message": str(error),
            }
        )
    elif error is None and failure is not None:
        conditions = [c for c in conditions if c.get("type") != "ReplicaFailure"]
    if conditions:
        status["conditions"] = conditions
    return status


class ReplicaSetController(Controller):
    """Keeps the number of active pods owned by each ReplicaSet equal to ``spec.replicas``.

    Notes
    -----
    Mirrors ``pkg/controller/replicaset/replica_set.go``. Used in: 05_self_healing,
    07_rolling_updates.
    """

    name = "replicaset-controller"
    watches = ("ReplicaSet", "Pod")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.pods = OwnerIndex()
        self.replica_sets = OwnerIndex()  # ReplicaSets by their owner (a Deployment)
        self.rs_keys: dict[str, Key] = {}  # rs uid -> (namespace, name)
        self.rs_labels: dict[str, dict] = {}  # rs uid -> template labels
        self.counts: dict[str, list[int]] = {}  # rs uid -> [active, ready, fully labeled]
        self.recheck: dict[str, dict[str, None]] = {}  # rs uid -> pod uids whose labels changed
        self.rs_selectors: dict[str, dict[Key, Any]] = {}  # namespace -> rs key -> selector
        self.expectations = Expectations()
        self._selectors: dict[str, Any] = {}
        self._failures: dict[Key, int] = {}

    # -- watch handlers (cheap: update caches, enqueue keys) ----------------------------------
    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        if kind == "ReplicaSet":
            self._on_replica_set(event)
        else:
            self._on_pod(event)

    def _on_replica_set(self, event: WatchEvent) -> None:
        rs = event.object
        m = rs["metadata"]
        uid = m["uid"]
        key = (m.get("namespace", ""), m["name"])
        self.replica_sets.observe(event.type, rs)
        by_ns = self.rs_selectors.setdefault(key[0], {})
        if event.type == "DELETED":
            by_ns.pop(key, None)
            self.rs_keys.pop(uid, None)
            self.rs_labels.pop(uid, None)
            self.recheck.pop(uid, None)
            self.expectations.delete(key)
            self._failures.pop(key, None)
            return
        self.rs_keys[uid] = key
        by_ns[key] = selector_of(rs, self._selectors)
        labels = _template_labels(rs)
        if self.rs_labels.get(uid) != labels:
            self.rs_labels[uid] = labels
            self._recount(uid)
        old = event.old_object
        if old is not None and (old.get("spec") or {}).get("selector") != (rs.get("spec") or {}).get("selector"):
            self.recheck.setdefault(uid, {}).update((p["metadata"]["uid"], None) for p in self.pods.owned_by(uid))
        self.queue.add(key)

    def _recount(self, uid: str) -> None:
        labels = self.rs_labels.get(uid, {})
        active = ready = labeled = 0
        for pod in self.pods.owned_by(uid):
            if is_pod_active(pod):
                active += 1
                ready += pod_is_ready(pod)
                labeled += _fully_labeled(pod, labels)
        self.counts[uid] = [active, ready, labeled]

    def _contribute(self, owner: str, pod: dict, sign: int) -> None:
        if not is_pod_active(pod):
            return
        counts = self.counts.get(owner)
        if counts is None:
            counts = self.counts[owner] = [0, 0, 0]
        counts[0] += sign
        if pod_is_ready(pod):
            counts[1] += sign
        if _fully_labeled(pod, self.rs_labels.get(owner, {})):
            counts[2] += sign
        if sign < 0 and counts[0] <= 0 and owner not in self.rs_keys:
            self.counts.pop(owner, None)

    def _on_pod(self, event: WatchEvent) -> None:
        pod = event.object
        m = pod["metadata"]
        uid = m["uid"]
        before = self.pods.stored(pod)
        previous, owner = self.pods.observe(event.type, pod)
        if previous and before is not None:
            self._contribute(previous, before, -1)
        if owner and event.type != "DELETED":
            self._contribute(owner, pod, +1)
        for rs_uid in {previous, owner} - {None, ""}:
            key = self.rs_keys.get(rs_uid)
            if key is None:
                continue
            self.expectations.observe_pod(key, event.type, pod, before, rs_uid == owner)
            if (
                event.type == "MODIFIED"
                and rs_uid == owner
                and (before or {}).get("metadata", {}).get("labels") != m.get("labels")
            ):
                self.recheck.setdefault(rs_uid, {})[uid] = None
            self.queue.add(key)
        if owner == "" and event.type != "DELETED" and not m.get("deletionTimestamp"):
            self._enqueue_matching(pod)

    def _enqueue_matching(self, pod: dict) -> None:
        """An orphan pod appeared or changed: wake the ReplicaSets that could adopt it."""
        ns = pod["metadata"].get("namespace", "")
        labels = pod["metadata"].get("labels") or {}
        for key, selector in self.rs_selectors.get(ns, {}).items():
            if selector.matches(labels):
                self.queue.add(key)

    # -- reconcile -----------------------------------------------------------------------------
    def reconcile(self, key: Key) -> float | None:
        ns, name = key
        rs = self.api.get_or_none("ReplicaSet", name, ns)
        if rs is None:
            self.expectations.delete(key)
            return None
        uid = rs["metadata"]["uid"]
        now = self.clock.now
        self._claim_pods(rs, uid)
        counts = list(self.counts.get(uid, (0, 0, 0)))
        min_ready = int((rs.get("spec") or {}).get("minReadySeconds") or 0)
        available = counts[1] if min_ready <= 0 else self._available(uid, min_ready, now)
        error = None
        if self.expectations.satisfied(key, now) and not rs["metadata"].get("deletionTimestamp"):
            error = self._manage_replicas(rs, key, uid, counts[0])
        status = replica_set_status(rs, counts[0], counts[2], counts[1], available, error, self.clock.timestamp())
        if status != (rs.get("status") or {}):
            with contextlib.suppress(ApiError):
                self.api.replace_status("ReplicaSet", name, ns, status, user=self.component)
        if min_ready > 0:
            due = next_available_time(self._active(uid), min_ready, now)
            if due is not None:
                self.queue.add_after(key, due - now)
        if error is not None:
            n = self._failures.get(key, 0)
            self._failures[key] = n + 1
            return min(0.005 * 2**n, 1000.0)
        self._failures.pop(key, None)
        return None

    def _active(self, uid: str) -> list[dict]:
        return [p for p in self.pods.owned_by(uid) if is_pod_active(p)]

    def _available(self, uid: str, min_ready: int, now: float) -> int:
        return sum(1 for p in self.pods.owned_by(uid) if is_pod_active(p) and is_pod_available(p, min_ready, now))

    def _claim_pods(self, rs: dict, uid: str) -> None:
        """Adopt matching orphans and release owned pods that no longer match (ClaimPods)."""
        ns = rs["metadata"].get("namespace", "")
        deleting = bool(rs["metadata"].get("deletionTimestamp"))
        sel = None
        recheck = self.recheck.pop(uid, None)
        if recheck and not deleting:
            sel = selector_of(rs, self._selectors)
            owned = self.pods.by_owner.get(uid, {})
            for pod_uid in recheck:
                pod = owned.get(pod_uid)
                if pod is not None and not sel.matches(pod["metadata"].get("labels") or {}):
                    refs = [r for r in owner_references(pod) if r.get("uid") != uid]
                    self._patch_owners(pod, refs)
        orphans = self.pods.orphans.get(ns)
        if orphans and not deleting:
            sel = sel or selector_of(rs, self._selectors)
            ref = make_owner_reference(rs)
            for pod in list(orphans.values()):
                pm = pod["metadata"]
                if pm.get("deletionTimestamp") or not sel.matches(pm.get("labels") or {}):
                    continue
                if controller_ref(pod) is None:
                    self._patch_owners(pod, [*owner_references(pod), ref])

    def _patch_owners(self, pod: dict, refs: list[dict]) -> None:
        m = pod["metadata"]
        with contextlib.suppress(ApiError):
            self.api.patch("Pod", m["name"], m.get("namespace"), {"metadata": {"ownerReferences": refs or None}},
                           user=self.component)  # fmt: skip

    def _manage_replicas(self, rs: dict, key: Key, uid: str, active: int) -> ApiError | None:
        desired = int((rs.get("spec") or {}).get("replicas", 1))
        diff = active - desired
        if diff < 0:
            count = min(-diff, BURST_REPLICAS)
            error = create_pods(self, rs, key, count)
            if count < -diff:
                self.queue.add(key)
            return error
        if diff > 0:
            count = min(diff, BURST_REPLICAS)
            active_pods = self._active(uid)
            related = self._related_pods(rs, active_pods)
            doomed = pods_to_delete(active_pods, related, count, self.clock.now)
            self.expectations.expect(key, 0, [p["metadata"]["uid"] for p in doomed], self.clock.now)
            error = delete_pods(self, rs, key, doomed)
            if count < diff:
                self.queue.add(key)
            return error
        return None

    def _related_pods(self, rs: dict, own_active: list[dict]) -> list[dict]:
        """Active pods of every ReplicaSet with the same controller (``getIndirectlyRelatedPods``)."""
        ref = controller_ref(rs)
        if ref is None:
            return own_active
        pods: list[dict] = []
        for sibling in self.replica_sets.owned_by(ref.get("uid", "")):
            pods.extend(p for p in self.pods.owned_by(sibling["metadata"]["uid"]) if is_pod_active(p))
        return pods
