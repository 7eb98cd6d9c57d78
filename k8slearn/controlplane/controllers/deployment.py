"""The Deployment controller: rollouts as a sequence of ReplicaSet scalings.

Notes
-----
Mirrors kube-controller-manager's ``deployment-controller``
(``pkg/controller/deployment``: ``syncDeployment``, ``rolloutRolling``,
``rolloutRecreate``, ``sync``/``scale``, ``syncRolloutStatus``, ``cleanupDeployment``
and ``deployment/util``):

- the new ReplicaSet is ``<deployment>-<pod-template-hash>``; the hash
  (:func:`~k8slearn.controlplane.controllers.podcontrol.compute_hash`) also labels its
  pods and narrows its selector, and ``status.collisionCount`` changes it on a clash;
- revisions live in the annotation ``deployment.kubernetes.io/revision`` (new RS =
  highest old revision + 1; an old RS that becomes new again, as after ``kubectl rollout
  undo``, gets the next number and keeps its old ones in ``revision-history``);
- RollingUpdate: ``maxSurge`` rounds up, ``maxUnavailable`` rounds down, both 0 after
  rounding means ``maxUnavailable`` 1; each step first scales the new RS up to at most
  ``replicas + maxSurge`` pods in all (counting ``spec.replicas`` of every RS), then scales
  old RSs down, unhealthy pods first and oldest RS first, keeping at least
  ``replicas - maxUnavailable`` available;
- Recreate scales every old RS to 0, waits until no old pod runs, then scales up;
- a change of ``spec.replicas`` during a rollout is spread proportionally over the RSs
  (annotations ``desired-replicas``/``max-replicas``);
- conditions ``Available`` (MinimumReplicasAvailable / MinimumReplicasUnavailable) and
  ``Progressing`` (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated,
  NewReplicaSetAvailable, ProgressDeadlineExceeded, DeploymentPaused, DeploymentResumed);
- events ``ScalingReplicaSet``: ``Scaled up replica set <rs> from <a> to <b>``;
- old RSs beyond ``revisionHistoryLimit`` (scaled to 0) are deleted.

Used in: 07_rolling_updates, 05_self_healing.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

from ...api.errors import ApiError
from ...api.objects import controller_ref, deep_copy, make_owner_reference, owner_references
from ...clock import parse_timestamp
from ..apiserver import LAST_APPLIED, WatchEvent
from .base import Controller
from .podcontrol import OwnerIndex, compute_hash, selector_of

__all__ = [
    "DeploymentController",
    "REVISION_ANNOTATION",
    "REVISION_HISTORY_ANNOTATION",
    "DESIRED_REPLICAS_ANNOTATION",
    "MAX_REPLICAS_ANNOTATION",
    "POD_TEMPLATE_HASH",
    "scaled_value",
    "resolve_fenceposts",
    "max_surge",
    "max_unavailable",
    "new_rs_new_replicas",
    "equal_ignore_hash",
    "revision_of",
]

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
ROLLBACK_TO_ANNOTATION = "deprecated.deployment.rollback.to"
POD_TEMPLATE_HASH = "pod-template-hash"
MAX_REV_HISTORY_LENGTH = 2000

_SKIP_COPY = {
    LAST_APPLIED,
    REVISION_ANNOTATION,
    REVISION_HISTORY_ANNOTATION,
    DESIRED_REPLICAS_ANNOTATION,
    MAX_REPLICAS_ANNOTATION,
    ROLLBACK_TO_ANNOTATION,
}

# Progressing / Available reasons (deployment/util/deployment_util.go)
REPLICA_SET_UPDATED = "ReplicaSetUpdated"
FAILED_RS_CREATE = "ReplicaSetCreateError"
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"

Key = tuple[str, str]


# -- deployment/util: pure functions ---------------------------------------------------------
def scaled_value(value: Any, total: int, round_up: bool) -> int:
    """An IntOrString as a count: ``3`` or ``"25%"`` of ``total`` (``GetScaledValueFromIntOrPercent``).

    Examples
    --------
    >>> scaled_value("25%", 10, True), scaled_value("25%", 10, False), scaled_value(2, 10, True)
    (3, 2, 2)
    """
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value)
    if text.endswith("%"):
        percent = int(text[:-1])
        exact = percent * total / 100
        return int(math.ceil(exact)) if round_up else int(math.floor(exact))
    return int(text)


def resolve_fenceposts(surge: Any, unavailable: Any, desired: int) -> tuple[int, int]:
    """``(maxSurge, maxUnavailable)`` as counts: surge rounds up, unavailable rounds down.

    Both 0 would stall a rollout, so maxUnavailable becomes 1 (``ResolveFenceposts``).

    Examples
    --------
    >>> resolve_fenceposts("25%", "25%", 4), resolve_fenceposts("10%", "10%", 3)
    ((1, 1), (1, 0))
    >>> resolve_fenceposts(0, "10%", 3)
    (0, 1)
    """
    s = scaled_value(surge, desired, True)
    u = scaled_value(unavailable, desired, False)
    if s == 0 and u == 0:
        u = 1
    return s, u


def _replicas(obj: dict) -> int:
    value = (obj.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def _is_rolling(d: dict) -> bool:
    return ((d.get("spec") or {}).get("strategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"


def _rolling(d: dict) -> dict:
    return ((d.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}


def max_surge(d: dict) -> int:
    """``MaxSurge``: 0 unless RollingUpdate."""
    if not _is_rolling(d):
        return 0
    ru = _rolling(d)
    return resolve_fenceposts(ru.get("maxSurge", "25%"), ru.get("maxUnavailable", "25%"), _replicas(d))[0]


def max_unavailable(d: dict) -> int:
    """``MaxUnavailable``: 0 unless RollingUpdate with replicas, never more than replicas."""
    replicas = _replicas(d)
    if not _is_rolling(d) or replicas == 0:
        return 0
    ru = _rolling(d)
    u = resolve_fenceposts(ru.get("maxSurge", "25%"), ru.get("maxUnavailable", "25%"), replicas)[1]
    return min(u, replicas)


def revision_of(obj: dict) -> int:
    """The ``deployment.kubernetes.io/revision`` annotation as an int (0 when missing)."""
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION)
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def _rs_sum(rss: list[dict | None], field: str | None = None) -> int:
    total = 0
    for rs in rss:
        if rs is None:
            continue
        total += _replicas(rs) if field is None else int((rs.get("status") or {}).get(field) or 0)
    return total


def new_rs_new_replicas(d: dict, all_rss: list[dict | None], new_rs: dict) -> int:
    """How big the new ReplicaSet may get in this step (``NewRSNewReplicas``).

    RollingUpdate: up to ``replicas + maxSurge`` pods in all RSs (their ``spec.replicas``),
    never past ``replicas``; Recreate: ``replicas``.
    """
    replicas = _replicas(d)
    if not _is_rolling(d):
        return replicas
    surge = scaled_value(_rolling(d).get("maxSurge", "25%"), replicas, True)
    current = _rs_sum(all_rss)
    max_total = replicas + surge
    if current >= max_total:
        return _replicas(new_rs)
    scale_up = min(max_total - current, replicas - _replicas(new_rs))
    return _replicas(new_rs) + scale_up


def _without_hash(template: dict) -> dict:
    t = dict(template or {})
    meta = dict(t.get("metadata") or {})
    labels = dict(meta.get("labels") or {})
    labels.pop(POD_TEMPLATE_HASH, None)
    if labels:
        meta["labels"] = labels
    else:
        meta.pop("labels", None)
    if meta:
        t["metadata"] = meta
    else:
        t.pop("metadata", None)
    return t


def equal_ignore_hash(t1: dict, t2: dict) -> bool:
    """Two pod templates are the same apart from the ``pod-template-hash`` label."""
    return _without_hash(t1) == _without_hash(t2)


def _creation_key(obj: dict) -> tuple[float, str]:
    m = obj["metadata"]
    return (parse_timestamp(m["creationTimestamp"]) if m.get("creationTimestamp") else 0.0, m["name"])


def _find_new(d: dict, rss: list[dict]) -> dict | None:
    template = (d.get("spec") or {}).get("template") or {}
    for rs in sorted(rss, key=_creation_key):
        if equal_ignore_hash((rs.get("spec") or {}).get("template") or {}, template):
            return rs
    return None


def _new_condition(type_: str, status: str, reason: str, message: str, now: str) -> dict:
    return {
        "type": type_,
        "status": status,
        "lastUpdateTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def _get_condition(status: dict, type_: str) -> dict | None:
    for cond in status.get("conditions") or []:
        if cond.get("type") == type_:
            return cond
    return None


def _set_condition(status: dict, cond: dict) -> None:
    """``SetDeploymentCondition``: no change for the same status and reason; moves it to the end."""
    current = _get_condition(status, cond["type"])
    if current is not None and current.get("status") == cond["status"] and current.get("reason") == cond["reason"]:
        return
    if current is not None and current.get("status") == cond["status"]:
        cond = dict(cond, lastTransitionTime=current.get("lastTransitionTime"))
    status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != cond["type"]] + [cond]


def _remove_condition(status: dict, type_: str) -> None:
    if status.get("conditions"):
        status["conditions"] = [c for c in status["conditions"] if c.get("type") != type_]
        if not status["conditions"]:
            del status["conditions"]


def _has_progress_deadline(d: dict) -> bool:
    value = (d.get("spec") or {}).get("progressDeadlineSeconds")
    return value is not None and int(value) != 2**31 - 1


def _deployment_complete(d: dict, status: dict) -> bool:
    replicas = _replicas(d)
    return (
        status.get("updatedReplicas", 0) == replicas
        and status.get("replicas", 0) == replicas
        and status.get("availableReplicas", 0) == replicas
        and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 1)
    )


def _deployment_progressing(d: dict, new: dict) -> bool:
    old = d.get("status") or {}
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = new.get("replicas", 0) - new.get("updatedReplicas", 0)
    return (
        new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
        or new_old < old_old
        or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
        or new.get("availableReplicas", 0) > old.get("availableReplicas", 0)
    )


def _deployment_timed_out(d: dict, status: dict, now: float) -> bool:
    if not _has_progress_deadline(d):
        return False
    cond = _get_condition(status, "Progressing")
    if cond is None or cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    since = parse_timestamp(cond["lastUpdateTime"])
    return since + int(d["spec"]["progressDeadlineSeconds"]) < now


def _calculate_status(all_rss: list[dict | None], new_rs: dict | None, d: dict) -> dict:
    available = _rs_sum(all_rss, "availableReplicas")
    total = _rs_sum(all_rss)
    unavailable = max(total - available, 0)
    old = d.get("status") or {}
    fields = {
        "observedGeneration": d["metadata"].get("generation", 1),
        "replicas": _rs_sum(all_rss, "replicas"),
        "updatedReplicas": _rs_sum([new_rs], "replicas"),
        "readyReplicas": _rs_sum(all_rss, "readyReplicas"),
        "availableReplicas": available,
        "unavailableReplicas": unavailable,
    }
    status: dict[str, Any] = {k: v for k, v in fields.items() if v}
    if old.get("conditions"):
        status["conditions"] = [dict(c) for c in old["conditions"]]
    if old.get("collisionCount") is not None:
        status["collisionCount"] = old["collisionCount"]
    return status


class _Deployment:
    """The Deployment being synced: a private, mutable copy of annotations and status."""

    def __init__(self, obj: dict) -> None:
        self.obj = obj
        self.annotations = dict(obj["metadata"].get("annotations") or {})
        self.status = deep_copy(obj.get("status") or {})

    def view(self) -> dict:
        """The object as the controller currently believes it to be."""
        out = dict(self.obj)
        out["metadata"] = dict(self.obj["metadata"], annotations=self.annotations)
        out["status"] = self.status
        return out


class DeploymentController(Controller):
    """Drives each Deployment's ReplicaSets towards its pod template and replica count.

    Notes
    -----
    Mirrors ``pkg/controller/deployment``. Used in: 07_rolling_updates.
    """

    name = "deployment-controller"
    watches = ("Deployment", "ReplicaSet", "Pod")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.replica_sets = OwnerIndex()
        self.keys: dict[str, Key] = {}  # deployment uid -> key
        self.recreate: set[str] = set()  # uids of Recreate deployments
        self.rs_owner: dict[str, str] = {}  # rs uid -> deployment uid
        self.pods = OwnerIndex()  # pods of ReplicaSets of Recreate deployments only
        self._selectors: dict[str, Any] = {}
        self._failures: dict[Key, int] = {}

    # -- watch handlers -----------------------------------------------------------------------
    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        obj = event.object
        m = obj["metadata"]
        if kind == "Deployment":
            uid = m["uid"]
            key = (m.get("namespace", ""), m["name"])
            if event.type == "DELETED":
                self.keys.pop(uid, None)
                self.recreate.discard(uid)
                self._failures.pop(key, None)
            else:
                self.keys[uid] = key
                if _is_rolling(obj):
                    self.recreate.discard(uid)
                elif uid not in self.recreate:
                    self.recreate.add(uid)
                    self._index_pods_of(obj)
            self.queue.add(key)
        elif kind == "ReplicaSet":
            previous, owner = self.replica_sets.observe(event.type, obj)
            if owner:
                self.rs_owner[m["uid"]] = owner
            else:
                self.rs_owner.pop(m["uid"], None)
            for d_uid in {previous, owner} - {None, ""}:
                key = self.keys.get(d_uid)
                if key is not None:
                    self.queue.add(key)
            if owner == "" and event.type != "DELETED":
                self._enqueue_matching(obj)
        else:
            ref = controller_ref(obj)
            stored = self.pods.stored(obj)
            d_uid = self.rs_owner.get(ref.get("uid", "")) if ref else None
            if d_uid in self.recreate or stored is not None:
                self.pods.observe(event.type, obj)
                phase = (obj.get("status") or {}).get("phase")
                if d_uid and (event.type == "DELETED" or phase in ("Succeeded", "Failed")):
                    key = self.keys.get(d_uid)
                    if key is not None:
                        self.queue.add(key)

    def _index_pods_of(self, d: dict) -> None:
        """A Deployment switched to Recreate: index the pods it already has (rare)."""
        ns = d["metadata"].get("namespace", "")
        for rs in self.replica_sets.owned_by(d["metadata"]["uid"]):
            for pod in self.api.list("Pod", ns):
                ref = controller_ref(pod)
                if ref and ref.get("uid") == rs["metadata"]["uid"]:
                    self.pods.observe("MODIFIED", pod)

    def _enqueue_matching(self, rs: dict) -> None:
        ns = rs["metadata"].get("namespace", "")
        labels = rs["metadata"].get("labels") or {}
        for key in self.keys.values():
            if key[0] != ns:
                continue
            d = self.api.get_or_none("Deployment", key[1], ns)
            if d is not None and selector_of(d, self._selectors).matches(labels):
                self.queue.add(key)

    # -- reconcile -----------------------------------------------------------------------------
    def reconcile(self, key: Key) -> float | None:
        ns, name = key
        obj = self.api.get_or_none("Deployment", name, ns)
        if obj is None:
            return None
        try:
            self._sync_deployment(key, obj)
        except ApiError:
            n = self._failures.get(key, 0)
            self._failures[key] = n + 1
            return min(0.005 * 2**n, 1000.0)
        self._failures.pop(key, None)
        return None

    def _sync_deployment(self, key: Key, obj: dict) -> None:
        d = _Deployment(obj)
        selector = (obj.get("spec") or {}).get("selector")
        if selector == {} or (
            isinstance(selector, dict) and not selector.get("matchLabels") and not selector.get("matchExpressions")
        ):
            self.recorder.warning(obj, "SelectingAll", "This deployment is selecting all pods. A non-empty selector "
                                  "is required.")  # fmt: skip
            if d.status.get("observedGeneration", 0) < obj["metadata"].get("generation", 1):
                d.status["observedGeneration"] = obj["metadata"].get("generation", 1)
                self._write(d)
            return
        rs_list = self._replica_sets_for(obj)
        if obj["metadata"].get("deletionTimestamp"):
            new_rs, old_rss = self._get_all(d, rs_list, False)
            self._sync_status(d, [*old_rss, new_rs], new_rs)
            return
        self._check_paused_conditions(d)
        if (obj.get("spec") or {}).get("paused"):
            self._sync(d, rs_list)
            return
        if self._is_scaling_event(d, rs_list):
            self._sync(d, rs_list)
            return
        if _is_rolling(obj):
            self._rollout_rolling(key, d, rs_list)
        else:
            self._rollout_recreate(key, d, rs_list)

    # -- helpers that talk to the API server ---------------------------------------------------
    def _write(self, d: _Deployment) -> None:
        """``UpdateStatus``: status plus the annotations the status strategy keeps."""
        m = d.obj["metadata"]
        fields: dict[str, Any] = {"status": d.status}
        if d.annotations != (m.get("annotations") or {}):
            fields["metadata"] = {"annotations": dict(d.annotations)}
        stored = self.api.replace_fields("Deployment", m["name"], m.get("namespace"), fields, user=self.component)
        d.obj = stored
        d.status = deep_copy(stored.get("status") or {})
        d.annotations = dict(stored["metadata"].get("annotations") or {})

    def _replica_sets_for(self, d: dict) -> list[dict]:
        """Owned RSs after adoption of matching orphans and release of non-matching ones."""
        uid = d["metadata"]["uid"]
        ns = d["metadata"].get("namespace", "")
        deleting = bool(d["metadata"].get("deletionTimestamp"))
        sel = selector_of(d, self._selectors)
        if not deleting:
            for rs in self.replica_sets.owned_by(uid):
                if not sel.matches(rs["metadata"].get("labels") or {}):
                    self._patch_owners(rs, [r for r in owner_references(rs) if r.get("uid") != uid])
            for rs in self.replica_sets.orphans_in(ns):
                if rs["metadata"].get("deletionTimestamp") or not sel.matches(rs["metadata"].get("labels") or {}):
                    continue
                self._patch_owners(rs, [*owner_references(rs), make_owner_reference(d)])
        return self.replica_sets.owned_by(uid)

    def _patch_owners(self, obj: dict, refs: list[dict]) -> None:
        m = obj["metadata"]
        with contextlib.suppress(ApiError):
            self.api.patch(obj["kind"], m["name"], m.get("namespace"), {"metadata": {"ownerReferences": refs or None}},
                           user=self.component)  # fmt: skip

    def _get_all(self, d: _Deployment, rs_list: list[dict], create: bool) -> tuple[dict | None, list[dict]]:
        """``getAllReplicaSetsAndSyncRevision``: the new RS (maybe created) and all old RSs."""
        new = _find_new(d.obj, rs_list)
        old = [rs for rs in rs_list if new is None or rs["metadata"]["uid"] != new["metadata"]["uid"]]
        return self._get_new_replica_set(d, rs_list, old, create), old

    def _get_new_replica_set(self, d: _Deployment, rs_list: list[dict], old: list[dict], create: bool) -> dict | None:
        obj = d.obj
        now = self.clock.timestamp()
        existing = _find_new(obj, rs_list)
        new_revision = str(max((revision_of(rs) for rs in old), default=0) + 1)
        if existing is not None:
            rs = dict(existing)
            rs["metadata"] = dict(existing["metadata"], annotations=dict(existing["metadata"].get("annotations") or {}))
            changed = self._set_new_rs_annotations(d, rs, new_revision, exists=True)
            min_ready = (obj.get("spec") or {}).get("minReadySeconds", 0) or 0
            if changed or (rs.get("spec") or {}).get("minReadySeconds", 0) != min_ready:
                rs["spec"] = dict(rs["spec"], minReadySeconds=min_ready)
                if not min_ready:
                    rs["spec"].pop("minReadySeconds")
                return self.api.update(rs, user=self.component)
            needs_update = self._set_revision(d, rs["metadata"]["annotations"].get(REVISION_ANNOTATION, ""))
            if _has_progress_deadline(obj) and _get_condition(d.status, "Progressing") is None:
                msg = f'Found new replica set "{rs["metadata"]["name"]}"'
                _set_condition(d.status, _new_condition("Progressing", "True", FOUND_NEW_RS, msg, now))
                needs_update = True
            if needs_update:
                self._write(d)
            return existing
        if not create:
            return None
        spec = obj.get("spec") or {}
        template = deep_copy(spec.get("template") or {})
        collision_count = d.status.get("collisionCount")
        pod_hash = compute_hash(template, collision_count)
        tmeta = template.setdefault("metadata", {})
        tmeta["labels"] = dict(tmeta.get("labels") or {}, **{POD_TEMPLATE_HASH: pod_hash})
        selector = deep_copy(spec.get("selector") or {})
        selector["matchLabels"] = dict(selector.get("matchLabels") or {}, **{POD_TEMPLATE_HASH: pod_hash})
        rs_name = f"{obj['metadata']['name']}-{pod_hash}"
        new_spec: dict[str, Any] = {"replicas": 0}
        if spec.get("minReadySeconds"):
            new_spec["minReadySeconds"] = spec["minReadySeconds"]
        new_spec["selector"] = selector
        new_spec["template"] = template
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": rs_name,
                "namespace": obj["metadata"].get("namespace", "default"),
                "labels": dict(tmeta["labels"]),
                "annotations": {},
                "ownerReferences": [make_owner_reference(obj)],
            },
            "spec": new_spec,
        }
        replicas = new_rs_new_replicas(obj, [*old, rs], rs)
        new_spec["replicas"] = replicas
        self._set_new_rs_annotations(d, rs, new_revision, exists=False)
        already_exists = False
        try:
            created = self.api.create(rs, user=self.component, copy=False)
        except ApiError as err:
            if err.reason == "AlreadyExists":
                current = self.api.get_or_none("ReplicaSet", rs_name, rs["metadata"]["namespace"])
                ref = controller_ref(current) if current else None
                if (
                    current is not None
                    and ref is not None
                    and ref.get("uid") == obj["metadata"]["uid"]
                    and equal_ignore_hash(spec.get("template") or {}, (current.get("spec") or {}).get("template"))
                ):
                    created = current
                    already_exists = True
                else:
                    d.status["collisionCount"] = int(d.status.get("collisionCount") or 0) + 1
                    self._write(d)
                    raise
            else:
                msg = f'Failed to create new replica set "{rs_name}": {err}'
                if _has_progress_deadline(obj):
                    _set_condition(d.status, _new_condition("Progressing", "False", FAILED_RS_CREATE, msg, now))
                    with contextlib.suppress(ApiError):
                        self._write(d)
                self.recorder.warning(obj, FAILED_RS_CREATE, msg)
                raise
        if not already_exists and replicas > 0:
            self.recorder.normal(obj, "ScalingReplicaSet", f"Scaled up replica set {rs_name} from 0 to {replicas}")
        needs_update = self._set_revision(d, new_revision)
        if not already_exists and _has_progress_deadline(obj):
            msg = f'Created new replica set "{rs_name}"'
            _set_condition(d.status, _new_condition("Progressing", "True", NEW_RS_CREATED, msg, now))
            needs_update = True
        if needs_update:
            self._write(d)
        return created

    def _set_revision(self, d: _Deployment, revision: str) -> bool:
        if d.annotations.get(REVISION_ANNOTATION) != revision:
            d.annotations[REVISION_ANNOTATION] = revision
            return True
        return False

    def _set_new_rs_annotations(self, d: _Deployment, rs: dict, new_revision: str, exists: bool) -> bool:
        """``SetNewReplicaSetAnnotations``: copy annotations, bump the revision, keep the history."""
        ann = rs["metadata"]["annotations"]
        changed = False
        for k, v in d.annotations.items():
            if k in _SKIP_COPY or ann.get(k) == v:
                continue
            ann[k] = v
            changed = True
        old_revision = ann.get(REVISION_ANNOTATION)
        try:
            old_int = int(old_revision) if old_revision else 0
        except ValueError:
            return changed
        new_int = int(new_revision)
        if old_int < new_int:
            ann[REVISION_ANNOTATION] = new_revision
            changed = True
            if old_revision:  # a rollback to this RS: remember the revisions it served
                history = ann.get(REVISION_HISTORY_ANNOTATION, "")
                parts = history.split(",") if history else []
                parts.append(old_revision)
                while len(",".join(parts)) > MAX_REV_HISTORY_LENGTH and len(parts) > 1:
                    parts.pop(0)
                ann[REVISION_HISTORY_ANNOTATION] = ",".join(parts)
        if not exists:
            replicas = _replicas(d.obj)
            changed = self._set_replicas_annotations(ann, replicas, replicas + max_surge(d.obj)) or changed
        return changed

    @staticmethod
    def _set_replicas_annotations(ann: dict, desired: int, maximum: int) -> bool:
        changed = False
        if ann.get(DESIRED_REPLICAS_ANNOTATION) != str(desired):
            ann[DESIRED_REPLICAS_ANNOTATION] = str(desired)
            changed = True
        if ann.get(MAX_REPLICAS_ANNOTATION) != str(maximum):
            ann[MAX_REPLICAS_ANNOTATION] = str(maximum)
            changed = True
        return changed

    def _scale_rs(self, rs: dict, new_scale: int, d: _Deployment, operation: str) -> tuple[bool, dict]:
        """``scaleReplicaSet``: new size and replica annotations; event when the size changed."""
        old_scale = _replicas(rs)
        size_changed = old_scale != new_scale
        replicas = _replicas(d.obj)
        ann = dict(rs["metadata"].get("annotations") or {})
        ann_changed = self._set_replicas_annotations(ann, replicas, replicas + max_surge(d.obj))
        if not size_changed and not ann_changed:
            return False, rs
        new = dict(rs)
        new["spec"] = dict(rs["spec"], replicas=new_scale)
        new["metadata"] = dict(rs["metadata"], annotations=ann)
        stored = self.api.update(new, user=self.component)
        if size_changed:
            self.recorder.normal(
                d.obj, "ScalingReplicaSet", f"Scaled {operation} replica set {rs['metadata']['name']} "
                f"from {old_scale} to {new_scale}"
            )  # fmt: skip
        return size_changed, stored

    def _scale_rs_and_record(self, rs: dict, new_scale: int, d: _Deployment) -> tuple[bool, dict]:
        if _replicas(rs) == new_scale:
            return False, rs
        return self._scale_rs(rs, new_scale, d, "up" if _replicas(rs) < new_scale else "down")

    # -- paused, scaling, proportional scaling -------------------------------------------------
    def _check_paused_conditions(self, d: _Deployment) -> None:
        obj = d.obj
        if not _has_progress_deadline(obj):
            return
        cond = _get_condition(d.status, "Progressing")
        if cond is not None and cond.get("reason") == TIMED_OUT:
            return
        paused_exists = cond is not None and cond.get("reason") == PAUSED
        now = self.clock.timestamp()
        if (obj.get("spec") or {}).get("paused") and not paused_exists:
            _set_condition(d.status, _new_condition("Progressing", "Unknown", PAUSED, "Deployment is paused", now))
        elif not (obj.get("spec") or {}).get("paused") and paused_exists:
            _set_condition(d.status, _new_condition("Progressing", "Unknown", RESUMED, "Deployment is resumed", now))
        else:
            return
        self._write(d)

    def _is_scaling_event(self, d: _Deployment, rs_list: list[dict]) -> bool:
        new_rs, old = self._get_all(d, rs_list, False)
        replicas = _replicas(d.obj)
        for rs in [*old, new_rs]:
            if rs is None or _replicas(rs) == 0:
                continue
            desired = (rs["metadata"].get("annotations") or {}).get(DESIRED_REPLICAS_ANNOTATION)
            if desired is None:
                continue
            with contextlib.suppress(ValueError):
                if int(desired) != replicas:
                    return True
        return False

    def _sync(self, d: _Deployment, rs_list: list[dict]) -> None:
        """``sync``: scaling only (paused Deployments and scaling events)."""
        new_rs, old = self._get_all(d, rs_list, False)
        self._scale(d, new_rs, old)
        if (d.obj.get("spec") or {}).get("paused"):
            self._cleanup(old, d)
        self._sync_status(d, [*old, new_rs], new_rs)

    def _scale(self, d: _Deployment, new_rs: dict | None, old: list[dict]) -> None:
        """Scale towards ``spec.replicas``, proportionally when several RSs are active."""
        replicas = _replicas(d.obj)
        active = [rs for rs in [new_rs, *sorted(old, key=_creation_key, reverse=True)] if rs and _replicas(rs) > 0]
        if len(active) <= 1:
            target = active[0] if active else (new_rs or (sorted(old, key=_creation_key)[-1] if old else None))
            if target is not None and _replicas(target) != replicas:
                self._scale_rs_and_record(target, replicas, d)
            return
        if self._is_saturated(d.obj, new_rs):
            for rs in old:
                if _replicas(rs) > 0:
                    self._scale_rs_and_record(rs, 0, d)
            return
        if not _is_rolling(d.obj):
            return
        allowed = replicas + max_surge(d.obj) if replicas > 0 else 0
        to_add = allowed - _rs_sum(active)
        operation = ""
        if to_add > 0:  # larger first; on ties newer first (ReplicaSetsBySizeNewer)
            active.sort(key=_creation_key, reverse=True)
            active.sort(key=lambda rs: -_replicas(rs))
            operation = "up"
        elif to_add < 0:  # larger first; on ties older first (ReplicaSetsBySizeOlder)
            active.sort(key=_creation_key)
            active.sort(key=lambda rs: -_replicas(rs))
            operation = "down"
        added = 0
        sizes: dict[str, int] = {}
        for rs in active:
            if to_add != 0:
                proportion = self._proportion(rs, d, to_add, added)
                sizes[rs["metadata"]["name"]] = _replicas(rs) + proportion
                added += proportion
            else:
                sizes[rs["metadata"]["name"]] = _replicas(rs)
        for i, rs in enumerate(active):
            name = rs["metadata"]["name"]
            if i == 0 and to_add != 0:
                sizes[name] = max(sizes[name] + to_add - added, 0)
            self._scale_rs(rs, sizes[name], d, operation)

    @staticmethod
    def _is_saturated(d: dict, rs: dict | None) -> bool:
        if rs is None:
            return False
        desired = (rs["metadata"].get("annotations") or {}).get(DESIRED_REPLICAS_ANNOTATION)
        try:
            desired_int = int(desired)
        except (TypeError, ValueError):
            return False
        replicas = _replicas(d)
        return (
            _replicas(rs) == replicas
            and desired_int == replicas
            and int((rs.get("status") or {}).get("availableReplicas") or 0) == replicas
        )

    def _proportion(self, rs: dict, d: _Deployment, to_add: int, added: int) -> int:
        """``GetReplicaSetProportion``: this RS's share of a scaling event."""
        if _replicas(rs) == 0 or to_add == 0 or to_add == added:
            return 0
        replicas = _replicas(d.obj)
        if replicas == 0:
            fraction = -_replicas(rs)
        else:
            deployment_replicas = replicas + max_surge(d.obj)
            annotated = (rs["metadata"].get("annotations") or {}).get(MAX_REPLICAS_ANNOTATION)
            try:
                annotated_int = int(annotated)
            except (TypeError, ValueError):
                annotated_int = int(d.status.get("replicas") or 0)
            if annotated_int == 0:
                return 0
            new_size = _replicas(rs) * deployment_replicas / annotated_int
            fraction = int(math.floor(new_size + 0.5)) - _replicas(rs)
        allowed = to_add - added
        return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)

    # -- RollingUpdate -------------------------------------------------------------------------
    def _rollout_rolling(self, key: Key, d: _Deployment, rs_list: list[dict]) -> None:
        new_rs, old = self._get_all(d, rs_list, True)
        all_rss: list[dict | None] = [*old, new_rs]
        if self._reconcile_new_rs(all_rss, new_rs, d):
            self._sync_rollout_status(key, all_rss, new_rs, d)
            return
        if self._reconcile_old_rss(all_rss, [rs for rs in old if _replicas(rs) > 0], new_rs, d):
            self._sync_rollout_status(key, all_rss, new_rs, d)
            return
        if _deployment_complete(d.obj, d.status):
            self._cleanup(old, d)
        self._sync_rollout_status(key, all_rss, new_rs, d)

    def _reconcile_new_rs(self, all_rss: list[dict | None], new_rs: dict | None, d: _Deployment) -> bool:
        if new_rs is None:
            return False
        replicas = _replicas(d.obj)
        if _replicas(new_rs) == replicas:
            return False
        if _replicas(new_rs) > replicas:
            return self._scale_rs_and_record(new_rs, replicas, d)[0]
        return self._scale_rs_and_record(new_rs, new_rs_new_replicas(d.obj, all_rss, new_rs), d)[0]

    def _reconcile_old_rss(
        self, all_rss: list[dict | None], old: list[dict], new_rs: dict | None, d: _Deployment
    ) -> bool:
        if _rs_sum(old) == 0:
            return False
        all_pods = _rs_sum(all_rss)
        min_available = _replicas(d.obj) - max_unavailable(d.obj)
        new_unavailable = 0 if new_rs is None else _replicas(new_rs) - _rs_sum([new_rs], "availableReplicas")
        max_scaled_down = all_pods - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        old, cleaned = self._cleanup_unhealthy(old, d, max_scaled_down)
        scaled = self._scale_down_old_for_rolling([*old, new_rs], old, d)
        return cleaned + scaled > 0

    def _cleanup_unhealthy(self, old: list[dict], d: _Deployment, max_cleanup: int) -> tuple[list[dict], int]:
        """Scale old RSs down by their unavailable pods first (oldest RS first)."""
        old = sorted(old, key=_creation_key)
        total = 0
        for i, rs in enumerate(old):
            if total >= max_cleanup:
                break
            replicas = _replicas(rs)
            available = int((rs.get("status") or {}).get("availableReplicas") or 0)
            if replicas == 0 or replicas == available:
                continue
            count = min(max_cleanup - total, replicas - available)
            _, old[i] = self._scale_rs_and_record(rs, replicas - count, d)
            total += count
        return old, total

    def _scale_down_old_for_rolling(self, all_rss: list[dict | None], old: list[dict], d: _Deployment) -> int:
        min_available = _replicas(d.obj) - max_unavailable(d.obj)
        available = _rs_sum(all_rss, "availableReplicas")
        if available <= min_available:
            return 0
        total = 0
        to_scale = available - min_available
        for rs in sorted(old, key=_creation_key):
            if total >= to_scale:
                break
            if _replicas(rs) == 0:
                continue
            count = min(_replicas(rs), to_scale - total)
            self._scale_rs_and_record(rs, _replicas(rs) - count, d)
            total += count
        return total

    # -- Recreate ------------------------------------------------------------------------------
    def _rollout_recreate(self, key: Key, d: _Deployment, rs_list: list[dict]) -> None:
        new_rs, old = self._get_all(d, rs_list, False)
        all_rss: list[dict | None] = [*old, new_rs]
        scaled_down = False
        for rs in old:
            if _replicas(rs) > 0:
                scaled_down = self._scale_rs_and_record(rs, 0, d)[0] or scaled_down
        if scaled_down:
            self._sync_rollout_status(key, all_rss, new_rs, d)
            return
        if self._old_pods_running(new_rs, old):
            self._sync_rollout_status(key, all_rss, new_rs, d)
            return
        if new_rs is None:
            new_rs, old = self._get_all(d, self.replica_sets.owned_by(d.obj["metadata"]["uid"]), True)
            all_rss = [*old, new_rs]
        if new_rs is not None:
            self._scale_rs_and_record(new_rs, _replicas(d.obj), d)
        if _deployment_complete(d.obj, d.status):
            self._cleanup(old, d)
        self._sync_rollout_status(key, all_rss, new_rs, d)

    def _old_pods_running(self, new_rs: dict | None, old: list[dict]) -> bool:
        if _rs_sum(old, "replicas") > 0:
            return True
        new_uid = new_rs["metadata"]["uid"] if new_rs else None
        for rs in old:
            if rs["metadata"]["uid"] == new_uid:
                continue
            for pod in self.pods.owned_by(rs["metadata"]["uid"]):
                if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                    return True
        return False

    # -- history clean-up ----------------------------------------------------------------------
    def _cleanup(self, old: list[dict], d: _Deployment) -> None:
        limit = (d.obj.get("spec") or {}).get("revisionHistoryLimit")
        if limit is None:
            return
        cleanable = [rs for rs in old if not rs["metadata"].get("deletionTimestamp")]
        diff = len(cleanable) - int(limit)
        if diff <= 0:
            return
        cleanable.sort(key=lambda rs: (revision_of(rs), _creation_key(rs)))
        for rs in cleanable[:diff]:
            status = rs.get("status") or {}
            if (
                status.get("replicas", 0) != 0
                or _replicas(rs) != 0
                or rs["metadata"].get("generation", 1) > status.get("observedGeneration", 0)
            ):
                continue
            with contextlib.suppress(ApiError):
                self.api.delete("ReplicaSet", rs["metadata"]["name"], rs["metadata"].get("namespace"),
                                user=self.component)  # fmt: skip

    # -- status --------------------------------------------------------------------------------
    def _sync_status(self, d: _Deployment, all_rss: list[dict | None], new_rs: dict | None) -> None:
        status = _calculate_status(all_rss, new_rs, d.obj)
        self._set_available(d.obj, status)
        if status != d.status:
            d.status = status
            self._write(d)

    def _set_available(self, obj: dict, status: dict) -> None:
        now = self.clock.timestamp()
        if status.get("availableReplicas", 0) >= _replicas(obj) - max_unavailable(obj):
            cond = _new_condition("Available", "True", MIN_AVAILABLE, "Deployment has minimum availability.", now)
        else:
            cond = _new_condition("Available", "False", MIN_UNAVAILABLE,
                                  "Deployment does not have minimum availability.", now)  # fmt: skip
        _set_condition(status, cond)

    def _sync_rollout_status(self, key: Key, all_rss: list[dict | None], new_rs: dict | None, d: _Deployment) -> None:
        obj = d.view()
        status = _calculate_status(all_rss, new_rs, obj)
        self._set_available(obj, status)
        now_ts = self.clock.timestamp()
        if not _has_progress_deadline(obj):
            _remove_condition(status, "Progressing")
        current = _get_condition(obj["status"], "Progressing")
        complete = (
            status.get("replicas", 0) == status.get("updatedReplicas", 0)
            and current is not None
            and current.get("reason") == NEW_RS_AVAILABLE
        )
        rs_name = new_rs["metadata"]["name"] if new_rs else None
        if _has_progress_deadline(obj) and not complete:
            if _deployment_complete(obj, status):
                msg = (f'ReplicaSet "{rs_name}" has successfully progressed.' if rs_name
                       else f'Deployment "{obj["metadata"]["name"]}" has successfully progressed.')  # fmt: skip
                _set_condition(status, _new_condition("Progressing", "True", NEW_RS_AVAILABLE, msg, now_ts))
            elif _deployment_progressing(obj, status):
                msg = (f'ReplicaSet "{rs_name}" is progressing.' if rs_name
                       else f'Deployment "{obj["metadata"]["name"]}" is progressing.')  # fmt: skip
                cond = _new_condition("Progressing", "True", REPLICA_SET_UPDATED, msg, now_ts)
                if current is not None:
                    if current.get("status") == "True":
                        cond["lastTransitionTime"] = current.get("lastTransitionTime")
                    _remove_condition(status, "Progressing")
                _set_condition(status, cond)
            elif _deployment_timed_out(obj, status, self.clock.now):
                msg = (f'ReplicaSet "{rs_name}" has timed out progressing.' if rs_name
                       else f'Deployment "{obj["metadata"]["name"]}" has timed out progressing.')  # fmt: skip
                _set_condition(status, _new_condition("Progressing", "False", TIMED_OUT, msg, now_ts))
        failures = self._replica_failures(all_rss, new_rs)
        if failures:
            _set_condition(status, failures[0])
        else:
            _remove_condition(status, "ReplicaFailure")
        if status == obj["status"]:
            self._requeue_stuck(key, obj, status)
            return
        d.status = status
        self._write(d)

    @staticmethod
    def _replica_failures(all_rss: list[dict | None], new_rs: dict | None) -> list[dict]:
        out = []
        for rs in [new_rs] + ([] if new_rs is not None and _has_failure(new_rs) else all_rss):
            if rs is None:
                continue
            for c in (rs.get("status") or {}).get("conditions") or []:
                if c.get("type") == "ReplicaFailure":
                    out.append({"type": "ReplicaFailure", "status": c.get("status"),
                                "lastUpdateTime": c.get("lastTransitionTime"),
                                "lastTransitionTime": c.get("lastTransitionTime"), "reason": c.get("reason"),
                                "message": c.get("message")})  # fmt: skip
            if out:
                break
        return out

    def _requeue_stuck(self, key: Key, obj: dict, status: dict) -> None:
        """Come back when the progress deadline would pass (``requeueStuckDeployment``)."""
        current = _get_condition(obj.get("status") or {}, "Progressing")
        if not _has_progress_deadline(obj) or current is None:
            return
        if _deployment_complete(obj, status) or current.get("reason") == TIMED_OUT:
            return
        after = (
            parse_timestamp(current["lastUpdateTime"]) + int(obj["spec"]["progressDeadlineSeconds"]) - self.clock.now
        )
        if after < 1:
            self.queue.add_after(key, 1.0)
        else:
            self.queue.add_after(key, after + 1)


def _has_failure(rs: dict) -> bool:
    return any(c.get("type") == "ReplicaFailure" for c in (rs.get("status") or {}).get("conditions") or [])
