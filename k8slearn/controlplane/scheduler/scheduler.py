"""kube-scheduler: watch pending pods, pick a node for each, write the Binding.

The scheduler is a component like any other: it watches Pods and Nodes through the API
server (as ``kube-scheduler``), keeps its own cache of node state, and for one pending
pod per cycle (a clock event) runs the framework's extension points. On success it
assumes the pod onto the node, reserves, permits, binds (``POST .../binding``) and
records a ``Scheduled`` event; on failure it records ``FailedScheduling``, sets the
pod's ``PodScheduled=False`` condition (reason ``Unschedulable``) and, after
preemption, its ``status.nominatedNodeName``.

Notes
-----
Mirrors ``pkg/scheduler/scheduler.go``, ``schedule_one.go`` (``ScheduleOne``,
``schedulingCycle``, ``bindingCycle``, ``handleSchedulingFailure``) and
``eventhandlers.go``. The binding happens in the same clock event as the decision
(upstream binds asynchronously).
Used in: 00_architecture, 02_scheduling, 03_bin_packing.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from ...api.errors import ApiError
from ...api.objects import deep_copy, set_condition
from ...clock import Priority
from .algorithm import (
    CycleRecord,
    FitError,
    NoNodesAvailable,
    SchedulingError,
    find_nodes_that_fit,
    prioritize_nodes,
    schedule_pod,
)
from .cache import PodInfo, SchedulerCache
from .config import SchedulerConfig, load_config
from .framework import (
    ERR_NO_NODES_AVAILABLE,
    NOMINATE_OVERRIDE,
    ActionType,
    ClusterEvent,
    CycleState,
    Framework,
    PostFilterResult,
)
from .queue import Nominator, QueuedPodInfo, SchedulingQueue
from .results import explain_frame, record_to_result

__all__ = ["Scheduler", "COMPONENT", "NOTE_LENGTH_LIMIT"]

#: The component id of the scheduler's watches and writes.
COMPONENT = "kube-scheduler"
#: Event messages are cut at this length (``validation.NoteLengthLimit``).
NOTE_LENGTH_LIMIT = 1024
_CLEAR = PostFilterResult("")


def truncate_message(message: str) -> str:
    if len(message) <= NOTE_LENGTH_LIMIT:
        return message
    return message[: NOTE_LENGTH_LIMIT - 4] + " ..."


def _assigned(pod: Mapping | None) -> bool:
    return bool(((pod or {}).get("spec") or {}).get("nodeName"))


def _terminal(pod: Mapping) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _key(pod: Mapping) -> tuple[str, str]:
    meta = pod.get("metadata") or {}
    return (meta.get("namespace") or "", meta.get("name", ""))


def _node_update_actions(old: Mapping, new: Mapping) -> int:
    """Which scheduling-relevant parts of a Node changed (``nodeSchedulingPropertiesChange``)."""
    bits = 0
    os_, ns_ = old.get("status") or {}, new.get("status") or {}
    om, nm = old.get("metadata") or {}, new.get("metadata") or {}
    osp, nsp = old.get("spec") or {}, new.get("spec") or {}
    if os_.get("allocatable") != ns_.get("allocatable"):
        bits |= ActionType.UPDATE_NODE_ALLOCATABLE
    if om.get("labels") != nm.get("labels"):
        bits |= ActionType.UPDATE_NODE_LABEL
    if osp.get("taints") != nsp.get("taints") or osp.get("unschedulable") != nsp.get("unschedulable"):
        bits |= ActionType.UPDATE_NODE_TAINT

    def conds(status: Mapping) -> list:
        return [(c.get("type"), c.get("status")) for c in status.get("conditions") or ()]

    if conds(os_) != conds(ns_):
        bits |= ActionType.UPDATE_NODE_CONDITION
    if om.get("annotations") != nm.get("annotations"):
        bits |= ActionType.UPDATE_NODE_ANNOTATION
    return bits


def _pod_update_actions(old: PodInfo | None, new: PodInfo) -> int:
    if old is None:
        return ActionType.ADD
    bits = 0
    if old.labels != new.labels:
        bits |= ActionType.UPDATE_POD_LABEL
    if (new.cpu < old.cpu or new.memory < old.memory or new.ephemeral < old.ephemeral
            or any(v < old.scalars.get(k, 0) for k, v in new.scalars.items())):  # fmt: skip
        bits |= ActionType.UPDATE_POD_SCALE_DOWN
    return bits or ActionType.UPDATE_POD_OTHER


class Scheduler:
    """The simulated kube-scheduler.

    Parameters
    ----------
    cluster
        The :class:`~k8slearn.Cluster` (API server, clock, seeded rng, event recorders).
    config
        A KubeSchedulerConfiguration (dict, YAML text or parsed); None for the defaults.
    result_history
        How many pods' last scheduling attempts :meth:`last_result` keeps (most recent).
    """

    def __init__(self, cluster: Any, config: Any = None, *, result_history: int = 1000) -> None:
        self.cluster = cluster
        self.api = cluster.api
        self.clock = cluster.clock
        self.rng = cluster.rng
        self.config: SchedulerConfig = load_config(config)
        self.cache = SchedulerCache()
        self.nominator = Nominator()
        self.frameworks: dict[str, Framework] = {}
        for profile in self.config.profiles:
            try:
                self.frameworks[profile.scheduler_name] = Framework(profile, self)
            except ValueError as err:
                raise ValueError(f"creating profile for scheduler name {profile.scheduler_name}: {err}") from None
        self.recorders = {name: cluster.recorder(name) for name in self.frameworks}
        self.queue = SchedulingQueue(
            self.clock,
            self.frameworks,
            self._kick,
            self.config.pod_initial_backoff_seconds,
            self.config.pod_max_backoff_seconds,
        )
        self.next_start_node_index = 0
        self.result_history = result_history
        self.results: OrderedDict[tuple[str, str], CycleRecord] = OrderedDict()
        self._services: dict[str, dict[str, Mapping]] = {}
        self._timer: Any = None
        self.cycles = 0
        self.started = False
        self.paused = False

    # -- wiring ------------------------------------------------------------------------------
    def start(self) -> None:
        """Open the watches (listing what exists first, as an informer does)."""
        if self.started:
            return
        self.started = True
        api = self.api
        api.watch("Node", self._on_node, send_initial_events=True, owner=COMPONENT)
        api.watch("Service", self._on_service, send_initial_events=True, owner=COMPONENT)
        api.watch("Pod", self._on_pod, send_initial_events=True, owner=COMPONENT)
        for kind in ("PersistentVolumeClaim", "PersistentVolume", "StorageClass"):
            api.watch(kind, self._on_storage, owner=COMPONENT)
        if self.queue.has_active():
            self._kick()

    def framework(self, scheduler_name: str = "default-scheduler") -> Framework:
        return self.frameworks[scheduler_name]

    def _responsible(self, pod: Mapping) -> bool:
        return ((pod.get("spec") or {}).get("schedulerName") or "default-scheduler") in self.frameworks

    # -- watch handlers (cheap; no API writes) -----------------------------------------------------
    def _move(self, resource: str, action: int, old: Any, new: Any) -> None:
        if self.queue.unschedulable:
            self.queue.move_all_to_active_or_backoff(ClusterEvent(resource, action), old, new)

    def _on_node(self, event: Any) -> None:
        node, old = event.object, event.old_object
        if event.type == "ADDED":
            self.cache.add_node(node)
            self._move("Node", ActionType.ADD, None, node)
        elif event.type == "MODIFIED":
            self.cache.update_node(old, node)
            bits = _node_update_actions(old or {}, node)
            if bits:
                self._move("Node", bits, old, node)
        elif event.type == "DELETED":
            self.cache.remove_node(node)
            self._move("Node", ActionType.DELETE, node, None)

    def _on_storage(self, event: Any) -> None:
        """Claims, volumes and classes: pods rejected for volume reasons may fit now."""
        action = {"ADDED": ActionType.ADD, "MODIFIED": ActionType.UPDATE, "DELETED": ActionType.DELETE}.get(event.type)
        if action is not None:
            new = None if event.type == "DELETED" else event.object
            self._move(event.object.get("kind", ""), action, event.old_object, new)

    def _on_service(self, event: Any) -> None:
        obj = event.object
        ns, name = _key(obj)
        bucket = self._services.setdefault(ns, {})
        if event.type == "DELETED":
            bucket.pop(name, None)
        else:
            bucket[name] = obj

    def services_in(self, namespace: str) -> list[Mapping]:
        """Services of a namespace (PodTopologySpread's default selector)."""
        return [self._services[namespace][n] for n in sorted(self._services.get(namespace, {}))]

    def _on_pod(self, event: Any) -> None:
        pod, old = event.object, event.old_object
        key = _key(pod)
        if event.type == "DELETED":
            if _assigned(pod):
                if self.cache.remove_pod(pod) is not None:
                    self._move("Pod", ActionType.DELETE, pod, None)
            else:
                self.queue.delete(pod)
            self.nominator.delete(key)
            return
        if _assigned(pod):
            if old is None or not _assigned(old):
                self.queue.delete(pod)
                self.nominator.delete(key)
                if _terminal(pod):
                    self.cache.remove_pod(pod)
                    return
                self.cache.add_pod(pod)
                self._move("Pod", ActionType.ADD, None, pod)
                return
            before = self.cache.pod_info(key)
            if _terminal(pod):
                if self.cache.remove_pod(pod) is not None:
                    self._move("Pod", ActionType.DELETE, old, None)
                return
            after = self.cache.update_pod(pod)
            self._move("Pod", _pod_update_actions(before, after), old, pod)
            return
        if not self._responsible(pod) or _terminal(pod):
            self.queue.delete(pod)
            return
        nominated = (pod.get("status") or {}).get("nominatedNodeName") or ""
        if nominated:
            self.nominator.add(PodInfo(pod), nominated)
        else:
            self.nominator.delete(key)
        if old is None:
            self.queue.add(pod)
        else:
            self.queue.update(old, pod)

    # -- the scheduling loop --------------------------------------------------------------------
    def pause(self) -> None:
        """Stop taking pods off the queue (a lesson then calls :meth:`schedule_next` itself).

        Not a kube-scheduler feature; on a real cluster you would scale the scheduler
        down. Watches, the cache and the queue keep running.
        """
        self.paused = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def resume(self) -> None:
        self.paused = False
        if self.queue.has_active():
            self._kick()

    def _kick(self) -> None:
        if self._timer is None and self.started and not self.paused:
            self._timer = self.clock.schedule(0, self._cycle, priority=Priority.CONTROLLER,
                                              label="kube-scheduler scheduleOne")  # fmt: skip

    def _cycle(self) -> None:
        self._timer = None
        qpi = self.queue.pop()
        if qpi is not None:
            self.schedule_one(qpi)
        if self.queue.has_active():
            self._kick()

    def schedule_next(self) -> CycleRecord | None:
        """Run one scheduling cycle now (the next pod of the queue); returns its record."""
        qpi = self.queue.pop()
        if qpi is None:
            return None
        self.schedule_one(qpi)
        return self.results.get(qpi.key)

    def peek(self) -> tuple[str, str] | None:
        """``(namespace, name)`` of the pod the next cycle would take, without taking it."""
        for where, qpi in self.queue.pods():
            if where == "activeQ":
                return qpi.key
        key = self.queue._early_backoff_candidate() if self.queue.pop_from_backoff_q else None
        return key

    def schedule_one(self, qpi: QueuedPodInfo) -> None:
        """One scheduling cycle for ``qpi`` (and, on success, its binding)."""
        self.cycles += 1
        pod = qpi.pod
        ns, name = qpi.key
        fw = self.frameworks.get((pod.get("spec") or {}).get("schedulerName") or "default-scheduler")
        if fw is None:
            self.queue.done(qpi)
            return
        recorder = self.recorders[fw.profile_name]
        if (pod.get("metadata") or {}).get("deletionTimestamp"):
            recorder.warning(pod, "FailedScheduling", f"skip schedule deleting pod: {ns}/{name}")
            self.queue.done(qpi)
            return
        if self.cache.is_assumed(qpi.key):
            self.queue.done(qpi)
            return
        state = CycleState()
        state.write("PodInfo", qpi.pod_info)
        record = CycleRecord(ns, name, self.clock.now) if self.result_history > 0 else None
        try:
            result = schedule_pod(self, fw, state, pod, record)
        except NoNodesAvailable:
            self._failure(fw, qpi, ERR_NO_NODES_AVAILABLE, _CLEAR, record, unschedulable=True)
            return
        except FitError as err:
            nominating: PostFilterResult | None = _CLEAR
            if fw.post_filter_plugins:
                res, status = fw.run_post_filter(state, pod, err.diagnosis)
                err.diagnosis.post_filter_msg = status.message
                nominating = res
                if record is not None:
                    record.postfilter = (
                        [pl.name for pl in fw.post_filter_plugins],
                        res.nominated_node_name if res is not None else "",
                        sorted(err.diagnosis.node_to_status),
                    )
            qpi.unschedulable_plugins = set(err.diagnosis.unschedulable_plugins)
            qpi.pending_plugins = set(err.diagnosis.pending_plugins)
            self._failure(fw, qpi, str(err), nominating, record, unschedulable=True)
            return
        except SchedulingError as err:
            self._failure(fw, qpi, str(err), _CLEAR, record, unschedulable=False)
            return
        host = result.suggested_host
        self.cache.assume_pod(qpi.pod_info, host)
        self.nominator.delete(qpi.key)
        for step, run, book in (
            ("reserve", fw.run_reserve, "reserve"),
            ("permit", fw.run_permit, "permit"),
            ("prebind", fw.run_pre_bind, "prebind"),
            ("bind", fw.run_bind, "bind"),
        ):
            status = run(state, pod, host)
            plugins = {
                "reserve": fw.reserve_plugins,
                "permit": fw.permit_plugins,
                "prebind": fw.pre_bind_plugins,
                "bind": fw.bind_plugins[:1],
            }[step]
            if record is not None:
                getattr(record, book).update({pl.name: "success" for pl in plugins})
            if status is not None and not status.is_success:
                if record is not None:
                    getattr(record, book)[status.plugin or plugins[0].name] = status.message
                fw.run_unreserve(state, pod, host)
                self.cache.forget_pod(qpi.key)
                self._move("Pod", ActionType.DELETE, qpi.pod, None)
                self._failure(fw, qpi, status.message, _CLEAR, record, unschedulable=status.is_rejected)
                return
        if record is not None:
            record.selected = host
            self._remember(record)
        bound = self.api.get_or_none("Pod", name, ns) or pod
        recorder.normal(bound, "Scheduled", f"Successfully assigned {ns}/{name} to {host}")
        fw.run_post_bind(state, pod, host)
        self.queue.done(qpi)

    def _remember(self, record: CycleRecord) -> None:
        if record.scores is not None:
            record.scores.nodes  # noqa: B018 - freeze the names now (table rows get reused)
        key = (record.namespace, record.name)
        self.results.pop(key, None)
        self.results[key] = record
        while len(self.results) > self.result_history:
            self.results.popitem(last=False)

    def _failure(
        self,
        fw: Framework,
        qpi: QueuedPodInfo,
        message: str,
        nominating: PostFilterResult | None,
        record: CycleRecord | None,
        *,
        unschedulable: bool,
    ) -> None:
        """handleSchedulingFailure: requeue, event, PodScheduled=False, nominatedNodeName."""
        ns, name = qpi.key
        if record is not None:
            record.message = message
            self._remember(record)
        current = self.api.get_or_none("Pod", name, ns)
        if current is None or _assigned(current):
            self.queue.done(qpi)
            return
        qpi.update(current)
        self.queue.add_unschedulable(qpi, error=not unschedulable)
        if nominating is not None and nominating.mode == NOMINATE_OVERRIDE:
            if nominating.nominated_node_name:
                self.nominator.add(qpi.pod_info, nominating.nominated_node_name)
            else:
                self.nominator.delete(qpi.key)
        self.recorders[fw.profile_name].warning(current, "FailedScheduling", truncate_message(message))
        reason = "Unschedulable" if unschedulable else "SchedulerError"
        self._update_pod_status(current, reason, message, nominating)

    def _update_pod_status(self, pod: Mapping, reason: str, message: str, nominating: PostFilterResult | None) -> None:
        status = dict(pod.get("status") or {})
        meta = pod.get("metadata") or {}
        ts = self.clock.timestamp()
        condition = {
            "type": "PodScheduled",
            "observedGeneration": meta.get("generation", 1),
            "status": "False",
            "lastProbeTime": None,
            "lastTransitionTime": ts,
            "reason": reason,
            "message": message,
        }
        changed = False
        old = next((c for c in status.get("conditions") or () if c.get("type") == "PodScheduled"), None)
        if old is None or any(
            old.get(k) != condition[k] for k in ("status", "reason", "message", "observedGeneration")
        ):
            if old is not None and old.get("status") == "False":
                condition["lastTransitionTime"] = old.get("lastTransitionTime", ts)
            status["conditions"] = set_condition(status.get("conditions"), condition, ts)
            changed = True
        if nominating is not None and nominating.mode == NOMINATE_OVERRIDE:
            want = nominating.nominated_node_name
            if (status.get("nominatedNodeName") or "") != want:
                if want:
                    status["nominatedNodeName"] = want
                else:
                    status.pop("nominatedNodeName", None)
                changed = True
        if changed:
            with contextlib.suppress(ApiError):
                self.api.replace_status("Pod", meta.get("name", ""), meta.get("namespace"), status, user=COMPONENT)

    # -- services for plugins (preemption) ---------------------------------------------------------
    def nominated_pods_for_node(self, node_name: str) -> list[PodInfo]:
        return self.nominator.pods_for_node(node_name)

    def set_nominated_node(self, pod: Mapping, node_name: str) -> None:
        """Set (or clear, with "") a pod's ``status.nominatedNodeName``."""
        ns, name = _key(pod)
        current = self.api.get_or_none("Pod", name, ns)
        if current is None:
            return
        status = dict(current.get("status") or {})
        if (status.get("nominatedNodeName") or "") == node_name:
            return
        if node_name:
            status["nominatedNodeName"] = node_name
            self.nominator.add(PodInfo(current), node_name)
        else:
            status.pop("nominatedNodeName", None)
            self.nominator.delete((ns, name))
        with contextlib.suppress(ApiError):
            self.api.replace_status("Pod", name, ns, status, user=COMPONENT)

    def preempt_victim(self, victim: PodInfo, scheduler_name: str, message: str) -> None:
        """Mark the victim ``DisruptionTarget``, delete it gracefully, record ``Preempted``."""
        ns, name = victim.key
        current = self.api.get_or_none("Pod", name, ns)
        if current is None:
            return
        status = dict(current.get("status") or {})
        ts = self.clock.timestamp()
        status["conditions"] = set_condition(
            status.get("conditions"),
            {
                "type": "DisruptionTarget",
                "observedGeneration": (current.get("metadata") or {}).get("generation", 1),
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": ts,
                "reason": "PreemptionByScheduler",
                "message": f"{scheduler_name}: preempting to accommodate a higher priority pod",
            },
            ts,
        )
        try:
            updated = self.api.replace_status("Pod", name, ns, status, user=COMPONENT)
            self.api.delete("Pod", name, ns, user=COMPONENT)
        except ApiError:
            return
        self.recorders.get(scheduler_name, next(iter(self.recorders.values()))).normal(updated, "Preempted", message)

    # -- looking inside ------------------------------------------------------------------------------
    def _pod_for_explain(self, pod: Any, namespace: str) -> dict:
        from ...api import admission, defaults
        from ...api.manifests import load_manifests

        if isinstance(pod, str) and "\n" not in pod and ":" not in pod:
            obj = deep_copy(self.api.get("Pod", pod, namespace))
            obj["spec"].pop("nodeName", None)  # what-if: where would it go now?
            return obj
        objs = load_manifests(pod) if not isinstance(pod, Mapping) else [pod]
        if len(objs) != 1 or objs[0].get("kind", "Pod") != "Pod":
            raise ValueError("explain() takes one Pod (a name, a dict or YAML)")
        obj = deep_copy(dict(objs[0]))
        obj.setdefault("kind", "Pod")
        obj.setdefault("apiVersion", "v1")
        meta = obj.setdefault("metadata", {})
        meta.setdefault("namespace", namespace)
        meta.setdefault("name", meta.get("generateName", "explain") or "explain")
        defaults.set_defaults("Pod", obj)
        admission.admit("Pod", obj, self.api.get_or_none)
        return obj

    @contextlib.contextmanager
    def _without(self, pod: Mapping) -> Iterator[None]:
        """Take a bound pod out of the cache for a what-if, then put it back."""
        key = _key(pod)
        placed = self.cache.pod_info(key)
        if placed is None:
            yield
            return
        assumed = self.cache.is_assumed(key)
        self.cache.remove_pod(placed.pod)
        try:
            yield
        finally:
            if assumed:
                self.cache.assume_pod(PodInfo(placed.pod), placed.node_name)
            else:
                self.cache.add_pod(placed.pod)

    def explain(self, pod: Any, namespace: str = "default") -> Any:
        """Where could ``pod`` go and why: a DataFrame, one row per node. Does not bind.

        ``pod`` is a pod name (looked up in ``namespace``), a manifest dict or YAML text.
        Every node is filtered (no sampling) and every feasible node scored.

        Returns
        -------
        pandas.DataFrame
            Index: node name. Columns: ``filter`` (``"ok"`` or the upstream reason),
            one column per score plugin with its normalized 0-100 score before weighting
            (NaN where the plugin skipped the pod or the node was filtered out), and
            ``total`` (the weighted sum). ``frame.attrs["weights"]`` holds the weights.
        """
        obj = self._pod_for_explain(pod, namespace)
        name = (obj.get("spec") or {}).get("schedulerName") or "default-scheduler"
        fw = self.frameworks.get(name)
        if fw is None:
            raise ValueError(f'no scheduling profile for schedulerName "{name}"')
        with self._without(
            self.api.get_or_none("Pod", obj["metadata"]["name"], obj["metadata"].get("namespace")) or obj
        ):
            state = CycleState()
            state.write("PodInfo", PodInfo(obj))
            feasible, diagnosis = find_nodes_that_fit(self, fw, state, obj, explain=True)
            scores = prioritize_nodes(fw, state, obj, feasible) if feasible else None
        names = [ni.name for ni in self.cache.node_list()]
        return explain_frame(
            names,
            {ni.name for ni in feasible},
            diagnosis,
            [pl.name for pl in fw.score_plugins],
            scores,
            fw.score_weights,
        )

    def last_result(self, pod_name: str, namespace: str = "default") -> dict:
        """The last scheduling attempt of a pod, shaped like kube-scheduler-simulator's annotations."""
        record = self.results.get((namespace, pod_name))
        if record is None:
            raise KeyError(f'no scheduling attempt recorded for pod "{namespace}/{pod_name}"')
        return record_to_result(record)

    def last_record(self, pod_name: str, namespace: str = "default") -> CycleRecord | None:
        return self.results.get((namespace, pod_name))

    def queue_frame(self) -> Any:
        """The scheduling queue as a DataFrame: pod, queue, priority, attempts, rejected by."""
        import pandas as pd

        rows = []
        for where, qpi in self.queue.pods():
            rows.append(
                {
                    "pod": f"{qpi.key[0]}/{qpi.key[1]}",
                    "queue": where,
                    "priority": qpi.priority,
                    "attempts": qpi.attempts,
                    "rejected by": ", ".join(sorted(qpi.unschedulable_plugins)) or "",
                    "since": qpi.timestamp,
                    "backoff until": self.queue.backoff_expiration(qpi) if where == "backoffQ" else None,
                }
            )
        return pd.DataFrame(rows, columns=["pod", "queue", "priority", "attempts", "rejected by", "since",
                                           "backoff until"])  # fmt: skip

    def __repr__(self) -> str:
        return f"<Scheduler profiles={list(self.frameworks)} queue={len(self.queue)} nodes={self.cache.num_nodes()}>"
