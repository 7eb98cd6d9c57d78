"""The scheduling queue: order, back-off, unschedulable pods and the events that move them.

Behaviour of pkg/scheduler/backend/queue/scheduling_queue.go: PrioritySort order,
``calculateBackoffDuration`` (1 s doubling to 10 s), pods rejected by plugins wait
among the unschedulable pods until an event the plugins' queueing hints accept, or for
5 minutes (``podMaxInUnschedulablePodsDuration``); ``SchedulerPopFromBackoffQ`` (on by
default since 1.33) lets an idle scheduler take a pod from backoffQ early.
"""

from __future__ import annotations

import pytest
from _sched_fixtures import FakeScheduler, node, pod

import k8slearn as kl
from k8slearn.clock import Clock
from k8slearn.controlplane.scheduler.framework import ActionType, ClusterEvent
from k8slearn.controlplane.scheduler.queue import SchedulingQueue, backoff_duration


@pytest.mark.parametrize(
    "attempts, want",
    [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (9, 10.0)],
    ids=["first failure 1 s", "then 2 s", "4 s", "8 s", "capped at 10 s", "stays at 10 s"],
)
def test_backoff_duration(attempts, want):
    assert backoff_duration(attempts) == want


def _queue() -> tuple[SchedulingQueue, Clock, list]:
    sched = FakeScheduler([node("n")])
    clock = Clock()
    kicks: list = []
    q = SchedulingQueue(clock, {"default-scheduler": sched.fw}, lambda: kicks.append(clock.now))
    return q, clock, kicks


def test_active_queue_orders_by_priority_then_arrival():
    q, clock, _ = _queue()
    q.add(pod("low-1"))
    clock.run(1)
    q.add(pod("high", priority=1000))
    q.add(pod("low-2"))
    assert [q.pop().key[1] for _ in range(3)] == ["high", "low-1", "low-2"]


def _fail(q: SchedulingQueue, name: str, plugins: set[str]) -> None:
    qpi = q.pop()
    assert qpi.key[1] == name
    qpi.unschedulable_plugins = plugins
    q.add_unschedulable(qpi)


def test_unschedulable_pod_moves_only_on_an_event_its_plugin_cares_about():
    q, _, _ = _queue()
    q.add(pod("big", {"cpu": "8"}))
    _fail(q, "big", {"NodeResourcesFit"})
    assert q.where(("default", "big")) == "unschedulable"
    q.move_all_to_active_or_backoff(ClusterEvent("Node", ActionType.UPDATE_NODE_LABEL), node("n"), node("n"))
    assert q.where(("default", "big")) == "unschedulable"
    q.move_all_to_active_or_backoff(ClusterEvent("Node", ActionType.ADD), None, node("small", cpu="2"))
    assert q.where(("default", "big")) == "unschedulable", "the hint sees the new node is too small"
    q.move_all_to_active_or_backoff(ClusterEvent("Node", ActionType.ADD), None, node("large", cpu="16"))
    assert q.where(("default", "big")) in ("activeQ", "backoffQ")


def test_a_deleted_bound_pod_frees_room_for_fit_rejected_pods():
    q, _, _ = _queue()
    q.add(pod("big", {"cpu": "8"}))
    _fail(q, "big", {"NodeResourcesFit"})
    q.move_all_to_active_or_backoff(ClusterEvent("Pod", ActionType.DELETE), pod("x"), None)
    assert q.where(("default", "big")) == "unschedulable", "an unbound pod's deletion frees nothing"
    q.move_all_to_active_or_backoff(ClusterEvent("Pod", ActionType.DELETE), pod("y", node_name="n"), None)
    assert q.where(("default", "big")) != "unschedulable"


def test_unschedulable_pods_are_retried_after_five_minutes():
    q, clock, _ = _queue()
    q.add(pod("stuck", {"cpu": "8"}))
    _fail(q, "stuck", {"NodeResourcesFit"})
    clock.run(299)
    assert q.where(("default", "stuck")) == "unschedulable"
    clock.run(31)
    assert q.where(("default", "stuck")) in ("activeQ", "backoffQ")


def test_an_idle_scheduler_pops_from_backoffq_early():
    q, clock, _ = _queue()
    q.add(pod("p"))
    _fail(q, "p", {"NodeResourcesFit"})
    q.move_all_to_active_or_backoff(ClusterEvent("Node", ActionType.ADD), None, node("large"))
    assert q.where(("default", "p")) == "backoffQ"
    assert q.pop().key[1] == "p", "activeQ is empty, so backoffQ's head is taken now"


def test_scheduling_gates_keep_a_pod_out_until_removed():
    q, _, _ = _queue()
    gated = pod("gated")
    gated["spec"]["schedulingGates"] = [{"name": "example.com/wait"}]
    q.add(gated)
    assert q.where(("default", "gated")) == "gated" and q.pop() is None
    open_pod = pod("gated")
    q.update(gated, open_pod)
    assert q.where(("default", "gated")) == "activeQ"


def test_queue_frame_in_a_cluster():
    c = kl.Cluster(seed=0)
    c.add_node("n", cpu="1")
    c.run(2)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "big"},
             "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "2"}}}]}})  # fmt: skip
    c.run(1)
    frame = c.scheduler.queue_frame()
    assert frame.to_dict("records")[0]["queue"] == "unschedulable"
    assert "NodeResourcesFit" in frame.to_dict("records")[0]["rejected by"]
    assert "Pending" in c.kubectl("get pods")
