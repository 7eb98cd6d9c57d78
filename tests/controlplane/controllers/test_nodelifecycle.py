"""Node lifecycle: heartbeats, Unknown conditions, taints, eviction timing, recovery, rate limits.

Upstream: pkg/controller/nodelifecycle/node_lifecycle_controller.go (monitorNodeHealth,
tryUpdateNodeHealth, processTaintBaseEviction, doNoScheduleTaintingPass,
doNoExecuteTaintingPass, handleDisruption, ComputeZoneState) and
pkg/controller/util/node/controller_utils.go (MarkPodsNotReady, RecordNodeStatusChange).
"""

from __future__ import annotations

from conftest import Sim, deployment
from k8slearn.api.objects import get_condition
from k8slearn.clock import parse_timestamp
from k8slearn.controlplane.controllers.nodelifecycle import TokenBucket, compute_zone_state, zone_key


def _condition(c, node: str, type_: str = "Ready") -> dict:
    return get_condition(c.get("node", node)["status"], type_)


def _taints(c, node: str) -> list[tuple[str, str]]:
    return [(t["key"], t["effect"]) for t in c.get("node", node)["spec"].get("taints", [])]


def _last_renew(c, node: str) -> float:
    return parse_timestamp(c.get("lease", node, "kube-node-lease")["spec"]["renewTime"])


def _when(c, predicate, timeout: float = 600) -> float:
    c.run_until(lambda _: predicate(), timeout=timeout)
    return c.now


def test_registered_nodes_get_an_event(sim):
    events = sim.c.events()
    registered = events[events.reason == "RegisteredNode"]
    assert list(registered.message) == [
        f"Node node-{i} event: Registered Node node-{i} in Controller" for i in (1, 2, 3)
    ]
    assert set(registered.source) == {"node-controller"}


def test_a_silent_node_goes_unknown_after_the_grace_period(sim):
    c = sim.c
    c.run(7)
    sim.fail("node-2")
    last = _last_renew(c, "node-2")
    before = _condition(c, "node-2")
    t_unknown = _when(c, lambda: _condition(c, "node-2")["status"] == "Unknown")
    # probe time = the 5 s monitor pass that first saw the last renewal; Unknown once now > probe + 50 s
    assert 50 < t_unknown - last <= 60 and t_unknown % 5 == 0
    for type_ in ("MemoryPressure", "DiskPressure", "PIDPressure", "Ready"):
        cond = _condition(c, "node-2", type_)
        assert (cond["status"], cond["reason"], cond["message"]) == (
            "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")  # fmt: skip
        assert parse_timestamp(cond["lastTransitionTime"]) == t_unknown
    assert _condition(c, "node-2")["lastHeartbeatTime"] == before["lastHeartbeatTime"]
    events = c.events()
    node_event = events[(events.reason == "NodeNotReady") & (events.object == "Node/node-2")]
    assert list(node_event.message) == ["Node node-2 status is now: NodeNotReady"]
    assert list(node_event.time) == [t_unknown]


def test_the_node_monitor_grace_period_flag(sim):
    fast = Sim(controller_manager={"node-monitor-grace-period": "20s"})
    c = fast.c
    fast.fail("node-1")
    last = _last_renew(c, "node-1")
    t_unknown = _when(c, lambda: _condition(c, "node-1")["status"] == "Unknown")
    assert 20 < t_unknown - last <= 30


def test_pods_on_a_dead_node_are_marked_not_ready(sim):
    c = sim.c
    c.apply(deployment(replicas=6))
    c.run(10)
    victims = [p["metadata"]["name"] for p in c.api.pods_on_node("node-2")]
    assert victims
    sim.fail("node-2")
    t_unknown = _when(c, lambda: _condition(c, "node-2")["status"] == "Unknown")
    for name in victims:
        ready = get_condition(c.get("pod", name)["status"], "Ready")
        assert ready["status"] == "False" and parse_timestamp(ready["lastTransitionTime"]) == t_unknown
    events = c.events()
    pod_events = events[(events.reason == "NodeNotReady") & events.object.str.startswith("Pod/")]
    assert sorted(pod_events.object) == sorted(f"Pod/{n}" for n in victims)
    assert set(pod_events.message) == {"Node is not ready"} and set(pod_events.type) == {"Warning"}


def test_taints_eviction_and_replacement_timeline(sim):
    """Unknown -> unreachable:NoSchedule at once, NoExecute one pass later, pods out 300 s after that."""
    c = sim.c
    c.apply(deployment(replicas=6))
    c.run(10)
    victims = sorted(p["metadata"]["name"] for p in c.api.pods_on_node("node-2"))
    sim.fail("node-2")
    t_unknown = _when(c, lambda: _condition(c, "node-2")["status"] == "Unknown")
    assert _taints(c, "node-2") == [("node.kubernetes.io/unreachable", "NoSchedule")]
    t_noexec = _when(c, lambda: ("node.kubernetes.io/unreachable", "NoExecute") in _taints(c, "node-2"))
    assert t_noexec == t_unknown + 5
    taint = next(t for t in c.get("node", "node-2")["spec"]["taints"] if t["effect"] == "NoExecute")
    assert parse_timestamp(taint["timeAdded"]) == t_noexec
    c.run(299)
    assert not any(c.get("pod", n)["metadata"].get("deletionTimestamp") for n in victims)
    c.run(1)
    events = c.events()
    evicted = events[events.reason == "TaintManagerEviction"]
    assert sorted(evicted.message) == [f"Marking for deletion Pod default/{n}" for n in victims]
    assert set(evicted.time) == {t_noexec + 300} and set(evicted.source) == {"taint-eviction-controller"}
    for name in victims:
        pod = c.get("pod", name)  # Terminating: nobody on node-2 confirms the deletion
        assert pod["metadata"].get("deletionTimestamp")
        target = get_condition(pod["status"], "DisruptionTarget")
        assert (target["reason"], target["message"]) == (
            "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint")  # fmt: skip
    c.run(5)
    running = [
        p for p in sim.pods()
        if not p["metadata"].get("deletionTimestamp") and p["status"].get("phase") == "Running"
    ]  # fmt: skip
    assert len(running) == 6 and all(p["spec"]["nodeName"] != "node-2" for p in running)


def test_recovery_removes_the_taints(sim):
    c = sim.c
    sim.fail("node-3")
    _when(c, lambda: ("node.kubernetes.io/unreachable", "NoExecute") in _taints(c, "node-3"))
    sim.recover("node-3")
    c.run(10)
    assert _taints(c, "node-3") == []
    assert _condition(c, "node-3")["status"] == "True"


def test_a_cordoned_node_gets_the_unschedulable_taint(sim):
    c = sim.c
    node = c.get("node", "node-1")
    node["spec"]["unschedulable"] = True
    c.update(node)
    c.run(1)
    assert _taints(c, "node-1") == [("node.kubernetes.io/unschedulable", "NoSchedule")]
    node = c.get("node", "node-1")
    node["spec"].pop("unschedulable")
    c.update(node)
    c.run(1)
    assert _taints(c, "node-1") == []


def test_a_whole_zone_down_stops_evictions():
    """One node, dead: FullDisruption in every zone, so no NoExecute taint (a control-plane problem?)."""
    sim = Sim(nodes=1)
    c = sim.c
    c.apply(deployment(replicas=2))
    c.run(5)
    sim.fail("node-1")
    c.run(400)
    assert _condition(c, "node-1")["status"] == "Unknown"
    assert _taints(c, "node-1") == [("node.kubernetes.io/unreachable", "NoSchedule")]
    assert not any(p["metadata"].get("deletionTimestamp") for p in sim.pods())


def test_noexecute_taints_are_rate_limited_per_zone():
    """--node-eviction-rate 0.1: one node tainted every 10 s."""
    sim = Sim(nodes=6)
    c = sim.c
    sim.fail("node-2")
    sim.fail("node-5")
    _when(c, lambda: all(("node.kubernetes.io/unreachable", "NoExecute") in _taints(c, n) for n in ("node-2",
                                                                                                     "node-5")))  # fmt: skip
    added = sorted(
        parse_timestamp(t["timeAdded"])
        for n in ("node-2", "node-5")
        for t in c.get("node", n)["spec"]["taints"]
        if t["effect"] == "NoExecute"
    )
    assert added[1] - added[0] == 10


def test_compute_zone_state():
    ready, unknown = {"status": "True"}, {"status": "Unknown"}
    assert compute_zone_state([ready] * 3 + [unknown] * 2, 0.55) == (2, "Normal")
    assert compute_zone_state([ready] * 2 + [unknown] * 3, 0.55) == (3, "PartialDisruption")
    assert compute_zone_state([unknown, None], 0.55) == (2, "FullDisruption")


def test_zone_key_and_token_bucket():
    node = {"metadata": {"labels": {"topology.kubernetes.io/region": "eu", "topology.kubernetes.io/zone": "eu-1a"}}}
    assert zone_key(node) == "eu:\x00:eu-1a"
    assert zone_key({"metadata": {}}) == ""
    bucket = TokenBucket(0.1, 1, now=0)
    assert bucket.try_accept(0) and not bucket.try_accept(5)
    assert bucket.next_token_at(5) == 10 and bucket.try_accept(10)
    assert not TokenBucket(0, 1, now=0).try_accept(100)
