"""What the workload controllers share: pod templates, expectations, an owner index, ranking.

Notes
-----
Mirrors ``pkg/controller/controller_utils.go`` of kube-controller-manager:
``GetPodFromTemplate`` (``<owner>-`` generateName, labels and annotations from the
template, a controller ownerReference), ``ControllerExpectations`` (a controller that
asked for N creations does not act again until it has *seen* them, so it never
double-creates), ``slowStartBatch`` (creations in batches 1, 2, 4, ... that stop at the
first failure), ``ActivePodsWithRanks`` (the order in which a ReplicaSet deletes pods)
and ``ComputeHash`` (the ``pod-template-hash`` / ``controller-revision-hash`` label).

Used in: 05_self_healing, 07_rolling_updates.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from functools import cmp_to_key
from typing import Any

from ...api.errors import ApiError
from ...api.objects import controller_ref, deep_copy, get_condition, make_owner_reference, pod_is_ready
from ...clock import parse_timestamp

__all__ = [
    "create_pods",
    "delete_pods",
    "BURST_REPLICAS",
    "EXPECTATIONS_TIMEOUT",
    "DELETION_COST_ANNOTATION",
    "is_pod_active",
    "is_pod_ready",
    "pod_ready_time",
    "is_pod_available",
    "next_available_time",
    "pod_from_template",
    "slow_start_batch",
    "Expectations",
    "OwnerIndex",
    "rank_pods_for_deletion",
    "pods_to_delete",
    "compute_hash",
    "safe_encode_string",
    "fnv32a",
    "selector_of",
]

#: ``--concurrent-...`` aside, a ReplicaSet creates or deletes at most this many pods per sync.
BURST_REPLICAS = 500
#: Unfulfilled expectations are forgotten after 5 minutes (``ExpectationsTimeout``).
EXPECTATIONS_TIMEOUT = 300.0
#: Pods with a lower cost are deleted first on scale-down (PodDeletionCost, beta since 1.22).
DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"

_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


# -- pod states ------------------------------------------------------------------------------
def is_pod_active(pod: Mapping) -> bool:
    """Not Succeeded, not Failed and not being deleted (``controller.IsPodActive``)."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed") and not (
        pod.get("metadata") or {}
    ).get("deletionTimestamp")


def is_pod_ready(pod: Mapping) -> bool:
    return pod_is_ready(pod)


def pod_ready_time(pod: Mapping) -> float | None:
    """Virtual time the Ready condition last turned True (None when not ready)."""
    cond = get_condition(pod.get("status") or {}, "Ready")
    if cond is None or cond.get("status") != "True" or not cond.get("lastTransitionTime"):
        return None
    return parse_timestamp(cond["lastTransitionTime"])


def is_pod_available(pod: Mapping, min_ready_seconds: float, now: float) -> bool:
    """Ready for at least ``min_ready_seconds`` (``podutil.IsPodAvailable``)."""
    ready_at = pod_ready_time(pod)
    if ready_at is None:
        return False
    return min_ready_seconds <= 0 or ready_at + min_ready_seconds <= now


def next_available_time(pods: Iterable[Mapping], min_ready_seconds: float, now: float) -> float | None:
    """The earliest future moment one of ``pods`` becomes available (to requeue then)."""
    if min_ready_seconds <= 0:
        return None
    best = None
    for pod in pods:
        ready_at = pod_ready_time(pod)
        if ready_at is not None and ready_at + min_ready_seconds > now:
            due = ready_at + min_ready_seconds
            best = due if best is None else min(best, due)
    return best


def selector_of(obj: Mapping, cache: dict[str, Any] | None = None) -> Any:
    """The label selector of a workload (``spec.selector``), cached by uid and generation."""
    from ...api.labels import selector_from_label_selector

    m = obj.get("metadata") or {}
    key = f"{m.get('uid')}/{m.get('generation')}"
    if cache is not None and key in cache:
        return cache[key]
    sel = selector_from_label_selector((obj.get("spec") or {}).get("selector"))
    if cache is not None:
        if len(cache) > 10_000:
            cache.clear()
        cache[key] = sel
    return sel


# -- creating pods ---------------------------------------------------------------------------
def pod_from_template(
    template: Mapping,
    owner: Mapping,
    owner_ref: Mapping,
    *,
    extra_labels: Mapping[str, str] | None = None,
    finalizers: list[str] | None = None,
) -> dict:
    """A new Pod from a pod template (``GetPodFromTemplate``): ``generateName: <owner>-``.

    The template is deep-copied: the API server defaults the pod it receives.
    """
    tmeta = template.get("metadata") or {}
    labels = dict(tmeta.get("labels") or {})
    if extra_labels:
        labels.update(extra_labels)
    om = owner["metadata"]
    meta: dict[str, Any] = {"generateName": f"{om['name']}-", "namespace": om.get("namespace", "default")}
    if labels:
        meta["labels"] = labels
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    meta["ownerReferences"] = [dict(owner_ref)]
    all_finalizers = list(tmeta.get("finalizers") or []) + list(finalizers or [])
    if all_finalizers:
        meta["finalizers"] = all_finalizers
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": deep_copy(template.get("spec") or {})}


def slow_start_batch(count: int, initial_batch_size: int, fn: Callable[[], None]) -> tuple[int, ApiError | None]:
    """Call ``fn`` ``count`` times in batches of 1, 2, 4, ...; stop after a batch with a failure.

    Returns the number of successful calls and the first error (``slowStartBatch``): a
    controller that hits a quota or an admission error does not hammer the API server
    with the whole remainder.
    """
    remaining = count
    successes = 0
    batch = min(remaining, initial_batch_size)
    while batch > 0:
        error = None
        for _ in range(batch):
            try:
                fn()
                successes += 1
            except ApiError as err:
                error = error or err
        if error is not None:
            return successes, error
        remaining -= batch
        batch = min(2 * batch, remaining)
    return successes, None


# -- expectations ----------------------------------------------------------------------------
def create_pods(controller: Any, owner: dict, key: Any, count: int) -> ApiError | None:
    """Create ``count`` pods from ``owner``'s template in slow-start batches, with expectations.

    Mirrors ``RealPodControl.CreatePods`` (``SuccessfulCreate`` / ``FailedCreate`` events) inside
    ``slowStartBatch`` as the ReplicaSet and Job controllers use them: the expectations are
    raised first and lowered again for pods a failed batch never created. ``controller`` is a
    Controller with ``api``, ``recorder``, ``expectations`` and ``component``. Returns the first
    error, if any.
    """
    controller.expectations.expect(key, count, (), controller.clock.now)
    template = (owner.get("spec") or {}).get("template") or {}
    ref = make_owner_reference(owner)

    def create() -> None:
        pod = pod_from_template(template, owner, ref)
        try:
            created = controller.api.create(pod, user=controller.component, copy=False)
        except ApiError as err:
            controller.recorder.warning(owner, "FailedCreate", f"Error creating: {err}")
            raise
        controller.recorder.normal(owner, "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")

    successes, error = slow_start_batch(count, 1, create)
    if successes < count:
        controller.expectations.lower(key, count - successes, ())
    return error


def delete_pods(controller: Any, owner: dict, key: Any, pods: Iterable[Mapping]) -> ApiError | None:
    """Delete ``pods`` of ``owner`` (``RealPodControl.DeletePod``: ``SuccessfulDelete`` / ``FailedDelete``).

    A pod that is already gone, or fails to go, is marked observed in the expectations so
    the controller does not wait for its deletion. Returns the first error other than NotFound.
    """
    error = None
    for pod in pods:
        pm = pod["metadata"]
        try:
            controller.api.delete("Pod", pm["name"], pm.get("namespace"), user=controller.component)
        except ApiError as err:
            controller.expectations.deletion_observed(key, pm["uid"])
            if err.reason != "NotFound":
                controller.recorder.warning(owner, "FailedDelete", f"Error deleting: {err}")
                error = error or err
            continue
        controller.recorder.normal(owner, "SuccessfulDelete", f"Deleted pod: {pm['name']}")
    return error


class Expectations:
    """Creations a controller still expects to observe (a count) and deletions (pod uids), per key.

    Mirrors ``UIDTrackingControllerExpectations``: ``satisfied`` is true when nothing is
    pending, when the record is older than :data:`EXPECTATIONS_TIMEOUT`, or when there is
    none. A deletion counts once per pod, whether it is seen as a deletionTimestamp or as
    the final DELETED event.
    """

    def __init__(self) -> None:
        self._adds: dict[Any, int] = {}
        self._dels: dict[Any, set[str]] = {}
        self._since: dict[Any, float] = {}

    def expect(self, key: Any, adds: int, del_uids: Iterable[str], now: float) -> None:
        self._adds[key] = adds
        self._dels[key] = set(del_uids)
        self._since[key] = now

    def creation_observed(self, key: Any) -> None:
        if key in self._adds:
            self._adds[key] -= 1

    def deletion_observed(self, key: Any, uid: str) -> None:
        dels = self._dels.get(key)
        if dels:
            dels.discard(uid)

    def observe_pod(self, key: Any, event_type: str, pod: Mapping, before: Mapping | None, created: bool) -> None:
        """Count a pod event of ``key``'s: its creation (``created``: ADDED to this owner) or deletion.

        A deletion counts when the pod goes or first gets its deletionTimestamp.
        """
        if event_type == "ADDED" and created:
            self.creation_observed(key)
        m = pod["metadata"]
        was_deleting = (before or {}).get("metadata", {}).get("deletionTimestamp")
        if event_type == "DELETED" or (m.get("deletionTimestamp") and not was_deleting):
            self.deletion_observed(key, m["uid"])

    def lower(self, key: Any, adds: int, del_uids: Iterable[str]) -> None:
        if key in self._adds:
            self._adds[key] -= adds
        dels = self._dels.get(key)
        if dels:
            dels.difference_update(del_uids)

    def satisfied(self, key: Any, now: float) -> bool:
        if key not in self._since:
            return True
        if self._adds[key] <= 0 and not self._dels[key]:
            return True
        return now - self._since[key] > EXPECTATIONS_TIMEOUT

    def pending(self, key: Any) -> tuple[int, int]:
        if key not in self._since:
            return (0, 0)
        return (max(self._adds[key], 0), len(self._dels[key]))

    def delete(self, key: Any) -> None:
        self._adds.pop(key, None)
        self._dels.pop(key, None)
        self._since.pop(key, None)


# -- an index of objects by their controller -------------------------------------------------
class OwnerIndex:
    """Objects of one kind by the uid of their controller (and orphans by namespace).

    Fed from a watch (:meth:`observe`), so a controller never lists all pods to find the
    ones of one ReplicaSet (upstream: the informer's ``controllerUID`` indexer).
    """

    def __init__(self) -> None:
        self.by_owner: dict[str, dict[str, dict]] = {}
        self.orphans: dict[str, dict[str, dict]] = {}
        self._owner_of: dict[str, str] = {}  # object uid -> owner uid ("" for orphans)

    def observe(self, type_: str, obj: dict) -> tuple[str | None, str | None]:
        """Apply one watch event; returns ``(previous owner uid, current owner uid)``."""
        m = obj["metadata"]
        uid = m["uid"]
        previous = self._owner_of.get(uid)
        if previous is not None:
            bucket = self.by_owner.get(previous) if previous else self.orphans.get(m.get("namespace", ""))
            if bucket is not None:
                bucket.pop(uid, None)
                if not bucket:
                    (self.by_owner if previous else self.orphans).pop(
                        previous if previous else m.get("namespace", ""), None
                    )
        if type_ == "DELETED":
            self._owner_of.pop(uid, None)
            return previous, None
        ref = controller_ref(obj)
        owner = ref.get("uid", "") if ref else ""
        self._owner_of[uid] = owner
        if owner:
            self.by_owner.setdefault(owner, {})[uid] = obj
        else:
            self.orphans.setdefault(m.get("namespace", ""), {})[uid] = obj
        return previous, owner

    def stored(self, obj: Mapping) -> dict | None:
        """The version of ``obj`` this index holds (what the controller saw last)."""
        m = obj["metadata"]
        owner = self._owner_of.get(m["uid"])
        if owner is None:
            return None
        bucket = self.by_owner.get(owner) if owner else self.orphans.get(m.get("namespace", ""))
        return None if bucket is None else bucket.get(m["uid"])

    def owned_by(self, owner_uid: str) -> list[dict]:
        return list(self.by_owner.get(owner_uid, {}).values())

    def count_owned(self, owner_uid: str) -> int:
        return len(self.by_owner.get(owner_uid, ()))

    def orphans_in(self, namespace: str) -> list[dict]:
        return list(self.orphans.get(namespace, {}).values())


# -- which pods a ReplicaSet deletes first ---------------------------------------------------
_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def _deletion_cost(pod: Mapping) -> int:
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get(DELETION_COST_ANNOTATION)
    if value is None:
        return 0
    try:
        cost = int(str(value))
    except ValueError:
        return 0
    return cost if -(2**31) <= cost < 2**31 else 0


def _max_restarts(pod: Mapping) -> tuple[int, int]:
    status = pod.get("status") or {}
    regular = max((int(c.get("restartCount") or 0) for c in status.get("containerStatuses") or []), default=0)
    sidecar = max((int(c.get("restartCount") or 0) for c in status.get("initContainerStatuses") or []), default=0)
    return regular, sidecar


def _log_rank(t: float, now: float) -> int:
    d = (now - t) * 1e9  # Go durations are nanoseconds
    return int(math.log2(d)) if d > 0 else -1


def _creation_time(pod: Mapping) -> float | None:
    ts = (pod.get("metadata") or {}).get("creationTimestamp")
    return parse_timestamp(ts) if ts else None


def _after_or_zero(t1: float | None, t2: float | None) -> bool:
    if t1 is None or t2 is None:
        return t1 is None
    return t1 > t2


def _less(a: tuple, b: tuple, now: float) -> bool:
    pod_i, rank_i = a
    pod_j, rank_j = b
    node_i = (pod_i.get("spec") or {}).get("nodeName") or ""
    node_j = (pod_j.get("spec") or {}).get("nodeName") or ""
    # 1. unassigned < assigned
    if node_i != node_j and (not node_i or not node_j):
        return not node_i
    # 2. Pending < Unknown < Running
    phase_i = _PHASE_ORDINAL.get((pod_i.get("status") or {}).get("phase"), 0)
    phase_j = _PHASE_ORDINAL.get((pod_j.get("status") or {}).get("phase"), 0)
    if phase_i != phase_j:
        return phase_i < phase_j
    # 3. not ready < ready
    ready_i, ready_j = pod_is_ready(pod_i), pod_is_ready(pod_j)
    if ready_i != ready_j:
        return not ready_i
    # 4. lower pod-deletion-cost < higher
    cost_i, cost_j = _deletion_cost(pod_i), _deletion_cost(pod_j)
    if cost_i != cost_j:
        return cost_i < cost_j
    # 5. doubled up (more related pods on the same node) < not doubled up
    if rank_i != rank_j:
        return rank_i > rank_j
    uid_i = (pod_i.get("metadata") or {}).get("uid", "")
    uid_j = (pod_j.get("metadata") or {}).get("uid", "")
    # 6. ready for less time < more time, on a log2 scale (LogarithmicScaleDown)
    if ready_i and ready_j:
        t_i, t_j = pod_ready_time(pod_i), pod_ready_time(pod_j)
        if t_i != t_j:
            if t_i is None or t_j is None:
                return _after_or_zero(t_i, t_j)
            diff = _log_rank(t_i, now) - _log_rank(t_j, now)
            return uid_i < uid_j if diff == 0 else diff < 0
    # 7. more restarts < fewer restarts
    restarts_i, restarts_j = _max_restarts(pod_i), _max_restarts(pod_j)
    if restarts_i[0] != restarts_j[0]:
        return restarts_i[0] > restarts_j[0]
    if restarts_i[1] != restarts_j[1]:
        return restarts_i[1] > restarts_j[1]
    # 8. newer < older (log2 scale), ties broken by uid
    c_i, c_j = _creation_time(pod_i), _creation_time(pod_j)
    if c_i != c_j:
        if c_i is None or c_j is None:
            return _after_or_zero(c_i, c_j)
        diff = _log_rank(c_i, now) - _log_rank(c_j, now)
        return uid_i < uid_j if diff == 0 else diff < 0
    return False


def rank_pods_for_deletion(pods: list[dict], related_pods: Iterable[Mapping], now: float) -> list[dict]:
    """``pods`` in the order a ReplicaSet deletes them on scale-down (first = first deleted).

    ``related_pods`` are the active pods of every ReplicaSet with the same owner (the
    Deployment): a pod's rank is how many of them share its node.

    Notes
    -----
    Mirrors ``ActivePodsWithRanks.Less`` with PodDeletionCost and LogarithmicScaleDown
    (both on by default): unassigned < assigned; Pending < Unknown < Running; not ready <
    ready; lower ``controller.kubernetes.io/pod-deletion-cost``; more related pods on the
    same node; ready for less time; more restarts; newer.
    """
    on_node: dict[str, int] = {}
    for pod in related_pods:
        if is_pod_active(pod):
            node = (pod.get("spec") or {}).get("nodeName") or ""
            on_node[node] = on_node.get(node, 0) + 1
    ranked = [(pod, on_node.get((pod.get("spec") or {}).get("nodeName") or "", 0)) for pod in pods]

    def cmp(a: tuple, b: tuple) -> int:
        if _less(a, b, now):
            return -1
        if _less(b, a, now):
            return 1
        return 0

    ranked.sort(key=cmp_to_key(cmp))
    return [pod for pod, _ in ranked]


def pods_to_delete(active: list[dict], related_pods: Iterable[Mapping], diff: int, now: float) -> list[dict]:
    """The ``diff`` pods to delete (``getPodsToDelete``: no ranking when all of them go)."""
    if diff < len(active):
        active = rank_pods_for_deletion(active, related_pods, now)
    return active[:diff]


# -- ComputeHash -----------------------------------------------------------------------------
def fnv32a(data: bytes, h: int = 0x811C9DC5) -> int:
    """32-bit FNV-1a (Go's ``hash/fnv.New32a``)."""
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode_string(s: str) -> str:
    """Map every byte to ``bcdfghjklmnpqrstvwxz2456789`` (apimachinery ``rand.SafeEncodeString``).

    No vowels (no accidental words) and no look-alikes (0/o, 1/l).

    Examples
    --------
    >>> safe_encode_string("0123456789")
    '456789bcdf'
    """
    return "".join(_ALPHANUMS[b % len(_ALPHANUMS)] for b in s.encode())


def compute_hash(template: Mapping, collision_count: int | None = None) -> str:
    """The ``pod-template-hash`` of a pod template (``controller.ComputeHash``).

    FNV-1a (32 bit) over the template, then over ``collisionCount`` as 4 little-endian
    bytes when set, printed in decimal and passed through :func:`safe_encode_string`.

    Notes
    -----
    Upstream hashes Go's deep-printed struct; we hash the canonical JSON of the template
    (sorted keys), so the same template always gives the same hash here, but not the
    same hash as a real cluster would.
    """
    data = json.dumps(template, sort_keys=True, separators=(",", ":"), default=str).encode()
    h = fnv32a(data)
    if collision_count is not None:
        h = fnv32a(int(collision_count).to_bytes(4, "little", signed=False), h)
    return safe_encode_string(str(h))
