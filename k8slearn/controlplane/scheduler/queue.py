"""The scheduling queue: activeQ, backoffQ and the unschedulable pods.

A pending pod waits in one of three places:

- **activeQ**, a priority queue (QueueSort: higher ``spec.priority`` first, then the
  pod that has waited longer); the scheduler pops one pod per cycle from here;
- **backoffQ**, after a failure: the pod's back-off is 1 s, doubling per attempt up
  to 10 s (``podInitialBackoffSeconds`` / ``podMaxBackoffSeconds``), then it moves to
  activeQ;
- **unschedulable pods**, when no node fits: the pod stays here until a cluster event
  that may help (a node added, a pod deleted ...) moves it back, as the plugins that
  rejected it say through their queueing hints, or until 5 minutes have passed.

Pods rejected at PreEnqueue (scheduling gates) wait among the unschedulable pods too.

Notes
-----
Mirrors ``pkg/scheduler/backend/queue/scheduling_queue.go`` (``PriorityQueue``:
``Add``, ``Pop``, ``AddUnschedulableIfNotPresent``, ``MoveAllToActiveOrBackoffQueue``,
``flushBackoffQCompleted``, ``flushUnschedulablePodsLeftover``, the 5-minute
``podMaxInUnschedulablePodsDuration``) and the nominator. With the
``SchedulerPopFromBackoffQ`` feature (on by default since 1.33), an idle scheduler
takes the next pod from backoffQ instead of waiting for its back-off to end.
Used in: 02_scheduling.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .cache import PodInfo
from .framework import ClusterEvent

__all__ = [
    "QueuedPodInfo",
    "SchedulingQueue",
    "Nominator",
    "backoff_duration",
    "POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION",
    "UNSCHEDULABLE_TIMEOUT",
]

#: A pod stays at most this long among the unschedulable pods before it is retried.
POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION = 300.0
#: How often the unschedulable pods are checked for that timeout.
FLUSH_UNSCHEDULABLE_PERIOD = 30.0
#: The event label of that timeout.
UNSCHEDULABLE_TIMEOUT = "UnschedulableTimeout"


def backoff_duration(attempts: int, initial: float = 1.0, maximum: float = 10.0) -> float:
    """Back-off after ``attempts`` scheduling attempts: initial, doubling, capped.

    Examples
    --------
    >>> [backoff_duration(n) for n in range(1, 7)]
    [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    """
    duration = initial
    for _ in range(1, attempts):
        if duration > maximum - duration:
            return maximum
        duration += duration
    return min(duration, maximum)


class QueuedPodInfo:
    """A pod in the queue with its bookkeeping (attempts, rejecting plugins, times)."""

    __slots__ = (
        "pod",
        "pod_info",
        "key",
        "timestamp",
        "initial_attempt_timestamp",
        "attempts",
        "unschedulable_plugins",
        "pending_plugins",
        "gated",
        "gating_plugin",
        "unschedulable_since",
        "seq",
        "error",
    )

    def __init__(self, pod: Mapping, now: float) -> None:
        self.pod = pod
        self.pod_info = PodInfo(pod)
        self.key = self.pod_info.key
        self.timestamp = now
        self.initial_attempt_timestamp: float | None = None
        self.attempts = 0
        self.unschedulable_plugins: set[str] = set()
        self.pending_plugins: set[str] = set()
        self.gated = False
        self.gating_plugin = ""
        self.unschedulable_since = now
        self.seq = 0
        self.error = False

    @property
    def priority(self) -> int:
        return self.pod_info.priority

    def update(self, pod: Mapping) -> None:
        self.pod = pod
        self.pod_info = PodInfo(pod)

    def __repr__(self) -> str:
        return f"<QueuedPodInfo {self.key[0]}/{self.key[1]} attempts={self.attempts}>"


class Nominator:
    """Pods nominated to a node by preemption (``status.nominatedNodeName``)."""

    def __init__(self) -> None:
        self._by_node: dict[str, dict[tuple[str, str], PodInfo]] = {}
        self._node_of: dict[tuple[str, str], str] = {}

    def add(self, pod_info: PodInfo, node_name: str) -> None:
        self.delete(pod_info.key)
        if node_name:
            self._by_node.setdefault(node_name, {})[pod_info.key] = pod_info
            self._node_of[pod_info.key] = node_name

    def delete(self, key: tuple[str, str]) -> None:
        node = self._node_of.pop(key, None)
        if node is not None:
            bucket = self._by_node.get(node, {})
            bucket.pop(key, None)
            if not bucket:
                self._by_node.pop(node, None)

    def pods_for_node(self, node_name: str) -> list[PodInfo]:
        return list(self._by_node.get(node_name, {}).values())

    def node_of(self, key: tuple[str, str]) -> str:
        return self._node_of.get(key, "")

    def __bool__(self) -> bool:
        return bool(self._node_of)

    def nodes(self) -> list[str]:
        return sorted(self._by_node)


class SchedulingQueue:
    """activeQ + backoffQ + unschedulable pods, driven by the virtual clock.

    Parameters
    ----------
    clock
        The cluster's clock (times, back-off and timeout timers).
    frameworks
        Scheduler name -> :class:`~.framework.Framework` (PreEnqueue, QueueSort, hints).
    on_active
        Called when a pod becomes poppable (the scheduler schedules a cycle).
    """

    def __init__(
        self,
        clock: Any,
        frameworks: Mapping[str, Any],
        on_active: Callable[[], None],
        initial_backoff: float = 1.0,
        max_backoff: float = 10.0,
        pop_from_backoff_q: bool = True,
    ) -> None:
        self.clock = clock
        self.frameworks = frameworks
        self.on_active = on_active
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.pop_from_backoff_q = pop_from_backoff_q
        self._seq = 0
        self._active: list[tuple[Any, int, tuple[str, str]]] = []
        self._backoff: list[tuple[float, int, tuple[str, str]]] = []
        self.unschedulable: dict[tuple[str, str], QueuedPodInfo] = {}
        self._where: dict[tuple[str, str], tuple[str, QueuedPodInfo]] = {}
        self._backoff_timer: Any = None
        self._flush_timer: Any = None
        self.in_flight: QueuedPodInfo | None = None
        self._hints: dict[str, list[tuple[ClusterEvent, str, Any]]] = {}
        for name, fw in frameworks.items():
            hints = []
            for plugin, events in fw.events_by_plugin().items():
                for event, fn in events:
                    hints.append((event, plugin, fn))
            self._hints[name] = hints

    # -- inspection --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._where)

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._where

    def where(self, key: tuple[str, str]) -> str | None:
        """``"activeQ"``, ``"backoffQ"``, ``"unschedulable"`` (or ``"gated"``), or None."""
        hit = self._where.get(key)
        if hit is None:
            return None
        if hit[0] == "unschedulable" and hit[1].gated:
            return "gated"
        return hit[0]

    def get(self, key: tuple[str, str]) -> QueuedPodInfo | None:
        hit = self._where.get(key)
        return hit[1] if hit else None

    def pods(self) -> Iterator[tuple[str, QueuedPodInfo]]:
        """``(queue, QueuedPodInfo)`` for every waiting pod: activeQ in pop order first."""
        for heap, name in ((self._active, "activeQ"), (self._backoff, "backoffQ")):
            for _, seq, key in sorted(heap):
                hit = self._where.get(key)
                if hit is not None and hit[0] == name and hit[1].seq == seq:
                    yield name, hit[1]
        for qpi in self.unschedulable.values():
            yield ("gated" if qpi.gated else "unschedulable"), qpi

    def has_active(self) -> bool:
        if self._active:
            return True
        return self.pop_from_backoff_q and self._early_backoff_candidate() is not None

    # -- internal moves ----------------------------------------------------------------------------
    def _framework(self, pod: Mapping) -> Any:
        name = (pod.get("spec") or {}).get("schedulerName") or "default-scheduler"
        return self.frameworks[name]

    def _sort_key(self, qpi: QueuedPodInfo) -> Any:
        fw = self._framework(qpi.pod)
        sorter = fw.queue_sort_plugins[0]
        return sorter.sort_key(qpi)

    def _remove(self, key: tuple[str, str]) -> QueuedPodInfo | None:
        hit = self._where.pop(key, None)
        if hit is None:
            return None
        where, qpi = hit
        if where == "unschedulable":
            self.unschedulable.pop(key, None)
        # heap entries are removed lazily (checked against _where on pop)
        return qpi

    def _push_active(self, qpi: QueuedPodInfo) -> None:
        self._seq += 1
        qpi.seq = self._seq
        self._where[qpi.key] = ("activeQ", qpi)
        heapq.heappush(self._active, (self._sort_key(qpi), qpi.seq, qpi.key))
        self.on_active()

    def _push_backoff(self, qpi: QueuedPodInfo) -> None:
        self._seq += 1
        qpi.seq = self._seq
        self._where[qpi.key] = ("backoffQ", qpi)
        heapq.heappush(self._backoff, (self.backoff_expiration(qpi), qpi.seq, qpi.key))
        self._arm_backoff_timer()
        if self.pop_from_backoff_q and not qpi.error:
            self.on_active()

    def _push_unschedulable(self, qpi: QueuedPodInfo) -> None:
        qpi.unschedulable_since = self.clock.now
        self._where[qpi.key] = ("unschedulable", qpi)
        self.unschedulable[qpi.key] = qpi
        self._arm_flush_timer()

    def _try_active(self, qpi: QueuedPodInfo) -> None:
        """PreEnqueue: gated pods wait among the unschedulable pods."""
        status = self._framework(qpi.pod).run_pre_enqueue(qpi.pod)
        if status is not None and not status.is_success:
            qpi.gated = True
            qpi.gating_plugin = status.plugin
            self._push_unschedulable(qpi)
            return
        qpi.gated = False
        self._push_active(qpi)

    def backoff_expiration(self, qpi: QueuedPodInfo) -> float:
        return qpi.timestamp + backoff_duration(max(qpi.attempts, 1), self.initial_backoff, self.max_backoff)

    def is_backing_off(self, qpi: QueuedPodInfo) -> bool:
        return qpi.attempts > 0 and self.backoff_expiration(qpi) > self.clock.now

    # -- timers ---------------------------------------------------------------------------------
    def _arm_backoff_timer(self) -> None:
        while self._backoff and self._where.get(self._backoff[0][2], ("",))[0] != "backoffQ":
            heapq.heappop(self._backoff)
        if not self._backoff:
            return
        due = self._backoff[0][0]
        t = self._backoff_timer
        if t is not None and not t.cancelled and t.time <= due:
            return
        if t is not None:
            t.cancel()
        from ...clock import Priority

        self._backoff_timer = self.clock.at(due, self.flush_backoff_completed, priority=Priority.CONTROLLER,
                                            label="kube-scheduler flushBackoffQCompleted")  # fmt: skip

    def flush_backoff_completed(self) -> None:
        """Move pods whose back-off ended to activeQ."""
        self._backoff_timer = None
        now = self.clock.now
        while self._backoff:
            due, seq, key = self._backoff[0]
            hit = self._where.get(key)
            if hit is None or hit[0] != "backoffQ" or hit[1].seq != seq:
                heapq.heappop(self._backoff)
                continue
            if due > now:
                break
            heapq.heappop(self._backoff)
            qpi = self._remove(key)
            if qpi is not None:
                self._try_active(qpi)
        self._arm_backoff_timer()

    def _arm_flush_timer(self) -> None:
        if self._flush_timer is not None and not self._flush_timer.cancelled:
            return
        from ...clock import Priority

        self._flush_timer = self.clock.schedule(FLUSH_UNSCHEDULABLE_PERIOD, self.flush_unschedulable_leftover,
                                                priority=Priority.PERIODIC,
                                                label="kube-scheduler flushUnschedulablePodsLeftover")  # fmt: skip

    def flush_unschedulable_leftover(self) -> None:
        """Retry pods that have been unschedulable for 5 minutes (event ``UnschedulableTimeout``)."""
        self._flush_timer = None
        now = self.clock.now
        stale = [
            qpi
            for qpi in self.unschedulable.values()
            if not qpi.gated and now - qpi.unschedulable_since >= POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION
        ]
        for qpi in stale:
            self._remove(qpi.key)
            self._requeue_after_backoff(qpi)
        if self.unschedulable:
            self._arm_flush_timer()

    # -- public operations ------------------------------------------------------------------------
    def add(self, pod: Mapping) -> None:
        """A new pending pod (or one seen again): into activeQ, or gated."""
        qpi = QueuedPodInfo(pod, self.clock.now)
        key = qpi.key
        old = self._remove(key)
        if old is not None:
            old.update(pod)
            qpi = old
        if self.in_flight is not None and self.in_flight.key == key:
            self.in_flight.update(pod)
            return
        self._try_active(qpi)

    def update(self, old: Mapping | None, new: Mapping) -> None:
        """The pending pod changed; a spec or label change may make it schedulable."""
        key = PodInfo(new).key
        hit = self._where.get(key)
        if hit is None:
            if self.in_flight is not None and self.in_flight.key == key:
                self.in_flight.update(new)
                return
            self.add(new)
            return
        where, qpi = hit
        relevant = (
            old is None
            or (old.get("spec") != new.get("spec"))
            or ((old.get("metadata") or {}).get("labels") != (new.get("metadata") or {}).get("labels"))
        )
        qpi.update(new)
        if where == "activeQ":
            self._remove(key)
            self._push_active(qpi)
        elif where == "backoffQ":
            self._where[key] = ("backoffQ", qpi)
        elif relevant:
            self._remove(key)
            if qpi.gated:
                self._try_active(qpi)
            else:
                self._requeue_after_backoff(qpi)

    def delete(self, pod: Mapping) -> None:
        meta = pod.get("metadata") or {}
        self._remove((meta.get("namespace") or "", meta.get("name", "")))

    def pop(self) -> QueuedPodInfo | None:
        """The next pod to schedule (activeQ head; with an empty activeQ, backoffQ head)."""
        while self._active:
            _, seq, key = heapq.heappop(self._active)
            hit = self._where.get(key)
            if hit is None or hit[0] != "activeQ" or hit[1].seq != seq:
                continue
            return self._start(key)
        if self.pop_from_backoff_q:
            key = self._early_backoff_candidate()
            if key is not None:
                return self._start(key)
        return None

    def _early_backoff_candidate(self) -> tuple[str, str] | None:
        """The backoffQ pod an idle scheduler may take early (not one that failed with an error)."""
        best = None
        for due, seq, key in self._backoff:
            hit = self._where.get(key)
            if hit is None or hit[0] != "backoffQ" or hit[1].seq != seq or hit[1].error:
                continue
            if best is None or (due, seq) < best[:2]:
                best = (due, seq, key)
        return None if best is None else best[2]

    def _start(self, key: tuple[str, str]) -> QueuedPodInfo:
        qpi = self._remove(key)
        assert qpi is not None
        qpi.attempts += 1
        if qpi.initial_attempt_timestamp is None:
            qpi.initial_attempt_timestamp = self.clock.now
        self.in_flight = qpi
        return qpi

    def done(self, qpi: QueuedPodInfo) -> None:
        if self.in_flight is qpi:
            self.in_flight = None

    def add_unschedulable(self, qpi: QueuedPodInfo, error: bool = False) -> None:
        """After a failed attempt: unschedulable pods wait for an event, errors back off."""
        self.done(qpi)
        if qpi.key in self._where:
            return
        qpi.timestamp = self.clock.now
        # a failure no plugin explains (an error, no nodes at all) waits its full back-off
        qpi.error = error or (not qpi.unschedulable_plugins and not qpi.pending_plugins)
        if qpi.error:
            self._push_backoff(qpi)
        else:
            self._push_unschedulable(qpi)

    def _requeue_after_backoff(self, qpi: QueuedPodInfo) -> None:
        qpi.error = False
        if self.is_backing_off(qpi):
            self._push_backoff(qpi)
        else:
            self._try_active(qpi)

    def activate(self, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            hit = self._where.get(key)
            if hit is not None and hit[0] != "activeQ":
                qpi = self._remove(key)
                self._try_active(qpi)  # type: ignore[arg-type]

    # -- cluster events ----------------------------------------------------------------------------
    def worth_requeuing(self, qpi: QueuedPodInfo, event: ClusterEvent, old: Any, new: Any) -> bool:
        rejectors = qpi.unschedulable_plugins | qpi.pending_plugins
        if not rejectors or event.resource == "*":
            return True
        name = (qpi.pod.get("spec") or {}).get("schedulerName") or "default-scheduler"
        for registered, plugin, fn in self._hints.get(name, ()):
            if plugin not in rejectors or not registered.matches(event):
                continue
            if fn is None:
                return True
            try:
                if fn(qpi.pod, old, new):
                    return True
            except Exception:  # a broken hint must not lose the pod: requeue
                return True
        return False

    def move_all_to_active_or_backoff(self, event: ClusterEvent, old: Any = None, new: Any = None) -> int:
        """Requeue the unschedulable pods this event may help; returns how many moved."""
        moved = 0
        for qpi in list(self.unschedulable.values()):
            if qpi.gated:
                status = self._framework(qpi.pod).run_pre_enqueue(qpi.pod)
                if status is None or status.is_success:
                    self._remove(qpi.key)
                    self._try_active(qpi)
                    moved += 1
                continue
            if self.worth_requeuing(qpi, event, old, new):
                self._remove(qpi.key)
                self._requeue_after_backoff(qpi)
                moved += 1
        return moved
