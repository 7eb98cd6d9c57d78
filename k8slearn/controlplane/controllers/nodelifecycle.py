"""The node lifecycle controller: notices dead kubelets and taints their nodes.

Notes
-----
Mirrors kube-controller-manager's ``node-lifecycle-controller``
(``pkg/controller/nodelifecycle/node_lifecycle_controller.go``; its events come from
``node-controller``):

- every ``--node-monitor-period`` (5 s) it looks at every Node and its Lease in
  ``kube-node-lease``; the *probe time* is when it last saw the kubelet's heartbeat change
  (a new Lease renewTime or a new Ready lastHeartbeatTime);
- when the probe time is older than ``--node-monitor-grace-period`` (50 s) it sets the
  conditions Ready, MemoryPressure, DiskPressure and PIDPressure to ``Unknown`` with reason
  ``NodeStatusUnknown`` and message ``Kubelet stopped posting node status.``, records the
  event ``NodeNotReady`` (``Node <n> status is now: NodeNotReady``) and marks the node's pods
  not Ready (event ``NodeNotReady`` ``Node is not ready`` on each);
- node conditions become ``NoSchedule`` taints at once (``node.kubernetes.io/unreachable``,
  ``not-ready``, ``memory-pressure`` ..., and ``unschedulable`` for a cordoned node);
- on the next pass the node joins its zone's rate-limited queue (``--node-eviction-rate``
  0.1 nodes/s, ``--secondary-node-eviction-rate`` 0.01 in big unhealthy zones, none when
  every zone is fully disrupted) that adds the ``NoExecute`` taint
  ``node.kubernetes.io/unreachable`` (``not-ready`` for Ready=False); the
  taint-eviction-controller then deletes the pods;
- a node Ready again loses these taints.

Used in: 05_self_healing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...api.errors import ApiError
from ...api.objects import get_condition
from ...clock import Priority, Timer, parse_timestamp
from ..apiserver import WatchEvent
from .base import Controller, WorkQueue

__all__ = [
    "NodeLifecycleController",
    "UNREACHABLE_TAINT",
    "NOT_READY_TAINT",
    "zone_key",
    "compute_zone_state",
    "TokenBucket",
]

UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
EXCLUDE_DISRUPTION_LABEL = "node.kubernetes.io/exclude-disruption"
NODE_LEASE_NAMESPACE = "kube-node-lease"

#: condition type -> {status: taint key} (``nodeConditionToTaintKeyStatusMap``)
CONDITION_TAINTS = {
    "Ready": {"False": NOT_READY_TAINT, "Unknown": UNREACHABLE_TAINT},
    "MemoryPressure": {"True": "node.kubernetes.io/memory-pressure"},
    "DiskPressure": {"True": "node.kubernetes.io/disk-pressure"},
    "NetworkUnavailable": {"True": "node.kubernetes.io/network-unavailable"},
    "PIDPressure": {"True": "node.kubernetes.io/pid-pressure"},
}
_CONDITION_TAINT_KEYS = {key for by_status in CONDITION_TAINTS.values() for key in by_status.values()}
_MONITORED_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")


def zone_key(node: dict) -> str:
    """``region:\\x00:zone`` from the topology labels, ``""`` without them (``GetZoneKey``)."""
    labels = node["metadata"].get("labels") or {}
    region = labels.get("topology.kubernetes.io/region") or labels.get("failure-domain.beta.kubernetes.io/region", "")
    zone = labels.get("topology.kubernetes.io/zone") or labels.get("failure-domain.beta.kubernetes.io/zone", "")
    if not region and not zone:
        return ""
    return f"{region}:\x00:{zone}"


def compute_zone_state(ready_conditions: list[dict | None], unhealthy_threshold: float) -> tuple[int, str]:
    """``(not ready nodes, Normal | PartialDisruption | FullDisruption)`` of one zone.

    Examples
    --------
    >>> compute_zone_state([{"status": "True"}, {"status": "True"}, {"status": "Unknown"}], 0.55)
    (1, 'Normal')
    >>> compute_zone_state([{"status": "Unknown"}], 0.55)
    (1, 'FullDisruption')
    """
    ready = sum(1 for c in ready_conditions if c is not None and c.get("status") == "True")
    not_ready = len(ready_conditions) - ready
    if ready == 0 and not_ready > 0:
        return not_ready, "FullDisruption"
    if not_ready > 2 and not_ready / (not_ready + ready) >= unhealthy_threshold:
        return not_ready, "PartialDisruption"
    return not_ready, "Normal"


class TokenBucket:
    """client-go's token-bucket rate limiter in virtual time (burst 1 by default).

    ``qps`` 0 never accepts (``NewFakeNeverRateLimiter``).
    """

    def __init__(self, qps: float, burst: int, now: float) -> None:
        self.qps = qps
        self.burst = burst
        self.tokens = float(burst)
        self.last = now

    def _refill(self, now: float) -> None:
        if self.qps > 0:
            self.tokens = min(float(self.burst), self.tokens + (now - self.last) * self.qps)
        self.last = now

    def try_accept(self, now: float) -> bool:
        if self.qps <= 0:
            return False
        self._refill(now)
        if self.tokens >= 1 - 1e-9:
            self.tokens -= 1
            return True
        return False

    def next_token_at(self, now: float) -> float | None:
        if self.qps <= 0:
            return None
        self._refill(now)
        return now + max(0.0, (1 - self.tokens) / self.qps)


class _TaintQueue:
    """A zone's ``RateLimitedTimedQueue``: unique node names, processed at a limited rate."""

    def __init__(self, qps: float, now: float) -> None:
        self.limiter = TokenBucket(qps, 1, now)
        self.queue: dict[str, float] = {}  # node -> processAt, in arrival order
        self.members: set[str] = set()  # stays after processing until removed

    def add(self, name: str, now: float) -> bool:
        if name in self.members:
            return False
        self.members.add(name)
        self.queue[name] = now
        return True

    def remove(self, name: str) -> bool:
        self.queue.pop(name, None)
        if name in self.members:
            self.members.discard(name)
            return True
        return False

    def swap_limiter(self, qps: float, now: float) -> None:
        if self.limiter.qps != qps:
            self.limiter = TokenBucket(qps, 1, now)


@dataclass
class _Health:
    probe: float
    ready_transition: float
    status: dict
    lease_renew: float | None = None


def _taint_matches(a: dict, b: dict) -> bool:
    return a.get("key") == b.get("key") and a.get("effect") == b.get("effect")


class NodeLifecycleController(Controller):
    """Turns missing kubelet heartbeats into Unknown conditions and taints.

    Notes
    -----
    Mirrors ``pkg/controller/nodelifecycle`` with taint-based eviction (the only mode
    since 1.27). Used in: 05_self_healing.
    """

    name = "node-lifecycle-controller"
    event_source = "node-controller"
    watches = ("Node", "Lease", "Pod")

    def __init__(self, cluster: Any) -> None:
        super().__init__(cluster)
        self.recorder = cluster.recorder(self.event_source)
        self.flags = cluster.flags
        self.nodes: dict[str, dict] = {}
        self.leases: dict[str, float] = {}  # node -> lease renewTime (virtual seconds)
        self.health: dict[str, _Health] = {}
        self.known: dict[str, dict] = {}
        self.zone_states: dict[str, str] = {}
        self.tainters: dict[str, _TaintQueue] = {}
        self.retry: set[str] = set()
        self.pod_queue = WorkQueue(self.clock, self._process_pod, label=f"{self.name} pods")
        self._tainting_timer: Timer | None = None

    def start(self) -> None:
        if self.started:
            return
        super().start()
        self.clock.schedule(0, self._monitor_tick, priority=Priority.CONTROLLER, label=f"{self.name} monitor")

    # -- watch handlers -----------------------------------------------------------------------
    def enqueue_for(self, kind: str, event: WatchEvent) -> None:
        obj = event.object
        m = obj["metadata"]
        if kind == "Node":
            if event.type == "DELETED":
                self.nodes.pop(m["name"], None)
                self.retry.discard(m["name"])
            else:
                self.nodes[m["name"]] = obj
                self.queue.add(m["name"])
        elif kind == "Lease":
            if m.get("namespace") != NODE_LEASE_NAMESPACE:
                return
            if event.type == "DELETED":
                self.leases.pop(m["name"], None)
            else:
                renew = (obj.get("spec") or {}).get("renewTime")
                if renew:
                    self.leases[m["name"]] = parse_timestamp(renew)
        else:
            if event.type == "DELETED":
                return
            node = (obj.get("spec") or {}).get("nodeName")
            old_node = ((event.old_object or {}).get("spec") or {}).get("nodeName")
            if node and (event.old_object is None or node != old_node):
                self.pod_queue.add((m.get("namespace", ""), m["name"]))

    # -- NoSchedule taints from conditions (doNoScheduleTaintingPass) --------------------------
    def reconcile(self, name: str) -> float | None:
        node = self.api.get_or_none("Node", name)
        if node is None:
            return None
        wanted: list[dict] = []
        for cond in (node.get("status") or {}).get("conditions") or []:
            key = CONDITION_TAINTS.get(cond.get("type"), {}).get(cond.get("status"))
            if key:
                wanted.append({"key": key, "effect": "NoSchedule"})
        if (node.get("spec") or {}).get("unschedulable"):
            wanted.append({"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule"})
        current = [
            t
            for t in (node.get("spec") or {}).get("taints") or []
            if t.get("effect") == "NoSchedule"
            and (t.get("key") in _CONDITION_TAINT_KEYS or t.get("key") == UNSCHEDULABLE_TAINT)
        ]
        to_add = [t for t in wanted if not any(_taint_matches(t, c) for c in current)]
        to_remove = [c for c in current if not any(_taint_matches(t, c) for t in wanted)]
        if to_add or to_remove:
            self._swap_taints(node, to_add, to_remove)
        return None

    def _swap_taints(self, node: dict, add: list[dict], remove: list[dict]) -> bool:
        """``SwapNodeControllerTaint``: add (stamped with timeAdded) and remove taints."""
        now = self.clock.timestamp()
        taints = [dict(t) for t in (node.get("spec") or {}).get("taints") or []]
        changed = False
        for new in add:
            if not any(_taint_matches(t, new) for t in taints):
                taints.append(dict(new, timeAdded=now))
                changed = True
        kept = [t for t in taints if not any(_taint_matches(t, r) for r in remove)]
        changed = changed or len(kept) != len(taints)
        if not changed:
            return True
        spec = dict(node.get("spec") or {})
        if kept:
            spec["taints"] = kept
        else:
            spec.pop("taints", None)
        try:
            self.api.replace_fields("Node", node["metadata"]["name"], None, {"spec": spec}, user=self.component)
        except ApiError:
            return False
        return True

    # -- monitorNodeHealth ----------------------------------------------------------------------
    def _monitor_tick(self) -> None:
        self.monitor_node_health()
        self.clock.schedule(self.flags.node_monitor_period, self._monitor_tick, priority=Priority.CONTROLLER,
                            label=f"{self.name} monitor")  # fmt: skip

    def monitor_node_health(self) -> None:
        """One pass over every node: health, taints, NotReady pods, zone disruption."""
        nodes = [self.nodes[name] for name in sorted(self.nodes)]
        names = {n["metadata"]["name"] for n in nodes}
        for node in nodes:
            name = node["metadata"]["name"]
            zone = zone_key(node)
            if zone not in self.zone_states:
                self._add_zone(zone)
            if name not in self.known:
                self.recorder.normal(node, "RegisteredNode", f"Node {name} event: Registered Node {name} in Controller")
                self.known[name] = node
                self._mark_reachable(node)
        for name in sorted(set(self.known) - names):
            gone = self.known.pop(name)
            self.recorder.normal(gone, "RemovingNode", f"Node {name} event: Removing Node {name} from Controller")
            self.health.pop(name, None)
        zone_conditions: dict[str, list[dict | None]] = {}
        for node in nodes:
            name = node["metadata"]["name"]
            observed, current = self._try_update_health(node)
            if EXCLUDE_DISRUPTION_LABEL not in (node["metadata"].get("labels") or {}):
                zone_conditions.setdefault(zone_key(node), []).append(current)
            if current is None:
                continue
            latest = self.api.get_or_none("Node", name) or node
            self._process_taint_based_eviction(latest, observed)
            if current.get("status") != "True" and observed.get("status") == "True":
                self.recorder.normal(latest, "NodeNotReady", f"Node {name} status is now: NodeNotReady")
                self._mark_pods_not_ready(name)
            elif name in self.retry and observed.get("status") != "True":
                self._mark_pods_not_ready(name)
            self.retry.discard(name)
        self._handle_disruption(zone_conditions, nodes)

    def _try_update_health(self, node: dict) -> tuple[dict, dict | None]:
        """``tryUpdateNodeHealth``: returns the observed and the current Ready condition."""
        now = self.clock.now
        name = node["metadata"]["name"]
        created = parse_timestamp(node["metadata"]["creationTimestamp"])
        status = node.get("status") or {}
        health = self.health.get(name)
        current = get_condition(status, "Ready")
        if current is None:
            ts = node["metadata"]["creationTimestamp"]
            observed = {"type": "Ready", "status": "Unknown", "lastHeartbeatTime": ts, "lastTransitionTime": ts}
            grace = self.flags.node_startup_grace_period
            if health is not None:
                health.status = status
            else:
                health = _Health(created, created, status)
        else:
            observed = dict(current)
            grace = self.flags.node_monitor_grace_period
        saved = get_condition(health.status, "Ready") if health is not None else None
        saved_lease = health.lease_renew if health is not None else None
        if health is None or (saved is None and current is not None) or (saved is not None and current is None):
            health = _Health(now, now, status)
        elif (
            saved is not None
            and current is not None
            and saved.get("lastHeartbeatTime") != current.get("lastHeartbeatTime")
        ):
            transition = now if saved.get("lastTransitionTime") != current.get("lastTransitionTime") else (
                health.ready_transition)  # fmt: skip
            health = _Health(now, transition, status)
        renew = self.leases.get(name)
        if renew is not None and (saved_lease is None or saved_lease < renew):
            health.lease_renew = renew
            health.probe = now
        elif health.lease_renew is None:
            health.lease_renew = saved_lease
        if now > health.probe + grace:
            ts = self.clock.timestamp()
            conditions = [dict(c) for c in status.get("conditions") or []]
            for type_ in _MONITORED_CONDITIONS:
                cond = next((c for c in conditions if c.get("type") == type_), None)
                if cond is None:
                    conditions.append(
                        {
                            "type": type_,
                            "status": "Unknown",
                            "lastHeartbeatTime": node["metadata"]["creationTimestamp"],
                            "lastTransitionTime": ts,
                            "reason": "NodeStatusNeverUpdated",
                            "message": "Kubelet never posted node status.",
                        }
                    )
                elif cond.get("status") != "Unknown":
                    cond.update(status="Unknown", reason="NodeStatusUnknown",
                                message="Kubelet stopped posting node status.", lastTransitionTime=ts)  # fmt: skip
            current = next(c for c in conditions if c.get("type") == "Ready")
            if current != observed:
                new_status = dict(status, conditions=conditions)
                try:
                    self.api.replace_status("Node", name, None, new_status, user=self.component)
                except ApiError:
                    self.health[name] = health
                    return observed, current
                health = _Health(health.probe, now, new_status, health.lease_renew)
        self.health[name] = health
        return observed, current

    def _process_taint_based_eviction(self, node: dict, observed: dict) -> None:
        taints = (node.get("spec") or {}).get("taints") or []
        unreachable = {"key": UNREACHABLE_TAINT, "effect": "NoExecute"}
        not_ready = {"key": NOT_READY_TAINT, "effect": "NoExecute"}
        status = observed.get("status")
        if status == "False":
            if any(_taint_matches(t, unreachable) for t in taints):
                self._swap_taints(node, [not_ready], [unreachable])
            else:
                self._mark_for_tainting(node, not_ready)
        elif status == "Unknown":
            if any(_taint_matches(t, not_ready) for t in taints):
                self._swap_taints(node, [unreachable], [not_ready])
            else:
                self._mark_for_tainting(node, unreachable)
        elif status == "True":
            self._mark_reachable(node)

    def _mark_for_tainting(self, node: dict, taint: dict) -> None:
        name = node["metadata"]["name"]
        queue = self.tainters[zone_key(node)]
        if not any(_taint_matches(t, taint) for t in (node.get("spec") or {}).get("taints") or []):
            queue.remove(name)
        if queue.add(name, self.clock.now):
            self._kick_tainting()

    def _mark_reachable(self, node: dict) -> None:
        remove = [{"key": UNREACHABLE_TAINT, "effect": "NoExecute"}, {"key": NOT_READY_TAINT, "effect": "NoExecute"}]
        if any(any(_taint_matches(t, r) for r in remove) for t in (node.get("spec") or {}).get("taints") or []):
            self._swap_taints(node, [], remove)
        queue = self.tainters.get(zone_key(node))
        if queue is not None:
            queue.remove(node["metadata"]["name"])

    # -- doNoExecuteTaintingPass ---------------------------------------------------------------
    def _kick_tainting(self) -> None:
        if self._tainting_timer is None or self._tainting_timer.cancelled:
            self._tainting_timer = self.clock.schedule(0, self._no_execute_tainting_pass, priority=Priority.CONTROLLER,
                                                       label=f"{self.name} taint")  # fmt: skip

    def _no_execute_tainting_pass(self) -> None:
        self._tainting_timer = None
        now = self.clock.now
        next_try: float | None = None
        for zone in sorted(self.tainters):
            queue = self.tainters[zone]
            while queue.queue:
                name, process_at = next(iter(queue.queue.items()))
                if not queue.limiter.try_accept(now):
                    due = queue.limiter.next_token_at(now)
                    if due is not None:
                        next_try = due if next_try is None else min(next_try, due)
                    break
                if now < process_at:
                    break
                del queue.queue[name]
                node = self.api.get_or_none("Node", name)
                if node is None:
                    continue
                ready = get_condition(node.get("status") or {}, "Ready")
                status = ready.get("status") if ready else "Unknown"
                if status == "False":
                    ok = self._swap_taints(node, [{"key": NOT_READY_TAINT, "effect": "NoExecute"}],
                                           [{"key": UNREACHABLE_TAINT, "effect": "NoExecute"}])  # fmt: skip
                elif status == "Unknown":
                    ok = self._swap_taints(node, [{"key": UNREACHABLE_TAINT, "effect": "NoExecute"}],
                                           [{"key": NOT_READY_TAINT, "effect": "NoExecute"}])  # fmt: skip
                else:
                    ok = True
                if not ok:
                    queue.queue[name] = now + 1
        if next_try is not None:
            self._tainting_timer = self.clock.at(next_try, self._no_execute_tainting_pass, priority=Priority.CONTROLLER,
                                                 label=f"{self.name} taint")  # fmt: skip

    # -- pods ----------------------------------------------------------------------------------
    def _mark_pods_not_ready(self, node_name: str) -> None:
        """``MarkPodsNotReady``: Ready=False on every pod of the node, event ``NodeNotReady``."""
        failed = False
        for pod in sorted(self.api.pods_on_node(node_name), key=lambda p: (p["metadata"].get("namespace", ""),
                                                                            p["metadata"]["name"])):  # fmt: skip
            if not self._mark_pod_not_ready(pod):
                failed = True
        if failed:
            self.retry.add(node_name)

    def _mark_pod_not_ready(self, pod: dict) -> bool:
        status = pod.get("status") or {}
        conditions = status.get("conditions") or []
        ready = next((c for c in conditions if c.get("type") == "Ready"), None)
        if ready is None or ready.get("status") == "False":
            return True
        new_cond = dict(ready, status="False", lastTransitionTime=self.clock.timestamp())
        new_status = dict(status, conditions=[new_cond if c is ready else c for c in conditions])
        m = pod["metadata"]
        try:
            self.api.replace_status("Pod", m["name"], m.get("namespace"), new_status, user=self.component)
        except ApiError as err:
            return err.reason == "NotFound"
        self.recorder.warning(pod, "NodeNotReady", "Node is not ready")
        return True

    def _process_pod(self, key: tuple[str, str]) -> float | None:
        pod = self.api.get_or_none("Pod", key[1], key[0])
        if pod is None:
            return None
        node_name = (pod.get("spec") or {}).get("nodeName")
        health = self.health.get(node_name or "")
        if health is None:
            return None
        ready = get_condition(health.status, "Ready")
        if ready is not None and ready.get("status") != "True" and not self._mark_pod_not_ready(pod):
            return 1.0
        return None

    # -- zones ---------------------------------------------------------------------------------
    def _add_zone(self, zone: str) -> None:
        self.zone_states[zone] = "Initial"
        self.tainters[zone] = _TaintQueue(self.flags.node_eviction_rate, self.clock.now)

    def _set_limiter(self, zone: str, size: int, state: str) -> None:
        flags = self.flags
        if state == "Normal":
            qps = flags.node_eviction_rate
        elif state == "PartialDisruption":
            qps = flags.secondary_node_eviction_rate if size > flags.large_cluster_size_threshold else 0.0
        else:  # FullDisruption of one zone: the normal rate
            qps = flags.node_eviction_rate
        self.tainters[zone].swap_limiter(qps, self.clock.now)

    def _handle_disruption(self, zone_conditions: dict[str, list[dict | None]], nodes: list[dict]) -> None:
        threshold = self.flags.unhealthy_zone_threshold
        new_states: dict[str, str] = {}
        all_fully = True
        for zone in sorted(zone_conditions):
            _, state = compute_zone_state(zone_conditions[zone], threshold)
            if state != "FullDisruption":
                all_fully = False
            new_states[zone] = state
            if zone not in self.zone_states:
                self.zone_states[zone] = "Initial"
        all_was_fully = True
        for zone in sorted(self.zone_states):
            if zone not in zone_conditions:
                del self.zone_states[zone]
                continue
            if self.zone_states[zone] != "FullDisruption":
                all_was_fully = False
                break
        if all_fully and all_was_fully:
            return
        if all_fully:  # every zone lost: stop all evictions (a control-plane problem, not the nodes')
            for node in nodes:
                self._mark_reachable(self.api.get_or_none("Node", node["metadata"]["name"]) or node)
            for zone in self.zone_states:
                self.tainters[zone].swap_limiter(0.0, self.clock.now)
                self.zone_states[zone] = "FullDisruption"
            return
        if all_was_fully:
            now = self.clock.now
            for node in nodes:
                health = self.health.get(node["metadata"]["name"])
                if health is not None:
                    health.probe = now
                    health.ready_transition = now
            for zone in self.zone_states:
                self._set_limiter(zone, len(zone_conditions.get(zone, ())), new_states.get(zone, "Normal"))
                self.zone_states[zone] = new_states.get(zone, "Normal")
            return
        for zone, state in list(self.zone_states.items()):
            new_state = new_states.get(zone, state)
            if state == new_state:
                continue
            self._set_limiter(zone, len(zone_conditions.get(zone, ())), new_state)
            self.zone_states[zone] = new_state
