"""The DaemonSet controller: one pod on every node that should run one.

Notes
-----
Mirrors kube-controller-manager's ``daemonset-controller``
(``pkg/controller/daemon``: ``syncDaemonSet``, ``manage``, ``podsShouldBeOnNode``,
``rollingUpdate``, ``updateDaemonSetStatus``):

- a node should run the pod when the template's ``nodeName``, ``nodeSelector`` and required
  node affinity allow it and every ``NoSchedule``/``NoExecute`` taint is tolerated; a pod
  keeps running on a node whose ``NoExecute`` taints it tolerates;
- daemon pods get tolerations automatically (``AddOrUpdateDaemonPodTolerations``):
  ``not-ready`` and ``unreachable`` ``NoExecute`` forever, ``disk-pressure``,
  ``memory-pressure``, ``pid-pressure`` and ``unschedulable`` ``NoSchedule`` (and
  ``network-unavailable`` with hostNetwork) - so they survive node failures and cordons;
- pods are not bound by the controller: it pins them with a required node affinity on
  ``metadata.name`` (``matchFields``) and the scheduler places them;
- pods carry ``controller-revision-hash`` (the template hash) and ``pod-template-generation``;
- failed daemon pods are deleted (``FailedDaemonPod``) with back-off and recreated; a
  RollingUpdate replaces out-of-date pods, at most ``maxUnavailable`` (default 1) at a time
  (``maxSurge`` is not simulated); OnDelete waits for you to delete them.

Used in: 05_self_healing.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ...api.componenthelpers import required_node_affinity_matches
from ...api.errors import ApiError
from ...api.objects import deep_copy, make_owner_reference, pod_is_ready
from ...clock import parse_timestamp
from ..apiserver import WatchEvent
from .base import Controller
from .deployment import scaled_value
from .podcontrol import (
    BURST_REPLICAS,
    Expectations,
    OwnerIndex,
    compute_hash,
    delete_pods,
    is_pod_available,
    next_available_time,
    pod_from_template,
    slow_start_batch,
)
from .taint_eviction import untolerated_taint

__all__ = ["DaemonSetController", "daemon_pod_tolerations", "node_should_run", "node_matches_affinity"]

REVISION_HASH_LABEL = "controller-revision-hash"
TEMPLATE_GENERATION_LABEL = "pod-template-generation"

Key = tuple[str, str]

_DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)


def daemon_pod_tolerations(pod_spec: dict) -> list[dict]:
    """The pod's tolerations plus those every daemon pod gets (``AddOrUpdateDaemonPodTolerations``)."""
    tolerations = [dict(t) for t in pod_spec.get("tolerations") or []]
    wanted = list(_DAEMON_TOLERATIONS)
    if pod_spec.get("hostNetwork"):
        wanted.append(("node.kubernetes.io/network-unavailable", "NoSchedule"))
    for key, effect in wanted:
        new = {"key": key, "operator": "Exists", "effect": effect}
        for i, t in enumerate(tolerations):
            same = (t.get("key"), t.get("operator") or "Equal", t.get("value") or "", t.get("effect") or "")
            if same == (key, "Exists", "", effect):
                tolerations[i] = new
                break
        else:
            tolerations.append(new)
    return tolerations


def node_matches_affinity(pod_spec: dict, node: dict) -> bool:
    """``nodeSelector`` and the required node affinity (terms ORed, requirements ANDed)."""
    return required_node_affinity_matches({"spec": pod_spec}, node)


def node_should_run(template_spec: dict, node: dict) -> tuple[bool, bool]:
    """``(should run, should continue running)`` of a daemon pod on ``node`` (``NodeShouldRunDaemonPod``)."""
    name = node["metadata"]["name"]
    if template_spec.get("nodeName") and template_spec["nodeName"] != name:
        return False, False
    if not node_matches_affinity(template_spec, node):
        return False, False
    tolerations = daemon_pod_tolerations(template_spec)
    taints = (node.get("spec") or {}).get("taints") or []
    blocking = untolerated_taint(taints, tolerations, lambda t: t.get("effect") in ("NoSchedule", "NoExecute"))
    if blocking is not None:
        evicting = untolerated_taint(taints, tolerations, lambda t: t.get("effect") == "NoExecute")
        return False, evicting is None
    return True, True


def _target_node(pod: dict) -> str:
    """``spec.nodeName`` or, before scheduling, the node its affinity pins it to."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return spec["nodeName"]
    terms = ((((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms") or [])  # fmt: skip
    for term in terms:
        for req in term.get("matchFields") or []:
            if req.get("key") == "metadata.name" and req.get("operator") == "In" and len(req.get("values") or []) == 1:
                return req["values"][0]
    return ""


def _by_age(pod: dict) -> tuple:
    """Scheduled first, then oldest, then name (``podByCreationTimestampAndPhase``)."""
    m = pod["metadata"]
    created = parse_timestamp(m["creationTimestamp"]) if m.get("creationTimestamp") else 0.0
    return (not (pod.get("spec") or {}).get("nodeName"), created, m["name"])


class _Backoff:
    """client-go ``flowcontrol.Backoff``: 1 s doubling to 15 min, per DaemonSet and node."""

    def __init__(self, initial: float = 1.0, maximum: float = 900.0) -> None:
        self.initial = initial
        self.maximum = maximum
        self.entries: dict[Any, tuple[float, float]] = {}  # key -> (duration, last update)

    def in_backoff(self, key: Any, now: float) -> bool:
        entry = self.entries.get(key)
        return entry is not None and now - entry[1] < entry[0]

    def delay(self, key: Any) -> float:
        return self.entries.get(key, (self.initial, 0.0))[0]

    def next(self, key: Any, now: float) -> None:
        entry = self.entries.get(key)
        if entry is None or now - entry[1] > 2 * self.maximum:
            self.entries[key] = (self.initial, now)
        else:
            self.entries[key] = (min(entry[0] * 2, self.maximum), now)


class DaemonSetController(Controller):
    """Runs one copy of a pod on each eligible node.

    Notes
    -----
    Mirrors ``pkg/controller/daemon``. Used in: 05_self_healing.
    """

    name = "daemonset-controller"
    watches = ("DaemonSet", "Node", "Pod")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.pods = OwnerIndex()
        self.keys: dict[str, Key] = {}
        self.nodes: dict[str, dict] = {}
        self.expectations = Expectations()
        self.backoff = _Backoff()
        self._failures: dict[Key, int] = {}

    # -- watch handlers -----------------------------------------------------------------------
    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        obj = event.object
        m = obj["metadata"]
        if kind == "DaemonSet":
            key = (m.get("namespace", ""), m["name"])
            if event.type == "DELETED":
                self.keys.pop(m["uid"], None)
                self.expectations.delete(key)
            else:
                self.keys[m["uid"]] = key
            self.queue.add(key)
        elif kind == "Node":
            if event.type == "DELETED":
                self.nodes.pop(m["name"], None)
            else:
                self.nodes[m["name"]] = obj
                old = event.old_object
                if old is not None and not _node_changed(old, obj):
                    return
            for key in self.keys.values():
                self.queue.add(key)
        else:
            before = self.pods.stored(obj)
            previous, owner = self.pods.observe(event.type, obj)
            for ds_uid in {previous, owner} - {None, ""}:
                key = self.keys.get(ds_uid)
                if key is None:
                    continue
                self.expectations.observe_pod(key, event.type, obj, before, ds_uid == owner)
                self.queue.add(key)

    # -- reconcile -----------------------------------------------------------------------------
    def reconcile(self, key: Key) -> float | None:
        ns, name = key
        ds = self.api.get_or_none("DaemonSet", name, ns)
        if ds is None:
            self.expectations.delete(key)
            return None
        if ds["metadata"].get("deletionTimestamp"):
            return None
        template = (ds.get("spec") or {}).get("template") or {}
        pod_hash = compute_hash(template, (ds.get("status") or {}).get("collisionCount"))
        nodes = [self.nodes[n] for n in sorted(self.nodes)]
        now = self.clock.now
        error = None
        observed = False
        if self.expectations.satisfied(key, now):
            observed = True
            try:
                self._manage(ds, key, nodes, pod_hash)
                strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
                if self.expectations.satisfied(key, now) and strategy.get("type", "RollingUpdate") == "RollingUpdate":
                    self._rolling_update(ds, key, nodes, pod_hash)
            except ApiError as err:
                error = err
        self._update_status(ds, nodes, pod_hash, observed)
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        if min_ready > 0:
            due = next_available_time(self.pods.owned_by(ds["metadata"]["uid"]), min_ready, now)
            if due is not None:
                self.queue.add_after(key, due - now)
        if error is not None:
            n = self._failures.get(key, 0)
            self._failures[key] = n + 1
            return min(0.005 * 2**n, 1000.0)
        self._failures.pop(key, None)
        return None

    def _node_to_pods(self, ds: dict) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for pod in self.pods.owned_by(ds["metadata"]["uid"]):
            out.setdefault(_target_node(pod), []).append(pod)
        return out

    def _manage(self, ds: dict, key: Key, nodes: list[dict], pod_hash: str) -> None:
        spec = ((ds.get("spec") or {}).get("template") or {}).get("spec") or {}
        node_pods = self._node_to_pods(ds)
        needing: list[str] = []
        doomed: list[dict] = []
        now = self.clock.now
        for node in nodes:
            name = node["metadata"]["name"]
            should_run, should_continue = node_should_run(spec, node)
            pods = node_pods.get(name, [])
            if should_run and not pods:
                needing.append(name)
            elif should_continue:
                running = []
                for pod in pods:
                    if pod["metadata"].get("deletionTimestamp"):
                        continue
                    phase = (pod.get("status") or {}).get("phase")
                    if phase == "Failed":
                        backoff_key = (ds["metadata"]["uid"], name)
                        if self.backoff.in_backoff(backoff_key, now):
                            self.queue.add_after(key, self.backoff.delay(backoff_key))
                            continue
                        self.backoff.next(backoff_key, now)
                        pm = pod["metadata"]
                        self.recorder.warning(ds, "FailedDaemonPod", f"Found failed daemon pod {pm.get('namespace')}/"
                                              f"{pm['name']} on node {name}, will try to kill it")  # fmt: skip
                        doomed.append(pod)
                    elif phase == "Succeeded":
                        doomed.append(pod)
                    else:
                        running.append(pod)
                if len(running) > 1:
                    running.sort(key=_by_age)
                    doomed.extend(running[1:])
            elif pods:
                doomed.extend(p for p in pods if not p["metadata"].get("deletionTimestamp"))
        self._sync_nodes(ds, key, doomed, needing, pod_hash)

    def _sync_nodes(self, ds: dict, key: Key, doomed: list[dict], needing: list[str], pod_hash: str) -> None:
        creates = needing[:BURST_REPLICAS]
        deletes = doomed[:BURST_REPLICAS]
        self.expectations.expect(key, len(creates), [p["metadata"]["uid"] for p in deletes], self.clock.now)
        template = deep_copy((ds.get("spec") or {}).get("template") or {})
        tspec = template.setdefault("spec", {})
        tspec["tolerations"] = daemon_pod_tolerations(tspec)
        labels = {REVISION_HASH_LABEL: pod_hash, TEMPLATE_GENERATION_LABEL: str(ds["metadata"].get("generation", 1))}
        ref = make_owner_reference(ds)
        todo = iter(creates)

        def create() -> None:
            node_name = next(todo)
            pod = pod_from_template(template, ds, ref, extra_labels=labels)
            pod["spec"]["affinity"] = _pin_to_node(pod["spec"].get("affinity"), node_name)
            try:
                created = self.api.create(pod, user=self.component, copy=False)
            except ApiError as err:
                self.recorder.warning(ds, "FailedCreate", f"Error creating: {err}")
                raise
            self.recorder.normal(ds, "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")

        successes, error = slow_start_batch(len(creates), 1, create)
        if successes < len(creates):
            self.expectations.lower(key, len(creates) - successes, ())
        delete_error = delete_pods(self, ds, key, deletes)
        error = error or delete_error
        if len(needing) > BURST_REPLICAS or len(doomed) > BURST_REPLICAS:
            self.queue.add(key)
        if error is not None:
            raise error

    def _rolling_update(self, ds: dict, key: Key, nodes: list[dict], pod_hash: str) -> None:
        spec = ds.get("spec") or {}
        ru = (spec.get("updateStrategy") or {}).get("rollingUpdate") or {}
        tspec = (spec.get("template") or {}).get("spec") or {}
        node_pods = self._node_to_pods(ds)
        desired = sum(1 for node in nodes if node_should_run(tspec, node)[0])
        max_unavailable = scaled_value(ru.get("maxUnavailable", 1), desired, True)
        if max_unavailable == 0 and scaled_value(ru.get("maxSurge", 0), desired, True) == 0:
            max_unavailable = 1
        min_ready = int(spec.get("minReadySeconds") or 0)
        now = self.clock.now
        unavailable = 0
        replace: list[dict] = []
        candidates: list[dict] = []
        for node in nodes:
            name = node["metadata"]["name"]
            if not node_should_run(tspec, node)[0]:
                continue
            live = [p for p in node_pods.get(name, []) if not p["metadata"].get("deletionTimestamp")]
            new = [p for p in live if (p["metadata"].get("labels") or {}).get(REVISION_HASH_LABEL) == pod_hash]
            old = [p for p in live if p not in new]
            if len(new) > 1 or len(old) > 1:
                continue
            new_pod = new[0] if new else None
            old_pod = old[0] if old else None
            if (old_pod is None) == (new_pod is None):
                unavailable += 1
            elif new_pod is not None:
                if not is_pod_available(new_pod, min_ready, now):
                    unavailable += 1
            elif not is_pod_available(old_pod, min_ready, now):
                replace.append(old_pod)
            elif unavailable < max_unavailable:
                candidates.append(old_pod)
        remaining = max(0, min(max_unavailable - unavailable, len(candidates)))
        doomed = replace + candidates[:remaining]
        if doomed:
            self._sync_nodes(ds, key, doomed, [], pod_hash)

    def _update_status(self, ds: dict, nodes: list[dict], pod_hash: str, observed: bool) -> None:
        tspec = ((ds.get("spec") or {}).get("template") or {}).get("spec") or {}
        node_pods = self._node_to_pods(ds)
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        now = self.clock.now
        generation = str(ds["metadata"].get("generation", 1))
        desired = current = misscheduled = ready = available = updated = 0
        for node in nodes:
            name = node["metadata"]["name"]
            should_run, _ = node_should_run(tspec, node)
            pods = node_pods.get(name, [])
            if should_run:
                desired += 1
                if not pods:
                    continue
                current += 1
                pod = min(pods, key=_by_age)
                if pod_is_ready(pod):
                    ready += 1
                    if is_pod_available(pod, min_ready, now):
                        available += 1
                labels = pod["metadata"].get("labels") or {}
                if labels.get(REVISION_HASH_LABEL) == pod_hash or labels.get(TEMPLATE_GENERATION_LABEL) == generation:
                    updated += 1
            elif pods:
                misscheduled += 1
        old = ds.get("status") or {}
        status: dict[str, Any] = {
            "currentNumberScheduled": current,
            "numberMisscheduled": misscheduled,
            "desiredNumberScheduled": desired,
            "numberReady": ready,
        }
        gen = ds["metadata"].get("generation", 1) if observed else old.get("observedGeneration")
        if gen:
            status["observedGeneration"] = gen
        for field, value in (("updatedNumberScheduled", updated), ("numberAvailable", available),
                             ("numberUnavailable", desired - available)):  # fmt: skip
            if value:
                status[field] = value
        if old.get("collisionCount") is not None:
            status["collisionCount"] = old["collisionCount"]
        if old.get("conditions"):
            status["conditions"] = old["conditions"]
        if status != old:
            m = ds["metadata"]
            with contextlib.suppress(ApiError):
                self.api.replace_status("DaemonSet", m["name"], m.get("namespace"), status, user=self.component)


def _pin_to_node(affinity: dict | None, node_name: str) -> dict:
    """``ReplaceDaemonSetPodNodeNameNodeAffinity``: required affinity on ``metadata.name`` only."""
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
    affinity = dict(affinity or {})
    node_affinity = dict(affinity.get("nodeAffinity") or {})
    required = dict(node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    required["nodeSelectorTerms"] = [term]
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = required
    affinity["nodeAffinity"] = node_affinity
    return affinity


def _node_changed(old: dict, new: dict) -> bool:
    """Did anything a DaemonSet cares about change (labels, taints, spec, condition statuses)?"""
    if old["metadata"].get("labels") != new["metadata"].get("labels") or old.get("spec") != new.get("spec"):
        return True
    before = {c.get("type"): c.get("status") for c in (old.get("status") or {}).get("conditions") or []}
    after = {c.get("type"): c.get("status") for c in (new.get("status") or {}).get("conditions") or []}
    return before != after
